"""The terminal demo's patient across runs, without Telegram: found again by its chat id, so a
paused intake can be continued, and brought back for another visit after a submitted one (a
returning patient: last visit's medicines are carried over, and the provider's copy shows
what changed since)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, auto

from sqlmodel import Session

from bot.services.intake import is_open
from bot.services.replies import Reply
from bot.services.router import ConversationRouter
from flows import messages
from flows.dialogue import Begin
from storage import intakes, patients
from storage.clock import as_utc
from storage.db import session_scope
from storage.models import Patient


class DemoStage(Enum):
    NEW = auto()  # no such demo patient yet
    OPEN = auto()  # an intake is waiting for answers
    SUBMITTED = auto()  # the latest intake was submitted
    DECLINED = auto()  # the patient said no


@dataclass(frozen=True)
class DemoPatient:
    """Where the demo patient is: their stage, when the latest intake was submitted or last
    answered, and the medicines of their latest submitted intake."""

    stage: DemoStage
    last_seen: datetime | None = None
    medicines: tuple[str, ...] = ()


class DemoVisits:
    """The demo patient of one chat id, through the conversation router's services."""

    def __init__(self, router: ConversationRouter) -> None:
        self.router = router

    def find(self, chat_id: int) -> DemoPatient:
        with session_scope(self.router.engine) as session:
            return self._find(session, chat_id)

    def _find(self, session: Session, chat_id: int) -> DemoPatient:
        patient = patients.by_chat(session, chat_id)
        if patient is None:
            return DemoPatient(DemoStage.NEW)
        latest = intakes.latest(session, patient.id)
        medicines = _latest_medicines(session, patient)
        if latest is None or patient.declined_at is not None:
            return DemoPatient(DemoStage.DECLINED, as_utc(patient.declined_at))
        if latest.submitted_at is None and is_open(latest):
            return DemoPatient(DemoStage.OPEN, as_utc(latest.updated_at), medicines)
        if latest.submitted_at is not None:
            return DemoPatient(DemoStage.SUBMITTED, as_utc(latest.submitted_at), medicines)
        return DemoPatient(DemoStage.DECLINED, as_utc(latest.updated_at))

    def next_visit(self, chat_id: int) -> Reply:
        """A new intake for a demo patient whose last one was submitted: its first screen."""

        def opening(session: Session, now: datetime) -> Reply:
            patient = patients.by_chat(session, chat_id)
            assert patient is not None, "next_visit needs a demo patient who submitted an intake"
            intake = self.router.intakes.open_without_appointment(session, patient, now)
            return self.router.intakes.apply(
                session, patient, intake, Begin(), now, greeting=messages.INTAKE_OPENING
            )

        return self.router.work.run(None, opening)


def _latest_medicines(session: Session, patient: Patient) -> tuple[str, ...]:
    submitted = intakes.submitted(session, patient.id)
    if not submitted:
        return ()
    return tuple(
        " ".join(part for part in (row.name, row.dose, row.frequency) if part)
        for row in intakes.medications_for(session, submitted[-1].id)
    )
