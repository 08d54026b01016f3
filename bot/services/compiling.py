"""Reading a patient's record for providers: compiled intakes with their appointment, check-ins and
changes since the last visit; the check-in log; visit dates. Plain functions taking a session.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.services.intake import compile_submitted
from flows.changes import changes_since
from flows.checkin_summary import CheckinRecord, records_from_answers, summarise_checkins
from flows.compiled import CompiledIntake
from flows.when import format_local
from storage import queries
from storage.models import Appointment, Checkin, Intake, Patient, Reminder


def checkin_records(
    session: Session, patient_id: int, since: datetime | None = None
) -> tuple[list[CheckinRecord], int]:
    """Completed check-ins (oldest first) and how many reminders were missed, since `since`."""
    statement = select(Checkin).where(
        Checkin.patient_id == patient_id, col(Checkin.completed_at).is_not(None)
    )
    if since is not None:
        statement = statement.where(col(Checkin.completed_at) >= since)
    rows = session.exec(statement.order_by(col(Checkin.completed_at))).all()
    records = [
        records_from_answers(queries.as_utc(r.completed_at), r.answers or {}, r.late)  # type: ignore[arg-type]
        for r in rows
    ]
    missed = select(Reminder).where(
        Reminder.patient_id == patient_id, Reminder.kind == "checkin", Reminder.status == "missed"
    )
    if since is not None:
        missed = missed.where(col(Reminder.due_at) >= since)
    return records, len(session.exec(missed).all())


def visit_times(session: Session, patient_id: int) -> list[datetime]:
    """Every scheduled appointment's time, oldest first."""
    rows = session.exec(
        select(Appointment)
        .where(Appointment.patient_id == patient_id, Appointment.status == "scheduled")
        .order_by(col(Appointment.starts_at))
    ).all()
    return [a for a in (queries.as_utc(r.starts_at) for r in rows) if a is not None]


def submitted_intakes(session: Session, patient_id: int) -> list[Intake]:
    """The patient's submitted intakes, oldest first."""
    return list(
        session.exec(
            select(Intake)
            .where(Intake.patient_id == patient_id, col(Intake.submitted_at).is_not(None))
            .order_by(col(Intake.submitted_at))
        ).all()
    )


def intake_extras(
    session: Session, patient: Patient, intake: Intake, zone: ZoneInfo
) -> dict[str, Any]:
    """What the compiled intake needs beyond the answers: the appointment and the check-ins."""
    assert patient.id is not None and intake.id is not None
    extras: dict[str, Any] = {}
    since = queries.as_utc(patient.linked_at)
    appointment = session.get(Appointment, intake.appointment_id) if intake.appointment_id else None
    if appointment is not None:
        starts = queries.as_utc(appointment.starts_at)
        extras["appointment"] = format_local(starts, zone)  # type: ignore[arg-type]
        earlier = [v for v in visit_times(session, patient.id) if starts is not None and v < starts]
        if earlier:
            since = earlier[-1]
    records, missed = checkin_records(session, patient.id, since)
    extras["checkins"] = summarise_checkins(records, missed)
    extras["checkins_since"] = since
    return extras


def compile_full(
    session: Session, patient: Patient, intake: Intake, at: datetime, zone: ZoneInfo
) -> CompiledIntake:
    """The intake as the provider receives it: answers, appointment, check-ins, and the changes
    since the patient's previous intake (with the first intake as the baseline)."""
    current = _compile_plain(session, patient, intake, at, zone)
    earlier = [
        i
        for i in submitted_intakes(session, patient.id)  # type: ignore[arg-type]
        if i.id != intake.id and queries.as_utc(i.submitted_at) <= at  # type: ignore[operator]
    ]
    if not earlier:
        return current
    previous = _compile_plain(
        session, patient, earlier[-1], queries.as_utc(earlier[-1].submitted_at), zone
    )  # type: ignore[arg-type]
    baseline = _compile_plain(
        session, patient, earlier[0], queries.as_utc(earlier[0].submitted_at), zone
    )  # type: ignore[arg-type]
    return replace(current, changes=changes_since(current, previous, baseline))


def _compile_plain(
    session: Session, patient: Patient, intake: Intake, at: datetime, zone: ZoneInfo
) -> CompiledIntake:
    extras = intake_extras(session, patient, intake, zone)
    return compile_submitted(session, patient, intake, at, **extras)


def compiled_intake(session: Session, intake_id: int, zone: ZoneInfo) -> CompiledIntake | None:
    """A submitted intake as the provider receives it, or None if there is none by that id."""
    intake = session.get(Intake, intake_id)
    if intake is None or intake.submitted_at is None:
        return None
    patient = session.get(Patient, intake.patient_id)
    assert patient is not None
    return compile_full(session, patient, intake, queries.as_utc(intake.submitted_at), zone)  # type: ignore[arg-type]
