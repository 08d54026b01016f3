"""Received Telegram updates not yet handled: stored before Telegram is told they arrived,
claimed by the process handling them (in update order per chat), deleted once handled."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy
from sqlalchemy import Row, Update, and_, bindparam, case, delete, exists, literal, update
from sqlmodel import Session, col, or_, select

from storage.engine import dialect_insert, insert_on_conflict
from storage.models import InboxUpdate, ProcessedUpdate, table_of


class ClaimFor(NamedTuple):
    """Updates stored claimed at once for `owner` until `until`: at most `limit` of them."""

    owner: str
    until: datetime
    limit: int


def store(
    session: Session,
    updates: Sequence[tuple[int, int | None, dict[str, Any]]],
    now: datetime,
    claim_for: ClaimFor | None = None,
) -> list[int]:
    """Store (update_id, chat_id, payload) rows; an update already stored, or already handled
    (Telegram delivering it again, or to another replica), is left out. One statement per
    update, each atomic on its own (the caller's transaction may be none).

    With `claim_for`, an update of a chat with nothing else waiting is stored claimed, as
    `claim` would claim it (the claim counted as an attempt), up to its limit: the ids of those
    are returned. Storing and claiming an update are one statement, not two."""
    if not updates:
        return []
    postgresql = session.get_bind().dialect.name == "postgresql"
    pending, claimed = list(updates), list[int]()
    if claim_for is not None:
        statement = _store_statement(postgresql, claiming=True)
        wanted = {"p_owner": claim_for.owner, "p_until": claim_for.until}
        while pending and len(claimed) < claim_for.limit:
            update_id, chat_id, payload = pending.pop(0)
            row = {"p_update": update_id, "p_chat": chat_id, "p_payload": payload, "p_now": now}
            parameters = {**row, **wanted, "p_claim": chat_id is not None}
            if session.execute(statement, parameters).scalar() is not None:
                claimed.append(update_id)
    if pending:
        rows = [{"p_update": u, "p_chat": c, "p_payload": p, "p_now": now} for u, c, p in pending]
        session.execute(_store_statement(postgresql, claiming=False), rows)
    return claimed


@cache
def _store_statement(postgresql: bool, *, claiming: bool) -> Any:
    """INSERT … SELECT … WHERE NOT EXISTS (handled) ON CONFLICT DO NOTHING: the look at the
    handled ids and the insert in one statement; `claiming`, with the claim decided in it too
    (RETURNING the owner of an update it claimed). Built once."""
    table, handled = table_of(InboxUpdate), table_of(ProcessedUpdate)
    columns = ["update_id", "chat_id", "payload", "received_at", "attempts"]
    values = [
        bindparam("p_update", type_=table.c.update_id.type),
        bindparam("p_chat", type_=table.c.chat_id.type),
        bindparam("p_payload", type_=table.c.payload.type),
        bindparam("p_now", type_=table.c.received_at.type),
    ]
    new = ~exists().where(handled.c.update_id == bindparam("p_update"))
    if not claiming:
        rows = sqlalchemy.select(*values, literal(0, type_=table.c.attempts.type)).where(new)
        insert = dialect_insert(postgresql)(table).from_select(columns, rows)
        return insert.on_conflict_do_nothing()
    waiting = table.alias("waiting")
    free = and_(
        bindparam("p_claim", type_=sqlalchemy.Boolean),
        ~exists().where(waiting.c.chat_id == bindparam("p_chat")),
    )
    decided = sqlalchemy.select(free.label("claim")).subquery("decided")
    claimed = (
        case((decided.c.claim, 1), else_=0),
        case((decided.c.claim, bindparam("p_owner", type_=table.c.claimed_by.type))),
        case((decided.c.claim, bindparam("p_until", type_=table.c.claimed_until.type))),
    )
    rows = sqlalchemy.select(*values, *claimed).select_from(decided).where(new)
    insert = dialect_insert(postgresql)(table).from_select(
        [*columns, "claimed_by", "claimed_until"], rows
    )
    return insert.on_conflict_do_nothing().returning(table.c.claimed_by)


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


def release(session: Session, owner: str, update_ids: Collection[int] | None = None) -> None:
    """Give back the updates `owner` had claimed, so they are handled again: every one (at
    shutdown), or those of `update_ids`."""
    statement = update(InboxUpdate).where(col(InboxUpdate.claimed_by) == owner)
    if update_ids is not None:
        statement = statement.where(col(InboxUpdate.update_id).in_(update_ids))
    session.execute(statement.values(claimed_by=None, claimed_until=None))


def release_all(session: Session) -> None:
    """Free every claim (the only process restarting after a crash)."""
    session.execute(update(InboxUpdate).values(claimed_by=None, claimed_until=None))


def waiting(session: Session) -> int:
    return len(session.exec(select(InboxUpdate.update_id)).all())
