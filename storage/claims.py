"""Claims across the inbox and the outbox, by owner: who holds live claims now, and giving
up at once the claims of bot processes that stopped (storage.locks tells which), instead of
waiting for their leases to run out.

A claim given up this way keeps its owner and ends now (`claimed_until`), as a claim that ran
out would: the next claim of an outbox message marks it uncertain (the stopped process may have
sent it), and an update's claim still counts as an attempt.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Table, union, update
from sqlmodel import Session, select

from storage.models import InboxUpdate, OutboxMessage, table_of
from storage.statuses import OutboxStatus


def _tables() -> tuple[Table, Table]:
    return table_of(InboxUpdate), table_of(OutboxMessage)


def holders(session: Session, now: datetime) -> set[str]:
    """The owners of claims still running at `now`, in the inbox or the outbox."""
    inbox, outbox = _tables()
    live_updates = select(inbox.c.claimed_by).where(inbox.c.claimed_until >= now)
    live_messages = select(outbox.c.claimed_by).where(
        outbox.c.status == OutboxStatus.PENDING, outbox.c.claimed_until >= now
    )
    rows = session.execute(union(live_updates, live_messages)).scalars()
    return {owner for owner in rows if owner is not None}


def end(session: Session, owners: Collection[str], now: datetime) -> int:
    """End now every claim of `owners` still running: how many updates and messages they held."""
    if not owners:
        return 0
    ended = 0
    for table in _tables():
        result = session.execute(
            update(table)
            .where(table.c.claimed_by.in_(list(owners)), table.c.claimed_until >= now)
            .values(claimed_until=now)
        )
        ended += int(getattr(result, "rowcount", 0) or 0)
    return ended
