"""Keeping the reminders table in step with appointments and check-in cadences.

The table is the source of truth: each occurrence is one row with a unique key, so planning
again never makes a second one, and a rescheduled appointment moves its pending rows. The
scheduler (bot/telegram/reminder_jobs.py) is armed from these rows.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flows.schedule import (
    INTAKE_KINDS,
    Cadence,
    PlannedReminder,
    ReminderKind,
    ReminderPolicy,
    next_checkin,
    plan_appointment_reminders,
)
from storage import intakes, patients, reminders
from storage.clock import as_utc
from storage.models import Appointment, Patient, Reminder
from storage.statuses import AppointmentStatus, ReminderStatus

PENDING, CANCELLED = ReminderStatus.PENDING, ReminderStatus.CANCELLED


def patient_zone(patient: Patient, clinic_zone: ZoneInfo) -> ZoneInfo:
    return ZoneInfo(patient.timezone) if patient.timezone else clinic_zone


def patient_cadence(patient: Patient) -> Cadence:
    at = time.fromisoformat(patient.checkin_time) if patient.checkin_time else None
    return Cadence(patient.checkin_cadence, at, patient.checkin_weekday, patient.checkins_paused)


def _upsert(
    session: Session,
    patient_id: int,
    appointment_id: int | None,
    planned: PlannedReminder,
    row: Reminder | None,
) -> Reminder:
    """The planned occurrence's row: `row`, the one with its key if there is one, moved (if
    still pending or cancelled), or a new one."""
    if row is None:
        row = Reminder(
            patient_id=patient_id,
            appointment_id=appointment_id,
            kind=planned.kind.value,
            key=planned.key,
            due_at=planned.due_at,
        )
    elif row.status in (PENDING, CANCELLED):  # a cancelled occurrence planned again is pending
        row.due_at = planned.due_at
        row.status = PENDING
    session.add(row)
    return row


def plan_appointment(
    session: Session,
    appointment: Appointment,
    patient: Patient,
    policy: ReminderPolicy,
    clinic_zone: ZoneInfo,
    now: datetime,
) -> list[Reminder]:
    """Create or move the appointment's reminders; pending ones no longer planned are cancelled."""
    planned: list[PlannedReminder] = []
    if appointment.status == AppointmentStatus.SCHEDULED:
        planned = plan_appointment_reminders(
            appointment.id,
            as_utc(appointment.starts_at),
            patient_zone(patient, clinic_zone),
            policy,
            now,
        )
    keep = {p.key for p in planned}
    known = reminders.by_keys(session, keep)  # one query for them all
    rows = [_upsert(session, patient.id, appointment.id, p, known.get(p.key)) for p in planned]
    for row in reminders.for_appointment(session, appointment.id, pending_only=True):
        if row.key not in keep:
            row.status = CANCELLED
            session.add(row)
    session.flush()
    return rows


def release_settled(session: Session, appointment_id: int, moved_at: datetime) -> None:
    """After an appointment moves, its reminders already sent or missed stay in the record under
    a retired key, so the new date gets its own "ready", nudge and day-before reminders."""
    for row in reminders.for_appointment(session, appointment_id, pending_only=False):
        if "@" not in row.key:
            row.key = f"{row.key}@{int(moved_at.timestamp())}"
            session.add(row)
    session.flush()


def replan_patient(
    session: Session, patient: Patient, policy: ReminderPolicy, clinic_zone: ZoneInfo, now: datetime
) -> list[Reminder]:
    """Plan every reminder of the patient's upcoming visits and check-ins (after consent or a
    time-zone change)."""
    rows: list[Reminder] = []
    for appointment in patients.upcoming_appointments(session, patient.id, now):
        rows.extend(plan_appointment(session, appointment, patient, policy, clinic_zone, now))
    rows.extend(plan_checkin(session, patient, clinic_zone, now))
    return rows


def plan_checkin(
    session: Session, patient: Patient, clinic_zone: ZoneInfo, now: datetime
) -> list[Reminder]:
    """Keep exactly one pending check-in reminder: the next occurrence of the patient's cadence."""
    cadence, zone = patient_cadence(patient), patient_zone(patient, clinic_zone)
    upcoming = next_checkin(cadence, now, zone, patient.id)
    row = None if upcoming is None else reminders.by_key(session, upcoming.key)
    # An occurrence already settled (sent early, or missed) is not planned again: take the next.
    while upcoming is not None and row is not None and row.status not in (PENDING, CANCELLED):
        upcoming = next_checkin(cadence, upcoming.due_at, zone, patient.id)
        row = None if upcoming is None else reminders.by_key(session, upcoming.key)
    for pending in reminders.pending_of_kind(session, patient.id, ReminderKind.CHECKIN.value):
        if upcoming is None or pending.key != upcoming.key:
            pending.status = CANCELLED
            session.add(pending)
    if upcoming is None:
        session.flush()
        return []
    row = _upsert(session, patient.id, None, upcoming, row)
    session.flush()
    return [row]


def intake_submitted_for(session: Session, appointment_id: int | None) -> bool:
    if appointment_id is None:
        return False
    intake = intakes.for_appointment(session, appointment_id)
    return intake is not None and intake.submitted_at is not None


def is_intake_kind(kind: str) -> bool:
    return kind in {k.value for k in INTAKE_KINDS}


def ids(rows: list[Reminder]) -> list[int]:
    return [row.id for row in rows]
