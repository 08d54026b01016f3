"""Patients and what belongs to them before any intake: invitations and appointments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import bindparam, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import crypto
from storage.clock import as_utc
from storage.models import Appointment, Invitation, Patient
from storage.statuses import AppointmentStatus


def by_chat(session: Session, chat_id: int) -> Patient | None:
    return session.exec(_by_chat_statement(), params={"p_chat": chat_id}).first()


@cache
def _by_chat_statement() -> SelectOfScalar[Patient]:
    """Built once: every update of a patient's starts here, and building it costs more CPU
    than running it (bench/answer_cost.py)."""
    return select(Patient).where(Patient.telegram_chat_id == bindparam("p_chat"))


def get(session: Session, patient_id: int) -> Patient | None:
    return session.get(Patient, patient_id)


def create(
    session: Session,
    chat_id: int | None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> Patient:
    patient = Patient(telegram_chat_id=chat_id, display_name=display_name)
    if now is not None:
        patient.created_at = now
    session.add(patient)
    session.flush()
    return patient


def by_name(session: Session, name: str) -> Sequence[Patient]:
    """Patients whose display name is `name` in any case, Unicode form or spacing ("Émile  r."
    finds "ÉMILE R."): names are stored encrypted, so the look-up goes through their keyed hash
    (storage.crypto.name_hash), under every key of the ring."""
    hashes = crypto.name_hashes(name)
    if not hashes:
        return []
    return session.exec(
        select(Patient).where(col(Patient.name_hash).in_(hashes)).order_by(col(Patient.id))
    ).all()


# --- invitations ------------------------------------------------------------------------


def invitation_by_token_hash(session: Session, token_hash: str) -> Invitation | None:
    return session.exec(select(Invitation).where(Invitation.token_hash == token_hash)).first()


def use_invitation(session: Session, invitation: Invitation, now: datetime) -> bool:
    """Mark `invitation` used, unless another transaction used it since it was read (on
    PostgreSQL that one's commit is waited for): False then, and nothing changes."""
    statement = (
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.used_at).is_(None))
        .values(used_at=now)
    )
    done = session.execute(statement, execution_options={"synchronize_session": False})
    if cast(CursorResult[Any], done).rowcount != 1:
        return False
    set_committed_value(invitation, "used_at", now)
    return True


def add_invitation(session: Session, invitation: Invitation) -> Invitation:
    session.add(invitation)
    session.flush()
    return invitation


# --- appointments -----------------------------------------------------------------------


def get_appointment(session: Session, appointment_id: int) -> Appointment | None:
    return session.get(Appointment, appointment_id)


def add_appointment(session: Session, appointment: Appointment) -> Appointment:
    session.add(appointment)
    session.flush()
    return appointment


def scheduled_appointments(session: Session, patient_id: int) -> Sequence[Appointment]:
    """Every scheduled appointment of the patient, oldest first."""
    return session.exec(
        select(Appointment)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.status == AppointmentStatus.SCHEDULED,
        )
        .order_by(col(Appointment.starts_at))
    ).all()


def upcoming_appointments(session: Session, patient_id: int, now: datetime) -> list[Appointment]:
    """The patient's scheduled appointments still ahead of `now`, soonest first."""
    return [a for a in scheduled_appointments(session, patient_id) if as_utc(a.starts_at) > now]


def visit_times(session: Session, patient_id: int) -> list[datetime]:
    """Every scheduled appointment's time, oldest first."""
    return [as_utc(a.starts_at) for a in scheduled_appointments(session, patient_id)]
