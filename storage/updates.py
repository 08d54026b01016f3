"""Telegram update ids already handled, so a re-delivered update changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col

from storage.models import ProcessedUpdate


def claim(session: Session, update_id: int, now: datetime) -> bool:
    """Record that an update is being handled; False when it was handled before."""
    if session.get(ProcessedUpdate, update_id) is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    session.flush()
    return True


def forget_before(session: Session, moment: datetime) -> int:
    """Drop processed-update ids older than `moment`: Telegram re-delivers only within a day."""
    result = cast(
        CursorResult[Any],
        session.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < moment)),
    )
    return int(result.rowcount or 0)
