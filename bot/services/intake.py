"""The pre-visit intake: opens the intake of the next appointment when its window opens, applies
each patient event to it through flows, and stores what flows decided (answers, position,
safety events, submission) in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.services.answer_cache import AnswerCache
from bot.services.compiling import IntakeCompiler
from bot.services.config import ServiceConfig
from bot.services.reminder_plans import patient_zone
from bot.services.replies import DialogueKind, DialogueRef, Reply
from bot.services.safety import SafetyService
from bot.services.seen import told_already, typed_text, unseen
from flows import messages
from flows.compiled import medication_rows
from flows.dialogue import Begin, Command, Event
from flows.intake import Context, IntakeState, Outcome, handle
from flows.machine import FINAL_STATES, Phase
from flows.questions import (
    CARRIED_KEYS,
    FIRST_VISIT,
    FOLLOW_UP,
    PREVIOUS_MEDICATIONS,
    PREVIOUS_SLEEP,
    VISIT_KIND,
    first_section,
    nights_of,
    section_steps,
)
from flows.schedule import intake_opens_at
from flows.when import format_local
from storage import intakes, patients
from storage.clock import as_utc
from storage.models import Intake, Patient
from storage.statuses import ActiveDialogue

IDLE_AFTER = timedelta(hours=1)
"""After this long without a word, the next message is greeted with "welcome back"."""

NOT_AGREED_YET = "a patient who has not agreed yet"


def position(intake: Intake) -> IntakeState:
    """Where the patient is in the intake, as flows reads it."""
    return IntakeState(
        state=intake.state,
        step=intake.step,
        editing=intake.editing,
        pending=intake.pending,
        draft=tuple(intake.draft) if intake.draft is not None else None,
    )


def is_open(intake: Intake) -> bool:
    return intake.state not in FINAL_STATES


class IntakeService:
    """Applies patient events to one intake inside the caller's transaction."""

    def __init__(
        self,
        config: ServiceConfig,
        safety: SafetyService,
        compiler: IntakeCompiler,
        idle_after: timedelta = IDLE_AFTER,
        answers: AnswerCache | None = None,
    ) -> None:
        self.config = config
        self.safety = safety
        self.compiler = compiler
        self.idle_after = idle_after
        self.answers = answers or AnswerCache()

    # --- which intake ---------------------------------------------------------------------

    def current(
        self,
        session: Session,
        patient: Patient,
        now: datetime,
        visits: Sequence[intakes.Visit] | None = None,
    ) -> Intake | None:
        """The intake open for the next appointment, created when its window has opened
        (`visits`: the patient's scheduled ones, when the caller read them already)."""
        visit = intakes.next_visit(session, patient.id, now, visits)
        if visit is not None:
            appointment, found = visit
            zone = patient_zone(patient, self.config.clinic_zone)
            if now < intake_opens_at(as_utc(appointment.starts_at), zone, self.config.policy):
                return None
            return found or self._open(session, patient, appointment.id, now)
        # No appointment ahead: an intake started for one that has now passed may still be open.
        latest = intakes.latest(session, patient.id)
        if latest is not None and latest.appointment_id is None and is_open(latest):
            return latest  # the demo's kind of intake, or one from before appointments existed
        return None

    def in_progress(self, session: Session, patient: Patient, now: datetime) -> Intake | None:
        """The current intake, if it still takes answers."""
        intake = self.current(session, patient, now)
        if intake is not None and intake.submitted_at is None and is_open(intake):
            return intake
        return None

    def asking_consent(self, session: Session, patient: Patient) -> Intake | None:
        """The demo's intake, which asks for consent itself."""
        latest = intakes.latest(session, patient.id)
        return latest if latest is not None and latest.state == Phase.CONSENT else None

    def open_without_appointment(self, session: Session, patient: Patient, now: datetime) -> Intake:
        """A new intake that belongs to no appointment (the terminal demo's next visit), with
        last visit's medicines carried over as for any returning patient."""
        return self._open(session, patient, None, now)

    def _open(
        self, session: Session, patient: Patient, appointment_id: int | None, now: datetime
    ) -> Intake:
        intake = intakes.add(
            session,
            Intake(
                patient_id=patient.id,
                appointment_id=appointment_id,
                state=Phase.CONSENT.value,  # set below, once the kind of visit is stored
                step=None,
                started_at=now,
                updated_at=now,
                consented_at=patient.consented_at,
            ),
        )
        self._carry_medications(session, patient, intake, now)
        answers = intakes.current_answers(session, intake.id)
        section = first_section(answers)
        intake.state = section.value
        intake.step = section_steps(section, answers)[0]
        session.add(intake)
        session.flush()
        return intake

    def _carry_medications(
        self, session: Session, patient: Patient, intake: Intake, now: datetime
    ) -> None:
        """A patient with no earlier submitted intake gets a first-visit intake; a returning one
        is asked about last visit's medicines instead of typing them again, and is shown last
        visit's sleep to confirm."""
        submitted = intakes.submitted(session, patient.id)
        kind = FOLLOW_UP if submitted else FIRST_VISIT
        intakes.record_answer(session, intake.id, VISIT_KIND, kind, None, now)
        if not submitted:
            return
        carried = [
            {"name": m.name, "dose": m.dose, "frequency": m.frequency}
            for m in intakes.medications_for(session, submitted[-1].id)
            if m.status != "stopped"
        ]
        if carried:
            intakes.record_answer(session, intake.id, PREVIOUS_MEDICATIONS, carried, None, now)
        nights = nights_of(intakes.current_answers(session, submitted[-1].id))
        if nights:  # the last intake's sleep, to confirm in one tap if it is the same
            intakes.record_answer(session, intake.id, PREVIOUS_SLEEP, nights, None, now)

    # --- one event ------------------------------------------------------------------------

    def apply(
        self,
        session: Session,
        patient: Patient,
        intake: Intake,
        event: Event,
        now: datetime,
        *,
        greeting: str | None = None,
        message_id: int | None = None,
    ) -> Reply:
        """Run one event through the intake dialogue and store everything it decided.

        `greeting` is said first (the intake has just opened, or the patient has just agreed).
        `message_id` is the patient's message, for typed text: written before the current
        question reached the chat, it is not taken as its answer.
        """
        if patient.active_dialogue != ActiveDialogue.INTAKE and patient.consented_at is not None:
            patient.active_dialogue = ActiveDialogue.INTAKE
            session.add(patient)
        was = intake.state
        context = Context(
            self.config.clinic_name,
            returning=self._is_returning(intake, now),
            unseen=self._unseen(patient, intake, session, (message_id, typed_text(event)), now),
        )
        answers = self.answers.get(intake)
        if answers is None:
            answers = intakes.current_answers(session, intake.id)
        outcome = handle(position(intake), answers, event, context)
        if outcome.restart:
            intakes.supersede_all_answers(session, intake.id, now, keep=CARRIED_KEYS)
            answers = {key: value for key, value in answers.items() if key in CARRIED_KEYS}
        for item in outcome.record:
            replaces = outcome.restart or item.key in answers  # else there is none to supersede
            intakes.record_answer(
                session, intake.id, item.key, item.value, item.raw_text, now, replaces=replaces
            )
        columns = position_columns(outcome.state)
        intakes.save_position(session, intake, columns, paused=outcome.paused, now=now)
        stored = {**answers, **{item.key: item.value for item in outcome.record}}
        self.answers.keep(session, intake, stored)
        self._consent_changes(session, patient, intake, was, now)
        reply = self._reply(session, patient, intake, outcome, now)
        if context.unseen and told_already(session, patient.telegram_chat_id, reply, message_id):
            reply.say, reply.screen = [], None
        if greeting:
            reply.say = [s for s in reply.say if s != messages.WELCOME_BACK]
            reply.say.insert(0, greeting)
        return reply

    @staticmethod
    def _unseen(
        patient: Patient,
        intake: Intake,
        session: Session,
        typed: tuple[int | None, str | None],
        now: datetime,
    ) -> bool:
        """Whether the patient has not seen the current question (yet, or when they typed)."""
        ref = DialogueRef(DialogueKind.INTAKE, intake.id)
        shown = (intake.shown_step, intake.shown_message_id)
        step = intake.pending or intake.step
        return unseen(session, patient.telegram_chat_id, ref, step, shown, typed, now)

    def _is_returning(self, intake: Intake, now: datetime) -> bool:
        updated = as_utc(intake.updated_at)
        return intake.paused or now - updated > self.idle_after

    def _reply(
        self, session: Session, patient: Patient, intake: Intake, outcome: Outcome, now: datetime
    ) -> Reply:
        """What the patient sees; the safety events stored and, on submit, the provider's copy."""
        reply = Reply(
            ref=DialogueRef(DialogueKind.INTAKE, intake.id),
            say=list(outcome.say),
            screen=outcome.screen,
            stale=outcome.stale,
            edit_in_place=outcome.edit_in_place,
            finished=outcome.state.state in FINAL_STATES,
        )
        name = patient.display_name or NOT_AGREED_YET
        reply.alerts = self.safety.record(session, patient, intake.id, outcome.safety, now, name)
        if outcome.submitted:
            intake.submitted_at = now
            session.add(intake)
            reply.submitted = self.compiler.compile(session, patient, intake, now)
            rows = medication_rows(reply.submitted)
            intakes.replace_medications(session, patient.id, intake.id, rows, now)
            if self.safety.outbox is not None:
                self.safety.outbox.intake(session, intake.id, now)
        return reply

    def _consent_changes(
        self, session: Session, patient: Patient, intake: Intake, was: str, now: datetime
    ) -> None:
        """The demo's intake asks for consent itself: record the patient's choice."""
        if was != Phase.CONSENT or intake.state == Phase.CONSENT:
            return
        if intake.state == Phase.DECLINED:
            patient.declined_at = now
        else:
            intake.consented_at = now
            session.add(intake)
            if patient.consented_at is None:
                patient.consented_at = now
        session.add(patient)

    # --- nothing to fill in ---------------------------------------------------------------

    def what_next(self, session: Session, patient: Patient, now: datetime) -> str:
        """When the next intake opens, or that no appointment is booked yet."""
        upcoming = patients.upcoming_appointments(session, patient.id, now)
        if not upcoming:
            return messages.NO_APPOINTMENT_YET
        zone = patient_zone(patient, self.config.clinic_zone)
        opens = intake_opens_at(as_utc(upcoming[0].starts_at), zone, self.config.policy)
        return messages.intake_opens_later(format_local(opens, zone))

    def idle(
        self,
        session: Session,
        patient: Patient,
        event: Event,
        now: datetime,
        intake: Intake | None,
        greet: str | None = None,
    ) -> Reply:
        """Nothing to fill in: say what comes next."""
        say = [greet] if greet else []
        if isinstance(event, Command) and event.name == "help":
            say.append(messages.IDLE_HELP)
        elif isinstance(event, Command) and event.name == "unknown":
            say.append(messages.UNKNOWN_COMMAND)
        elif intake is not None and intake.submitted_at is not None:
            say.append(messages.ALREADY_SUBMITTED + " " + messages.CHECKIN_HELP_HINT)
        else:
            say.append(self.what_next(session, patient, now))
        return Reply(say=say)

    def next_appointment(self, session: Session, patient: Patient, now: datetime) -> str:
        upcoming = patients.upcoming_appointments(session, patient.id, now)
        if not upcoming:
            return messages.NO_UPCOMING_APPOINTMENT
        zone = patient_zone(patient, self.config.clinic_zone)
        return messages.next_appointment(format_local(as_utc(upcoming[0].starts_at), zone))

    def start_demo(self, session: Session, chat_id: int, name: str, now: datetime) -> Reply:
        """The console demo's patient: no invitation, consent asked inside the intake."""
        patient = patients.create(session, chat_id, display_name=name)
        patient.linked_at = now
        intake = intakes.create(session, patient.id, now)
        intakes.record_answer(session, intake.id, VISIT_KIND, FIRST_VISIT, None, now)
        return self.apply(session, patient, intake, Begin(), now)


def position_columns(state: IntakeState) -> dict[str, object]:
    return {
        "state": state.state,
        "step": state.step,
        "editing": state.editing,
        "pending": state.pending,
        "draft": list(state.draft) if state.draft is not None else None,
    }
