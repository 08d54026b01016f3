"""Messages waiting to be sent (the outbox): added in the transaction of the change that
causes them, claimed by a dispatcher in order per chat and by priority, marked sent part by part
only once Telegram accepted them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, or_, select

from storage.models import OutboxMessage
from storage.statuses import OutboxStatus

FORGET = "forget"
"""A payload key: the message is forgotten (words and chat) once settled."""


def add(session: Session, message: OutboxMessage) -> OutboxMessage | None:
    """Add a message; None (and nothing added) when its dedupe key was used before."""
    if message.dedupe_key is not None:
        seen = session.exec(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == message.dedupe_key)
        ).first()
        if seen is not None:
            return None
    session.add(message)
    session.flush()
    return message


def get(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def claim(
    session: Session,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
    priorities: tuple[int, int] = (0, 99),
    sending: Collection[int] = (),
) -> list[OutboxMessage]:
    """Messages due now whose priority is within `priorities` (both ends included), most
    urgent first, claimed for `owner` until `until`; never one of `sending` (this process is
    still sending them, though their claim may have run out).

    A message waits while the same chat has an earlier pending one of the same or a more
    urgent priority, so each chat reads its messages in order while an alert never queues
    behind a reminder.
    """
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        col(earlier.chat_id) == col(OutboxMessage.chat_id),
        col(earlier.status) == OutboxStatus.PENDING,
        col(earlier.id) < col(OutboxMessage.id),
        col(earlier.priority) <= col(OutboxMessage.priority),
    )
    free = or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now)
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            col(OutboxMessage.priority).between(*priorities),
            col(OutboxMessage.due_at) <= now,
            free,
            ~blocked,
            col(OutboxMessage.id).not_in(list(sending)),
        )
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    rows = list(session.exec(statement).all())
    for row in rows:
        if row.claimed_until is not None:  # its sender stopped mid-send: it may have arrived
            row.uncertain = True
        row.claimed_by, row.claimed_until, row.attempts = owner, until, row.attempts + 1
        session.add(row)
    session.flush()
    return rows


def save_progress(
    session: Session, message_id: int, parts_sent: int, message_ids: list[int], uncertain: bool
) -> None:
    """Record the parts Telegram accepted so far (a crash resumes after them)."""
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(parts_sent=parts_sent, message_ids=message_ids, uncertain=uncertain)
    )


def finish(session: Session, row: OutboxMessage, status: str, now: datetime) -> None:
    """Settle a message. One flagged "forget" (a goodbye to a patient who left, the notice
    naming them to providers) keeps neither its words nor its chat once settled."""
    row.status = status
    row.sent_at = now if status == OutboxStatus.SENT else None
    row.claimed_by = row.claimed_until = None
    if row.payload.get(FORGET):
        row.payload, row.chat_id = {}, 0
    session.add(row)


def retry_later(
    session: Session, message_id: int, due: datetime, error: str, uncertain: bool
) -> None:
    """Put a message back for another attempt at `due` (its progress is kept)."""
    values: dict[str, Any] = {
        "due_at": due,
        "last_error": error[:60],
        "claimed_by": None,
        "claimed_until": None,
    }
    if uncertain:
        values["uncertain"] = True
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values)
    )


def release(session: Session, owner: str) -> int:
    """After a crash or at shutdown: what `owner` was sending may or may not have arrived."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.claimed_by) == owner,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .values(claimed_by=None, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def take_over_claims(session: Session) -> None:
    """Free every claim at once (the only sender restarting): what was claimed may have gone
    out, so the next attempt says it is a re-send."""
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.claimed_until).is_not(None),
        )
        .values(uncertain=True, claimed_by=None, claimed_until=None)
    )


def cancel_pending(session: Session, group_key: str) -> None:
    """Messages of a group that need not go out any more (an alert's repeat, once acknowledged)."""
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.group_key) == group_key,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED, claimed_by=None, claimed_until=None)
    )


def in_group(session: Session, group_key: str) -> Sequence[OutboxMessage]:
    return session.exec(select(OutboxMessage).where(OutboxMessage.group_key == group_key)).all()


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


def pending_count(session: Session, chat_id: int | None = None) -> int:
    statement = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    if chat_id is not None:
        statement = statement.where(OutboxMessage.chat_id == chat_id)
    return int(session.exec(statement).one())


def next_due(session: Session) -> datetime | None:
    """When the earliest pending message falls due (None: nothing pending)."""
    return session.exec(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    ).one()
