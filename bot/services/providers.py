"""What providers do, without Telegram: invite a patient, set or move an appointment, find a
patient by name or id. Used by the provider commands in chat and by the command line."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services.joining import token_hash
from bot.services.reminder_plans import ids, plan_appointment, release_settled
from flows.schedule import ReminderPolicy
from flows.when import split_name_and_when
from storage import patients
from storage.clock import as_utc, utcnow
from storage.db import session_scope
from storage.models import Appointment, Invitation, Patient

TOKEN_BYTES = 16  # 128 bits
MAX_NAME = 100


class ProviderError(Exception):
    """A provider's request that cannot be done; the message says why, in plain words."""


@dataclass(frozen=True)
class Invited:
    patient_id: int
    display_name: str
    token: str  # shown once, in the link; only its hash is stored
    expires_at: datetime
    appointment_at: datetime | None

    def link(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username}?start={self.token}"


@dataclass(frozen=True)
class Scheduled:
    patient_id: int
    display_name: str
    starts_at: datetime
    moved_from: datetime | None
    reminders: tuple[int, ...]


def find(session: Session, patient_ref: str) -> Patient:
    """A patient by id ("12" or "#12") or by name (unique, any case)."""
    text = patient_ref.strip()
    if text.lstrip("#").isdigit():
        patient = patients.get(session, int(text.lstrip("#")))
        if patient is None:
            raise ProviderError(f"No patient #{text.lstrip('#')}.")
        return patient
    matches = patients.by_name(session, text)
    if not matches:
        raise ProviderError("No patient by that name. Use the name given at /invite, or #id.")
    if len(matches) > 1:
        ids_text = ", ".join(f"#{p.id}" for p in matches)
        raise ProviderError(f"More than one patient has that name ({ids_text}); use the #id.")
    return matches[0]


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
        """A new patient with a single-use link (see `invite_in`), in a transaction of its own."""
        with session_scope(self.engine) as session:
            return self.invite_in(session, self.clock(), display_name, at, created_by)

    def invite_in(
        self,
        session: Session,
        now: datetime,
        display_name: str,
        at: datetime | None,
        created_by: str,
    ) -> Invited:
        """A new patient with a single-use link, and their appointment when the time is given.

        Reminders wait for consent: they are planned when the patient agrees.
        """
        name = " ".join(display_name.split())
        if not name:
            raise ProviderError(
                "Give the patient's name or initials, like: /invite Jane D. 2026-12-03 15:00"
            )
        if len(name) > MAX_NAME:
            raise ProviderError("That name is too long; initials are fine.")
        if at is not None and at <= now:
            raise ProviderError("That appointment time is in the past.")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires = now + self.invite_ttl
        patient = patients.create(session, None, display_name=name, now=now)
        patients.add_invitation(
            session,
            Invitation(
                patient_id=patient.id,
                token_hash=token_hash(token),
                created_by=created_by,
                created_at=now,
                expires_at=expires,
            ),
        )
        if at is not None:
            patients.add_appointment(
                session,
                Appointment(patient_id=patient.id, starts_at=at, created_at=now, updated_at=now),
            )
        return Invited(patient.id, name, token, expires, at)

    def schedule(self, patient_ref: str, at: datetime) -> Scheduled:
        """Set or move a patient's next appointment (see `schedule_in`), in its own transaction."""
        with session_scope(self.engine) as session:
            return self.schedule_in(session, self.clock(), patient_ref, at)

    def schedule_in(
        self, session: Session, now: datetime, patient_ref: str, at: datetime
    ) -> Scheduled:
        """Set the patient's next appointment, or move it; its reminders move with it."""
        if at <= now:
            raise ProviderError("That appointment time is in the past.")
        patient = find(session, patient_ref)
        upcoming = patients.upcoming_appointments(session, patient.id, now)
        moved_from = None
        if upcoming:
            appointment = upcoming[0]
            moved_from = as_utc(appointment.starts_at)
            appointment.starts_at = at
            appointment.updated_at = now
            release_settled(session, appointment.id, now)
        else:
            appointment = Appointment(
                patient_id=patient.id, starts_at=at, created_at=now, updated_at=now
            )
        patients.add_appointment(session, appointment)
        planned: list[int] = []
        if patient.consented_at is not None:
            rows = plan_appointment(
                session, appointment, patient, self.policy, self.clinic_zone, now
            )
            planned = ids(rows)
        return Scheduled(patient.id, patient.display_name or "", at, moved_from, tuple(planned))

    def split_patient_and_when(self, text: str) -> tuple[str, datetime | None]:
        """ "Jane D. 2026-12-10 09:30" -> the name and the moment (clinic time unless a zone follows)."""
        return split_name_and_when(text, self.clinic_zone, self.clock())
