"""Reads across aggregates for what providers look up: the agenda of upcoming visits, and the
ids a patient and an intake are exported under."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Appointment, Intake, Patient, new_export_id
from storage.statuses import AppointmentStatus


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


def export_ids(session: Session, patient: Patient, intake: Intake) -> tuple[str, str]:
    """The patient's and the intake's export ids; a row without one is given it now, once."""
    for row in (patient, intake):
        if row.export_id is None:
            row.export_id = new_export_id()
            session.add(row)
            session.flush()
    assert patient.export_id is not None and intake.export_id is not None
    return patient.export_id, intake.export_id
