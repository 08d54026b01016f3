"""The between-visit check-in: started from /checkin or a reminder's button, applied one event at
a time through flows, stored in the check-in's row."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.services.config import ServiceConfig
from bot.services.replies import DialogueKind, DialogueRef, Reply
from bot.services.safety import SafetyService
from bot.services.seen import told_already, typed_text, unseen
from flows.checkin import CheckinContext, CheckinState, handle_checkin
from flows.dialogue import Begin, Event
from flows.schedule import is_late
from storage import checkins, reminders
from storage.clock import as_utc
from storage.models import Checkin, Patient, Reminder
from storage.statuses import ActiveDialogue


class CheckinService:
    """Applies patient events to the open check-in inside the caller's transaction."""

    def __init__(self, config: ServiceConfig, safety: SafetyService) -> None:
        self.config = config
        self.safety = safety

    def open_checkin(self, session: Session, patient: Patient) -> Checkin | None:
        """The check-in still taking messages: unanswered steps, or a safety question open."""
        latest = checkins.latest(session, patient.id)
        if latest is not None and (latest.step is not None or latest.pending is not None):
            return latest
        return None

    def start(
        self, session: Session, patient: Patient, now: datetime, reminder: Reminder | None = None
    ) -> Reply:
        """Open a check-in (or go back to the one already open) and show its question."""
        checkin = self.open_checkin(session, patient) or checkins.add(
            session,
            Checkin(
                patient_id=patient.id,
                reminder_id=reminder.id if reminder else None,
                step=CheckinState().step,
                answers={},
                started_at=now,
            ),
        )
        patient.active_dialogue = ActiveDialogue.CHECKIN
        session.add(patient)
        reply, _ = self.apply(session, patient, checkin, Begin(), now)
        return reply

    def apply(
        self,
        session: Session,
        patient: Patient,
        checkin: Checkin,
        event: Event,
        now: datetime,
        message_id: int | None = None,
    ) -> tuple[Reply, bool]:
        """Run one event through the check-in: the reply, and whether the check-in is over
        (finished or paused: the caller says where the patient can go next). Text typed before
        the current question reached the chat (`message_id`) is not taken as its answer."""
        state = CheckinState(
            step=checkin.step,
            pending=checkin.pending,
            draft=tuple(checkin.draft) if checkin.draft is not None else None,
        )
        answers = dict(checkin.answers or {})
        ref, step = DialogueRef(DialogueKind.CHECKIN, checkin.id), checkin.pending or checkin.step
        shown = (checkin.shown_step, checkin.shown_message_id)
        chat_id = patient.telegram_chat_id
        typed = (message_id, typed_text(event))
        is_unseen = unseen(session, chat_id, ref, step, shown, typed, now)
        outcome = handle_checkin(state, answers, event, CheckinContext(unseen=is_unseen))
        for item in outcome.record:
            answers[item.key] = item.value
        checkin.answers = answers  # reassigned: JSON columns do not see in-place changes
        checkin.step = outcome.state.step
        checkin.pending = outcome.state.pending
        checkin.draft = list(outcome.state.draft) if outcome.state.draft is not None else None
        reply = Reply(
            ref=DialogueRef(DialogueKind.CHECKIN, checkin.id),
            say=list(outcome.say),
            screen=outcome.screen,
            stale=outcome.stale,
            edit_in_place=outcome.edit_in_place,
        )
        reply.alerts = self.safety.record(session, patient, None, outcome.safety, now)
        if is_unseen and told_already(session, chat_id, reply, message_id):
            reply.say, reply.screen = [], None
        if outcome.completed:
            self._complete(session, checkin, now)
        over = outcome.finished or outcome.paused
        if over:
            patient.active_dialogue = None
        session.add_all([checkin, patient])
        session.flush()
        return reply, over

    def _complete(self, session: Session, checkin: Checkin, now: datetime) -> None:
        checkin.completed_at = now
        reminder = reminders.get(session, checkin.reminder_id) if checkin.reminder_id else None
        sent = as_utc(reminder.sent_at) if reminder and reminder.sent_at else None
        checkin.late = is_late(sent, now, self.config.policy)
