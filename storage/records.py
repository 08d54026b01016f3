"""Reads across aggregates for what providers look up: the agenda of upcoming visits."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Appointment, AppointmentStatus, Intake, Patient


def agenda(
    session: Session, start: datetime, end: datetime
) -> list[tuple[Appointment, Patient, Intake | None]]:
    """Scheduled appointments starting in [start, end), soonest first, with patient and intake."""
    statement = (
        select(Appointment, Patient, Intake)
        .join(Patient, col(Patient.id) == col(Appointment.patient_id))
        .outerjoin(Intake, col(Intake.appointment_id) == col(Appointment.id))
        .where(
            Appointment.status == AppointmentStatus.SCHEDULED,
            col(Appointment.starts_at) >= start,
            col(Appointment.starts_at) < end,
        )
        .order_by(col(Appointment.starts_at))
    )
    return [(a, p, i) for a, p, i in session.exec(statement).all()]
