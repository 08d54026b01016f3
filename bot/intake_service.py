"""The intake service: loads an intake, applies one patient event through flows, stores the outcome.

It knows neither Telegram nor the terminal: the Telegram handlers and the console demo both
call it and render what it returns. Each call is one database transaction, so an answer is
stored before the next question is sent, and a re-delivered update changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from flows import messages
from flows.compiled import CompiledIntake, compile_intake, medication_rows
from flows.dialogue import Begin, Event, Screen, Typed
from flows.intake import Context, Outcome, handle
from flows.machine import FINAL_STATES, Phase
from flows.safety import RiskLevel, assess_risk
from storage import queries
from storage.db import session_scope
from storage.models import Intake, Patient, SafetyEvent, utcnow

log = logging.getLogger(__name__)

IDLE_AFTER = timedelta(hours=1)
"""After this long without a word, the next message is greeted with "welcome back"."""

MAX_ATTEMPTS = 3

SAFETY_RESPONSES = frozenset({"safe", "clarified_no", "safety_question_skipped"})
"""Answers to the safety questions that raise no alert, but that a provider should still see."""

NOT_STARTED = "Hi! To begin your pre-visit check-in, send /start."


@dataclass(frozen=True)
class Alert:
    """An urgent safety alert for every provider chat: who, and what triggered it."""

    event_id: int
    patient_name: str
    detail: str


@dataclass
class Reply:
    """What the patient should see, and what must go to providers after the transaction."""

    intake_id: int | None = None
    say: list[str] = field(default_factory=list)
    screen: Screen | None = None
    stale: bool = False
    edit_in_place: bool = False
    duplicate: bool = False
    finished: bool = False  # the intake is submitted or declined
    alerts: list[Alert] = field(default_factory=list)
    submitted: CompiledIntake | None = None


class ConcurrentChange(Exception):
    """Another update moved the same intake first; the event is applied again on fresh state."""


class IntakeService:
    """Applies patient events to their intake, one transaction each."""

    def __init__(
        self,
        engine: Engine,
        clinic_name: str,
        clock: Callable[[], datetime] = utcnow,
        idle_after: timedelta = IDLE_AFTER,
    ) -> None:
        self.engine = engine
        self.clinic_name = clinic_name
        self.clock = clock
        self.idle_after = idle_after

    def start(self, chat_id: int, profile_name: str | None, update_id: int | None = None) -> Reply:
        """/start: resume the open intake, or begin a new one with the welcome and consent."""
        return self._run(chat_id, Begin(), profile_name, update_id, None, create=True)

    def handle(
        self,
        chat_id: int,
        event: Event,
        *,
        profile_name: str | None = None,
        update_id: int | None = None,
        intake_id: int | None = None,
    ) -> Reply:
        """Apply a typed message, a button, a command or unreadable media.

        `intake_id` comes with buttons: a button from an earlier intake is stale.
        """
        return self._run(chat_id, event, profile_name, update_id, intake_id, create=False)

    def _run(
        self,
        chat_id: int,
        event: Event,
        profile_name: str | None,
        update_id: int | None,
        intake_id: int | None,
        *,
        create: bool,
    ) -> Reply:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with session_scope(self.engine) as session:
                    return self._apply(
                        session, chat_id, event, profile_name, update_id, intake_id, create
                    )
            except ConcurrentChange:
                log.info("intake changed concurrently; retrying (attempt %d)", attempt)
            except IntegrityError:
                # Only the processed-update claim can collide: the same update was handled in parallel.
                return Reply(duplicate=True)
        raise RuntimeError("the intake kept changing under concurrent updates")

    def _apply(
        self,
        session: Session,
        chat_id: int,
        event: Event,
        profile_name: str | None,
        update_id: int | None,
        intake_id: int | None,
        create: bool,
    ) -> Reply:
        now = self.clock()
        if update_id is not None and not queries.claim_update(session, update_id, now):
            return Reply(duplicate=True)
        patient = queries.patient_by_chat(session, chat_id)
        if patient is None and not create:
            return _stranger_reply(event)
        if patient is None:
            patient = queries.create_patient(session, chat_id)
        intake = queries.latest_intake(session, patient.id)  # type: ignore[arg-type]
        if create and (intake is None or not queries.is_open(intake)):
            intake = queries.create_intake(session, patient.id, now)  # type: ignore[arg-type]
        if intake is None:
            return _stranger_reply(event)
        if intake_id is not None and intake_id != intake.id:
            event = Begin()  # a button from an older intake: show where the patient is now
            stale = True
        else:
            stale = False
        outcome = handle(
            queries.intake_state(intake),
            queries.current_answers(session, intake.id),  # type: ignore[arg-type]
            event,
            Context(self.clinic_name, returning=self._is_returning(intake, now)),
        )
        reply = self._store(session, patient, intake, outcome, profile_name, now)
        if stale:
            reply.stale = True
            reply.say.insert(0, messages.STALE_BUTTON)
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
        profile_name: str | None,
        now: datetime,
    ) -> Reply:
        assert intake.id is not None and patient.id is not None
        was = intake.state
        if outcome.restart:
            queries.supersede_all_answers(session, intake.id, now)
        for item in outcome.record:
            queries.record_answer(session, intake.id, item.key, item.value, item.raw_text, now)
        if not queries.save_intake_state(
            session, intake, outcome.state, paused=outcome.paused, now=now
        ):
            raise ConcurrentChange
        if (
            was == Phase.CONSENT
            and intake.state != Phase.CONSENT
            and intake.state != Phase.DECLINED
        ):
            queries.mark_consented(session, intake, now)
            if profile_name and not patient.display_name:
                patient.display_name = profile_name[:200]
                session.add(patient)
        name = patient.display_name or profile_name or "a patient who has not agreed yet"
        reply = Reply(
            intake_id=intake.id,
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
            reply.submitted = self._compile(session, patient, intake, now)
            queries.replace_medications(
                session, patient.id, intake.id, medication_rows(reply.submitted), now
            )
        return reply

    def _compile(
        self, session: Session, patient: Patient, intake: Intake, now: datetime
    ) -> CompiledIntake:
        assert intake.id is not None
        events = queries.safety_events(session, intake.id)
        alerts = tuple(e.detail for e in events if e.alert)
        responses = tuple(e.detail for e in events if e.kind in SAFETY_RESPONSES and not e.alert)
        return compile_intake(
            queries.current_answers(session, intake.id),
            intake_id=intake.id,
            patient_name=patient.display_name or "Unnamed patient",
            submitted_at=now,
            safety_alerts=alerts,
            safety_responses=responses,
            typed_texts=queries.current_typed_texts(session, intake.id),
        )

    def compiled(self, intake_id: int) -> CompiledIntake | None:
        """The compiled intake of a submitted intake, for delivery or a second look."""
        with session_scope(self.engine) as session:
            intake = session.get(Intake, intake_id)
            if intake is None or intake.submitted_at is None:
                return None
            patient = session.get(Patient, intake.patient_id)
            assert patient is not None
            return self._compile(session, patient, intake, queries.as_utc(intake.submitted_at))  # type: ignore[arg-type]

    def forget_old_updates(self, keep: timedelta = timedelta(days=2)) -> int:
        with session_scope(self.engine) as session:
            return queries.forget_updates_before(session, self.clock() - keep)

    def record_alerted(self, alerts: list[Alert], chat_ids: list[int]) -> None:
        with session_scope(self.engine) as session:
            queries.set_alerted(session, [a.event_id for a in alerts], chat_ids)

    def record_delivered(self, intake_id: int) -> None:
        with session_scope(self.engine) as session:
            queries.mark_delivered(session, intake_id, self.clock())


def _stranger_reply(event: Event) -> Reply:
    """Someone who never sent /start: nothing is stored, but risk language still gets resources."""
    if isinstance(event, Typed) and assess_risk(event.text).level is RiskLevel.RISK:
        return Reply(say=[messages.CRISIS_RESOURCES, NOT_STARTED])
    return Reply(say=[NOT_STARTED])
