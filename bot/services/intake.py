"""The intake dialogue's storage side: applies one patient event to an intake through flows and
stores what it decided (answers, position, safety events, submission) in the caller's transaction.

It knows neither Telegram nor the terminal; `Reply` is what the renderers show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.telegram import callbacks
from flows import messages
from flows.checkin_summary import CheckinSummary
from flows.compiled import CompiledIntake, compile_intake, medication_rows
from flows.dialogue import Begin, Event, Screen
from flows.intake import Context, Outcome, handle
from flows.machine import FINAL_STATES, Phase
from flows.questions import PREVIOUS_MEDICATIONS
from storage import queries
from storage.models import Intake, Patient, SafetyEvent

log = logging.getLogger(__name__)

IDLE_AFTER = timedelta(hours=1)
"""After this long without a word, the next message is greeted with "welcome back"."""


SAFETY_RESPONSES = frozenset({"safe", "clarified_no", "safety_question_skipped"})
"""Answers to the safety questions that raise no alert, but that a provider should still see."""


@dataclass(frozen=True)
class Alert:
    """An urgent safety alert for every provider chat: who, and what triggered it."""

    event_id: int
    patient_name: str
    detail: str


@dataclass
class Reply:
    """What the patient should see, and what must go to providers after the transaction."""

    ref: str | None = None  # the dialogue row the screen's buttons belong to (bot.telegram.callbacks.ref)
    say: list[str] = field(default_factory=list)
    screen: Screen | None = None
    stale: bool = False
    edit_in_place: bool = False
    duplicate: bool = False
    finished: bool = False  # the intake is submitted or declined
    alerts: list[Alert] = field(default_factory=list)
    reminders: list[int] = field(
        default_factory=list
    )  # reminder rows planned or moved: re-arm them
    submitted: CompiledIntake | None = None


class ConcurrentChange(Exception):
    """Another update moved the same intake first; the event is applied again on fresh state."""


class IntakeDialogue:
    """Applies patient events to one intake inside the caller's transaction."""

    def __init__(
        self,
        clinic_name: str,
        idle_after: timedelta = IDLE_AFTER,
        compiler: Callable[[Session, Patient, Intake, datetime], CompiledIntake] | None = None,
    ) -> None:
        self.clinic_name = clinic_name
        self.idle_after = idle_after
        # How a submitted intake becomes the provider's copy (with appointment, check-ins, changes).
        self.compile = compiler or compile_submitted

    def apply(
        self,
        session: Session,
        patient: Patient,
        intake: Intake,
        event: Event,
        now: datetime,
        *,
        stale: bool = False,
        greeting: str | None = None,
    ) -> Reply:
        """Run one event through the intake dialogue and store everything it decided.

        `stale` marks a button from an earlier intake: the patient is shown where they are.
        `greeting` is said first (the intake has just opened).
        """
        assert intake.id is not None
        outcome = handle(
            queries.intake_state(intake),
            queries.current_answers(session, intake.id),
            Begin() if stale else event,
            Context(self.clinic_name, returning=self._is_returning(intake, now)),
        )
        reply = self._store(session, patient, intake, outcome, now)
        if stale:
            reply.stale = True
            reply.say.insert(0, messages.STALE_BUTTON)
        if greeting:
            reply.say = [s for s in reply.say if s != messages.WELCOME_BACK]
            reply.say.insert(0, greeting)
        return reply

    def _is_returning(self, intake: Intake, now: datetime) -> bool:
        updated = queries.as_utc(intake.updated_at)
        return intake.paused or (updated is not None and now - updated > self.idle_after)

    def _store(
        self,
        session: Session,
        patient: Patient,
        intake: Intake,
        outcome: Outcome,
        now: datetime,
    ) -> Reply:
        assert intake.id is not None and patient.id is not None
        was = intake.state
        if outcome.restart:
            queries.supersede_all_answers(session, intake.id, now, keep=(PREVIOUS_MEDICATIONS,))
        for item in outcome.record:
            queries.record_answer(session, intake.id, item.key, item.value, item.raw_text, now)
        if not queries.save_intake_state(
            session, intake, outcome.state, paused=outcome.paused, now=now
        ):
            raise ConcurrentChange
        if was == Phase.CONSENT and intake.state == Phase.DECLINED:
            patient.declined_at = now
            session.add(patient)
        if (
            was == Phase.CONSENT
            and intake.state != Phase.CONSENT
            and intake.state != Phase.DECLINED
        ):
            queries.mark_consented(session, intake, now)
            if patient.consented_at is None:
                patient.consented_at = now
                session.add(patient)
        name = patient.display_name or "a patient who has not agreed yet"
        reply = Reply(
            ref=callbacks.ref(callbacks.INTAKE, intake.id),
            say=list(outcome.say),
            screen=outcome.screen,
            stale=outcome.stale,
            edit_in_place=outcome.edit_in_place,
            finished=outcome.state.state in FINAL_STATES,
        )
        for safety in outcome.safety:
            row = queries.add_safety_event(
                session,
                SafetyEvent(
                    patient_id=patient.id,
                    intake_id=intake.id,
                    kind=safety.kind,
                    detail=safety.detail,
                    step=safety.step,
                    shown=safety.shown,
                    patient_text=safety.text,
                    alert=safety.alert,
                    created_at=now,
                ),
            )
            if safety.alert:
                reply.alerts.append(Alert(row.id, name, safety.detail))  # type: ignore[arg-type]
        if outcome.submitted:
            queries.mark_submitted(session, intake, now)
            reply.submitted = self.compile(session, patient, intake, now)
            queries.replace_medications(
                session, patient.id, intake.id, medication_rows(reply.submitted), now
            )
        return reply


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
    """The provider's view of an intake, with its safety events, from the stored answers."""
    assert intake.id is not None
    events = queries.safety_events(session, intake.id)
    alerts = tuple(e.detail for e in events if e.alert)
    responses = tuple(e.detail for e in events if e.kind in SAFETY_RESPONSES and not e.alert)
    if patient.id is not None and patient.linked_at is not None:
        outside = queries.safety_events_between_visits(
            session, patient.id, checkins_since or queries.as_utc(patient.linked_at), now
        )
        alerts += tuple(f"between visits: {e.detail}" for e in outside if e.alert)
    return compile_intake(
        queries.current_answers(session, intake.id),
        intake_id=intake.id,
        patient_name=patient.display_name or "Unnamed patient",
        submitted_at=now,
        appointment=appointment,
        safety_alerts=alerts,
        safety_responses=responses,
        typed_texts=queries.current_typed_texts(session, intake.id),
        checkins=checkins,
        checkins_since=checkins_since,
        patient_id=patient.id,
    )
