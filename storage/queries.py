"""Query functions: each takes a session and does one job. Callers own the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from flows.intake import IntakeState
from flows.machine import FINAL_STATES
from storage.models import (
    Answer,
    Intake,
    Medication,
    Patient,
    ProcessedUpdate,
    SafetyAudit,
    SafetyEvent,
    utcnow,
)


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
@overload
def as_utc(moment: datetime | None) -> datetime | None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# --- patients ---------------------------------------------------------------------------


def patient_by_chat(session: Session, chat_id: int) -> Patient | None:
    return session.exec(select(Patient).where(Patient.telegram_chat_id == chat_id)).first()


def create_patient(
    session: Session, chat_id: int | None, display_name: str | None = None
) -> Patient:
    patient = Patient(telegram_chat_id=chat_id, display_name=display_name)
    session.add(patient)
    session.flush()
    return patient


# --- intakes ----------------------------------------------------------------------------


def latest_intake(session: Session, patient_id: int) -> Intake | None:
    statement = (
        select(Intake).where(Intake.patient_id == patient_id).order_by(col(Intake.id).desc())
    )
    return session.exec(statement).first()


def create_intake(session: Session, patient_id: int, now: datetime | None = None) -> Intake:
    moment = now or utcnow()
    intake = Intake(patient_id=patient_id, started_at=moment, updated_at=moment)
    session.add(intake)
    session.flush()
    return intake


def is_open(intake: Intake) -> bool:
    return intake.state not in FINAL_STATES


def intake_state(intake: Intake) -> IntakeState:
    return IntakeState(
        state=intake.state,
        step=intake.step,
        editing=intake.editing,
        pending=intake.pending,
        draft=tuple(intake.draft) if intake.draft is not None else None,
    )


def save_intake_state(
    session: Session, intake: Intake, new: IntakeState, *, paused: bool, now: datetime
) -> bool:
    """Compare-and-set the dialogue position; False when another update changed it first."""
    result = session.execute(
        update(Intake)
        .where(col(Intake.id) == intake.id, col(Intake.version) == intake.version)
        .values(
            state=new.state,
            step=new.step,
            editing=new.editing,
            pending=new.pending,
            draft=list(new.draft) if new.draft is not None else None,
            paused=paused,
            version=intake.version + 1,
            updated_at=now,
        )
        # Leave `intake` alone: a stale copy must not take on values that were never stored.
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(intake)
    return True


def mark_consented(session: Session, intake: Intake, now: datetime) -> None:
    intake.consented_at = now
    session.add(intake)


def mark_submitted(session: Session, intake: Intake, now: datetime) -> None:
    intake.submitted_at = now
    session.add(intake)


def mark_delivered(session: Session, intake_id: int, now: datetime) -> None:
    session.execute(update(Intake).where(col(Intake.id) == intake_id).values(delivered_at=now))


# --- answers ----------------------------------------------------------------------------


def current_answers(session: Session, intake_id: int) -> dict[str, Any]:
    """The answers in force, by question key."""
    rows = session.exec(
        select(Answer)
        .where(Answer.intake_id == intake_id, col(Answer.superseded).is_(False))
        .order_by(col(Answer.id))
    ).all()
    return {row.question_key: row.value for row in rows}


def current_typed_texts(session: Session, intake_id: int) -> dict[str, str]:
    """The patient's own words behind the current answers that were typed, by question key."""
    rows = session.exec(
        select(Answer).where(
            Answer.intake_id == intake_id,
            col(Answer.superseded).is_(False),
            col(Answer.raw_text).is_not(None),
        )
    ).all()
    return {row.question_key: row.raw_text for row in rows if row.raw_text is not None}


def answer_history(session: Session, intake_id: int, key: str | None = None) -> Sequence[Answer]:
    """Every answer ever given, superseded ones included, oldest first."""
    statement = select(Answer).where(Answer.intake_id == intake_id)
    if key is not None:
        statement = statement.where(Answer.question_key == key)
    return session.exec(statement.order_by(col(Answer.id))).all()


def record_answer(
    session: Session, intake_id: int, key: str, value: Any, raw_text: str | None, now: datetime
) -> Answer:
    """Store an answer; the answer it replaces is marked superseded, never overwritten."""
    session.execute(
        update(Answer)
        .where(
            col(Answer.intake_id) == intake_id,
            col(Answer.question_key) == key,
            col(Answer.superseded).is_(False),
        )
        .values(superseded=True, superseded_at=now)
    )
    answer = Answer(
        intake_id=intake_id, question_key=key, value=value, raw_text=raw_text, created_at=now
    )
    session.add(answer)
    session.flush()
    return answer


def supersede_all_answers(
    session: Session, intake_id: int, now: datetime, keep: tuple[str, ...] = ()
) -> None:
    """Start the answers over (history kept); the keys in `keep` stay current."""
    session.execute(
        update(Answer)
        .where(
            col(Answer.intake_id) == intake_id,
            col(Answer.superseded).is_(False),
            col(Answer.question_key).not_in(keep),
        )
        .values(superseded=True, superseded_at=now)
    )


# --- medications ------------------------------------------------------------------------


def replace_medications(
    session: Session,
    patient_id: int,
    intake_id: int,
    medications: Iterable[dict[str, Any]],
    now: datetime,
) -> None:
    """Write the medication list of a submitted intake (one row per medication)."""
    for existing in session.exec(select(Medication).where(Medication.intake_id == intake_id)).all():
        session.delete(existing)
    for position, med in enumerate(medications, start=1):
        session.add(
            Medication(
                patient_id=patient_id, intake_id=intake_id, position=position, created_at=now, **med
            )
        )
    session.flush()


def medications_for(session: Session, intake_id: int) -> Sequence[Medication]:
    return session.exec(
        select(Medication)
        .where(Medication.intake_id == intake_id)
        .order_by(col(Medication.position))
    ).all()


# --- safety and idempotency -------------------------------------------------------------


def add_safety_event(session: Session, event: SafetyEvent) -> SafetyEvent:
    """Store a safety event, and in the audit table what the patient was shown."""
    session.add(event)
    session.flush()
    if event.shown:
        session.add(
            SafetyAudit(
                safety_event_id=event.id,
                action="shown",
                actor="bot",
                detail=event.shown,
                at=event.created_at,  # type: ignore[arg-type]
            )
        )
    return event


def safety_events(session: Session, intake_id: int) -> Sequence[SafetyEvent]:
    return session.exec(
        select(SafetyEvent).where(SafetyEvent.intake_id == intake_id).order_by(col(SafetyEvent.id))
    ).all()


def safety_events_between_visits(
    session: Session, patient_id: int, since: datetime | None, until: datetime
) -> Sequence[SafetyEvent]:
    """A patient's safety events outside any intake (check-ins, idle messages) in a period."""
    statement = select(SafetyEvent).where(
        SafetyEvent.patient_id == patient_id,
        col(SafetyEvent.intake_id).is_(None),
        col(SafetyEvent.created_at) <= until,
    )
    if since is not None:
        statement = statement.where(col(SafetyEvent.created_at) >= since)
    return session.exec(statement.order_by(col(SafetyEvent.id))).all()


def set_alerted(session: Session, event_ids: Sequence[int], chat_ids: Sequence[int]) -> None:
    if event_ids:
        session.execute(
            update(SafetyEvent)
            .where(col(SafetyEvent.id).in_(event_ids))
            .values(alerted_chat_ids=list(chat_ids))
        )


def claim_update(session: Session, update_id: int, now: datetime) -> bool:
    """Record that an update is being handled; False when it was handled before."""
    if session.get(ProcessedUpdate, update_id) is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    session.flush()
    return True


def forget_updates_before(session: Session, moment: datetime) -> int:
    """Drop processed-update ids older than `moment`: Telegram re-delivers only within a day."""
    result = session.execute(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < moment)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
