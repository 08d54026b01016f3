"""Driving the conversation router and the provider services without Telegram, on an injected
clock.

Shared by the storage, router and reminder tests. A `Clock` is a mutable "now" every service
reads; a `Chat` is one patient's chat, numbering Telegram updates as they arrive and decoding
button presses the way bot/telegram/patient_handlers.py does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from bot.services.config import ServiceConfig
from bot.services.deliveries import LEASE, Deliveries
from bot.services.joining import JOIN_CONSENT_STEP
from bot.services.lookups import ProviderLookups
from bot.services.outbox import Handed, Handoff
from bot.services.providers import Invited, ProviderService
from bot.services.replies import DialogueKind, DialogueRef, Reply
from bot.services.router import ConversationRouter
from bot.telegram import callbacks
from flows.dialogue import Event, Tapped, Typed
from flows.schedule import ReminderPolicy
from storage.models import Appointment, Checkin, Intake, OutboxMessage, Patient, Reminder

CLINIC = "Test Clinic"
CLINIC_ZONE = ZoneInfo("America/Chicago")
NOW = datetime(2026, 1, 12, 15, 0, tzinfo=UTC)
"""Monday 12 January 2026, 9:00 AM CST: far from any DST change, outside quiet hours."""

FIRST_UPDATE_ID = 3_000_000_000
FIRST_CHAT_ID = 7_000_000_001  # above 2**31, as real Telegram ids can be


class Clock:
    """A "now" the test moves by hand; every service in a test reads the same one."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        self.now += by
        return self.now


def config(policy: ReminderPolicy | None = None) -> ServiceConfig:
    return ServiceConfig(CLINIC, CLINIC_ZONE, policy or ReminderPolicy())


@dataclass
class Services:
    patients: ConversationRouter
    provider: ProviderService
    lookups: ProviderLookups
    clock: Clock
    engine: Engine

    def invite(self, name: str = "Alice A.", at: datetime | None = None) -> Invited:
        return self.provider.invite(name, at, "test")


def make_services(engine: Engine, clock: Clock | None = None) -> Services:
    clock = clock or Clock()
    cfg = config()
    return Services(
        ConversationRouter(engine, cfg, clock=clock),
        ProviderService(engine, cfg.clinic_zone, cfg.policy, clock=clock),
        ProviderLookups(engine, cfg.clinic_zone, clock=clock),
        clock,
        engine,
    )


_update_ids: Iterator[int] = itertools.count(FIRST_UPDATE_ID)


def deliver_all(engine: Engine, clock: Callable[[], datetime]) -> int:
    """What the Telegram dispatcher would do: every message due in the outbox reaches Telegram
    (recording what its going changes, e.g. the question the patient has now seen)."""
    deliveries = Deliveries(engine, CLINIC_ZONE, clock=clock, owner="test-dispatcher")
    sent = 0
    while batch := deliveries.claim(100):
        for message in batch:
            deliveries.sent(message, [1])
            sent += 1
    return sent


class Chat:
    """One patient's chat with the router; every call is a new Telegram update, and what the
    router put in the outbox is delivered at once (as the dispatcher would)."""

    def __init__(self, service: ConversationRouter, chat_id: int = FIRST_CHAT_ID) -> None:
        self.service = service
        self.chat_id = chat_id
        self.last_update_id: int | None = None
        self.last: Reply | None = None

    def _delivered(self, reply: Reply) -> Reply:
        self.last = reply
        deliver_all(self.service.engine, self.service.work.clock)
        return reply

    def _next(self) -> int:
        self.last_update_id = next(_update_ids)
        return self.last_update_id

    def start(self, token: str | None = None) -> Reply:
        return self._delivered(self.service.start(self.chat_id, token, update_id=self._next()))

    def send(self, event: Event, ref: DialogueRef | None = None) -> Reply:
        reply = self.service.handle(self.chat_id, event, update_id=self._next(), ref=ref)
        return self._delivered(reply)

    def open(self, what: str) -> Reply:
        return self._delivered(self.service.open(self.chat_id, what, update_id=self._next()))

    def press(
        self, ref: DialogueRef, step: str, value: str = "", kind: str = callbacks.ANSWER
    ) -> Reply:
        """A button of the screen whose reference is `ref`, decoded as the Telegram handlers do."""
        press = callbacks.decode(callbacks.encode(kind, ref, step, value))
        assert press is not None
        return self.send(press.event, ref=press.ref)

    def tap(self, step: str, value: str) -> Reply:
        """Tap an option of the screen last shown (its reference comes from that reply)."""
        assert self.last is not None and self.last.ref is not None, "no screen to tap on"
        return self.press(self.last.ref, step, value)

    def consent(self, patient_id: int, value: str = "agree") -> Reply:
        return self.send(
            Tapped(JOIN_CONSENT_STEP, value), ref=DialogueRef(DialogueKind.PATIENT, patient_id)
        )


def join(services: Services, chat: Chat, invited: Invited) -> Reply:
    """Open the invitation link and agree."""
    reply = chat.start(invited.token)
    assert reply.screen is not None and reply.screen.step == JOIN_CONSENT_STEP
    return chat.consent(invited.patient_id)


SHORTEST_ANSWERS = {
    "med.1.name": "I don't take any",
    "meds.new": "none",
    "past.1.name": "none",
    "audit.1": "never",
    "drugs.times": "never",
    "se.checklist": "none of these",
    "body.changes": "no",
    "stress.checklist": "none of these",
    "q.picked": "no questions",
    "q.1": "no questions",
}
"""What the shortest complete intake types at these steps; "not at all" on the PHQ-9 and
GAD-7, and "skip" everywhere else (first visit or follow-up alike)."""


def shortest_answer(step: str) -> str:
    if step.startswith(("phq9.", "gad7.")):
        return "not at all"
    return SHORTEST_ANSWERS.get(step, "skip")


def finish_intake(chat: Chat, answers: dict[str, str] | None = None) -> Reply:
    """Type the shortest intake from the question on screen through review and submit;
    `answers` types other answers at the steps it names."""
    reply = chat.last
    if reply is None or reply.screen is None or reply.ref is None or (
        reply.ref.kind is not DialogueKind.INTAKE
    ):
        reply = chat.start()  # after a check-in: back to the intake's question
    for _ in range(80):
        assert reply.screen is not None, "the intake ended early"
        step = reply.screen.step
        if step == "review":
            break
        reply = chat.send(Typed((answers or {}).get(step) or shortest_answer(step)))
    assert reply.screen is not None and reply.screen.step == "review"
    reply = chat.send(Typed("submit"))
    assert reply.finished and reply.submitted is not None
    return reply


def past_the_reasons(chat: Chat) -> Reply:
    """Skip what brings a first-visit patient in and their hopes: on to the medicines."""
    assert chat.last is not None and chat.last.screen is not None
    assert chat.last.screen.step == "reason.coming", chat.last.screen.step
    chat.send(Typed("skip"))
    return chat.send(Typed("skip"))


# --- reading what was stored ------------------------------------------------------------


def count(engine: Engine, model: type[SQLModel], *where: Any) -> int:
    """Rows in a table, read in a session of its own (so only committed rows count)."""
    with Session(engine) as fresh:
        return fresh.exec(select(func.count()).select_from(model).where(*where)).one()


def rows(engine: Engine, model: type[SQLModel], *where: Any) -> list[Any]:
    with Session(engine) as fresh:
        return list(fresh.exec(select(model).where(*where)).all())


def patient(engine: Engine, patient_id: int) -> Patient:
    with Session(engine) as fresh:
        found = fresh.get(Patient, patient_id)
        assert found is not None
        return found


def pending(engine: Engine, patient_id: int, kind: str | None = None) -> list[Reminder]:
    """The patient's pending reminders (of one kind if given), in due order."""
    found = rows(engine, Reminder, Reminder.patient_id == patient_id, Reminder.status == "pending")
    return sorted(
        (r for r in found if kind is None or r.kind == kind), key=lambda r: (r.due_at, r.id)
    )


def intakes(engine: Engine, patient_id: int) -> list[Intake]:
    return sorted(rows(engine, Intake, Intake.patient_id == patient_id), key=lambda i: i.id)


def checkins(engine: Engine, patient_id: int) -> list[Checkin]:
    return sorted(rows(engine, Checkin, Checkin.patient_id == patient_id), key=lambda c: c.id)


def appointments(engine: Engine, patient_id: int) -> list[Appointment]:
    return rows(engine, Appointment, Appointment.patient_id == patient_id)


def utc(moment: datetime | None) -> datetime | None:
    """Stored times come back naive from SQLite and aware from PostgreSQL: compare in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def handed_reply(services: Services, chat: Chat, owner: str = "this-process") -> Handed:
    """The patient types "skip"; the reply is stored claimed for `owner`'s dispatcher (as the
    bot's own replies are) instead of delivered."""
    taken: list[Handed] = []
    replies = services.patients.work.outbox
    assert replies is not None
    replies.handoff = Handoff(owner, LEASE, taken.append)
    chat.send(Typed("skip"))
    (message,) = taken
    return message


def outbox_row(engine: Engine, message_id: int) -> OutboxMessage:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row
