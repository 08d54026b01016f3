"""One chat's messages in the outbox, as the dialogue looks at them: whether one is being sent
right now, the newest reply, the latest replies sent (which showed the patient's question)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_
from sqlmodel import Session, col, or_, select

from storage.models import OutboxMessage
from storage.statuses import OutboxStatus


def sending(session: Session, chat_id: int, now: datetime) -> bool:
    """Whether a message to the chat is being sent (claimed, its claim not run out), or was
    settled at or after `now` (the start of the caller's transaction): Telegram may have shown
    it, and what the caller read of the dialogue may be from before its settle committed (on
    PostgreSQL each statement sees what committed before it began)."""
    claimed = and_(
        col(OutboxMessage.status) == OutboxStatus.PENDING, col(OutboxMessage.claimed_until) >= now
    )
    settled = and_(
        col(OutboxMessage.status) == OutboxStatus.SENT, col(OutboxMessage.sent_at) >= now
    )
    found = session.exec(
        select(OutboxMessage.id)
        .where(OutboxMessage.chat_id == chat_id, or_(claimed, settled))
        .limit(1)
    ).first()
    return found is not None


def latest_sent(
    session: Session, chat_id: int, kind: str, limit: int = 10
) -> Sequence[OutboxMessage]:
    """The latest messages of `kind` sent to a chat, newest first."""
    return session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.kind == kind,
            OutboxMessage.status == OutboxStatus.SENT,
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    ).all()


def newest(session: Session, chat_id: int, kind: str) -> OutboxMessage | None:
    """The chat's newest message of `kind`, whatever its status."""
    return session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.kind == kind)
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
