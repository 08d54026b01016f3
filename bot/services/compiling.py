"""The provider's copy of an intake, compiled from the stored answers: with its safety events,
its appointment, the check-ins since the previous visit, and the changes since the patient's
previous intake (the first intake is the baseline)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flows.changes import changes_since
from flows.checkin_summary import records_from_answers, summarise_checkins
from flows.compiled import compile_intake
from flows.report import CheckinRecord, CheckinSummary, CompiledIntake
from flows.schedule import ReminderKind
from flows.when import format_local
from storage import checkins, intakes, patients, records, reminders, safety
from storage.clock import as_utc
from storage.models import Intake, Patient

SAFETY_RESPONSES = frozenset({"safe", "clarified_no", "safety_question_skipped"})
"""Answers to the safety questions that raise no alert, but that a provider should still see."""

UNNAMED = "Unnamed patient"


@dataclass(frozen=True)
class Extras:
    """What the compiled intake needs beyond the answers."""

    appointment: str | None
    checkins: CheckinSummary
    checkins_since: datetime | None


def checkin_records(
    session: Session, patient_id: int, since: datetime | None = None
) -> tuple[list[CheckinRecord], int]:
    """Completed check-ins (oldest first) and how many reminders were missed, since `since`."""
    rows = checkins.completed(session, patient_id, since)
    records = [
        records_from_answers(as_utc(r.completed_at), r.answers or {}, r.late)
        for r in rows
        if r.completed_at is not None
    ]
    missed = reminders.count_missed(session, patient_id, ReminderKind.CHECKIN.value, since)
    return records, missed


class IntakeCompiler:
    """Compiles submitted intakes for providers, in the clinic's time zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def compile(
        self, session: Session, patient: Patient, intake: Intake, at: datetime
    ) -> CompiledIntake:
        """The intake as the provider receives it, with changes since the previous intake."""
        current = self._plain(session, patient, intake, at)
        earlier = [
            i
            for i in intakes.submitted(session, patient.id)
            if i.id != intake.id and i.submitted_at is not None and as_utc(i.submitted_at) <= at
        ]
        if not earlier:
            return current
        previous = self._plain(session, patient, earlier[-1], _submitted(earlier[-1]))
        baseline = self._plain(session, patient, earlier[0], _submitted(earlier[0]))
        return replace(current, changes=changes_since(current, previous, baseline))

    def compiled(self, session: Session, intake_id: int) -> CompiledIntake | None:
        """A submitted intake as the provider receives it, or None if there is none by that id."""
        intake = intakes.get(session, intake_id)
        if intake is None or intake.submitted_at is None:
            return None
        patient = patients.get(session, intake.patient_id)
        assert patient is not None
        return self.compile(session, patient, intake, _submitted(intake))

    def extras(self, session: Session, patient: Patient, intake: Intake) -> Extras:
        """The appointment, and the check-ins since the previous visit or the previous intake's
        submission, whichever came first (or since joining).

        A check-in made after an intake was submitted (before its visit, say) reached no
        provider in that intake: counting from the earlier of the two, the next intake has it.
        """
        starts = None
        shown = None
        appointment = (
            patients.get_appointment(session, intake.appointment_id)
            if intake.appointment_id
            else None
        )
        if appointment is not None:
            starts = as_utc(appointment.starts_at)
            shown = format_local(starts, self.zone)
        since = _period_start(session, patient, intake, starts)
        records, missed = checkin_records(session, patient.id, since)
        return Extras(shown, summarise_checkins(records, missed), since)

    def _plain(
        self, session: Session, patient: Patient, intake: Intake, at: datetime
    ) -> CompiledIntake:
        extras = self.extras(session, patient, intake)
        return compile_submitted(
            session,
            patient,
            intake,
            at,
            appointment=extras.appointment,
            checkins=extras.checkins,
            checkins_since=extras.checkins_since,
        )


def compile_submitted(
    session: Session,
    patient: Patient,
    intake: Intake,
    now: datetime,
    *,
    appointment: str | None = None,
    checkins: CheckinSummary | None = None,
    checkins_since: datetime | None = None,
) -> CompiledIntake:
    """The provider's view of one intake, with its safety events, from the stored answers."""
    events = safety.for_intake(session, intake.id)
    alerts = tuple(e.detail for e in events if e.alert)
    responses = tuple(e.detail for e in events if e.kind in SAFETY_RESPONSES and not e.alert)
    if patient.linked_at is not None:
        since = checkins_since or as_utc(patient.linked_at)
        outside = safety.between_visits(session, patient.id, since, now)
        alerts += tuple(f"between visits: {e.detail}" for e in outside if e.alert)
    return compile_intake(
        intakes.current_answers(session, intake.id),
        intake_id=intake.id,
        patient_name=patient.display_name or UNNAMED,
        submitted_at=now,
        appointment=appointment,
        safety_alerts=alerts,
        safety_responses=responses,
        typed_texts=intakes.current_typed_texts(session, intake.id),
        checkins=checkins,
        checkins_since=checkins_since,
        patient_id=patient.id,
        export_ids=records.export_ids(session, patient, intake),
    )


def _period_start(
    session: Session, patient: Patient, intake: Intake, starts: datetime | None
) -> datetime | None:
    """The earlier of the previous visit (before `starts`) and the previous intake's
    submission; when there is neither, when the patient joined."""
    ends = as_utc(intake.submitted_at) if intake.submitted_at is not None else None
    before: list[datetime] = []
    if starts is not None:
        before += [v for v in patients.visit_times(session, patient.id) if v < starts][-1:]
    submitted = [
        as_utc(i.submitted_at)
        for i in intakes.submitted(session, patient.id)
        if i.id != intake.id and i.submitted_at is not None
    ]
    before += [s for s in submitted if ends is None or s < ends][-1:]
    return min(before) if before else as_utc(patient.linked_at)


def _submitted(intake: Intake) -> datetime:
    assert intake.submitted_at is not None
    return as_utc(intake.submitted_at)
