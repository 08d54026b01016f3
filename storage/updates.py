"""Telegram update ids already handled, so a re-delivered update changes nothing."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Delete, bindparam, delete
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col

from storage.engine import dialect_insert
from storage.models import InboxUpdate, ProcessedUpdate, table_of


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
    table = table_of(ProcessedUpdate)
    statement = (
        dialect_insert(postgresql)(table)
        .values(update_id=bindparam("p_id"), processed_at=bindparam("p_now"))
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table.c.update_id)
    )
    if postgresql:
        statement = statement.add_cte(_leave_inbox_statement().cte("left_inbox"))
    return statement


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
