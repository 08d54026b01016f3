"""A patient's turn run where it must not wait (the event loop: UnitOfWork.run_at_once, with
ConversationRouter.turn): on SQLite it runs when it can begin at once, and otherwise gives up
at once, having changed nothing, for `run` in a thread to do it; on PostgreSQL it never runs
there. The same for a sent reply's settle (Deliveries.sent_at_once); on PostgreSQL a reply's
settle runs on the loop's own asynchronous connection (Deliveries.sent_on_loop)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from service_support import (
    CLINIC_ZONE,
    Chat,
    Services,
    handed_reply,
    join,
    make_services,
    outbox_row,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.services.deliveries import Deliveries, handed_claim
from bot.services.outbox import Kind
from bot.services.replies import Reply
from flows.dialogue import Typed
from storage import engine as engine_module
from storage import outbox
from storage.db import make_engine
from storage.engine import BUSY_TIMEOUT_MS
from storage.models import Answer, Intake


def at_once(
    services: Services, chat: Chat, text: str, update_id: int | None = None
) -> Reply | None:
    """The patient's typed `text`, handled as the Telegram handler first tries it."""
    turn = services.patients.turn(chat.chat_id, Typed(text), None, None, None)
    return services.patients.work.run_at_once(update_id, *turn)


def answers(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Answer.id)).all())


def joined(engine: Engine, chat_id: int) -> tuple[Services, Chat]:
    services = make_services(engine)
    chat = Chat(services.patients, chat_id)
    join(services, chat, services.invite("At Once.", at=services.clock() + timedelta(days=2)))
    chat.send(Typed("skip"))  # past the first question: the next ones are answers
    return services, chat


@contextmanager
def another_writer(engine: Engine, for_seconds: float | None = None) -> Iterator[None]:
    """Another connection (another process, say) holds SQLite's write lock meanwhile, or only
    for its first `for_seconds`."""
    database = engine.url.database
    assert database is not None
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(for_seconds or 0, other.execute, ("ROLLBACK",))
    if for_seconds is not None:
        release.start()
    try:
        yield
    finally:
        release.cancel()
        if release.is_alive():
            release.join()
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def test_on_sqlite_a_turn_runs_at_once_when_the_database_is_free(sqlite_engine: Engine) -> None:
    services, chat = joined(sqlite_engine, 7301)
    before = answers(sqlite_engine)
    reply = at_once(services, chat, "skip", 9_730_101)
    assert reply is not None and reply.screen is not None
    assert answers(sqlite_engine) == before + 1
    again = at_once(services, chat, "skip", 9_730_101)
    assert again is not None and again.duplicate  # the same update: nothing changes twice
    assert answers(sqlite_engine) == before + 1


def test_while_another_connection_writes_it_gives_up_at_once_and_changes_nothing(
    sqlite_engine: Engine,
) -> None:
    services, chat = joined(sqlite_engine, 7302)
    before = answers(sqlite_engine)
    with another_writer(sqlite_engine):
        began = time.monotonic()
        reply = at_once(services, chat, "skip", 9_730_201)
        waited = time.monotonic() - began
    assert reply is None
    assert waited < BUSY_TIMEOUT_MS / 1000 / 5, "it waited for the other writer"
    assert answers(sqlite_engine) == before
    # Handled in a thread, as the Telegram handler then does, it is taken once.
    handled = services.patients.handle(chat.chat_id, Typed("skip"), update_id=9_730_201)
    assert handled.screen is not None and not handled.duplicate
    assert answers(sqlite_engine) == before + 1


def test_a_connection_that_gave_up_waits_again_for_the_next_transaction(
    sqlite_engine: Engine,
) -> None:
    services, chat = joined(sqlite_engine, 7303)
    with another_writer(sqlite_engine):
        assert at_once(services, chat, "skip") is None
    pooled = [sqlite_engine.raw_connection() for _ in range(sqlite_engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        for connection in pooled:  # the one that gave up among them
            timeout = connection.cursor().execute("PRAGMA busy_timeout").fetchone()
            assert timeout[0] == BUSY_TIMEOUT_MS
    finally:
        for connection in pooled:
            connection.close()


def test_without_wal_a_turn_does_not_run_at_once(sqlite_engine: Engine) -> None:
    """Where SQLite cannot use WAL (some file systems), a commit may wait for readers."""
    services, chat = joined(sqlite_engine, 7310)
    pooled = [sqlite_engine.connect() for _ in range(sqlite_engine.pool.checkedin())]  # type: ignore[attr-defined]
    for connection in pooled:
        connection.info[engine_module.WAL] = False
        connection.close()
    before = answers(sqlite_engine)
    assert at_once(services, chat, "skip") is None
    assert answers(sqlite_engine) == before


def test_with_no_pooled_connection_free_it_does_not_wait_for_one(sqlite_engine: Engine) -> None:
    services, chat = joined(sqlite_engine, 7304)
    size = sqlite_engine.pool.size()  # type: ignore[attr-defined]
    taken = [sqlite_engine.connect() for _ in range(size)]
    try:
        assert at_once(services, chat, "skip") is None
    finally:
        for connection in taken:
            connection.close()


def test_on_postgresql_a_turn_never_runs_at_once(postgres_schema_url: str) -> None:
    engine = make_engine(postgres_schema_url)
    try:
        services, chat = joined(engine, 7305)
        before = answers(engine)
        assert at_once(services, chat, "skip") is None
        assert answers(engine) == before
    finally:
        engine.dispose()


def test_a_turn_that_waited_past_the_busy_timeout_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    try:
        services, chat = joined(engine, 7306)
        before = answers(engine)
        with another_writer(engine, for_seconds=0.3):
            reply = services.patients.handle(chat.chat_id, Typed("skip"))
        assert reply.screen is not None
        assert answers(engine) == before + 1
        assert "stayed locked by another writer; retrying" in caplog.text
    finally:
        engine.dispose()


def status(engine: Engine, message_id: int) -> str:
    return outbox_row(engine, message_id).status


def test_on_sqlite_a_sent_reply_is_settled_at_once_when_the_database_is_free(
    sqlite_engine: Engine,
) -> None:
    services, chat = joined(sqlite_engine, 7307)
    message = handed_reply(services, chat)
    deliveries = Deliveries(sqlite_engine, CLINIC_ZONE, owner="this-process")
    assert deliveries.sent_at_once(handed_claim(message), [77]) is not None
    assert status(sqlite_engine, message.message_id) == "sent"


def test_while_another_connection_writes_a_settle_gives_up_at_once(sqlite_engine: Engine) -> None:
    services, chat = joined(sqlite_engine, 7308)
    message = handed_reply(services, chat)
    deliveries = Deliveries(sqlite_engine, CLINIC_ZONE, owner="this-process")
    with another_writer(sqlite_engine):
        began = time.monotonic()
        assert deliveries.sent_at_once(handed_claim(message), [77]) is None
        assert time.monotonic() - began < BUSY_TIMEOUT_MS / 1000 / 5, "it waited"
    assert status(sqlite_engine, message.message_id) == "pending"
    deliveries.sent(handed_claim(message), [77])  # in a thread, as the dispatcher then does
    assert status(sqlite_engine, message.message_id) == "sent"


def test_on_postgresql_a_settle_never_runs_at_once(postgres_schema_url: str) -> None:
    engine = make_engine(postgres_schema_url)
    try:
        services, chat = joined(engine, 7309)
        message = handed_reply(services, chat)
        deliveries = Deliveries(engine, CLINIC_ZONE, owner="this-process")
        assert deliveries.sent_at_once(handed_claim(message), [77]) is None
        assert status(engine, message.message_id) == "pending"
    finally:
        engine.dispose()


@pytest.fixture
def postgres_engine(postgres_schema_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_schema_url)
    yield engine
    engine.dispose()


@asynccontextmanager
async def on_loop(engine: Engine, chat_id: int) -> AsyncIterator[tuple[Services, Chat, Deliveries]]:
    """A joined patient, and the dispatcher's Deliveries, whose loop connection is closed after."""
    services, chat = joined(engine, chat_id)
    deliveries = Deliveries(engine, CLINIC_ZONE, owner="this-process")
    try:
        yield services, chat, deliveries
    finally:
        await deliveries.close_loop()


def shown_message(engine: Engine) -> list[int | None]:
    with Session(engine) as session:
        return [intake.shown_message_id for intake in session.exec(select(Intake)).all()]


async def test_on_postgresql_a_sent_reply_is_settled_on_the_loop_as_in_a_thread(
    postgres_engine: Engine,
) -> None:
    async with on_loop(postgres_engine, 7310) as (services, chat, deliveries):
        message = handed_reply(services, chat)
        settled = await deliveries.sent_on_loop(handed_claim(message), [77])
        assert settled is not None and settled.planned == [] and not settled.chat_waiting
        row = outbox_row(postgres_engine, message.message_id)
        assert (row.status, row.message_ids, row.parts_sent) == ("sent", [77], 1)
        assert row.claimed_by is None and row.sent_at is not None
        assert shown_message(postgres_engine) == [77]  # the question it showed, on record
        again = await deliveries.sent_on_loop(handed_claim(message), [78])
        assert again is not None and not again.chat_waiting  # settled once: nothing changed
        assert outbox_row(postgres_engine, message.message_id).message_ids == [77]


async def test_when_its_connection_is_lost_a_settle_is_done_in_a_thread_then_it_reconnects(
    postgres_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async with on_loop(postgres_engine, 7311) as (services, chat, deliveries):
        first = handed_reply(services, chat)
        await deliveries.sent_on_loop(handed_claim(first), [81])
        loop = deliveries.loop
        assert loop is not None and loop._connection is not None
        backend = loop._connection.info.backend_pid
        with postgres_engine.connect() as admin:  # the server closes it (a restart, say)
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        second = handed_reply(services, chat)
        settled = await deliveries.sent_on_loop(handed_claim(second), [82])  # then in a thread
        assert settled is not None and not settled.chat_waiting
        assert outbox_row(postgres_engine, second.message_id).status == "sent"
        assert "a settle on the event loop failed: " in caplog.text
        third = handed_reply(services, chat)
        assert await deliveries.sent_on_loop(handed_claim(third), [83]) is not None
        assert outbox_row(postgres_engine, third.message_id).status == "sent"


async def test_only_replies_on_postgresql_are_settled_on_the_loop(
    postgres_engine: Engine, sqlite_engine: Engine
) -> None:
    services, chat = joined(postgres_engine, 7312)
    message = handed_reply(services, chat)
    deliveries = Deliveries(postgres_engine, CLINIC_ZONE, owner="this-process")
    reminder = replace(handed_claim(message), kind=Kind.REMINDER)
    assert await deliveries.sent_on_loop(reminder, [91]) is None  # its settle does more
    assert outbox_row(postgres_engine, message.message_id).status == "pending"
    assert deliveries.loop is not None and deliveries.loop._connection is None
    services, chat = joined(sqlite_engine, 7313)
    message = handed_reply(services, chat)
    on_sqlite = Deliveries(sqlite_engine, CLINIC_ZONE, owner="this-process")
    assert on_sqlite.loop is None
    assert await on_sqlite.sent_on_loop(handed_claim(message), [92]) is None
    assert outbox_row(sqlite_engine, message.message_id).status == "pending"


async def test_a_settle_whose_answer_was_lost_after_its_commit_says_the_chat_may_have_more(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_loop(postgres_engine, 7314) as (services, chat, deliveries):
        message = handed_reply(services, chat)
        settle = outbox.settle_on_loop

        async def committed_then_lost(*arguments: Any) -> bool | None:
            await settle(*arguments)
            raise OSError("the connection dropped before the answer came")

        monkeypatch.setattr(outbox, "settle_on_loop", committed_then_lost)
        settled = await deliveries.sent_on_loop(handed_claim(message), [85])
        assert settled is not None and settled.chat_waiting  # the lane looks again, at worst
        assert outbox_row(postgres_engine, message.message_id).message_ids == [85]  # once
