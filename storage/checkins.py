"""Between-visit check-ins: one row each, with its answers as a JSON object."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.intakes import Shown
from storage.models import Checkin, table_of


def latest(session: Session, patient_id: int) -> Checkin | None:
    return session.exec(
        select(Checkin).where(Checkin.patient_id == patient_id).order_by(col(Checkin.id).desc())
    ).first()


def add(session: Session, checkin: Checkin) -> Checkin:
    session.add(checkin)
    session.flush()
    return checkin


def completed(
    session: Session, patient_id: int, since: datetime | None = None
) -> Sequence[Checkin]:
    """The patient's completed check-ins (since `since` if given), oldest first."""
    statement = select(Checkin).where(
        Checkin.patient_id == patient_id, col(Checkin.completed_at).is_not(None)
    )
    if since is not None:
        statement = statement.where(col(Checkin.completed_at) >= since)
    return session.exec(statement.order_by(col(Checkin.completed_at))).all()


def shown(checkin_id: int, step: str, message_id: int | None) -> Shown:
    """As storage.intakes.shown."""
    return Shown(table_of(Checkin), checkin_id, step, message_id)
