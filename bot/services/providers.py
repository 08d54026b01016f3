"""What providers do, without Telegram: invite a patient, set or move an appointment, look a patient
up, read their check-in log. Used by the provider commands in chat and by the command line.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.services import compiling as records
from bot.services.patient_service import token_hash
from bot.services.reminder_plans import plan_appointment, release_settled, upcoming_appointments
from flows.checkin_summary import (
    CheckinRecord,
    CheckinSummary,
    summarise_checkins,
)
from flows.compiled import CompiledIntake
from flows.schedule import ReminderPolicy, at_local
from storage import queries
from storage.db import session_scope
from storage.models import Appointment, Intake, Invitation, Patient, Reminder, utcnow

TOKEN_BYTES = 16  # 128 bits


class ProviderError(Exception):
    """A provider's request that cannot be done; the message says why, in plain words."""


@dataclass(frozen=True)
class Invited:
    patient_id: int
    display_name: str
    token: str  # shown once, in the link; only its hash is stored
    expires_at: datetime
    appointment_at: datetime | None
    reminders: tuple[int, ...]

    def link(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username}?start={self.token}"


@dataclass(frozen=True)
class Scheduled:
    patient_id: int
    display_name: str
    starts_at: datetime
    moved_from: datetime | None
    reminders: tuple[int, ...]


@dataclass(frozen=True)
class CheckinLog:
    patient_id: int
    display_name: str
    records: tuple[CheckinRecord, ...]
    summary: CheckinSummary
    visits: tuple[datetime, ...]
    since: datetime | None


class ProviderService:
    def __init__(
        self,
        engine: Engine,
        clinic_zone: ZoneInfo,
        policy: ReminderPolicy,
        invite_ttl: timedelta = timedelta(days=14),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.clinic_zone = clinic_zone
        self.policy = policy
        self.invite_ttl = invite_ttl
        self.clock = clock

    def invite(self, display_name: str, at: datetime | None, created_by: str) -> Invited:
        """A new patient with a single-use link, and their appointment when the time is given."""
        name = " ".join(display_name.split())
        if not name:
            raise ProviderError(
                "Give the patient's name or initials, like: /invite Jane D. 2026-12-03 15:00"
            )
        if len(name) > 100:
            raise ProviderError("That name is too long; initials are fine.")
        now = self.clock()
        if at is not None and at <= now:
            raise ProviderError("That appointment time is in the past.")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with session_scope(self.engine) as session:
            patient = queries.create_patient(session, None, display_name=name)
            assert patient.id is not None
            invitation = Invitation(
                patient_id=patient.id,
                token_hash=token_hash(token),
                created_by=created_by,
                created_at=now,
                expires_at=now + self.invite_ttl,
            )
            session.add(invitation)
            reminders: list[Reminder] = []
            if at is not None:
                appointment = Appointment(
                    patient_id=patient.id, starts_at=at, created_at=now, updated_at=now
                )
                session.add(appointment)
                session.flush()
                # Reminders wait for consent: they are planned when the patient agrees.
            return Invited(
                patient.id, name, token, now + self.invite_ttl, at, tuple(r.id for r in reminders)
            )  # type: ignore[misc]

    def schedule(self, patient_ref: str, at: datetime) -> Scheduled:
        """Set the patient's next appointment, or move it; its reminders move with it."""
        now = self.clock()
        if at <= now:
            raise ProviderError("That appointment time is in the past.")
        with session_scope(self.engine) as session:
            patient = self.find(session, patient_ref)
            assert patient.id is not None
            upcoming = upcoming_appointments(session, patient.id, now)
            moved_from = None
            if upcoming:
                appointment = upcoming[0]
                moved_from = queries.as_utc(appointment.starts_at)
                appointment.starts_at = at
                appointment.updated_at = now
                release_settled(session, appointment.id, now)  # type: ignore[arg-type]
            else:
                appointment = Appointment(
                    patient_id=patient.id, starts_at=at, created_at=now, updated_at=now
                )
            session.add(appointment)
            session.flush()
            reminders: list[Reminder] = []
            if patient.consented_at is not None:
                reminders = plan_appointment(
                    session, appointment, patient, self.policy, self.clinic_zone, now
                )
            return Scheduled(
                patient.id,
                patient.display_name or "",
                at,
                moved_from,
                tuple(r.id for r in reminders),  # type: ignore[misc]
            )

    def checkin_log(self, patient_ref: str) -> CheckinLog:
        """Every completed check-in, the summary since the previous visit, and the visit dates."""
        now = self.clock()
        with session_scope(self.engine) as session:
            patient = self.find(session, patient_ref)
            assert patient.id is not None
            visits = records.visit_times(session, patient.id)
            past = [v for v in visits if v <= now]
            since = past[-1] if past else queries.as_utc(patient.linked_at)
            everything, _ = records.checkin_records(session, patient.id)
            recent, missed = records.checkin_records(session, patient.id, since)
            return CheckinLog(
                patient.id,
                patient.display_name or "",
                tuple(everything),
                summarise_checkins(recent, missed),
                tuple(visits),
                since,
            )

    def find(self, session: Session, patient_ref: str) -> Patient:
        """A patient by id ("12" or "#12") or by name (unique, any case)."""
        text = patient_ref.strip()
        if text.lstrip("#").isdigit():
            patient = session.get(Patient, int(text.lstrip("#")))
            if patient is None:
                raise ProviderError(f"No patient #{text.lstrip('#')}.")
            return patient
        matches = session.exec(
            select(Patient).where(func.lower(Patient.display_name) == text.lower())
        ).all()
        if not matches:
            raise ProviderError("No patient by that name. Use the name given at /invite, or #id.")
        if len(matches) > 1:
            ids = ", ".join(f"#{p.id}" for p in matches)
            raise ProviderError(f"More than one patient has that name ({ids}); use the #id.")
        return matches[0]

    def split_patient_and_when(self, text: str) -> tuple[str, datetime | None]:
        from flows.when import split_name_and_when

        return split_name_and_when(text, self.clinic_zone, self.clock())


@dataclass(frozen=True)
class AgendaRow:
    patient_id: int
    display_name: str
    starts_at: datetime
    intake_id: int | None
    status: str  # not started, in progress, submitted
    safety_flag: bool


@dataclass(frozen=True)
class IntakeLine:
    intake_id: int
    submitted_at: datetime
    phq9: str  # "12 (moderate)" or "incomplete"
    gad7: str


@dataclass(frozen=True)
class IntakeRecord:
    compiled: CompiledIntake
    answers: dict[str, Any]


def _score_words(score: Any) -> str:
    return f"{score.total} ({score.band})" if score.complete else "incomplete"


class ProviderRecords:
    """What providers look up: the day's agenda, a patient's history, one intake's record."""

    def __init__(
        self, engine: Engine, clinic_zone: ZoneInfo, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.clinic_zone = clinic_zone
        self.clock = clock

    def agenda(self) -> list[AgendaRow]:
        """Today's and tomorrow's appointments (clinic time) with their intake's status."""
        now = self.clock()
        today = now.astimezone(self.clinic_zone).date()
        start = at_local(today, time(0, 0), self.clinic_zone)
        end = at_local(today + timedelta(days=2), time(0, 0), self.clinic_zone)
        rows: list[AgendaRow] = []
        with session_scope(self.engine) as session:
            appointments = session.exec(
                select(Appointment)
                .where(
                    Appointment.status == "scheduled",
                    col(Appointment.starts_at) >= start,
                    col(Appointment.starts_at) < end,
                )
                .order_by(col(Appointment.starts_at))
            ).all()
            for appointment in appointments:
                patient = session.get(Patient, appointment.patient_id)
                assert patient is not None and appointment.id is not None
                intake = session.exec(
                    select(Intake).where(Intake.appointment_id == appointment.id)
                ).first()
                rows.append(
                    AgendaRow(
                        patient.id,
                        patient.display_name or "",
                        queries.as_utc(appointment.starts_at),  # type: ignore[arg-type]
                        intake.id if intake else None,
                        _intake_status(session, intake),
                        _has_alert(session, patient, appointment, intake, now),
                    )
                )
        return rows

    def history(
        self, patient_ref: str, finder: Callable[[Session, str], Patient]
    ) -> tuple[Patient, list[IntakeLine]]:
        """A patient's submitted intakes with their scores, newest first."""
        with session_scope(self.engine) as session:
            patient = finder(session, patient_ref)
            lines = []
            for intake in reversed(records.submitted_intakes(session, patient.id)):  # type: ignore[arg-type]
                compiled = records.compiled_intake(session, intake.id, self.clinic_zone)  # type: ignore[arg-type]
                assert compiled is not None
                lines.append(
                    IntakeLine(
                        intake.id,
                        queries.as_utc(intake.submitted_at),  # type: ignore[arg-type]
                        _score_words(compiled.phq9),
                        _score_words(compiled.gad7),
                    )
                )
            return patient, lines

    def intake(self, intake_id: int) -> IntakeRecord | None:
        with session_scope(self.engine) as session:
            compiled = records.compiled_intake(session, intake_id, self.clinic_zone)
            if compiled is None:
                return None
            return IntakeRecord(compiled, queries.current_answers(session, intake_id))

    def undelivered_intake_ids(self, settle: timedelta = timedelta(minutes=2)) -> list[int]:
        """Submitted intakes that reached no provider chat (the process stopped, or Telegram failed).

        Intakes submitted in the last `settle` are left alone: their delivery may be under way.
        """
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(Intake).where(
                    col(Intake.submitted_at).is_not(None),
                    col(Intake.submitted_at) < self.clock() - settle,
                    col(Intake.delivered_at).is_(None),
                )
            ).all()
            return [r.id for r in rows if r.id is not None]

    def latest_intake_id(self, patient_id: int) -> int | None:
        with session_scope(self.engine) as session:
            submitted = records.submitted_intakes(session, patient_id)
            return submitted[-1].id if submitted else None


def _intake_status(session: Session, intake: Intake | None) -> str:
    if intake is None:
        return "not started"
    if intake.submitted_at is not None:
        return "submitted"
    return "in progress" if queries.current_answers(session, intake.id) else "not started"  # type: ignore[arg-type]


def _has_alert(
    session: Session,
    patient: Patient,
    appointment: Appointment,
    intake: Intake | None,
    now: datetime,
) -> bool:
    """A safety alert in the visit's intake, or between visits since the previous one."""
    if intake is not None and any(e.alert for e in queries.safety_events(session, intake.id)):  # type: ignore[arg-type]
        return True
    starts = queries.as_utc(appointment.starts_at)
    earlier = [
        v for v in records.visit_times(session, patient.id) if starts is not None and v < starts
    ]  # type: ignore[arg-type]
    since = earlier[-1] if earlier else queries.as_utc(patient.linked_at)
    outside = queries.safety_events_between_visits(session, patient.id, since, now)  # type: ignore[arg-type]
    return any(event.alert for event in outside)
