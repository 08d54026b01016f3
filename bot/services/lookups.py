"""What providers look up, without Telegram: the day's agenda, a patient's past intakes, one
intake's record, a patient's check-in log; and which submitted intakes still await delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services.compiling import IntakeCompiler, checkin_records
from bot.services.providers import find
from bot.services.reminder_plans import patient_zone
from flows.checkin_summary import summarise_checkins
from flows.instruments import Score
from flows.record import PatientRecord, SafetyNote
from flows.report import CheckinRecord, CheckinSummary, CompiledIntake
from flows.schedule import at_local
from storage import intakes, patients, records, safety
from storage.clock import as_utc, utcnow
from storage.db import session_scope
from storage.models import Appointment, Intake, Patient

DELIVERY_SETTLES = timedelta(minutes=2)
"""An intake submitted this recently may still be on its way: it is not re-sent yet."""


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


@dataclass(frozen=True)
class CheckinLog:
    patient_id: int
    display_name: str
    records: tuple[CheckinRecord, ...]
    summary: CheckinSummary
    visits: tuple[datetime, ...]
    since: datetime | None

    def since_last_visit(self) -> list[CheckinRecord]:
        return self.checkins_from(self.since)

    def checkins_from(self, moment: datetime | None) -> list[CheckinRecord]:
        """The check-ins from `moment` on (all of them for None)."""
        return [r for r in self.records if moment is None or r.at >= moment]

    def visits_from(self, moment: datetime | None) -> list[datetime]:
        """The visits from `moment` on (all of them for None): a chart of a period marks only
        its own visits, so its dates span no check-ins it leaves out."""
        return [v for v in self.visits if moment is None or v >= moment]


def _score_words(score: Score) -> str:
    return f"{score.total} ({score.band})" if score.complete else "incomplete"


class ProviderLookups:
    """Read-only look-ups, one transaction each."""

    def __init__(
        self, engine: Engine, clinic_zone: ZoneInfo, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.clinic_zone = clinic_zone
        self.clock = clock
        self.compiler = IntakeCompiler(clinic_zone)

    def agenda(self) -> list[AgendaRow]:
        """Today's and tomorrow's appointments (clinic time) with their intake's status."""
        now = self.clock()
        today = now.astimezone(self.clinic_zone).date()
        start = at_local(today, time(0, 0), self.clinic_zone)
        end = at_local(today + timedelta(days=2), time(0, 0), self.clinic_zone)
        with session_scope(self.engine) as session:
            return [
                AgendaRow(
                    patient.id,
                    patient.display_name or "",
                    as_utc(appointment.starts_at),
                    intake.id if intake else None,
                    _intake_status(session, intake),
                    _has_alert(session, patient, appointment, intake, now),
                )
                for appointment, patient, intake in records.agenda(session, start, end)
            ]

    def history(self, patient_ref: str) -> tuple[Patient, list[IntakeLine]]:
        """A patient's submitted intakes with their scores, newest first."""
        with session_scope(self.engine) as session:
            patient = find(session, patient_ref)
            lines = []
            for intake in reversed(intakes.submitted(session, patient.id)):
                compiled = self.compiler.compiled(session, intake.id)
                assert compiled is not None and intake.submitted_at is not None
                lines.append(
                    IntakeLine(
                        intake.id,
                        as_utc(intake.submitted_at),
                        _score_words(compiled.phq9),
                        _score_words(compiled.gad7),
                    )
                )
            return patient, lines

    def intake(self, intake_id: int) -> IntakeRecord | None:
        with session_scope(self.engine) as session:
            compiled = self.compiler.compiled(session, intake_id)
            if compiled is None:
                return None
            return IntakeRecord(compiled, intakes.current_answers(session, intake_id))

    def latest_intake_id(self, patient_id: int) -> int | None:
        with session_scope(self.engine) as session:
            submitted = intakes.submitted(session, patient_id)
            return submitted[-1].id if submitted else None

    def patient_id(self, patient_ref: str) -> int:
        with session_scope(self.engine) as session:
            return find(session, patient_ref).id

    def checkin_log(self, patient_ref: str) -> CheckinLog:
        """Every completed check-in, the summary since the previous visit, and the visit dates."""
        now = self.clock()
        with session_scope(self.engine) as session:
            patient = find(session, patient_ref)
            visits = patients.visit_times(session, patient.id)
            past = [v for v in visits if v <= now]
            since = past[-1] if past else as_utc(patient.linked_at)
            everything, _ = checkin_records(session, patient.id)
            recent, missed = checkin_records(session, patient.id, since)
            return CheckinLog(
                patient.id,
                patient.display_name or "",
                tuple(everything),
                summarise_checkins(recent, missed),
                tuple(visits),
                since,
            )

    def record(self, patient_id: int) -> PatientRecord | None:
        """Everything stored about one patient, for /mydata (None: they are gone)."""
        with session_scope(self.engine) as session:
            patient = patients.get(session, patient_id)
            if patient is None:
                return None
            submitted = intakes.submitted(session, patient.id)
            compiled = [self.compiler.compiled(session, i.id) for i in submitted]
            latest = intakes.latest(session, patient.id)
            open_answers: dict[str, Any] = {}
            if latest is not None and latest.submitted_at is None:
                open_answers = intakes.current_answers(session, latest.id)
            return PatientRecord(
                patient.id,
                patient.display_name,
                patient_zone(patient, self.clinic_zone).key,
                as_utc(patient.linked_at),
                as_utc(patient.consented_at),
                _reminder_words(patient),
                tuple(patients.visit_times(session, patient.id)),
                tuple(c for c in compiled if c is not None),
                tuple((key, _answer_words(value)) for key, value in open_answers.items()),
                tuple(checkin_records(session, patient.id)[0]),
                tuple(
                    SafetyNote(
                        as_utc(e.created_at), e.patient_text, e.alert, e.acknowledged_at is not None
                    )
                    for e in safety.of_patient(session, patient.id)
                ),
            )

    def undelivered_intake_ids(self, settle: timedelta = DELIVERY_SETTLES) -> list[int]:
        """Submitted intakes that reached no provider chat (the process stopped, or Telegram failed)."""
        with session_scope(self.engine) as session:
            return intakes.undelivered_ids(session, self.clock() - settle)

    def record_delivered(self, intake_id: int) -> None:
        with session_scope(self.engine) as session:
            intakes.mark_delivered(session, intake_id, self.clock())


def _reminder_words(patient: Patient) -> str:
    if patient.reminders_stopped_at is not None:
        return "all reminders stopped (/stop); /reminders turns them back on"
    if patient.checkin_cadence == "off":
        return "no check-in reminders"
    when = f" at {patient.checkin_time}" if patient.checkin_time else ""
    paused = " (paused)" if patient.checkins_paused else ""
    return f"{patient.checkin_cadence} check-in reminders{when}{paused}"


def _answer_words(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _intake_status(session: Session, intake: Intake | None) -> str:
    if intake is None:
        return "not started"
    if intake.submitted_at is not None:
        return "submitted"
    return "in progress" if intakes.has_current_answers(session, intake.id) else "not started"


def _has_alert(
    session: Session,
    patient: Patient,
    appointment: Appointment,
    intake: Intake | None,
    now: datetime,
) -> bool:
    """A safety alert in the visit's intake, or between visits since the previous one."""
    if intake is not None and any(e.alert for e in safety.for_intake(session, intake.id)):
        return True
    starts = as_utc(appointment.starts_at)
    earlier = [v for v in patients.visit_times(session, patient.id) if v < starts]
    since = earlier[-1] if earlier else as_utc(patient.linked_at)
    outside = safety.between_visits(session, patient.id, since, now)
    return any(event.alert for event in outside)
