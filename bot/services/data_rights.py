"""The patient's data rights, without Telegram: /privacy, /mydata (their record as a file),
/delete (after a yes; erases everything, tells the providers they left, keeps one audit line),
/stop (no more reminders), and a declined patient's risk text kept only while safety needs it.

Each runs inside the conversation's transaction (bot.services.router), so what it changes and
the messages it causes are committed together. Retention (bot.services.retention) reuses the
erasure.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from sqlmodel import Session

from bot.services.answer_cache import AnswerCache
from bot.services.config import ServiceConfig
from bot.services.outbox import Kind, Outbox
from bot.services.reminder_plans import plan_checkin
from bot.services.replies import Reply
from bot.services.safety import patient_ref
from flows import messages, safety_dialogue
from flows import rights_messages as words
from flows.dialogue import Event, Screen, Tapped, Typed
from flows.parsing import match_option
from flows.when import format_local
from storage import erasure, patients, reminders
from storage.clock import as_utc
from storage.models import Patient
from storage.outbox import FORGET
from storage.statuses import ActiveDialogue, Erasure, Priority, ReminderStatus

log = logging.getLogger(__name__)

RIGHTS_COMMANDS = ("privacy", "mydata", "delete", "stop")


def forget_declined_risk(session: Session, patient_id: int | None, now: datetime) -> int:
    """Erase the words of declined patients' safety events that safety no longer needs (no
    alert, or one a provider acknowledged); how many events were erased."""
    events = erasure.declined_risk_texts(session, patient_id)
    erasure.erase_texts(session, events, now)
    return len(events)


class DataRights:
    """What a patient can do about their own data; every method runs in the caller's
    transaction."""

    def __init__(
        self, config: ServiceConfig, outbox: Outbox | None, answers: AnswerCache | None = None
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.answers = answers  # the intake service's, emptied of an erased patient's answers

    def command(
        self, session: Session, patient: Patient, what: str, now: datetime
    ) -> Reply | None:
        """/privacy, /mydata, /delete or /stop; None: show where the patient is instead (/stop
        before they agreed: no reminder goes to them anyway)."""
        if what == "privacy":
            return self.privacy()
        if what == "delete":
            return self.ask_delete(session, patient)
        if patient.active_dialogue == ActiveDialogue.DELETE:
            _leave_delete(session, patient)  # another command: the question is left unanswered
        if what == "mydata":
            return self.mydata(session, patient, now)
        return self.stop(session, patient, now) if patient.consented_at is not None else None

    def privacy(self) -> Reply:
        return Reply(say=[words.privacy(self.config.clinic_name, self.config.retention_days)])

    def mydata(self, session: Session, patient: Patient, now: datetime) -> Reply:
        """The record goes out as a file, rendered when the dispatcher sends it."""
        if self.outbox is None or patient.telegram_chat_id is None:
            return Reply()
        payload = {"record_of": patient.id}
        self.outbox.add(
            session, patient.telegram_chat_id, Kind.DOCUMENT, payload, Priority.CONVERSATION, now
        )
        return Reply(say=[words.MYDATA_SENT])

    # --- /delete ----------------------------------------------------------------------------

    def ask_delete(self, session: Session, patient: Patient) -> Reply:
        # An open safety question stays pending: after a no, it is asked again.
        patient.active_dialogue = ActiveDialogue.DELETE
        patient.settings_step = patient.settings_draft = None
        session.add(patient)
        return self._question(patient)

    def _question(self, patient: Patient) -> Reply:
        screen = Screen(words.DELETE_STEP, words.DELETE_QUESTION, options=words.DELETE_OPTIONS)
        return Reply(ref=patient_ref(patient), screen=screen)

    def answer_delete(
        self, session: Session, patient: Patient, event: Event, now: datetime
    ) -> Reply | None:
        """The answer to "delete everything?": the goodbye after a yes, None after a no (the
        caller shows where the patient is), or the question again."""
        choice = _choice(event)
        if choice == "yes":
            return self.delete(session, patient, now)
        if choice == "no":
            _leave_delete(session, patient)
            return None
        reply = self._question(patient)
        if isinstance(event, Typed):
            reply.say.append(words.DELETE_NOT_UNDERSTOOD)
        return reply

    def delete(self, session: Session, patient: Patient, now: datetime) -> Reply:
        """Erase the patient; every provider chat is told they left (a notice forgotten once
        sent); the goodbye is forgotten once sent too."""
        notice = self._provider_notice(session, patient, now)
        if self.answers is not None and patient.id is not None:
            self.answers.forget_patient(patient.id)
        erasure.erase_patient(session, patient, Erasure.DELETED, now)
        if self.outbox is not None:
            for chat_id in self.outbox.provider_chat_ids:
                payload = {"html": notice, FORGET: True}
                self.outbox.add(session, chat_id, Kind.HTML, payload, Priority.PROVIDER, now)
        log.info("a patient's data was deleted at their request")
        return Reply(say=[words.DELETED], finished=True, forget=True)

    def _provider_notice(self, session: Session, patient: Patient, now: datetime) -> str:
        """The invited name and number (the provider must cancel the visit and file the note),
        and the next booked visit: nothing the patient said."""
        name = html.escape(patient.display_name or "Unnamed patient", quote=False)
        lines = [f"👋 <b>{name}</b> (#{patient.id}): {html.escape(words.PROVIDER_NOTICE)}"]
        upcoming = patients.upcoming_appointments(session, patient.id, now)
        if upcoming:
            when = format_local(as_utc(upcoming[0].starts_at), self.config.clinic_zone)
            lines.append(
                f"Their next appointment was booked for {html.escape(when)}: please cancel it "
                "in the clinic's own system."
            )
        if erasure.unacknowledged_texts(session, patient.id):
            lines.append(
                "An urgent safety alert about them had not been acknowledged: it stays in this "
                "chat but will not be repeated. Please follow it up as the clinic's safety plan says."
            )
        lines.append("Anything you need for the medical record must be kept there.")
        return "\n".join(lines)

    # --- /stop ------------------------------------------------------------------------------

    def stop(self, session: Session, patient: Patient, now: datetime) -> Reply:
        """No reminder of any kind until the patient chooses /reminders again; nothing deleted."""
        patient.reminders_stopped_at = now
        patient.checkin_cadence = "off"
        session.add(patient)
        for row in reminders.pending_for_patient(session, patient.id):
            row.status = ReminderStatus.CANCELLED
            session.add(row)
        plan_checkin(session, patient, self.config.clinic_zone, now)
        return Reply(say=[words.stopped(words.RESTART_HINT)])

    # --- declining --------------------------------------------------------------------------

    def declined(self, session: Session, patient: Patient, now: datetime) -> str:
        """What a patient who says no is told, truthfully: risk text safety no longer needs is
        erased now; words behind an alert nobody has seen yet are kept until it is seen."""
        erased = erasure.declined_risk_texts(session, patient.id)
        forget_declined_risk(session, patient.id, now)
        if erasure.unacknowledged_texts(session, patient.id):
            return words.DECLINED_AFTER_ALERT
        if any(event.alert for event in erased):
            return words.DECLINED_AFTER_SEEN_ALERT
        return words.DECLINED_AFTER_WORRY if erased else messages.DECLINED


def _leave_delete(session: Session, patient: Patient) -> None:
    """Back from "delete everything?" to a safety question left open, or to nothing."""
    pending = safety_dialogue.is_safety_question(patient.safety_question)
    patient.active_dialogue = ActiveDialogue.SAFETY if pending else None
    session.add(patient)


def _choice(event: Event) -> str | None:
    if isinstance(event, Tapped) and event.step == words.DELETE_STEP:
        return event.value if event.value in ("yes", "no") else None
    if isinstance(event, Typed):
        option = match_option(event.text, words.DELETE_OPTIONS)
        return option.value if option else None
    return None
