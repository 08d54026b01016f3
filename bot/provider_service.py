"""What providers do, without Telegram: invite a patient, set or move an appointment, look a patient
up, read their check-in log. Used by the provider commands in chat and by the command line.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.patient_service import token_hash
from bot.reminder_plans import plan_appointment, upcoming_appointments
from flows.checkin_summary import (
    CheckinRecord,
    CheckinSummary,
    records_from_answers,
    summarise_checkins,
)
from flows.schedule import ReminderPolicy
from storage import queries
from storage.db import session_scope
from storage.models import Appointment, Checkin, Invitation, Patient, Reminder, utcnow

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
            patient = self._find(session, patient_ref)
            assert patient.id is not None
            upcoming = upcoming_appointments(session, patient.id, now)
            moved_from = None
            if upcoming:
                appointment = upcoming[0]
                moved_from = queries.as_utc(appointment.starts_at)
                appointment.starts_at = at
                appointment.updated_at = now
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
        """Every completed check-in since the previous visit, with the visit dates for the chart."""
        now = self.clock()
        with session_scope(self.engine) as session:
            patient = self._find(session, patient_ref)
            assert patient.id is not None
            visits = [
                queries.as_utc(a.starts_at)
                for a in session.exec(
                    select(Appointment)
                    .where(Appointment.patient_id == patient.id, Appointment.status == "scheduled")
                    .order_by(col(Appointment.starts_at))
                ).all()
            ]
            past = [v for v in visits if v is not None and v <= now]
            since = past[-1] if past else queries.as_utc(patient.linked_at)
            statement = select(Checkin).where(
                Checkin.patient_id == patient.id, col(Checkin.completed_at).is_not(None)
            )
            rows = session.exec(statement.order_by(col(Checkin.completed_at))).all()
            records = tuple(
                records_from_answers(queries.as_utc(r.completed_at), r.answers or {}, r.late)  # type: ignore[arg-type]
                for r in rows
            )
            recent = [r for r in records if since is None or r.at >= since]
            missed = session.exec(
                select(func.count())
                .select_from(Reminder)
                .where(
                    Reminder.patient_id == patient.id,
                    Reminder.kind == "checkin",
                    Reminder.status == "missed",
                    *([col(Reminder.due_at) >= since] if since is not None else []),
                )
            ).one()
            return CheckinLog(
                patient.id,
                patient.display_name or "",
                records,
                summarise_checkins(recent, int(missed)),
                tuple(v for v in visits if v is not None),
                since,
            )

    def _find(self, session: Session, patient_ref: str) -> Patient:
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
