"""Reminders' decisions, without Telegram: what fell due while the bot was down, whether a due
reminder still goes out (its verdict), claiming it so it is sent once, its message, and
recording the result. The Telegram side (bot/telegram/reminder_jobs.py) arms the jobs.

A row is claimed (pending -> sending) in the transaction that puts its message in the outbox,
so two firings can never both send it and a crash cannot lose it; the outbox's dispatcher
records it sent (or failed) once Telegram answered (`settle`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services.config import ServiceConfig
from bot.services.outbox import Kind, Outbox, ref_to_data
from bot.services.reminder_plans import (
    intake_submitted_for,
    is_intake_kind,
    patient_zone,
    plan_checkin,
)
from bot.services.replies import OPEN_CHECKIN, OPEN_INTAKE, DialogueKind, DialogueRef
from flows import messages
from flows.schedule import (
    CatchUp,
    PlannedReminder,
    ReminderKind,
    apply_quiet_hours,
    catch_up,
    superseded_keys,
)
from flows.when import format_local
from storage import intakes, patients, reminders
from storage.clock import as_utc, utcnow
from storage.db import session_scope
from storage.models import Patient, Reminder
from storage.statuses import AppointmentStatus, Priority, ReminderStatus

ON_TIME = timedelta(minutes=1)
"""A reminder fired within this of its moment is on time; later, it was missed by downtime."""

ANSWERING = timedelta(minutes=30)
"""A patient who answered within this is in the middle of the intake: no nudge yet."""
NUDGES = frozenset({ReminderKind.INTAKE_48H, ReminderKind.INTAKE_24H})

POSTPONED = "postponed"  # a verdict only: the row stays pending with a later due time
PENDING, SENDING, SENT = ReminderStatus.PENDING, ReminderStatus.SENDING, ReminderStatus.SENT
MISSED, CANCELLED, FAILED = ReminderStatus.MISSED, ReminderStatus.CANCELLED, ReminderStatus.FAILED


_WORDING = {
    ReminderKind.CHECKIN: (messages.CHECKIN_DUE, messages.START_CHECKIN_BUTTON, OPEN_CHECKIN),
    ReminderKind.INTAKE_OPEN: (messages.INTAKE_READY, messages.START_INTAKE_BUTTON, OPEN_INTAKE),
}
_NUDGE = (messages.INTAKE_NUDGE, messages.CONTINUE_INTAKE_BUTTON, OPEN_INTAKE)
"""Each kind's text, its button's label, and what the button opens (nudges: the intake)."""


@dataclass(frozen=True)
class ReminderButton:
    label: str
    ref: DialogueRef  # the reminder row
    step: str  # OPEN_INTAKE or OPEN_CHECKIN


@dataclass(frozen=True)
class Outgoing:
    reminder_id: int
    chat_id: int
    text: str
    button: ReminderButton | None


@dataclass(frozen=True)
class Recovered:
    """After a restart: reminders to send now, and those still ahead (id, key, due)."""

    due_now: list[int]
    later: list[tuple[int, str, datetime]]


class ReminderService:
    """One transaction per decision; every method is safe to call from a worker thread."""

    def __init__(
        self,
        engine: Engine,
        config: ServiceConfig,
        clock: Callable[[], datetime] = utcnow,
        outbox: Outbox | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock
        self.outbox = outbox or Outbox(config.provider_chat_ids)

    def pending(self, due_before: datetime | None = None) -> list[tuple[int, str, datetime]]:
        """Pending reminders (due by `due_before`, when given): (id, key, due)."""
        with session_scope(self.engine) as session:
            rows = reminders.pending_moments(session, due_before)
        return [(reminder_id, key, as_utc(due)) for reminder_id, key, due in rows]

    def rows(self, reminder_ids: Sequence[int]) -> list[tuple[int, str, datetime]]:
        """The given reminders that are still pending: (id, key, due)."""
        with session_scope(self.engine) as session:
            found = [reminders.get(session, rid) for rid in reminder_ids]
            return [(r.id, r.key, as_utc(r.due_at)) for r in found if r and r.status == PENDING]

    def recover(self, due_before: datetime | None = None) -> Recovered:
        """At start-up: sort what is due from what is not (a claimed one waits in the outbox);
        `later` holds only those due by `due_before`, when given."""
        now = self.clock()
        with session_scope(self.engine) as session:
            rows = reminders.pending(session, due_before)
            overdue = [r for r in rows if as_utc(r.due_at) <= now]
            # After downtime a patient gets one intake message, not the two or three that fell due.
            replaced = superseded_keys(
                PlannedReminder(ReminderKind(r.kind), as_utc(r.due_at), r.key) for r in overdue
            )
            for row in overdue:
                if row.key in replaced:
                    row.status = MISSED
                    session.add(row)
            due_now = [r.id for r in overdue if r.key not in replaced]
            later = [(r.id, r.key, as_utc(r.due_at)) for r in rows if as_utc(r.due_at) > now]
        return Recovered(due_now, later)

    def claim(self, reminder_id: int) -> tuple[Outgoing | None, list[int]]:
        """Decide in one transaction whether this reminder goes out now, and claim it if so.

        Returns the message to send (or None) and the reminders to (re-)arm.
        """
        now = self.clock()
        with session_scope(self.engine) as session:
            reminder = reminders.get(session, reminder_id)
            if reminder is None or reminder.status != PENDING:
                return None, []
            due = as_utc(reminder.due_at)
            if due > now + timedelta(seconds=1):
                return None, [reminder_id]  # moved later since it was armed
            patient = patients.get(session, reminder.patient_id)
            verdict = self.verdict(session, reminder, patient, due, now)
            if verdict == POSTPONED:
                session.add(reminder)
                return None, [reminder_id]
            if verdict != SENDING:
                reminder.status = verdict
                session.add(reminder)
                return None, self._next_checkin(session, reminder, patient, now)
            if not reminders.claim(session, reminder_id):
                return None, []
            assert patient is not None
            outgoing = self.message(session, reminder, patient, now)
            self._queue(session, outgoing, now)
            return outgoing, []

    def _queue(self, session: Session, outgoing: Outgoing, now: datetime) -> None:
        button = outgoing.button
        payload = {
            "reminder_id": outgoing.reminder_id,
            "text": outgoing.text,
            "button": None
            if button is None
            else {"label": button.label, "ref": ref_to_data(button.ref), "step": button.step},
        }
        self.outbox.add(
            session,
            outgoing.chat_id,
            Kind.REMINDER,
            payload,
            Priority.BULK,
            now,
            dedupe_key=f"reminder:{outgoing.reminder_id}",
        )

    def verdict(
        self,
        session: Session,
        reminder: Reminder,
        patient: Patient | None,
        due: datetime,
        now: datetime,
    ) -> str:
        """SENDING, MISSED, CANCELLED or POSTPONED (the row's due time moved to later)."""
        if patient is None or patient.telegram_chat_id is None or patient.consented_at is None:
            return CANCELLED
        if patient.reminders_stopped_at is not None:  # /stop: nothing until /reminders
            return CANCELLED
        appointment = (
            patients.get_appointment(session, reminder.appointment_id)
            if reminder.appointment_id
            else None
        )
        starts = as_utc(appointment.starts_at) if appointment else None
        if appointment is not None and appointment.status != AppointmentStatus.SCHEDULED:
            return CANCELLED
        submitted = intake_submitted_for(session, reminder.appointment_id)
        if is_intake_kind(reminder.kind) and submitted:
            return CANCELLED  # reminders stop the moment the intake is submitted
        if reminder.kind == ReminderKind.INTAKE_OPEN and _opened(session, reminder.appointment_id):
            # The patient is already in it (it opened as they joined): "your check-in is ready"
            # would only land after its first question, and look like a question itself.
            return CANCELLED
        if reminder.kind == ReminderKind.CHECKIN and patient.checkins_paused:
            return CANCELLED
        answering_until = _answering_until(session, reminder, now)
        if answering_until is not None:
            zone = patient_zone(patient, self.config.clinic_zone)
            later = apply_quiet_hours(answering_until, zone, self.config.policy)
            if starts is None or later < starts:
                reminder.due_at = later
                return POSTPONED
        if now - due > ON_TIME:
            return self._late_verdict(reminder, patient, due, now, starts, submitted)
        if starts is not None and starts <= now:
            return MISSED
        return SENDING

    def _late_verdict(
        self,
        reminder: Reminder,
        patient: Patient,
        due: datetime,
        now: datetime,
        starts: datetime | None,
        submitted: bool,
    ) -> str:
        policy = self.config.policy
        decision = catch_up(
            ReminderKind(reminder.kind),
            due,
            now,
            appointment_starts_at=starts,
            intake_submitted=submitted,
            policy=policy,
        )
        if decision is not CatchUp.SEND:
            return MISSED
        if reminder.kind != ReminderKind.CHECKIN:
            # Late but still useful: it still waits for the end of quiet hours.
            zone = patient_zone(patient, self.config.clinic_zone)
            later = apply_quiet_hours(now, zone, policy)
            if later > now + ON_TIME and (starts is None or later < starts):
                reminder.due_at = later
                return POSTPONED
        return SENDING

    def message(
        self, session: Session, reminder: Reminder, patient: Patient, now: datetime
    ) -> Outgoing:
        """What the claimed reminder says at `now`, with the button it carries."""
        assert patient.telegram_chat_id is not None
        kind = ReminderKind(reminder.kind)
        if kind is ReminderKind.APPOINTMENT:
            appointment = patients.get_appointment(session, reminder.appointment_id or 0)
            assert appointment is not None
            zone = patient_zone(patient, self.config.clinic_zone)
            starts = as_utc(appointment.starts_at)
            # The day is named from when it is sent, in the patient's zone, not when it was due.
            days_ahead = (starts.astimezone(zone).date() - now.astimezone(zone).date()).days
            when = format_local(starts, zone)
            text = messages.appointment_reminder(self.config.clinic_name, when, days_ahead)
            return Outgoing(reminder.id, patient.telegram_chat_id, text, None)
        text, label, step = _WORDING.get(kind, _NUDGE)
        ref = DialogueRef(DialogueKind.REMINDER, reminder.id)
        return Outgoing(
            reminder.id, patient.telegram_chat_id, text, ReminderButton(label, ref, step)
        )

    def finish(self, reminder_id: int, status: str) -> list[int]:
        """Record how sending went (SENT or FAILED); the next check-in reminder to arm, if any."""
        with session_scope(self.engine) as session:
            return settle(
                session, reminder_id, status == SENT, self.clock(), self.config.clinic_zone
            )

    def _next_checkin(
        self, session: Session, reminder: Reminder, patient: Patient | None, now: datetime
    ) -> list[int]:
        """After a check-in reminder is settled, plan the next one."""
        if reminder.kind != ReminderKind.CHECKIN or patient is None:
            return []
        session.flush()
        return [r.id for r in plan_checkin(session, patient, self.config.clinic_zone, now)]


def settle(
    session: Session, reminder_id: int, sent: bool, now: datetime, clinic_zone: ZoneInfo
) -> list[int]:
    """A claimed reminder went out (or Telegram refused it): record it, and after a check-in
    reminder plan the next one. Returns the reminder rows planned (to arm)."""
    reminder = reminders.get(session, reminder_id)
    if reminder is None or reminder.status != SENDING:
        return []
    reminder.status = SENT if sent else FAILED
    reminder.sent_at = now if sent else None
    session.add(reminder)
    patient = patients.get(session, reminder.patient_id)
    if reminder.kind != ReminderKind.CHECKIN or patient is None:
        return []
    session.flush()
    return [r.id for r in plan_checkin(session, patient, clinic_zone, now)]


def _answering_until(session: Session, reminder: Reminder, now: datetime) -> datetime | None:
    """For a "continue your check-in" nudge: when the patient, who answered within ANSWERING,
    may be nudged (None when they are not in the middle of it). A nudge landing between their
    answers would read as a question, or interrupt a safety question."""
    if reminder.kind not in NUDGES or reminder.appointment_id is None:
        return None
    intake = intakes.for_appointment(session, reminder.appointment_id)
    if intake is None:
        return None
    until = as_utc(intake.updated_at) + ANSWERING
    return until if until > now else None


def _opened(session: Session, appointment_id: int | None) -> bool:
    return appointment_id is not None and intakes.for_appointment(session, appointment_id) is not None
