"""Each Telegram update changes things once (bot.services.transactions, storage.updates), on
SQLite and PostgreSQL. On PostgreSQL the claim runs in a WITH of the transaction's first read of
the patient: one round trip fewer, and still before anything is decided; a stranger's update is
claimed there too, and work that reads no patient claims at its end. On SQLite it runs with the
transaction's writes, and the transaction is the only writer from its start."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from service_support import Chat, Services, join, make_services
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.services.replies import Reply
from bot.services.transactions import UnitOfWork
from flows.dialogue import Typed
from storage.models import Answer, ProcessedUpdate


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def claimed(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return sorted(session.exec(select(ProcessedUpdate.update_id)).all())


def answers(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Answer.id)).all())


def test_an_answer_delivered_twice_is_taken_once_and_claimed_with_the_patients_read(
    engine: Engine,
) -> None:
    services: Services = make_services(engine)
    chat = Chat(services.patients, 6101)
    join(services, chat, services.invite("Claim A.", at=services.clock() + timedelta(days=2)))
    chat.send(Typed("skip"))  # SQLite: the trigger of the turn's writes is made once
    with statements(engine) as seen:
        chat.send(Typed("skip"))
    update_id = chat.last_update_id
    assert update_id in claimed(engine)
    if engine.dialect.name == "postgresql":  # in the WITH of the patient's query
        claiming = [s for s in seen if "INSERT INTO processedupdate" in s]
        assert len(claiming) == 1 and "LEFT OUTER JOIN patient ON" in claiming[0]
    else:  # with the turn's other writes, in the one INSERT that runs them all (the
        # statements after it deliver the reply)
        assert not any("processedupdate" in s for s in seen)
        assert seen[0] == "BEGIN IMMEDIATE"  # the turn is the only writer from its start
        writing = [s for s in seen[1:] if not s.startswith("SELECT")]
        assert writing[0].startswith("INSERT INTO batch_")
        assert writing[1].startswith("WITH chosen AS")  # the reply's claim, for sending
    before = answers(engine)
    again = services.patients.handle(chat.chat_id, Typed("skip"), update_id=update_id)
    assert again.duplicate and again.say == [] and again.screen is None
    assert answers(engine) == before


def test_a_strangers_update_is_claimed_once_too(engine: Engine) -> None:
    services = make_services(engine)
    first = services.patients.handle(6102, Typed("hello"), update_id=777)
    assert not first.duplicate and first.say  # told how to join
    assert claimed(engine) == [777]
    assert services.patients.handle(6102, Typed("hello"), update_id=777).duplicate


def test_work_that_reads_no_patient_claims_its_update_at_its_end(engine: Engine) -> None:
    ran: list[datetime] = []

    def work(_session: Session, now: datetime) -> Reply:
        ran.append(now)
        return Reply(say=["done"])

    unit = UnitOfWork(engine)
    assert not unit.run(778, work).duplicate
    assert claimed(engine) == [778]
    assert unit.run(778, work).duplicate
    # The update is found handled only at the end: the work ran, and was undone.
    assert len(ran) == 2


def test_a_turn_on_sqlite_is_the_only_writer_from_its_start(sqlite_engine: Engine) -> None:
    """What a turn reads stays true until it commits, though its writes all run at its end."""
    path = sqlite_engine.url.database
    assert path is not None
    tried: list[str] = []

    def work(_session: Session, _now: datetime) -> Reply:
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            tried.append("another connection could write")
        except sqlite3.OperationalError as error:
            tried.append(str(error))
        finally:
            other.close()
        return Reply(say=["done"])

    assert not UnitOfWork(sqlite_engine).run(779, work).duplicate
    assert tried == ["database is locked"]
    assert claimed(sqlite_engine) == [779]
