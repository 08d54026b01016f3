"""Erasing a patient: every row about them (answers, intakes, medications, check-ins, reminders,
appointments, invitations, safety events and their audit, the inbox and outbox rows that carry
their words or name), leaving one audit line without personal data (DataRightsLog). Also the
retention rule's query (who was last seen before a cutoff) and a declined patient's risk text.

All of it in the caller's transaction: an erasure is complete or did not happen.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists
from sqlmodel import Session, col, or_, select

from storage.models import (
    Answer,
    Appointment,
    Checkin,
    DataRightsLog,
    InboxUpdate,
    Intake,
    Invitation,
    Medication,
    OutboxMessage,
    Patient,
    Reminder,
    SafetyAudit,
    SafetyEvent,
)
from storage.statuses import Erasure

ERASED = "(erased)"
"""What an erased safety event's description says instead (the column is NOT NULL)."""


def erase_patient(session: Session, patient: Patient, action: Erasure, now: datetime) -> None:
    """Delete every row about `patient` and record "#N <action> at <now>"."""
    number, chat_id, name = patient.id, patient.telegram_chat_id, patient.display_name
    intake_ids = list(session.exec(select(Intake.id).where(Intake.patient_id == number)).all())
    event_ids = list(
        session.exec(select(SafetyEvent.id).where(SafetyEvent.patient_id == number)).all()
    )
    _forget_messages(session, number, chat_id, name, intake_ids, event_ids)
    if event_ids:
        session.execute(delete(SafetyAudit).where(col(SafetyAudit.safety_event_id).in_(event_ids)))
    session.execute(delete(SafetyEvent).where(col(SafetyEvent.patient_id) == number))
    session.execute(delete(Medication).where(col(Medication.patient_id) == number))
    if intake_ids:
        session.execute(delete(Answer).where(col(Answer.intake_id).in_(intake_ids)))
    session.execute(delete(Checkin).where(col(Checkin.patient_id) == number))
    session.execute(delete(Intake).where(col(Intake.patient_id) == number))
    session.execute(delete(Reminder).where(col(Reminder.patient_id) == number))
    session.execute(delete(Appointment).where(col(Appointment.patient_id) == number))
    session.execute(delete(Invitation).where(col(Invitation.patient_id) == number))
    session.expunge(patient)
    session.execute(delete(Patient).where(col(Patient.id) == number))
    session.add(DataRightsLog(patient_number=number, action=action.value, at=now))
    session.flush()


def _forget_messages(
    session: Session,
    patient_id: int,
    chat_id: int | None,
    name: str | None,
    intake_ids: Sequence[int],
    event_ids: Sequence[int],
) -> None:
    """Inbox and outbox rows of the patient's chat, and provider messages about them."""
    if chat_id is not None:
        session.execute(delete(InboxUpdate).where(col(InboxUpdate.chat_id) == chat_id))
        session.execute(delete(OutboxMessage).where(col(OutboxMessage.chat_id) == chat_id))
    about = [
        row.id
        for row in session.exec(select(OutboxMessage)).all()
        if _is_about(row.payload, patient_id, name, intake_ids, event_ids)
    ]
    if about:
        session.execute(delete(OutboxMessage).where(col(OutboxMessage.id).in_(about)))


def _is_about(
    payload: dict[str, Any],
    patient_id: int,
    name: str | None,
    intake_ids: Sequence[int],
    event_ids: Sequence[int],
) -> bool:
    """A provider message that names the patient or carries one of their intakes or alerts.

    Payloads are encrypted, so this reads them in Python rather than in SQL."""
    if payload.get("intake_id") in intake_ids or payload.get("event_id") in event_ids:
        return True
    if payload.get("patient_id") == patient_id or payload.get("record_of") == patient_id:
        return True
    text = str(payload.get("html") or "").casefold()
    if not name or not text:
        return False
    return name.casefold() in text or html.escape(name, quote=False).casefold() in text


def log_lines(session: Session) -> Sequence[DataRightsLog]:
    return session.exec(select(DataRightsLog).order_by(col(DataRightsLog.id))).all()


# --- retention ---------------------------------------------------------------------------


def last_seen_before(session: Session, cutoff: datetime) -> list[int]:
    """Patients with nothing since `cutoff`: made, linked, a visit (past or booked), an intake
    touched, a check-in or a safety event all before it, and no alert still unacknowledged."""
    pid = col(Patient.id)
    visit = exists().where(col(Appointment.patient_id) == pid, col(Appointment.starts_at) >= cutoff)
    intake = exists().where(
        col(Intake.patient_id) == pid,
        or_(col(Intake.updated_at) >= cutoff, col(Intake.submitted_at) >= cutoff),
    )
    checkin = exists().where(col(Checkin.patient_id) == pid, col(Checkin.started_at) >= cutoff)
    safety = exists().where(
        col(SafetyEvent.patient_id) == pid,
        or_(
            col(SafetyEvent.created_at) >= cutoff,
            (col(SafetyEvent.alert).is_(True) & col(SafetyEvent.acknowledged_at).is_(None)),
        ),
    )
    statement = select(Patient.id).where(
        col(Patient.created_at) < cutoff,
        or_(col(Patient.linked_at).is_(None), col(Patient.linked_at) < cutoff),
        ~visit,
        ~intake,
        ~checkin,
        ~safety,
    )
    return list(session.exec(statement.order_by(pid)).all())


# --- a declined patient's risk text -----------------------------------------------------


def declined_risk_texts(session: Session, patient_id: int | None = None) -> list[SafetyEvent]:
    """Safety events of patients who declined (and never agreed) whose words are still kept
    although safety no longer needs them: no alert, or an alert a provider acknowledged."""
    statement = (
        select(SafetyEvent)
        .join(Patient, col(Patient.id) == col(SafetyEvent.patient_id))
        .where(
            col(Patient.declined_at).is_not(None),
            col(Patient.consented_at).is_(None),
            col(SafetyEvent.text_erased_at).is_(None),
            or_(col(SafetyEvent.alert).is_(False), col(SafetyEvent.acknowledged_at).is_not(None)),
        )
    )
    if patient_id is not None:
        statement = statement.where(col(SafetyEvent.patient_id) == patient_id)
    return list(session.exec(statement.order_by(col(SafetyEvent.id))).all())


def unacknowledged_texts(session: Session, patient_id: int) -> int:
    """How many of the patient's safety events keep their words until an alert is acknowledged."""
    return len(
        session.exec(
            select(SafetyEvent.id).where(
                col(SafetyEvent.patient_id) == patient_id,
                col(SafetyEvent.text_erased_at).is_(None),
                col(SafetyEvent.alert).is_(True),
                col(SafetyEvent.acknowledged_at).is_(None),
            )
        ).all()
    )


def erase_texts(session: Session, events: Sequence[SafetyEvent], now: datetime) -> None:
    """The patient's words and the trigger's description go; kind, times and audit stay."""
    for event in events:
        event.patient_text = None
        event.detail = ERASED
        event.text_erased_at = now
        session.add(event)
    session.flush()
