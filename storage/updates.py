"""Telegram update ids already handled, so a re-delivered update changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, SQLModel, col

from storage.engine import insert_on_conflict
from storage.models import ProcessedUpdate


def claim(session: Session, update_id: int, now: datetime) -> bool:
    """Record that an update is being handled; False when it was handled before."""
    insert = insert_on_conflict(session)
    table = SQLModel.metadata.tables["processedupdate"]
    statement = (
        insert(table)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table.c.update_id)
    )
    # One statement: a second delivery, even one in flight in another transaction, inserts nothing.
    return session.execute(statement).first() is not None


def forget_before(session: Session, moment: datetime) -> int:
    """Drop processed-update ids older than `moment`: Telegram re-delivers only within a day."""
    result = cast(
        CursorResult[Any],
        session.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < moment)),
    )
    return int(result.rowcount or 0)
