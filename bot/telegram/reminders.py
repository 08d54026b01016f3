"""Sending reminders on time, exactly once, across restarts.

The reminders table (bot/reminder_plans.py) says what is due; this module arms one APScheduler
job per pending row through python-telegram-bot's JobQueue, and on start-up deals with what
fell due while the bot was down: still useful, it is sent; otherwise it is recorded as missed.

A row is claimed (pending -> sending) in its own transaction before the message goes out and
marked sent after, so two firings can never both send it. A row found still "sending" at
start-up (the process died mid-send) is recorded as unconfirmed rather than sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes, Job

from bot.services.patient_service import OPEN_CHECKIN, OPEN_INTAKE, ServiceConfig
from bot.services.reminder_plans import (
    CANCELLED,
    MISSED,
    PENDING,
    SENDING,
    SENT,
    intake_submitted_for,
    is_intake_kind,
    patient_zone,
    plan_checkin,
)
from bot.telegram import callbacks
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
from storage import queries
from storage.db import session_scope
from storage.models import Appointment, Patient, Reminder, utcnow

log = logging.getLogger(__name__)

ON_TIME = timedelta(minutes=1)
"""A reminder fired within this of its moment is on time; later, it was missed by downtime."""

SWEEP_EVERY = timedelta(minutes=5)
UNCONFIRMED = "unconfirmed"
POSTPONED = "postponed"  # a verdict only: the row stays pending with a later due time
FAILED = "failed"


@dataclass(frozen=True)
class Outgoing:
    reminder_id: int
    chat_id: int
    text: str
    button: tuple[str, str] | None  # (label, callback data)


class ReminderRunner:
    """Arms, fires and records reminders; one per application."""

    def __init__(
        self,
        application: Application,
        engine: Engine,
        config: ServiceConfig,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.application = application
        self.engine = engine
        self.config = config
        self.clock = clock
        self._armed: dict[str, tuple[Job, datetime]] = {}  # reminder key -> its job and moment

    # --- arming -------------------------------------------------------------------------

    async def start(self) -> None:
        """At start-up: settle rows interrupted mid-send, catch up, and arm the rest.

        A sweep then re-arms every pending row every few minutes, so changes made by another
        process (`intake-bot appointment` in a terminal) reach the running bot.
        """
        due_now, later = await asyncio.to_thread(self._recover)
        await asyncio.gather(*(self.fire(reminder_id) for reminder_id in due_now))
        self._arm_rows(later)
        job_queue = self.application.job_queue
        assert job_queue is not None
        job_queue.run_repeating(
            self._sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="reminder-sweep"
        )

    async def _sweep(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        rows = await asyncio.to_thread(self._pending_rows)
        self._arm_rows(rows)

    def _pending_rows(self) -> list[tuple[int, str, datetime]]:
        with session_scope(self.engine) as session:
            rows = session.exec(select(Reminder).where(Reminder.status == PENDING)).all()
            return [(r.id, r.key, queries.as_utc(r.due_at)) for r in rows]  # type: ignore[misc]

    def arm(self, reminder_ids: Sequence[int]) -> None:
        """(Re-)arm the given rows after they were planned or moved."""
        if not reminder_ids:
            return
        with session_scope(self.engine) as session:
            rows = [session.get(Reminder, rid) for rid in reminder_ids]
            self._arm_rows(
                [(r.id, r.key, queries.as_utc(r.due_at)) for r in rows if r and r.status == PENDING]
            )  # type: ignore[misc]

    def _arm_rows(self, rows: Sequence[tuple[int, str, datetime]]) -> None:
        job_queue = self.application.job_queue
        assert job_queue is not None, "python-telegram-bot's job-queue extra is required"
        now = self.clock()
        for reminder_id, key, due in rows:
            armed = self._armed.get(key)
            if armed is not None:
                job, armed_for = armed
                if armed_for == due and not job.removed:
                    continue  # already armed for this moment
                job.schedule_removal()
            self._armed[key] = (
                job_queue.run_once(
                    self._job,
                    when=max(due, now),
                    data=reminder_id,
                    name=key,
                    # A job that could not run on time still runs: the claim decides what is useful.
                    job_kwargs={"misfire_grace_time": None},
                ),
                due,
            )

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job is not None
        self._armed.pop(context.job.name or "", None)
        await self.fire(int(context.job.data))  # type: ignore[arg-type]

    def _recover(self) -> tuple[list[int], list[tuple[int, str, datetime]]]:
        now = self.clock()
        with session_scope(self.engine) as session:
            session.execute(
                update(Reminder).where(col(Reminder.status) == SENDING).values(status=UNCONFIRMED)
            )
            rows = session.exec(select(Reminder).where(Reminder.status == PENDING)).all()
            overdue = [r for r in rows if queries.as_utc(r.due_at) <= now]  # type: ignore[operator]
            # After downtime a patient gets one intake message, not the two or three that fell due.
            replaced = superseded_keys(
                PlannedReminder(ReminderKind(r.kind), queries.as_utc(r.due_at), r.key)  # type: ignore[arg-type]
                for r in overdue
            )
            for row in overdue:
                if row.key in replaced:
                    row.status = MISSED
                    session.add(row)
            due_now = [r.id for r in overdue if r.key not in replaced]
            later = [
                (r.id, r.key, queries.as_utc(r.due_at))
                for r in rows
                if queries.as_utc(r.due_at) > now
            ]  # type: ignore[operator]
        return due_now, later  # type: ignore[return-value]

    # --- firing -------------------------------------------------------------------------

    async def fire(self, reminder_id: int) -> None:
        outgoing, follow_up = await asyncio.to_thread(self._claim, reminder_id)
        if outgoing is not None:
            status = await self._send(outgoing)
            follow_up = await asyncio.to_thread(self._finish, reminder_id, status)
        if follow_up:
            await asyncio.to_thread(self.arm, follow_up)

    async def _send(self, outgoing: Outgoing) -> str:
        markup = None
        if outgoing.button is not None:
            label, data = outgoing.button
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
        try:
            await self.application.bot.send_message(
                outgoing.chat_id, outgoing.text, reply_markup=markup
            )
        except Forbidden:
            log.warning(
                "reminder %s not delivered: the patient blocked the bot", outgoing.reminder_id
            )
            return FAILED
        except TelegramError as error:
            log.error("reminder %s not delivered: %s", outgoing.reminder_id, type(error).__name__)
            return FAILED
        return SENT

    def _claim(self, reminder_id: int) -> tuple[Outgoing | None, list[int]]:
        """Decide in one transaction whether this reminder goes out now, and claim it if so."""
        now = self.clock()
        with session_scope(self.engine) as session:
            reminder = session.get(Reminder, reminder_id)
            if reminder is None or reminder.status != PENDING:
                return None, []
            due = queries.as_utc(reminder.due_at)
            assert due is not None
            if due > now + timedelta(seconds=1):
                return None, [reminder_id]  # moved later since it was armed
            patient = session.get(Patient, reminder.patient_id)
            verdict = self._verdict(session, reminder, patient, due, now)
            if verdict == POSTPONED:
                session.add(reminder)
                return None, [reminder_id]
            if verdict != SENDING:
                reminder.status = verdict
                session.add(reminder)
                return None, self._next_checkin(session, reminder, patient, now)
            claimed = session.execute(
                update(Reminder)
                .where(col(Reminder.id) == reminder_id, col(Reminder.status) == PENDING)
                .values(status=SENDING)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None, []
            assert patient is not None and patient.telegram_chat_id is not None
            return self._message(session, reminder, patient), []

    def _verdict(
        self,
        session: Session,
        reminder: Reminder,
        patient: Patient | None,
        due: datetime,
        now: datetime,
    ) -> str:
        if patient is None or patient.telegram_chat_id is None or patient.consented_at is None:
            return CANCELLED
        appointment = (
            session.get(Appointment, reminder.appointment_id) if reminder.appointment_id else None
        )
        starts = queries.as_utc(appointment.starts_at) if appointment else None
        if appointment is not None and appointment.status != "scheduled":
            return CANCELLED
        submitted = intake_submitted_for(session, reminder.appointment_id)
        if is_intake_kind(reminder.kind) and submitted:
            return CANCELLED  # reminders stop the moment the intake is submitted
        if reminder.kind == ReminderKind.CHECKIN and patient.checkins_paused:
            return CANCELLED
        if now - due > ON_TIME:
            decision = catch_up(
                ReminderKind(reminder.kind),
                due,
                now,
                appointment_starts_at=starts,
                intake_submitted=submitted,
                policy=self.config.policy,
            )
            if decision is not CatchUp.SEND:
                return MISSED
            if reminder.kind != ReminderKind.CHECKIN:
                # Late but still useful: it still waits for the end of quiet hours.
                zone = patient_zone(patient, self.config.clinic_zone)
                later = apply_quiet_hours(now, zone, self.config.policy)
                if later > now + ON_TIME and (starts is None or later < starts):
                    reminder.due_at = later
                    return POSTPONED
            return SENDING
        if starts is not None and starts <= now:
            return MISSED
        return SENDING

    def _message(self, session: Session, reminder: Reminder, patient: Patient) -> Outgoing:
        assert reminder.id is not None and patient.telegram_chat_id is not None
        reference = callbacks.ref(callbacks.REMINDER, reminder.id)
        kind = ReminderKind(reminder.kind)
        if kind is ReminderKind.CHECKIN:
            data = callbacks.encode(callbacks.OPEN, reference, OPEN_CHECKIN)
            return Outgoing(
                reminder.id,
                patient.telegram_chat_id,
                messages.CHECKIN_DUE,
                (messages.START_CHECKIN_BUTTON, data),
            )
        if kind is ReminderKind.APPOINTMENT:
            appointment = session.get(Appointment, reminder.appointment_id)
            assert appointment is not None
            zone = patient_zone(patient, self.config.clinic_zone)
            when = format_local(queries.as_utc(appointment.starts_at), zone)  # type: ignore[arg-type]
            return Outgoing(
                reminder.id,
                patient.telegram_chat_id,
                messages.appointment_tomorrow(self.config.clinic_name, when),
                None,
            )
        data = callbacks.encode(callbacks.OPEN, reference, OPEN_INTAKE)
        if kind is ReminderKind.INTAKE_OPEN:
            return Outgoing(
                reminder.id,
                patient.telegram_chat_id,
                messages.INTAKE_READY,
                (messages.START_INTAKE_BUTTON, data),
            )
        return Outgoing(
            reminder.id,
            patient.telegram_chat_id,
            messages.INTAKE_NUDGE,
            (messages.CONTINUE_INTAKE_BUTTON, data),
        )

    def _finish(self, reminder_id: int, status: str) -> list[int]:
        now = self.clock()
        with session_scope(self.engine) as session:
            reminder = session.get(Reminder, reminder_id)
            assert reminder is not None
            reminder.status = status
            reminder.sent_at = now if status == SENT else None
            session.add(reminder)
            patient = session.get(Patient, reminder.patient_id)
            return self._next_checkin(session, reminder, patient, now)

    def _next_checkin(
        self, session: Session, reminder: Reminder, patient: Patient | None, now: datetime
    ) -> list[int]:
        """After a check-in reminder is settled, plan the next one."""
        if reminder.kind != ReminderKind.CHECKIN or patient is None:
            return []
        session.flush()
        return [r.id for r in plan_checkin(session, patient, self.config.clinic_zone, now)]  # type: ignore[misc]


__all__ = ["MISSED", "ReminderRunner"]
