"""Telegram update ids already handled, so a re-delivered update changes nothing."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Delete, bindparam, delete
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col

from storage import writes
from storage.engine import dialect_insert
from storage.models import InboxUpdate, ProcessedUpdate, table_of

PENDING = "pending_claim"
"""Where a claim waiting for the transaction's first read of the patient is kept
(Session.info)."""


class AlreadyHandled(Exception):
    """A claim that ran with a read (or at the end of the work) found the update handled."""


def claim_with_first_read(session: Session, update_id: int, now: datetime) -> None:
    """Claim an update for this transaction, in a statement it runs anyway: one round trip
    fewer per update. On PostgreSQL the claim is left for the transaction's first read of the
    patient (storage.intakes.patient_and_visits), which runs it in a WITH; on SQLite, for its
    writes (storage.writes). `claim_left` leaves it for the writes if no read took it. The claim
    raises AlreadyHandled when it runs, if the update was handled before."""
    session.info[PENDING] = {"p_id": update_id, "p_now": now}


def take_pending(session: Session) -> dict[str, Any] | None:
    """The claim left for this read to run (its parameters), if any: it is the reader's now.
    None on SQLite, where it goes with the writes."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    parameters: dict[str, Any] | None = session.info.pop(PENDING, None)
    return parameters


def claim_left(session: Session) -> None:
    """Leave a claim no read ran for the transaction's writes, which run it before the commit
    (or, on PostgreSQL, run it now); AlreadyHandled if the update was handled before."""
    parameters: dict[str, Any] | None = session.info.pop(PENDING, None)
    if parameters is None:
        return
    if session.get_bind().dialect.name == "postgresql":
        if not claim(session, parameters["p_id"], parameters["p_now"]):
            raise AlreadyHandled
        return

    def claimed(update_id: int | None) -> None:
        if update_id is None:
            raise AlreadyHandled

    writes.later(session, _processed_statement(False), parameters, returned=claimed)
    writes.later(session, _leave_inbox_statement(), parameters)


def claim_ctes() -> tuple[Any, Any]:
    """The claim as two WITH parts for a PostgreSQL read: the inbox row's DELETE, and the INSERT
    whose RETURNING has a row when this transaction claimed the update."""
    return _leave_inbox_statement().cte("left_inbox"), _processed_statement(True).cte("claimed")


def claim(session: Session, update_id: int, now: datetime) -> bool:
    """Record that an update is being handled, and take it out of the inbox (if it came
    through it) in the same transaction; False when it was handled before."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    statement, parameters = _claim_statement(postgresql), {"p_id": update_id, "p_now": now}
    # One statement: a second delivery, even one in flight in another transaction, inserts nothing.
    claimed = session.execute(statement, parameters).first() is not None
    if not postgresql:  # SQLite has no DELETE inside WITH: a second statement
        session.execute(_leave_inbox_statement(), parameters)
    return claimed


@cache
def _claim_statement(postgresql: bool) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING; on PostgreSQL with the inbox row's DELETE in
    a WITH of the same statement. Built once."""
    statement = _processed_statement(postgresql)
    if postgresql:
        statement = statement.add_cte(_leave_inbox_statement().cte("left_inbox"))
    return statement


@cache
def _processed_statement(postgresql: bool) -> Any:
    table = table_of(ProcessedUpdate)
    return (
        dialect_insert(postgresql)(table)
        .values(update_id=bindparam("p_id"), processed_at=bindparam("p_now"))
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table.c.update_id)
    )


@cache
def _leave_inbox_statement() -> Delete:
    inbox = table_of(InboxUpdate)
    return delete(inbox).where(inbox.c.update_id == bindparam("p_id"))


def forget_before(session: Session, moment: datetime) -> int:
    """Drop processed-update ids older than `moment`: Telegram re-delivers only within a day."""
    result = cast(
        CursorResult[Any],
        session.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < moment)),
    )
    return int(result.rowcount or 0)
