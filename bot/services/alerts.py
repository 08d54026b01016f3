"""Urgent safety alerts after they were raised (bot.services.safety raises them): the text an
alert shows, its repeats until a provider acknowledges it, and the acknowledgement, which takes
the buttons off every copy and tells every provider chat who acknowledged. Every step is in
the safety audit table; every message goes through the outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services.data_rights import forget_declined_risk
from bot.services.outbox import Kind, Outbox
from bot.services.replies import Alert
from bot.services.safety import UNNAMED
from storage import outbox, patients, safety
from storage.clock import as_utc, utcnow
from storage.db import session_scope
from storage.statuses import Priority


@dataclass(frozen=True)
class Acknowledged:
    first: bool  # False when another provider had already acknowledged it
    by: str
    at: datetime


def alert_group(event_id: int, round_: int) -> str:
    """The outbox group of one round of an alert's copies."""
    return f"alert:{event_id}:r{round_}"


class AlertLedger:
    """What happened to each alert, one transaction per step."""

    def __init__(
        self, engine: Engine, outbox_: Outbox, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.outbox = outbox_
        self.clock = clock

    def text(self, event_id: int) -> tuple[str, str] | None:
        """The patient's name and the trigger, for the alert message."""
        with session_scope(self.engine) as session:
            event = safety.get(session, event_id)
            if event is None:
                return None
            patient = patients.get(session, event.patient_id)
            name = patient.display_name if patient and patient.display_name else UNNAMED
            return name, event.detail

    def realert(self, event_id: int) -> bool:
        """Send the alert again, marked "not yet acknowledged"; False once it is acknowledged."""
        with session_scope(self.engine) as session:
            event = safety.get(session, event_id)
            if event is None or event.acknowledged_at is not None:
                return False
            round_ = event.times_alerted + 1
            alert = Alert(event_id, "", event.detail)
            self.outbox.alerts(session, [alert], self.clock(), round_=round_)
            return True

    def acknowledge(self, event_id: int, chat_id: int, name: str) -> Acknowledged | None:
        """A provider acknowledged the alert; the first to do so is kept and shown to all."""
        now = self.clock()
        with session_scope(self.engine) as session:
            event = safety.get_locked(session, event_id)
            if event is None or not event.alert:
                return None
            first = event.acknowledged_at is None
            if first:
                event.acknowledged_at = now
                event.acknowledged_by = name[:200]
                session.add(event)
            action = "acknowledged" if first else "acknowledged_again"
            safety.add_audit(session, event_id, action, f"chat {chat_id}: {name}"[:200], None, now)
            by, at = event.acknowledged_by or name, as_utc(event.acknowledged_at) or now
            if first:
                for round_ in range(2, event.times_alerted + 2):
                    outbox.cancel_pending(session, alert_group(event_id, round_), now)
                self._mark_copies(session, event.alert_messages or [], by, at, now)
                # A patient who declined: their words were kept only until this moment.
                patient = patients.get(session, event.patient_id)
                if patient is not None and patient.declined_at and not patient.consented_at:
                    session.flush()
                    forget_declined_risk(session, patient.id, now)
            return Acknowledged(first, by, at)

    def _mark_copies(
        self,
        session: Session,
        copies: Sequence[Sequence[int]],
        by: str,
        at: datetime,
        now: datetime,
    ) -> None:
        """Every copy loses its button; each chat is told who acknowledged it, and when."""
        chats: dict[int, list[int]] = {}
        for chat_id, message_id in copies:
            chats.setdefault(int(chat_id), []).append(int(message_id))
        for chat_id, message_ids in chats.items():
            payload = {"clear": message_ids, "acknowledged_by": by, "at": at.isoformat()}
            self.outbox.add(session, chat_id, Kind.EDIT, payload, Priority.URGENT, now)

    def unacknowledged(self) -> list[tuple[int, datetime]]:
        """Alerts still waiting for a provider, with when they were last sent (or raised)."""
        with session_scope(self.engine) as session:
            return [
                (r.id, as_utc(r.last_alerted_at or r.created_at))
                for r in safety.unacknowledged_alerts(session)
            ]

    def is_acknowledged(self, event_id: int) -> bool:
        with session_scope(self.engine) as session:
            event = safety.get(session, event_id)
            return event is None or event.acknowledged_at is not None

    def settle_shown(self, event_ids: Sequence[int], by: str) -> None:
        """The terminal demo showed these alerts itself: they are settled, never sent later."""
        now = self.clock()
        with session_scope(self.engine) as session:
            for event_id in event_ids:
                event = safety.get(session, event_id)
                if event is None:
                    continue
                event.times_alerted, event.last_alerted_at = 1, now
                event.acknowledged_at, event.acknowledged_by = now, by
                session.add(event)
                safety.add_audit(session, event_id, "acknowledged", by, None, now)
