"""bot.services.answer_cache, through the conversation router on SQLite and PostgreSQL: a patient's
answers are kept between their turns instead of read again, read again whenever the intake was
changed by another process, kept only once a transaction committed, and forgotten when the
patient's data is erased."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from service_support import Chat, Services, join, make_services, shortest_answer
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.services.committed import after_commit
from bot.services.replies import Reply
from bot.services.transactions import UnitOfWork
from flows import rights_messages as words
from flows.dialogue import Screen, Typed
from storage.models import Intake


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


@contextmanager
def answer_reads(engine: Engine) -> Iterator[list[str]]:
    """The reads of an intake's current answers made inside the block."""
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("SELECT answer.question_key, answer.value"):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield reads
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def invite(services: Services, name: str) -> Any:
    return services.invite(name, at=services.clock() + timedelta(days=2))


def to_the_review(chat: Chat, first: str | None = None) -> Screen:
    reply = chat.send(Typed(first)) if first else chat.last
    for _ in range(80):
        assert reply is not None and reply.screen is not None
        if reply.screen.step == "review":
            return reply.screen
        reply = chat.send(Typed(shortest_answer(reply.screen.step)))
    raise AssertionError("the intake never reached its review")


def review_text(screen: Screen) -> str:
    return "\n".join(f"{label}: {answer}" for g in screen.review for label, answer in g.lines)


def test_a_patients_answers_are_read_once_not_at_every_turn(services: Services) -> None:
    chat = Chat(services.patients, 5101)
    join(services, chat, invite(services, "Cache A."))
    with answer_reads(services.engine) as reads:
        review = to_the_review(chat, "trouble sleeping lately")
    assert len(reads) <= 1  # the first turn after joining; every later one used what was kept
    # What the kept answers showed is what the database holds: a router that kept nothing
    # (another process) shows the same review.
    elsewhere = Chat(make_services(services.engine).patients, 5101)
    again = elsewhere.start()
    assert again.screen is not None and again.screen.review == review.review
    assert "trouble sleeping lately" in review_text(review)


def test_an_intake_changed_by_another_process_is_read_again(services: Services) -> None:
    chat = Chat(services.patients, 5102)
    join(services, chat, invite(services, "Cache B."))
    chat.send(Typed("skip"))  # what brings them in: this process keeps the answers
    other = Chat(make_services(services.engine).patients, 5102)  # a second replica
    other.send(Typed("to sleep through the night"))  # their hopes, answered there
    with answer_reads(services.engine) as reads:
        review = to_the_review(chat, "I don't take any")
    assert len(reads) == 1  # the version moved on: read again, then kept
    assert "to sleep through the night" in review_text(review)


def test_answers_are_kept_only_once_their_transaction_committed(engine: Engine) -> None:
    ran: list[str] = []

    def fails(session: Session, _now: object) -> Reply:
        after_commit(session, lambda: ran.append("failed"))
        raise RuntimeError("the handler failed after storing")

    def works(session: Session, _now: object) -> Reply:
        after_commit(session, lambda: ran.append("committed"))
        return Reply()

    work = UnitOfWork(engine)
    with pytest.raises(RuntimeError):
        work.run(None, fails)
    assert ran == []
    work.run(None, works)
    assert ran == ["committed"]


def test_an_erased_patients_answers_are_not_kept_in_memory(services: Services) -> None:
    chat = Chat(services.patients, 5103)
    join(services, chat, invite(services, "Cache C."))
    chat.send(Typed("a rough month at work"))
    with Session(services.engine, expire_on_commit=False) as session:
        intake = session.exec(select(Intake)).one()
    kept = services.patients.intakes.answers
    assert kept.get(intake) is not None
    chat.open("delete")
    chat.tap(words.DELETE_STEP, "yes")
    assert kept.get(intake) is None
