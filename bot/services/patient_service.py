"""The patient's side of the bot, without Telegram: linking by invitation, consent, and routing each
event to the dialogue it belongs to (the pre-visit intake, a check-in, the patient's settings).

Each call is one database transaction: what the patient said is stored before anything is sent,
and a re-delivered update changes nothing. Strangers are told how to join; nothing about them
is stored.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.services import compiling as records
from bot.services.intake import Alert, ConcurrentChange, IntakeDialogue, Reply
from bot.services.reminder_plans import (
    patient_cadence,
    patient_zone,
    plan_appointment,
    plan_checkin,
    replan_patient,
    upcoming_appointments,
)
from bot.telegram import callbacks
from flows import messages, safety_dialogue
from flows.checkin import CheckinContext, CheckinState, handle_checkin
from flows.dialogue import Begin, Command, Event, SafetyEvent, Screen, Tapped, Typed
from flows.machine import CONSENT, SECTIONS
from flows.parsing import match_option
from flows.preferences import (
    PreferencesState,
    handle_preferences,
    start_reminders,
    start_timezone,
)
from flows.questions import PREVIOUS_MEDICATIONS, Section, section_steps
from flows.safety import RiskLevel, assess_risk
from flows.schedule import ReminderPolicy, intake_opens_at, is_late
from flows.when import format_local
from storage import queries
from storage.db import session_scope
from storage.models import Checkin, Intake, Invitation, Patient, Reminder, utcnow
from storage.models import SafetyEvent as SafetyEventRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
CONSENT_STEP = "join.consent"
OPEN_INTAKE = "open.intake"
OPEN_CHECKIN = "open.checkin"

INTAKE_DIALOGUE = "intake"
CHECKIN_DIALOGUE = "checkin"
SETTINGS_DIALOGUE = "settings"
SAFETY_DIALOGUE = "safety"


def token_hash(token: str) -> str:
    """Invitation tokens are stored hashed: a copy of the database cannot be used to join."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ServiceConfig:
    clinic_name: str
    clinic_zone: ZoneInfo
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)


class PatientService:
    """Everything a patient can do, one transaction per event."""

    def __init__(
        self, engine: Engine, config: ServiceConfig, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock
        self.intakes = IntakeDialogue(
            config.clinic_name,
            compiler=lambda session, patient, intake, at: records.compile_full(
                session, patient, intake, at, config.clinic_zone
            ),
        )

    # --- entry points -------------------------------------------------------------------

    def start(self, chat_id: int, token: str | None, update_id: int | None = None) -> Reply:
        """/start, with the token of an invitation link or without."""
        return self._transaction(update_id, lambda s, now: self._start(s, chat_id, token, now))

    def handle(
        self,
        chat_id: int,
        event: Event,
        *,
        update_id: int | None = None,
        button: callbacks.ButtonPress | None = None,
    ) -> Reply:
        """A typed message, a command, unreadable media, or a button (with its press)."""
        return self._transaction(
            update_id, lambda s, now: self._route(s, chat_id, event, button, now)
        )

    def open(self, chat_id: int, what: str, update_id: int | None = None) -> Reply:
        """/checkin, /reminders, /timezone or /appointment."""
        return self._transaction(update_id, lambda s, now: self._open(s, chat_id, what, now))

    def screen_text(self, chat_id: int, text: str, update_id: int | None = None) -> Reply | None:
        """Text that answers nothing (an edited message, a photo's caption): checked for risk only."""
        if assess_risk(text).level is RiskLevel.NONE:
            return None

        def check(session: Session, now: datetime) -> Reply:
            patient = queries.patient_by_chat(session, chat_id)
            if patient is None or patient.consented_at is None:
                return Reply(say=[messages.CRISIS_RESOURCES])
            return self._risk(session, patient, text, None, now) or Reply()

        return self._transaction(update_id, check)

    def start_demo(self, chat_id: int, name: str) -> Reply:
        """The console demo's patient: no invitation, consent asked inside the intake."""

        def demo(session: Session, now: datetime) -> Reply:
            patient = queries.create_patient(session, chat_id, display_name=name)
            patient.linked_at = now
            intake = queries.create_intake(session, patient.id, now)  # type: ignore[arg-type]
            return self.intakes.apply(session, patient, intake, Begin(), now)

        return self._transaction(None, demo)

    # --- transactions -------------------------------------------------------------------

    def _transaction(
        self, update_id: int | None, work: Callable[[Session, datetime], Reply]
    ) -> Reply:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with session_scope(self.engine) as session:
                    now = self.clock()
                    if update_id is not None and not queries.claim_update(session, update_id, now):
                        return Reply(duplicate=True)
                    return work(session, now)
            except ConcurrentChange:
                log.info("a dialogue changed concurrently; retrying (attempt %d)", attempt)
            except IntegrityError as error:
                if "processedupdate" not in str(error.orig).lower():
                    if attempt == MAX_ATTEMPTS:
                        raise
                    log.info(
                        "a unique row was written concurrently; retrying (attempt %d)", attempt
                    )
                    continue
                return Reply(duplicate=True)  # the same update, handled in parallel
        raise RuntimeError("the dialogue kept changing under concurrent updates")

    # --- joining ------------------------------------------------------------------------

    def _start(self, session: Session, chat_id: int, token: str | None, now: datetime) -> Reply:
        patient = queries.patient_by_chat(session, chat_id)
        if token:
            invitation = session.exec(
                select(Invitation).where(Invitation.token_hash == token_hash(token))
            ).first()
            if (
                invitation is not None
                and patient is not None
                and invitation.patient_id == patient.id
            ):
                return self._resume(session, patient, now)  # the same link opened again
            if (
                invitation is None
                or invitation.used_at is not None
                or queries.as_utc(invitation.expires_at) <= now
            ):
                if patient is not None:
                    return self._resume(session, patient, now)
                return Reply(say=[messages.invitation_not_valid(self.config.clinic_name)])
            if patient is not None:
                return Reply(say=[messages.ALREADY_LINKED_ELSEWHERE])
            return self._link(session, invitation, chat_id, now)
        if patient is None:
            return Reply(say=[messages.invitation_needed(self.config.clinic_name)])
        return self._resume(session, patient, now)

    def _link(self, session: Session, invitation: Invitation, chat_id: int, now: datetime) -> Reply:
        patient = session.get(Patient, invitation.patient_id)
        assert patient is not None
        invitation.used_at = now
        patient.telegram_chat_id = chat_id
        patient.linked_at = now
        session.add_all([invitation, patient])
        session.flush()
        return self._consent_reply(patient)

    def _consent_reply(self, patient: Patient) -> Reply:
        return Reply(
            ref=callbacks.ref(callbacks.PATIENT, patient.id),  # type: ignore[arg-type]
            screen=Screen(
                CONSENT_STEP,
                messages.welcome(self.config.clinic_name),
                options=messages.CONSENT_OPTIONS,
            ),
        )

    def _consent(self, session: Session, patient: Patient, event: Event, now: datetime) -> Reply:
        value = None
        if isinstance(event, Tapped) and event.step == CONSENT_STEP:
            value = event.value
        elif isinstance(event, Typed):
            option = match_option(event.text, messages.CONSENT_OPTIONS)
            value = option.value if option else None
            risky = self._risk(session, patient, event.text, None, now)
            if risky is not None:
                return risky
        if value == "agree":
            patient.consented_at = now
            patient.declined_at = None
            session.add(patient)
            reply = Reply(reminders=[r.id for r in self._plan_all(session, patient, now)])  # type: ignore[misc]
            return _merge(reply, self._resume(session, patient, now, greet=messages.CONSENTED))
        if value == "decline":
            patient.declined_at = now
            session.add(patient)
            return Reply(say=[messages.DECLINED], finished=True)
        reply = self._consent_reply(patient)
        reply.say.insert(
            0, messages.NOT_UNDERSTOOD if isinstance(event, Typed) else messages.WELCOME_BACK
        )
        return reply

    # --- routing ------------------------------------------------------------------------

    def _route(
        self,
        session: Session,
        chat_id: int,
        event: Event,
        button: callbacks.ButtonPress | None,
        now: datetime,
    ) -> Reply:
        patient = queries.patient_by_chat(session, chat_id)
        if patient is None:
            return self._stranger(event)
        if patient.consented_at is None:
            asking = self._intake_asking_consent(session, patient)
            if asking is not None:  # the demo asks for consent inside the intake itself
                return self.intakes.apply(session, patient, asking, event, now)
            if patient.active_dialogue == SAFETY_DIALOGUE:  # risk language before consent
                return self._safety_event(session, patient, event, now)
            if patient.declined_at is not None and not (button and button.step == CONSENT_STEP):
                say = [messages.DECLINED_NOTHING_MORE]
                if isinstance(event, Typed) and assess_risk(event.text).level is RiskLevel.RISK:
                    say.insert(0, messages.CRISIS_RESOURCES)  # as for strangers: nothing stored
                return Reply(say=say)
            return self._consent(session, patient, event, now)
        if button is not None:
            return self._button(session, patient, event, button, now)
        match patient.active_dialogue:
            case "checkin":
                checkin = self._open_checkin(session, patient)
                if checkin is not None:
                    return self._checkin_event(session, patient, checkin, event, now)
            case "settings":
                return self._settings_event(session, patient, event, now)
            case "safety":
                return self._safety_event(session, patient, event, now)
        return self._intake_or_idle(session, patient, event, now)

    def _button(
        self,
        session: Session,
        patient: Patient,
        event: Event,
        button: callbacks.ButtonPress,
        now: datetime,
    ) -> Reply:
        if button.kind == callbacks.OPEN:
            return self._open_from_reminder(session, patient, button, now)
        if button.dialogue == callbacks.CHECKIN:
            checkin = self._open_checkin(session, patient)
            if checkin is None or checkin.id != button.ref_id:
                return _stale(self._resume(session, patient, now))
            return self._checkin_event(session, patient, checkin, event, now)
        if button.dialogue == callbacks.PATIENT:
            if button.step == CONSENT_STEP:
                return _stale(self._resume(session, patient, now))
            if patient.active_dialogue == SETTINGS_DIALOGUE and button.step.startswith("settings."):
                return self._settings_event(session, patient, event, now)
            if patient.active_dialogue == SAFETY_DIALOGUE and button.step.startswith("safety."):
                return self._safety_event(session, patient, event, now)
            return _stale(self._resume(session, patient, now))
        intake = session.get(Intake, button.ref_id)
        if intake is None or intake.patient_id != patient.id:
            return _stale(self._resume(session, patient, now))
        current = self._current_intake(session, patient, now)
        if current is None or current.id != intake.id:  # an intake of an earlier visit
            return _stale(self._resume(session, patient, now))
        patient.active_dialogue = INTAKE_DIALOGUE
        session.add(patient)
        return self.intakes.apply(session, patient, intake, event, now)

    def _resume(
        self, session: Session, patient: Patient, now: datetime, greet: str | None = None
    ) -> Reply:
        """Show the patient where they are: the dialogue in progress, the open intake, or what's next."""
        if patient.consented_at is None:
            if patient.declined_at is not None:
                reply = self._consent_reply(patient)
                reply.say.insert(0, messages.CHANGED_YOUR_MIND)
                return reply
            return self._consent_reply(patient)
        if patient.active_dialogue == CHECKIN_DIALOGUE:
            checkin = self._open_checkin(session, patient)
            if checkin is not None:
                return self._checkin_event(session, patient, checkin, Begin(), now)
        if patient.active_dialogue == SETTINGS_DIALOGUE:
            return self._settings_event(session, patient, Begin(), now)
        if patient.active_dialogue == SAFETY_DIALOGUE:
            return self._safety_event(session, patient, Begin(), now)
        reply = self._intake_or_idle(session, patient, Begin(), now, greet=greet)
        return reply

    # --- the pre-visit intake -----------------------------------------------------------

    def _current_intake(self, session: Session, patient: Patient, now: datetime) -> Intake | None:
        """The intake open for the next appointment, created when its window has opened."""
        for appointment in upcoming_appointments(session, patient.id, now):  # type: ignore[arg-type]
            zone = patient_zone(patient, self.config.clinic_zone)
            if now < intake_opens_at(
                queries.as_utc(appointment.starts_at), zone, self.config.policy
            ):
                return None
            intake = session.exec(
                select(Intake).where(Intake.appointment_id == appointment.id)
            ).first()
            if intake is not None:
                return intake
            intake = Intake(
                patient_id=patient.id,  # type: ignore[arg-type]
                appointment_id=appointment.id,
                state=SECTIONS[0],
                step=None,
                started_at=now,
                updated_at=now,
                consented_at=patient.consented_at,
            )
            session.add(intake)
            session.flush()
            self._carry_medications(session, patient, intake, now)
            answers = queries.current_answers(session, intake.id)  # type: ignore[arg-type]
            intake.step = section_steps(Section(SECTIONS[0]), answers)[0]
            session.add(intake)
            session.flush()
            return intake
        # No appointment ahead: an intake started for one that has now passed may still be open.
        latest = queries.latest_intake(session, patient.id)  # type: ignore[arg-type]
        if latest is not None and latest.appointment_id is None and queries.is_open(latest):
            return latest  # the demo's kind of intake, or one from before appointments existed
        return None

    def _carry_medications(
        self, session: Session, patient: Patient, intake: Intake, now: datetime
    ) -> None:
        """A returning patient is asked about last visit's medicines instead of typing them again."""
        submitted = records.submitted_intakes(session, patient.id)  # type: ignore[arg-type]
        if not submitted:
            return
        carried = [
            {"name": m.name, "dose": m.dose, "frequency": m.frequency}
            for m in queries.medications_for(session, submitted[-1].id)  # type: ignore[arg-type]
            if m.status != "stopped"
        ]
        if carried:
            queries.record_answer(session, intake.id, PREVIOUS_MEDICATIONS, carried, None, now)  # type: ignore[arg-type]

    def _intake_asking_consent(self, session: Session, patient: Patient) -> Intake | None:
        latest = queries.latest_intake(session, patient.id)  # type: ignore[arg-type]
        if latest is not None and latest.state == CONSENT:
            return latest
        return None

    def _intake_or_idle(
        self,
        session: Session,
        patient: Patient,
        event: Event,
        now: datetime,
        greet: str | None = None,
    ) -> Reply:
        intake = self._current_intake(session, patient, now)
        if intake is not None and intake.submitted_at is None and queries.is_open(intake):
            fresh = intake.version == 0
            if patient.active_dialogue != INTAKE_DIALOGUE:
                patient.active_dialogue = INTAKE_DIALOGUE
                session.add(patient)
            greeting = greet or (
                messages.INTAKE_OPENING if fresh and isinstance(event, Begin) else None
            )
            return self.intakes.apply(session, patient, intake, event, now, greeting=greeting)
        return self._idle(session, patient, event, now, intake, greet)

    def _idle(
        self,
        session: Session,
        patient: Patient,
        event: Event,
        now: datetime,
        intake: Intake | None,
        greet: str | None,
    ) -> Reply:
        """Nothing to fill in: say what comes next; typed text is still checked for risk."""
        if isinstance(event, Typed):
            risky = self._risk(session, patient, event.text, None, now)
            if risky is not None:
                return risky
        say = [greet] if greet else []
        if isinstance(event, Command) and event.name == "help":
            say.append(messages.IDLE_HELP)
        elif isinstance(event, Command) and event.name == "unknown":
            say.append(messages.UNKNOWN_COMMAND)
        elif intake is not None and intake.submitted_at is not None:
            say.append(messages.ALREADY_SUBMITTED + " " + messages.CHECKIN_HELP_HINT)
        else:
            say.append(self._what_next(session, patient, now))
        return Reply(say=say)

    def _what_next(self, session: Session, patient: Patient, now: datetime) -> str:
        appointments = upcoming_appointments(session, patient.id, now)  # type: ignore[arg-type]
        if not appointments:
            return messages.NO_APPOINTMENT_YET
        zone = patient_zone(patient, self.config.clinic_zone)
        opens = intake_opens_at(queries.as_utc(appointments[0].starts_at), zone, self.config.policy)
        return messages.intake_opens_later(format_local(opens, zone))

    # --- check-ins ----------------------------------------------------------------------

    def _open_checkin(self, session: Session, patient: Patient) -> Checkin | None:
        """The check-in still taking messages: unanswered steps, or a safety question open."""
        latest = session.exec(
            select(Checkin).where(Checkin.patient_id == patient.id).order_by(col(Checkin.id).desc())
        ).first()
        if latest is not None and (latest.step is not None or latest.pending is not None):
            return latest
        return None

    def _start_checkin(
        self, session: Session, patient: Patient, now: datetime, reminder: Reminder | None = None
    ) -> Reply:
        checkin = self._open_checkin(session, patient)
        if checkin is None:
            checkin = Checkin(
                patient_id=patient.id,
                reminder_id=reminder.id if reminder else None,  # type: ignore[arg-type]
                step=CheckinState().step,
                answers={},
                started_at=now,
            )
            session.add(checkin)
            session.flush()
        patient.active_dialogue = CHECKIN_DIALOGUE
        session.add(patient)
        return self._checkin_event(session, patient, checkin, Begin(), now)

    def _checkin_event(
        self, session: Session, patient: Patient, checkin: Checkin, event: Event, now: datetime
    ) -> Reply:
        state = CheckinState(
            step=checkin.step,
            pending=checkin.pending,
            draft=tuple(checkin.draft) if checkin.draft is not None else None,
        )
        answers = dict(checkin.answers or {})
        outcome = handle_checkin(state, answers, event, CheckinContext())
        for item in outcome.record:
            answers[item.key] = item.value
        checkin.answers = answers  # reassigned: JSON columns do not see in-place changes
        checkin.step = outcome.state.step
        checkin.pending = outcome.state.pending
        checkin.draft = list(outcome.state.draft) if outcome.state.draft is not None else None
        reply = Reply(
            ref=callbacks.ref(callbacks.CHECKIN, checkin.id),  # type: ignore[arg-type]
            say=list(outcome.say),
            screen=outcome.screen,
            stale=outcome.stale,
            edit_in_place=outcome.edit_in_place,
        )
        self._store_safety(session, patient, None, outcome.safety, now, reply)
        if outcome.completed:
            checkin.completed_at = now
            reminder = session.get(Reminder, checkin.reminder_id) if checkin.reminder_id else None
            checkin.late = is_late(
                queries.as_utc(reminder.sent_at) if reminder and reminder.sent_at else None,
                now,
                self.config.policy,
            )
        if outcome.finished or outcome.paused:
            patient.active_dialogue = None
        session.add_all([checkin, patient])
        session.flush()
        if outcome.finished or outcome.paused:
            intake = self._current_intake(session, patient, now)
            if intake is not None and intake.submitted_at is None and queries.is_open(intake):
                reply.say.append(messages.BACK_TO_INTAKE)
        return reply

    # --- settings, appointment, reminders' buttons ---------------------------------------

    def _open(self, session: Session, chat_id: int, what: str, now: datetime) -> Reply:
        patient = queries.patient_by_chat(session, chat_id)
        if patient is None:
            return Reply(say=[messages.invitation_needed(self.config.clinic_name)])
        if patient.consented_at is None:
            return self._resume(session, patient, now)
        ref = callbacks.ref(callbacks.PATIENT, patient.id)  # type: ignore[arg-type]
        if patient.active_dialogue == SAFETY_DIALOGUE and patient.settings_step:
            # Moving on from an open safety question is logged, as Back or Skip would be.
            left = safety_dialogue.leave(patient.settings_step)
            self._store_safety(session, patient, None, left.safety, now, Reply())
            patient.active_dialogue = None
            patient.settings_step = None
        if what == "checkin":
            return self._start_checkin(session, patient, now)
        if what == "appointment":
            appointments = upcoming_appointments(session, patient.id, now)  # type: ignore[arg-type]
            if not appointments:
                return Reply(say=[messages.NO_UPCOMING_APPOINTMENT])
            zone = patient_zone(patient, self.config.clinic_zone)
            return Reply(
                say=[
                    messages.next_appointment(
                        format_local(queries.as_utc(appointments[0].starts_at), zone)
                    )
                ]
            )
        if what == "reminders":
            outcome = start_reminders(patient_cadence(patient))
        else:
            outcome = start_timezone(patient_zone(patient, self.config.clinic_zone).key)
        patient.active_dialogue = SETTINGS_DIALOGUE
        patient.settings_step = outcome.state.step
        patient.settings_draft = {}
        session.add(patient)
        return Reply(ref=ref, say=list(outcome.say), screen=outcome.screen)

    def _settings_event(
        self, session: Session, patient: Patient, event: Event, now: datetime
    ) -> Reply:
        if isinstance(event, Typed) and assess_risk(event.text).level is RiskLevel.RISK:
            # Only clear risk interrupts a setting: "Death Valley" is a place, not a cry for help.
            risky = self._risk(session, patient, event.text, patient.settings_step, now)
            if risky is not None:
                patient.settings_draft = None  # the settings question gives way to the safety one
                return risky
        ref = callbacks.ref(callbacks.PATIENT, patient.id)  # type: ignore[arg-type]
        state = PreferencesState(patient.settings_step, dict(patient.settings_draft or {}))
        zone = patient_zone(patient, self.config.clinic_zone)
        outcome = handle_preferences(state, event, patient_cadence(patient), zone.key)
        reply = Reply(ref=ref, say=list(outcome.say), screen=outcome.screen, stale=outcome.stale)
        if outcome.cadence is not None:
            cadence = outcome.cadence
            patient.checkin_cadence = cadence.kind
            patient.checkin_time = (
                cadence.at.strftime("%H:%M") if cadence.at else patient.checkin_time
            )
            patient.checkin_weekday = cadence.weekday
            patient.checkins_paused = cadence.paused
            session.add(patient)
            reply.reminders = [
                r.id for r in plan_checkin(session, patient, self.config.clinic_zone, now)
            ]  # type: ignore[misc]
        if outcome.timezone is not None:
            patient.timezone = outcome.timezone
            session.add(patient)
            rows = replan_patient(
                session, patient, self.config.policy, self.config.clinic_zone, now
            )
            reply.reminders = [r.id for r in rows]  # type: ignore[misc]
        if outcome.done:
            patient.active_dialogue = None
            patient.settings_step = None
            patient.settings_draft = None
        else:
            patient.settings_step = outcome.state.step
            patient.settings_draft = dict(outcome.state.draft)
        session.add(patient)
        if outcome.done:
            return _merge(reply, self._resume(session, patient, now))
        return reply

    def _open_from_reminder(
        self, session: Session, patient: Patient, button: callbacks.ButtonPress, now: datetime
    ) -> Reply:
        reminder = session.get(Reminder, button.ref_id)
        if button.step == OPEN_CHECKIN:
            usable = (
                reminder if reminder is not None and reminder.patient_id == patient.id else None
            )
            return self._start_checkin(session, patient, now, usable)
        patient.active_dialogue = None
        session.add(patient)
        return self._intake_or_idle(session, patient, Begin(), now)

    # --- safety outside a dialogue ------------------------------------------------------

    def _risk(
        self, session: Session, patient: Patient, text: str, step: str | None, now: datetime
    ) -> Reply | None:
        """Risk language while no dialogue is open: resources, the safety question, an alert."""
        turn = safety_dialogue.check_text(text, step, None)
        if not turn.triggered:
            return None
        return self._safety_turn(session, patient, turn, now)

    def _safety_turn(
        self, session: Session, patient: Patient, turn: safety_dialogue.SafetyTurn, now: datetime
    ) -> Reply:
        reply = Reply(ref=callbacks.ref(callbacks.PATIENT, patient.id), say=list(turn.say))  # type: ignore[arg-type]
        self._store_safety(session, patient, None, turn.safety, now, reply)
        patient.settings_step = turn.pending
        patient.active_dialogue = SAFETY_DIALOGUE if turn.pending else None
        session.add(patient)
        if turn.pending is not None:
            reply.screen = safety_dialogue.screen(turn.pending)
            return reply
        return _merge(reply, self._resume(session, patient, now))

    def _safety_event(
        self, session: Session, patient: Patient, event: Event, now: datetime
    ) -> Reply:
        """The safety question asked outside any dialogue, answered by button or by typing."""
        pending = patient.settings_step
        if not safety_dialogue.is_safety_question(pending):
            patient.active_dialogue = None
            session.add(patient)
            return self._resume(session, patient, now)
        assert pending is not None
        turn: safety_dialogue.SafetyTurn | None = None
        if isinstance(event, Tapped) and event.step == pending:
            turn = safety_dialogue.answer(pending, event.value)
        elif isinstance(event, Typed):
            value = safety_dialogue.read_typed(pending, event.text)
            turn = (
                safety_dialogue.answer(pending, value, text=event.text)
                if value is not None
                else None
            )
        elif isinstance(event, Command) and event.name in ("back", "skip"):
            turn = safety_dialogue.leave(pending)
        if turn is None:
            reply = Reply(ref=callbacks.ref(callbacks.PATIENT, patient.id))  # type: ignore[arg-type]
            if isinstance(event, Typed):
                reply.say.append(messages.SAFETY_NOT_UNDERSTOOD)
            reply.screen = safety_dialogue.screen(pending)
            return reply
        return self._safety_turn(session, patient, turn, now)

    def _store_safety(
        self,
        session: Session,
        patient: Patient,
        intake_id: int | None,
        events: list[SafetyEvent],
        now: datetime,
        reply: Reply,
    ) -> None:
        for safety in events:
            row = queries.add_safety_event(
                session,
                SafetyEventRow(
                    patient_id=patient.id,
                    intake_id=intake_id,
                    kind=safety.kind,
                    detail=safety.detail,  # type: ignore[arg-type]
                    step=safety.step,
                    shown=safety.shown,
                    patient_text=safety.text,
                    alert=safety.alert,
                    created_at=now,
                ),
            )
            if safety.alert:
                reply.alerts.append(
                    Alert(row.id, patient.display_name or "Unnamed patient", safety.detail)
                )  # type: ignore[arg-type]

    def _stranger(self, event: Event) -> Reply:
        """Someone not linked to a patient: how to join; risk language still gets resources."""
        say = [messages.invitation_needed(self.config.clinic_name)]
        if isinstance(event, Typed) and assess_risk(event.text).level is RiskLevel.RISK:
            say.insert(0, messages.CRISIS_RESOURCES)
        return Reply(say=say)

    def _plan_all(self, session: Session, patient: Patient, now: datetime) -> list[Reminder]:
        rows: list[Reminder] = []
        for appointment in upcoming_appointments(session, patient.id, now):  # type: ignore[arg-type]
            rows.extend(
                plan_appointment(
                    session, appointment, patient, self.config.policy, self.config.clinic_zone, now
                )
            )
        rows.extend(plan_checkin(session, patient, self.config.clinic_zone, now))
        return rows

    # --- after the transaction ----------------------------------------------------------

    def record_delivered(self, intake_id: int) -> None:
        with session_scope(self.engine) as session:
            queries.mark_delivered(session, intake_id, self.clock())

    def forget_old_updates(self, keep: timedelta = timedelta(days=2)) -> int:
        with session_scope(self.engine) as session:
            return queries.forget_updates_before(session, self.clock() - keep)


def _stale(reply: Reply) -> Reply:
    reply.stale = True
    reply.say.insert(0, messages.STALE_BUTTON)
    return reply


def _merge(first: Reply, then: Reply) -> Reply:
    """One reply that says `first`, then shows `then`."""
    then.say = [*first.say, *then.say]
    then.alerts = [*first.alerts, *then.alerts]
    then.reminders = [*first.reminders, *then.reminders]
    then.stale = first.stale or then.stale
    return then
