"""A patient's text that arrives while the question it answers is still being sent.

Telegram shows a message before the bot hears back from it, and the bot records the question
as shown (with its message's number) only once it has. A patient quick to answer can type in
between: their text waits for that record rather than being told it came before the question.
Text typed while the question is still queued (not being sent) is told so at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from service_support import CLINIC_ZONE, Chat, Services, intakes, join, make_services, rows
from sqlalchemy.engine import Engine

from bot.services import transactions
from bot.services.deliveries import Deliveries
from bot.services.replies import Reply
from bot.telegram.turns import Turns
from flows import messages
from flows.dialogue import Typed
from storage import chat_outbox
from storage.db import session_scope
from storage.models import Answer, OutboxMessage

CHAT_ID = 7_100_000_091


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits a unit of work made (each still slept)."""
    made: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        made.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(transactions.time, "sleep", sleep)
    return made


class Patient:
    """A patient on the second question of a first visit's intake, by typed text."""

    def __init__(self, services: Services) -> None:
        invited = services.invite("Quinn Q.", at=services.clock.now + timedelta(days=2))
        self.chat = Chat(services.patients, CHAT_ID)
        join(services, self.chat, invited)
        self.services, self.patient_id = services, invited.patient_id
        self.deliveries = Deliveries(services.engine, CLINIC_ZONE, clock=services.clock, owner="t")
        self.update_ids = iter(range(4_500_000_000, 4_500_000_100))
        self.deliver_as(39)  # what brings them in
        self.typed("Trouble sleeping since spring", 40)  # the next question is in the outbox

    def typed(self, text: str, message_id: int) -> Reply:
        return self.services.patients.handle(
            CHAT_ID, Typed(text), update_id=next(self.update_ids), message_id=message_id
        )

    def deliver_as(self, message_id: int) -> None:
        for message in self.deliveries.claim(10):
            self.deliveries.sent(message, [message_id])
        self.tick()

    def tick(self) -> None:
        """The injected clock moves on, as time does between a settle and the next turn."""
        self.services.clock.now += timedelta(seconds=1)

    def deliver_each(self, *message_ids: int) -> None:
        """The chat's waiting messages, one at a time, as these messages."""
        for message_id in message_ids:
            (message,) = self.deliveries.claim(10)
            self.deliveries.sent(message, [message_id])
        self.tick()

    def answered(self) -> list[str]:
        return [
            a.question_key
            for a in rows(self.services.engine, Answer)
            if "." in a.question_key and a.question_key != "visit.kind"
        ]


def test_text_typed_while_the_question_is_being_sent_waits_for_its_record(
    services: Services, sleeps: list[float]
) -> None:
    patient = Patient(services)
    (claimed,) = patient.deliveries.claim(10)  # the dispatcher is sending "what do you hope for"

    def telegram_answers() -> None:
        time.sleep(0.2)  # the patient's answer (message 43) arrives before the settle
        patient.deliveries.sent(claimed, [42])

    settle = threading.Thread(target=telegram_answers)
    settle.start()
    reply = patient.typed("To feel like myself", 43)
    settle.join()

    assert sleeps, "the text waited for the question's record"
    assert messages.NOT_SHOWN_YET not in reply.say
    assert patient.answered() == ["reason.coming", "reason.hopes"]
    (intake,) = intakes(services.engine, patient.patient_id)
    assert intake.step == "med.1.name"


def test_text_typed_before_the_question_on_its_way_is_still_not_its_answer(
    services: Services, sleeps: list[float]
) -> None:
    """The record, once there, still tells text typed before the question arrived."""
    patient = Patient(services)
    (claimed,) = patient.deliveries.claim(10)
    settle = threading.Timer(0.2, patient.deliveries.sent, (claimed, [42]))
    settle.start()
    reply = patient.typed("To feel like myself", 41)
    settle.join()

    assert sleeps
    assert reply.say[0] == messages.NOT_SHOWN_YET
    assert patient.answered() == ["reason.coming"]


def test_a_question_never_recorded_shown_is_waited_for_only_so_long(
    services: Services, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sender stopped mid-send (its claim stands until its lease runs out): after the wait,
    the text is taken as typed before the question, and nothing is recorded."""
    monkeypatch.setattr(transactions, "WAIT_FOR_QUESTION", 0.1)
    patient = Patient(services)
    patient.deliveries.claim(10)  # and never settled
    reply = patient.typed("To feel like myself", 43)

    assert sleeps and sum(sleeps) <= 0.1 + transactions.QUESTION_POLL  # then no more waits
    assert reply.say[0] == messages.NOT_SHOWN_YET
    assert reply.screen is not None and reply.screen.step == "reason.hopes"
    assert patient.answered() == ["reason.coming"]


def test_text_typed_while_the_question_is_only_queued_is_told_at_once(
    services: Services, sleeps: list[float]
) -> None:
    patient = Patient(services)  # the question waits in the outbox, unclaimed
    reply = patient.typed("To feel like myself", 41)

    assert sleeps == []
    assert reply.say[0] == messages.NOT_SHOWN_YET
    assert patient.answered() == ["reason.coming"]


def test_texts_typed_before_the_question_arrived_are_told_so_once(services: Services) -> None:
    """Three texts typed while the bot was down: one "my last message may not have reached
    you" with the question answers them all; text typed after it arrived is the answer."""
    patient = Patient(services)  # "what do you hope for" waits in the outbox
    first = patient.typed("To feel like myself", 41)
    assert first.say == [messages.NOT_SHOWN_YET]
    assert first.screen is not None and first.screen.step == "reason.hopes"
    waiting = outbox_rows(services)

    for message_id in (42, 43):
        again = patient.typed("To feel like myself", message_id)
        assert again.say == [] and again.screen is None
    assert outbox_rows(services) == waiting, "nothing more to send"

    patient.deliver_each(44, 45)  # the question, then the notice
    late = patient.typed("To feel like myself", 43)  # handled late (typed before 45): told
    assert late.say == [] and late.screen is None
    assert patient.answered() == ["reason.coming"]

    patient.typed("To feel like myself", 46)
    assert patient.answered() == ["reason.coming", "reason.hopes"]


def test_text_typed_before_a_question_shown_again_is_told_again(services: Services) -> None:
    """Told once for a question: a later question's early text is told again."""
    patient = Patient(services)
    patient.typed("To feel like myself", 41)
    patient.deliver_each(42, 43)
    patient.typed("To feel like myself", 44)  # the answer: the next question is on its way
    reply = patient.typed("Sertraline", 45)
    assert reply.say == [messages.NOT_SHOWN_YET]
    assert reply.screen is not None and reply.screen.step == "med.1.name"


def outbox_rows(services: Services) -> list[int]:
    return [row.id for row in rows(services.engine, OutboxMessage)]


def test_risk_language_typed_while_the_question_is_being_sent_is_answered_at_once(
    services: Services, sleeps: list[float]
) -> None:
    """The crisis resources never wait for a question's record."""
    patient = Patient(services)
    patient.deliveries.claim(10)  # the question is on its way, and stays so
    reply = patient.typed("I want to end my life", 43)

    assert sleeps == []
    assert any(messages.CRISIS_RESOURCES in said for said in reply.say)
    assert messages.NOT_SHOWN_YET not in reply.say
    assert patient.answered() == ["reason.coming"]


def test_a_message_settled_since_the_transaction_began_counts_as_being_sent(
    services: Services,
) -> None:
    """On PostgreSQL each statement sees what committed before it began: the question's settle
    may commit between reading the dialogue (not shown) and this look, which must then still
    say wait, so that the turn is run again on the fresh record."""
    patient = Patient(services)
    (claimed,) = patient.deliveries.claim(10)
    began = services.clock.now
    with session_scope(services.engine) as session:
        assert chat_outbox.sending(session, CHAT_ID, began)  # claimed
    patient.deliveries.sent(claimed, [42])  # settled at the clock's now
    with session_scope(services.engine) as session:
        assert chat_outbox.sending(session, CHAT_ID, began)  # settled since `began`
        assert not chat_outbox.sending(session, CHAT_ID, began + timedelta(seconds=1))


async def test_a_turn_in_a_thread_waits_for_its_question_without_holding_a_place(
    services: Services,
) -> None:
    """bot.telegram.turns: the wait is on the event loop, between tries; meanwhile the one
    place for a turn in a thread runs another chat's turn."""
    patient = Patient(services)
    (claimed,) = patient.deliveries.claim(10)  # "what do you hope for" is being sent
    router = services.patients
    turns = Turns(router.work, at_once=1)
    turn = router.turn(CHAT_ID, Typed("To feel like myself"), None, None, 43)
    waiting = asyncio.create_task(turns.in_thread(next(patient.update_ids), *turn))
    await asyncio.sleep(0.1)

    other = await asyncio.wait_for(turns.in_thread(None, lambda _session, _now: Reply(say=["hi"])), 1)
    assert other.say == ["hi"]
    assert not waiting.done(), "still waiting for the question's record"

    await asyncio.to_thread(patient.deliveries.sent, claimed, [42])
    reply = await asyncio.wait_for(waiting, 2)
    assert messages.NOT_SHOWN_YET not in reply.say
    assert patient.answered() == ["reason.coming", "reason.hopes"]


async def test_a_turn_in_a_thread_waits_for_a_question_never_recorded_only_so_long(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transactions, "WAIT_FOR_QUESTION", 0.1)
    patient = Patient(services)
    patient.deliveries.claim(10)  # and never settled
    router = services.patients
    turn = router.turn(CHAT_ID, Typed("To feel like myself"), None, None, 43)
    turns = Turns(router.work)
    reply = await asyncio.wait_for(turns.in_thread(next(patient.update_ids), *turn), 2)

    assert reply.say[0] == messages.NOT_SHOWN_YET
    assert patient.answered() == ["reason.coming"]
