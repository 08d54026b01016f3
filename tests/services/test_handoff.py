"""A patient's reply handed straight to this process's dispatcher (bot.services.outbox.Handoff),
on SQLite and PostgreSQL: stored claimed in its turn's transaction and handed over once that
committed; never handed over when it did not commit; left for a dispatcher's claim, as before,
when the chat has an earlier message waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_support import CLINIC_ZONE, Chat, Services, join, make_services, shortest_answer
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.services.deliveries import LEASE, Deliveries, handed_claim
from bot.services.outbox import Handed, Handoff, Kind, Outbox
from bot.services.replies import Reply
from flows import messages
from flows.dialogue import Typed
from storage.models import OutboxMessage
from storage.statuses import Priority

OWNER = "this-process"


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


@pytest.fixture
def chat(services: Services) -> Chat:
    chat = Chat(services.patients)
    join(services, chat, services.invite("Hand Over.", at=services.clock() + timedelta(days=2)))
    return chat


@pytest.fixture
def handed(services: Services) -> list[Handed]:
    taken: list[Handed] = []
    replies = services.patients.work.outbox
    assert replies is not None
    replies.handoff = Handoff(OWNER, LEASE, taken.append)
    return taken


def answer(chat: Chat, message_id: int = 5_000) -> Reply:
    """The patient types the answer to the question on their screen."""
    assert chat.last is not None and chat.last.screen is not None
    text = shortest_answer(chat.last.screen.step)
    return chat.service.handle(
        chat.chat_id, Typed(text), update_id=chat._next(), message_id=message_id
    )


def stored(engine: Engine, message_id: int) -> OutboxMessage:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_a_reply_is_stored_claimed_and_handed_over_once_its_turn_committed(
    engine: Engine, chat: Chat, handed: list[Handed]
) -> None:
    reply = answer(chat)
    assert reply.handed_over and len(handed) == 1
    (message,) = handed
    assert message.chat_id == chat.chat_id and message.priority == Priority.CONVERSATION
    assert reply.screen is not None and message.payload["screen"]["step"] == reply.screen.step
    row = stored(engine, message.message_id)
    assert (row.claimed_by, row.attempts, row.status) == (OWNER, 1, "pending")
    others = Deliveries(engine, CLINIC_ZONE, clock=chat.service.work.clock, owner="another")
    assert others.claim(10) == []  # no other dispatcher takes it while it is this one's
    mine = Deliveries(engine, CLINIC_ZONE, clock=chat.service.work.clock, owner=OWNER)
    mine.sent(handed_claim(message), [77])  # as the dispatcher settles it
    assert stored(engine, message.message_id).status == "sent"


def test_nothing_is_handed_over_when_the_turn_does_not_commit(
    engine: Engine, chat: Chat, handed: list[Handed]
) -> None:
    def refuse(*_args: object) -> None:
        raise RuntimeError("the commit failed")

    event.listen(engine, "commit", refuse)
    try:
        with pytest.raises(RuntimeError):
            answer(chat)
    finally:
        event.remove(engine, "commit", refuse)
    assert handed == []


def test_a_reply_behind_an_earlier_message_waits_for_a_claim(
    engine: Engine, chat: Chat, handed: list[Handed]
) -> None:
    with Session(engine) as session:  # a message for the chat, still waiting
        now = chat.service.work.clock()
        Outbox().add(session, chat.chat_id, Kind.HTML, {"html": "hi"}, Priority.CONVERSATION, now)
        session.commit()
    reply = answer(chat)
    assert not reply.handed_over and handed == []
    dispatcher = Deliveries(engine, CLINIC_ZONE, clock=chat.service.work.clock, owner="another")
    (first,) = dispatcher.claim(10)
    dispatcher.sent(first, [78])
    (then,) = dispatcher.claim(10)  # the reply, once the message before it went
    assert then.kind == "reply" and then.chat_id == chat.chat_id


def test_a_crisis_reply_is_never_handed_over(
    engine: Engine, chat: Chat, handed: list[Handed]
) -> None:
    """Urgent replies stay unclaimed for any process's urgent loop: never held by the lease of
    a process that stopped before sending them."""
    reply = chat.service.handle(
        chat.chat_id, Typed("I want to end my life"), update_id=chat._next(), message_id=5_001
    )
    assert any(messages.CRISIS_RESOURCES in said for said in reply.say)
    assert not reply.handed_over and handed == []
    others = Deliveries(engine, CLINIC_ZONE, clock=chat.service.work.clock, owner="another")
    claimed = others.claim(10)
    assert [(m.kind, m.priority) for m in claimed] == [("reply", Priority.URGENT)]


def test_a_reply_after_a_message_of_its_own_turn_waits_behind_it(
    engine: Engine, chat: Chat, handed: list[Handed]
) -> None:
    """/mydata writes the record's file, then the reply saying it was sent: the reply is not
    handed over past the file (on PostgreSQL the two inserts are one statement), but stored
    after it for the dispatcher's claim, which keeps a chat's messages in order."""
    reply = chat.open("mydata")
    assert not reply.handed_over and handed == []
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [row.kind for row in rows][-2:] == ["document", "reply"]
    assert rows[-1].claimed_by != OWNER
