"""Reminder occurrences: the source of truth the scheduler is armed from.

Each row has a unique `key`, so planning twice never makes two, and a row moves from pending to
sent (or missed, or cancelled) exactly once; `claim` is the compare-and-set that guarantees it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from storage.models import Reminder
from storage.statuses import ReminderStatus


def get(session: Session, reminder_id: int) -> Reminder | None:
    return session.get(Reminder, reminder_id)


def by_key(session: Session, key: str) -> Reminder | None:
    return session.exec(select(Reminder).where(Reminder.key == key)).first()


def by_keys(session: Session, keys: Collection[str]) -> dict[str, Reminder]:
    """The rows with these keys, by key (those that exist)."""
    if not keys:
        return {}
    rows = session.exec(select(Reminder).where(col(Reminder.key).in_(keys))).all()
    return {row.key: row for row in rows}


def pending(session: Session, due_before: datetime | None = None) -> Sequence[Reminder]:
    """Pending reminders (only those due by `due_before`, when given)."""
    statement = select(Reminder).where(Reminder.status == ReminderStatus.PENDING)
    if due_before is not None:
        statement = statement.where(col(Reminder.due_at) <= due_before)
    return session.exec(statement).all()


def pending_moments(
    session: Session, due_before: datetime | None = None
) -> list[tuple[int, str, datetime]]:
    """(id, key, due) of the pending reminders (due by `due_before`, when given): three columns,
    no ORM objects, so a sweep over tens of thousands stays cheap."""
    statement = select(Reminder.id, Reminder.key, Reminder.due_at).where(
        Reminder.status == ReminderStatus.PENDING
    )
    if due_before is not None:
        statement = statement.where(col(Reminder.due_at) <= due_before)
    return [(row[0], row[1], row[2]) for row in session.exec(statement).all()]


def for_appointment(
    session: Session, appointment_id: int, *, pending_only: bool
) -> Sequence[Reminder]:
    """The appointment's reminders: only the pending ones, or only those already settled."""
    status = col(Reminder.status)
    statement = select(Reminder).where(
        Reminder.appointment_id == appointment_id,
        status == ReminderStatus.PENDING if pending_only else status != ReminderStatus.PENDING,
    )
    return session.exec(statement).all()


def pending_of_kind(session: Session, patient_id: int, kind: str) -> Sequence[Reminder]:
    return session.exec(
        select(Reminder).where(
            Reminder.patient_id == patient_id,
            Reminder.kind == kind,
            Reminder.status == ReminderStatus.PENDING,
        )
    ).all()


def count_missed(session: Session, patient_id: int, kind: str, since: datetime | None) -> int:
    statement = (
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.patient_id == patient_id,
            Reminder.kind == kind,
            Reminder.status == ReminderStatus.MISSED,
        )
    )
    if since is not None:
        statement = statement.where(col(Reminder.due_at) >= since)
    return int(session.exec(statement).one())


def claim(session: Session, reminder_id: int) -> bool:
    """pending -> sending, only if still pending: two firings can never both send a row."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Reminder)
            .where(col(Reminder.id) == reminder_id, col(Reminder.status) == ReminderStatus.PENDING)
            .values(status=ReminderStatus.SENDING)
        ),
    )
    return result.rowcount == 1


def pending_for_patient(session: Session, patient_id: int) -> Sequence[Reminder]:
    """Every pending reminder of the patient, of any kind."""
    return session.exec(
        select(Reminder).where(
            Reminder.patient_id == patient_id, Reminder.status == ReminderStatus.PENDING
        )
    ).all()
