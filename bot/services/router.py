"""The patient's side of the bot, without Telegram: every patient event enters here, is screened
once for risk language, and goes to the one dialogue it belongs to.

Where an event goes (`Destination`) follows from the patient row: a stranger; an invited
patient who has not agreed yet (or declined); a button of a named dialogue row; or the active
dialogue (`Patient.active_dialogue`: a check-in, a setting, the safety question) and otherwise
the pre-visit intake, or nothing to fill in. Each call is one database transaction: what the
patient said is stored before anything is sent, and a re-delivered update changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services import safety as safety_rules
from bot.services.checkin import CheckinService
from bot.services.compiling import IntakeCompiler
from bot.services.config import ServiceConfig
from bot.services.data_rights import RIGHTS_COMMANDS, DataRights
from bot.services.destinations import Destination, Where, is_clear_risk, step_of
from bot.services.intake import IntakeService, is_open
from bot.services.joining import JOIN_CONSENT_STEP, Joining, consent_choice
from bot.services.outbox import Outbox
from bot.services.preferences import PreferencesService
from bot.services.reminder_plans import ids, replan_patient
from bot.services.replies import OPEN_CHECKIN, DialogueKind, DialogueRef, Reply, Target
from bot.services.safety import SafetyService
from bot.services.transactions import UnitOfWork, Work
from flows import messages
from flows.dialogue import Begin, Event, Typed
from flows.review import REVIEW_STEP
from flows.rights_messages import DELETE_CANCELLED
from flows.safety import mentions_risk
from storage import intakes, patients, reminders
from storage.clock import utcnow
from storage.models import Checkin, Patient
from storage.statuses import ActiveDialogue


class ConversationRouter:
    """Everything a patient can do, one transaction per event."""

    def __init__(
        self, engine: Engine, config: ServiceConfig, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.config = config
        outbox = Outbox(config.provider_chat_ids) if config.replies_to_outbox else None
        self.work = UnitOfWork(engine, clock, outbox)
        self.safety = SafetyService(outbox)
        self.compiler = IntakeCompiler(config.clinic_zone)
        self.intakes = IntakeService(config, self.safety, self.compiler)
        self.checkins = CheckinService(config, self.safety)
        self.preferences = PreferencesService(config)
        self.joining = Joining(config)
        self.rights = DataRights(config, outbox, self.intakes.answers)

    def start(self, chat_id: int, token: str | None, update_id: int | None = None) -> Reply:
        """/start, with the token of an invitation link or without."""
        return self.work.run(
            update_id, lambda s, now: self._start(s, chat_id, token, now), Target(chat_id)
        )

    def handle(
        self,
        chat_id: int,
        event: Event,
        *,
        update_id: int | None = None,
        ref: DialogueRef | None = None,
        button_message_id: int | None = None,
        message_id: int | None = None,
    ) -> Reply:
        """A typed message (the patient's message `message_id`), a command, unreadable media,
        or a button of the dialogue `ref` (on the message `button_message_id`)."""
        turn = self.turn(chat_id, event, ref, button_message_id, message_id)
        return self.work.run(update_id, *turn)

    def turn(
        self, chat_id: int, event: Event, ref: DialogueRef | None,
        pressed: int | None, typed: int | None,
    ) -> tuple[Work, Target]:
        """What `handle` runs: its work and its reply's target (for UnitOfWork.run_at_once);
        `pressed`: the message whose button was pressed, `typed`: the message typed."""
        on_review = getattr(event, "step", None) == REVIEW_STEP
        target = Target(chat_id, pressed, clear_pressed=on_review)
        return partial(self._route, chat_id, event, ref, typed), target

    def open(self, chat_id: int, what: str, update_id: int | None = None) -> Reply:
        """/checkin, /reminders, /timezone, /appointment, or one of RIGHTS_COMMANDS."""
        return self.work.run(
            update_id, lambda s, now: self._open(s, chat_id, what, now), Target(chat_id)
        )

    def screen_text(
        self, chat_id: int, text: str, update_id: int | None = None, also_say: str | None = None
    ) -> Reply | None:
        """Text that answers nothing (an edited message, a caption, words after /whoami): checked
        for risk only; `also_say` follows the crisis resources, in the same transaction."""
        if not mentions_risk(text):
            return None

        def check(session: Session, now: datetime) -> Reply:
            patient = patients.by_chat(session, chat_id)
            if patient is None or patient.consented_at is None:
                reply = Reply(say=[messages.CRISIS_RESOURCES], forget=True)  # nothing is stored
            else:
                reply = self._screened(session, patient, text, None, now) or Reply()
            if also_say:
                reply.say.append(also_say)
            return reply

        return self.work.run(update_id, check, Target(chat_id))

    def start_demo(self, chat_id: int, name: str) -> Reply:
        """The console demo's patient: no invitation, consent asked inside the intake."""
        return self.work.run(None, lambda s, now: self.intakes.start_demo(s, chat_id, name, now))

    def _start(self, session: Session, chat_id: int, token: str | None, now: datetime) -> Reply:
        patient = patients.by_chat(session, chat_id)
        if not token:
            if patient is None:
                return Reply(say=[self.joining.invitation_needed()], forget=True)
            return self._resume(session, patient, now)
        invitation, usable = self.joining.usable_invitation(session, token, now)
        if patient is not None:
            if not usable or (invitation is not None and invitation.patient_id == patient.id):
                return self._resume(session, patient, now)  # a spent link, or the same one again
            return Reply(say=[messages.ALREADY_LINKED_ELSEWHERE])
        if invitation is None or not usable:
            return Reply(say=[self.joining.invitation_not_valid()], forget=True)
        return self.joining.link(session, invitation, chat_id, now)

    def _consent(self, session: Session, patient: Patient, event: Event, now: datetime) -> Reply:
        choice = consent_choice(event)
        if choice == "agree":
            patient.consented_at = now
            patient.declined_at = None
            session.add(patient)
            policy, zone = self.config.policy, self.config.clinic_zone
            planned = Reply(reminders=ids(replan_patient(session, patient, policy, zone, now)))
            return planned.then(self._resume(session, patient, now, greet=messages.CONSENTED))
        if choice == "decline":
            patient.declined_at = now
            session.add(patient)
            return Reply(say=[self.rights.declined(session, patient, now)], finished=True)
        reply = self.joining.consent_question(patient)
        reply.say.insert(
            0, messages.NOT_UNDERSTOOD if isinstance(event, Typed) else messages.WELCOME_BACK
        )
        return reply

    # --- routing --------------------------------------------------------------------------

    def _route(
        self,
        chat_id: int,
        event: Event,
        ref: DialogueRef | None,
        message_id: int | None,
        session: Session,
        now: datetime,
    ) -> Reply:
        """Screen the event once, then hand it to where it goes."""
        found = intakes.patient_and_visits(session, chat_id)  # one query for both
        if found is None:
            say = [self.joining.invitation_needed()]
            if is_clear_risk(event):  # crisis resources, but nothing about a stranger is stored
                say.insert(0, messages.CRISIS_RESOURCES)
            return Reply(say=say, forget=True)  # nor its reply, once sent
        patient, visits = found
        where = self._where(session, patient, event, ref, now, visits)
        screened = self._screen(session, patient, where, event, now)
        if screened is not None:
            return screened
        if where.to is Destination.INTAKE and _is_reminder_label(event):
            return self._resume(session, patient, now)  # "Start my check-in", typed: show it
        if where.to in (Destination.INTAKE, Destination.DEMO_CONSENT):
            assert where.intake is not None
            return self.intakes.apply(
                session, patient, where.intake, event, now, message_id=message_id
            )
        if where.to is Destination.CHECKIN and where.checkin is not None:
            return self._checkin(session, patient, where.checkin, event, now, message_id)
        return self._dispatch(session, patient, where, event, ref, now)

    def _where(
        self,
        session: Session,
        patient: Patient,
        event: Event,
        ref: DialogueRef | None,
        now: datetime,
        visits: Sequence[intakes.Visit] | None = None,
    ) -> Where:
        if patient.active_dialogue == ActiveDialogue.DELETE:
            return Where(Destination.DELETE)
        if patient.consented_at is None:
            asking = self.intakes.asking_consent(session, patient)
            if asking is not None:
                return Where(Destination.DEMO_CONSENT, intake=asking)
            if safety_rules.is_open(patient):
                return Where(Destination.SAFETY_QUESTION)
            if patient.declined_at is not None and not (ref and step_of(event) == JOIN_CONSENT_STEP):
                return Where(Destination.DECLINED)
            return Where(Destination.CONSENT)
        if ref is not None:
            return Where(Destination.BUTTON)
        if patient.active_dialogue == ActiveDialogue.CHECKIN:
            checkin = self.checkins.open_checkin(session, patient)
            if checkin is not None:
                return Where(Destination.CHECKIN, checkin=checkin)
        if patient.active_dialogue == ActiveDialogue.SETTINGS:
            return Where(Destination.SETTINGS)
        if patient.active_dialogue == ActiveDialogue.SAFETY:
            return Where(Destination.SAFETY_QUESTION)
        intake = self.intakes.current(session, patient, now, visits)
        if intake is not None and intake.submitted_at is None and is_open(intake):
            return Where(Destination.INTAKE, intake=intake)
        return Where(Destination.IDLE, intake=intake)

    def _screen(
        self, session: Session, patient: Patient, where: Where, event: Event, now: datetime
    ) -> Reply | None:
        """The one risk screen, for text that no dialogue reads itself.

        Dialogues (the intake, a check-in, the safety question) screen what is typed to them
        and react in their own words. Elsewhere: a patient who declined gets the resources
        and nothing is stored; during consent and with nothing to fill in, any risk or unclear
        wording is acted on; in a setting only clear risk interrupts ("Death Valley" is a
        place, not a cry for help).
        """
        if where.to is Destination.DECLINED:
            say = [messages.DECLINED_NOTHING_MORE]
            if is_clear_risk(event):
                say.insert(0, messages.CRISIS_RESOURCES)
            return Reply(say=say, forget=True)  # nor its reply, once sent
        if not isinstance(event, Typed):
            return None
        if where.to in (Destination.CONSENT, Destination.IDLE):
            return self._screened(session, patient, event.text, None, now)
        if where.to in (Destination.SETTINGS, Destination.DELETE) and is_clear_risk(event):
            reply = self._screened(session, patient, event.text, patient.settings_step, now)
            if reply is not None:  # the setting gives way to the safety question
                patient.settings_step = patient.settings_draft = None
            return reply
        return None

    def _screened(
        self, session: Session, patient: Patient, text: str, step: str | None, now: datetime
    ) -> Reply | None:
        reply = self.safety.screen(session, patient, text, step, now)
        if reply is None or reply.screen is not None:
            return reply
        return reply.then(self._resume(session, patient, now))

    def _dispatch(
        self,
        session: Session,
        patient: Patient,
        where: Where,
        event: Event,
        ref: DialogueRef | None,
        now: datetime,
    ) -> Reply:
        match where.to:
            case Destination.SAFETY_QUESTION:
                return self._safety_question(session, patient, event, now)
            case Destination.CONSENT:
                return self._consent(session, patient, event, now)
            case Destination.BUTTON:
                assert ref is not None
                return self._button(session, patient, event, ref, now)
            case Destination.CHECKIN:
                assert where.checkin is not None
                return self._checkin(session, patient, where.checkin, event, now)
            case Destination.SETTINGS:
                return self._settings(session, patient, event, now)
            case Destination.DELETE:
                answered = self.rights.answer_delete(session, patient, event, now)
                return answered or Reply(say=[DELETE_CANCELLED]).then(
                    self._resume(session, patient, now)  # kept: back to where they were
                )
        return self.intakes.idle(session, patient, event, now, where.intake)

    def _button(
        self, session: Session, patient: Patient, event: Event, ref: DialogueRef, now: datetime
    ) -> Reply:
        step = step_of(event)
        match ref.kind:
            case DialogueKind.REMINDER:
                return self._open_from_reminder(session, patient, ref.id, step, now)
            case DialogueKind.CHECKIN:
                checkin = self.checkins.open_checkin(session, patient)
                if checkin is not None and checkin.id == ref.id:
                    return self._checkin(session, patient, checkin, event, now)
            case DialogueKind.PATIENT if step != JOIN_CONSENT_STEP:
                active = patient.active_dialogue
                if active == ActiveDialogue.SETTINGS and step.startswith("settings."):
                    return self._settings(session, patient, event, now)
                if active == ActiveDialogue.SAFETY and step.startswith("safety."):
                    return self._safety_question(session, patient, event, now)
            case DialogueKind.INTAKE:
                current = self.intakes.current(session, patient, now)
                if current is not None and current.id == ref.id:  # not an earlier visit's
                    return self.intakes.apply(session, patient, current, event, now)
        return self._resume(session, patient, now).mark_stale(messages.STALE_BUTTON)

    def _resume(
        self, session: Session, patient: Patient, now: datetime, greet: str | None = None
    ) -> Reply:
        """Show the patient where they are: the dialogue in progress, the open intake, or what's next."""
        if patient.consented_at is None:
            reply = self.joining.consent_question(patient)
            if patient.declined_at is not None:
                reply.say.insert(0, messages.CHANGED_YOUR_MIND)
            return reply
        where = self._where(session, patient, Begin(), None, now)
        if where.to is Destination.INTAKE:
            assert where.intake is not None
            if greet is None and where.intake.version == 0:
                greet = messages.INTAKE_OPENING  # the intake has just opened
            return self.intakes.apply(session, patient, where.intake, Begin(), now, greeting=greet)
        if where.to is Destination.IDLE:
            return self.intakes.idle(session, patient, Begin(), now, where.intake, greet)
        return self._dispatch(session, patient, where, Begin(), None, now)

    def _checkin(
        self,
        session: Session,
        patient: Patient,
        checkin: Checkin,
        event: Event,
        now: datetime,
        message_id: int | None = None,
    ) -> Reply:
        reply, over = self.checkins.apply(session, patient, checkin, event, now, message_id)
        if over and self.intakes.in_progress(session, patient, now) is not None:
            reply.say.append(messages.BACK_TO_INTAKE)
        return reply

    def _settings(self, session: Session, patient: Patient, event: Event, now: datetime) -> Reply:
        reply, done = self.preferences.apply(session, patient, event, now)
        return reply.then(self._resume(session, patient, now)) if done else reply

    def _safety_question(
        self, session: Session, patient: Patient, event: Event, now: datetime
    ) -> Reply:
        if not safety_rules.is_open(patient):
            safety_rules.close(session, patient)
            return self._resume(session, patient, now)
        reply = self.safety.answer(session, patient, event, now)
        if reply.screen is not None:
            return reply
        return reply.then(self._resume(session, patient, now))

    def _open(self, session: Session, chat_id: int, what: str, now: datetime) -> Reply:
        patient = patients.by_chat(session, chat_id)
        if patient is None:  # nothing is stored about a stranger, nor its reply once sent
            say = self.rights.privacy().say if what == "privacy" else [self.joining.invitation_needed()]
            return Reply(say=say, forget=True)
        if what == "privacy":
            return self.rights.privacy()
        if what in RIGHTS_COMMANDS:
            reply = self.rights.command(session, patient, what, now)
            return reply or self._resume(session, patient, now)
        if patient.consented_at is None:
            return self._resume(session, patient, now)
        if patient.active_dialogue == ActiveDialogue.SAFETY:
            self.safety.leave(session, patient, now)
        if what == "checkin":
            return self.checkins.start(session, patient, now)
        if what == "appointment":
            return Reply(say=[self.intakes.next_appointment(session, patient, now)])
        return self.preferences.open(session, patient, what)

    def _open_from_reminder(
        self, session: Session, patient: Patient, reminder_id: int, step: str, now: datetime
    ) -> Reply:
        if step == OPEN_CHECKIN:
            reminder = reminders.get(session, reminder_id)
            mine = reminder if reminder is not None and reminder.patient_id == patient.id else None
            return self.checkins.start(session, patient, now, mine)
        patient.active_dialogue = None
        session.add(patient)
        return self._resume(session, patient, now)


REMINDER_LABELS = {messages.START_INTAKE_BUTTON.casefold(), messages.CONTINUE_INTAKE_BUTTON.casefold()}


def _is_reminder_label(event: Event) -> bool:
    """A reminder's button typed out: the patient asks for the question, it is not an answer
    (a free-text question would otherwise file "Start my check-in" as their words)."""
    return isinstance(event, Typed) and event.text.strip().casefold() in REMINDER_LABELS
