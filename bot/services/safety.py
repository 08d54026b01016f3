"""Safety, in one place: the single writer of safety events (a trigger, what the patient was
shown, their answer) and of the alerts they raise, and the safety question asked outside the
intake and the check-in (after risk language in a setting, a caption, an idle message).

The dialogues decide *that* something is a safety event (flows.safety_dialogue); this service
stores it and says which provider alerts must go out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot.services.outbox import Outbox
from bot.services.replies import Alert, DialogueKind, DialogueRef, Reply
from flows import messages, safety_dialogue
from flows.dialogue import Command, Event, SafetySignal, Tapped, Typed
from storage import safety
from storage.models import Patient
from storage.models import SafetyEvent as SafetyEventRow
from storage.statuses import ActiveDialogue

UNNAMED = "Unnamed patient"


class SafetyService:
    """Stores safety events (with their provider alerts) and runs the patient-level safety
    question."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox = outbox

    def record(
        self,
        session: Session,
        patient: Patient,
        intake_id: int | None,
        signals: Sequence[SafetySignal],
        now: datetime,
        name: str | None = None,
    ) -> list[Alert]:
        """Store each signal (and what the patient was shown); the alerts to send."""
        alerts = []
        for signal in signals:
            row = safety.add_event(
                session,
                SafetyEventRow(
                    patient_id=patient.id,
                    intake_id=intake_id,
                    kind=signal.kind,
                    detail=signal.detail,
                    step=signal.step,
                    shown=signal.shown,
                    patient_text=signal.text,
                    alert=signal.alert,
                    created_at=now,
                ),
            )
            if signal.alert:
                alerts.append(Alert(row.id, name or patient.display_name or UNNAMED, signal.detail))
        if self.outbox is not None:
            self.outbox.alerts(session, alerts, now)
        return alerts

    # --- the safety question outside any dialogue ----------------------------------------

    def screen(
        self, session: Session, patient: Patient, text: str, step: str | None, now: datetime
    ) -> Reply | None:
        """Risk language while no dialogue is open: resources, the safety question, an alert.

        None when the text holds nothing to act on. When the reply asks no safety question
        (the patient's answer settled it), the caller shows where the patient is next.
        """
        turn = safety_dialogue.check_text(text, step, None)
        if not turn.triggered:
            return None
        return self.apply(session, patient, turn, now)

    def answer(self, session: Session, patient: Patient, event: Event, now: datetime) -> Reply:
        """The open safety question, answered by button or by typing (or left with Back/Skip)."""
        pending = patient.safety_question
        assert pending is not None and safety_dialogue.is_safety_question(pending)
        turn = _turn_for(pending, event)
        if turn is None:
            reply = Reply(ref=patient_ref(patient), screen=safety_dialogue.screen(pending))
            if isinstance(event, Typed):
                reply.say.append(messages.SAFETY_NOT_UNDERSTOOD)
            return reply
        return self.apply(session, patient, turn, now)

    def leave(self, session: Session, patient: Patient, now: datetime) -> None:
        """Moving on from an open safety question is logged, as Back or Skip would be."""
        pending = patient.safety_question
        if safety_dialogue.is_safety_question(pending):
            assert pending is not None
            self.record(session, patient, None, safety_dialogue.leave(pending).safety, now)
        close(session, patient)

    def apply(
        self, session: Session, patient: Patient, turn: safety_dialogue.SafetyTurn, now: datetime
    ) -> Reply:
        """Store a safety turn's events and open (or close) the patient's safety question."""
        reply = Reply(ref=patient_ref(patient), say=list(turn.say))
        reply.alerts = self.record(session, patient, None, turn.safety, now)
        patient.safety_question = turn.pending
        patient.active_dialogue = ActiveDialogue.SAFETY if turn.pending else None
        session.add(patient)
        if turn.pending is not None:
            reply.screen = safety_dialogue.screen(turn.pending)
        return reply


def _turn_for(pending: str, event: Event) -> safety_dialogue.SafetyTurn | None:
    if isinstance(event, Tapped) and event.step == pending:
        return safety_dialogue.answer(pending, event.value)
    if isinstance(event, Typed):
        value = safety_dialogue.read_typed(pending, event.text)
        if value is None:
            return None
        return safety_dialogue.answer(pending, value, text=event.text)
    if isinstance(event, Command) and event.name in ("back", "skip"):
        return safety_dialogue.leave(pending)
    return None


def is_open(patient: Patient) -> bool:
    return patient.active_dialogue == ActiveDialogue.SAFETY and safety_dialogue.is_safety_question(
        patient.safety_question
    )


def close(session: Session, patient: Patient) -> None:
    patient.safety_question = None
    if patient.active_dialogue == ActiveDialogue.SAFETY:
        patient.active_dialogue = None
    session.add(patient)


def patient_ref(patient: Patient) -> DialogueRef:
    return DialogueRef(DialogueKind.PATIENT, patient.id)
