"""Received Telegram updates not yet handled: stored before Telegram is told they arrived,
claimed by the process handling them (in update order per chat), deleted once handled."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy
from sqlalchemy import Row, Update, bindparam, delete, exists, literal, update
from sqlmodel import Session, col, or_, select

from storage.engine import dialect_insert, insert_on_conflict
from storage.models import InboxUpdate, ProcessedUpdate, table_of


def store(
    session: Session, updates: Sequence[tuple[int, int | None, dict[str, Any]]], now: datetime
) -> None:
    """Store (update_id, chat_id, payload) rows; an update already stored, or already handled
    (Telegram delivering it again, or to another replica), is left out. One statement per
    update, each atomic on its own (the caller's transaction may be none)."""
    if not updates:
        return
    postgresql = session.get_bind().dialect.name == "postgresql"
    rows = [{"p_update": u, "p_chat": c, "p_payload": p, "p_now": now} for u, c, p in updates]
    session.execute(_store_statement(postgresql), rows)


@cache
def _store_statement(postgresql: bool) -> Any:
    """INSERT … SELECT … WHERE NOT EXISTS (handled) ON CONFLICT DO NOTHING: the look at the
    handled ids and the insert in one statement. Built once."""
    table, handled = table_of(InboxUpdate), table_of(ProcessedUpdate)
    values = sqlalchemy.select(
        bindparam("p_update", type_=table.c.update_id.type),
        bindparam("p_chat", type_=table.c.chat_id.type),
        bindparam("p_payload", type_=table.c.payload.type),
        bindparam("p_now", type_=table.c.received_at.type),
        literal(0, type_=table.c.attempts.type),
    ).where(~exists().where(handled.c.update_id == bindparam("p_update")))
    columns = ["update_id", "chat_id", "payload", "received_at", "attempts"]
    return dialect_insert(postgresql)(table).from_select(columns, values).on_conflict_do_nothing()


def claim(
    session: Session,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
    handling: Collection[int] = (),
) -> list[Row[Any]]:
    """Updates to handle now, oldest first, claimed for `owner` until `until`; never one of
    `handling` (this process is still handling them, though their claim may have run out).
    One statement; each row has update_id, payload and attempts (this claim counted: the
    caller starts handling every update it claims at once).

    An update waits while an earlier update of the same chat is still there (claimed by this or
    another process, or failed to be claimed), so each chat's updates are handled in order.
    """
    statement = _claim_statement(session.get_bind().dialect.name, limit)
    parameters = {"p_owner": owner, "p_now": now, "p_until": until, "p_handling": list(handling)}
    return sorted(session.execute(statement, parameters).all(), key=lambda row: row.update_id)


@cache
def _claim_statement(dialect: str, limit: int) -> Update:
    """Built once per dialect and limit: building it costs more CPU than running it."""
    table = table_of(InboxUpdate)
    earlier = table.alias("earlier")
    blocked = exists().where(
        earlier.c.chat_id == table.c.chat_id, earlier.c.update_id < table.c.update_id
    )
    free = or_(table.c.claimed_until.is_(None), table.c.claimed_until < bindparam("p_now"))
    waiting = (
        select(table.c.update_id)
        .where(free, ~blocked, table.c.update_id.not_in(bindparam("p_handling", expanding=True)))
        .order_by(table.c.update_id)
        .limit(limit)
    )
    if dialect == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    chosen = waiting.cte("chosen")  # in a WITH: see storage.outbox._claim_statement
    return (
        update(table)
        .where(table.c.update_id.in_(select(chosen.c.update_id)))
        .values(
            claimed_by=bindparam("p_owner"),
            claimed_until=bindparam("p_until"),
            attempts=table.c.attempts + 1,
        )
        .returning(table.c.update_id, table.c.payload, table.c.attempts)
    )


def done(session: Session, update_id: int, now: datetime) -> None:
    """The update was handled: forget it, and keep its id in ProcessedUpdate (where its handler
    may have put it already), so a copy delivered later is not stored again."""
    table = table_of(InboxUpdate)
    session.execute(delete(table).where(table.c.update_id == update_id))
    session.execute(
        insert_on_conflict(session)(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing()
    )


def release(session: Session, owner: str) -> None:
    """Give back every update `owner` had claimed (at shutdown), so they are handled again."""
    session.execute(
        update(InboxUpdate)
        .where(col(InboxUpdate.claimed_by) == owner)
        .values(claimed_by=None, claimed_until=None)
    )


def release_all(session: Session) -> None:
    """Free every claim (the only process restarting after a crash)."""
    session.execute(update(InboxUpdate).values(claimed_by=None, claimed_until=None))


def waiting(session: Session) -> int:
    return len(session.exec(select(InboxUpdate.update_id)).all())
