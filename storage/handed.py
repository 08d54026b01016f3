"""Patients' replies stored already claimed for the dispatcher that will send them (the one of
the process whose transaction wrote them), so that it need not claim them: the claim is decided
in the INSERT, as storage.outbox.claim would decide it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy
from sqlalchemy import bindparam, case, exists, literal
from sqlmodel import Session

from storage import outbox, writes
from storage.engine import dialect_insert
from storage.models import OutboxMessage, table_of
from storage.statuses import OutboxStatus


class Claim(NamedTuple):
    """A message stored claimed for `owner` (a dispatcher) until `until`."""

    owner: str
    until: datetime


def add_claimed_later(
    session: Session,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    priority: int,
    claim: Claim,
    claimed: Callable[[int], None],
) -> None:
    """storage.outbox.add_later, the message stored claimed as storage.outbox.claim would
    claim it (the claim counted as an attempt), unless its chat has an earlier pending message
    of the same or a more urgent priority (then it waits for a dispatcher's claim, as any
    message does): storing and claiming it are one statement. `claimed` is given its id when
    it was claimed."""
    row = outbox.message_row(chat_id, kind, payload, now, priority, None, None)
    row.update(p_owner=claim.owner, p_until=claim.until)
    statement = _add_claimed_statement(session.get_bind().dialect.name)

    def returned(message_id: int | None) -> None:
        if message_id is not None:
            claimed(int(message_id))

    # It looks for the chat's earlier messages: one this transaction wrote must be there.
    writes.later(session, statement, row, returned=returned, sees=table_of(OutboxMessage))


@cache
def _add_claimed_statement(dialect: str) -> Any:
    """INSERT … SELECT, the claim decided in it; RETURNING the id of a message it claimed."""
    table = table_of(OutboxMessage)
    earlier = table.alias("earlier")
    priority = bindparam("priority", type_=table.c.priority.type)
    free = ~exists().where(
        earlier.c.chat_id == bindparam("chat_id", type_=table.c.chat_id.type),
        earlier.c.status == OutboxStatus.PENDING,
        earlier.c.priority <= priority,
    )
    decided = sqlalchemy.select(free.label("claim")).subquery("decided")
    names = ("chat_id", "kind", "payload", "created_at", "due_at")
    given = [bindparam(name, type_=table.c[name].type) for name in names]
    fixed = {"status": OutboxStatus.PENDING, "parts_sent": 0, "uncertain": False}
    claimed = {
        "attempts": case((decided.c.claim, 1), else_=0),
        "claimed_by": case((decided.c.claim, bindparam("p_owner", type_=table.c.claimed_by.type))),
        "claimed_until": case(
            (decided.c.claim, bindparam("p_until", type_=table.c.claimed_until.type))
        ),
    }
    constants = [literal(value, type_=table.c[name].type) for name, value in fixed.items()]
    rows = sqlalchemy.select(*given, priority, *constants, *claimed.values()).select_from(decided)
    columns = [*names, "priority", *fixed, *claimed]
    insert = dialect_insert(dialect == "postgresql")(table).from_select(columns, rows)
    # Claimed as it was stored: an attempt counted. (Not "claimed_by IS NOT NULL": SQLite 3.40
    # answers it wrongly in this RETURNING.)
    return insert.returning(case((table.c.attempts == 1, table.c.id)).label("handed"))
