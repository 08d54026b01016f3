"""SQLite writers of one process take the write lock in the order they asked
(storage.sqlite_writers): none is passed over by later ones, none keeps the turn after its
transaction, and reads never queue."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from storage import engine as engine_module
from storage.db import make_engine, session_scope
from storage.sqlite_writers import HOLDS, WriteTurns, try_to_write, turns_of

NOTE = "INSERT INTO _writes (who) VALUES (:who)"


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    with session_scope(sqlite_engine) as session:
        session.exec(text("CREATE TABLE _writes (n INTEGER PRIMARY KEY, who TEXT)"))  # type: ignore[call-overload]
    return sqlite_engine


def written(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(text("SELECT who FROM _writes ORDER BY n"))  # type: ignore[call-overload]
        return [row[0] for row in rows]


def write(engine: Engine, who: str) -> None:
    with session_scope(engine) as session:
        session.exec(text(NOTE), params={"who": who})  # type: ignore[call-overload]


def turns(engine: Engine) -> WriteTurns:
    queue = turns_of(engine)
    assert queue is not None
    return queue


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.005)


def test_writers_waiting_for_a_transaction_write_in_the_order_they_came(engine: Engine) -> None:
    queue = turns(engine)
    threads: list[threading.Thread] = []
    with session_scope(engine) as holder:
        holder.exec(text(NOTE), params={"who": "first"})  # type: ignore[call-overload]
        for who in ("second", "third", "fourth", "fifth"):
            thread = threading.Thread(target=write, args=(engine, who))
            thread.start()
            threads.append(thread)
            until(lambda: queue.waiting == len(threads))  # queued before the next one starts
    for thread in threads:
        thread.join()
    assert written(engine) == ["first", "second", "third", "fourth", "fifth"]
    assert not queue.held and not queue.waiting


def test_reads_do_not_queue_behind_a_writer(engine: Engine) -> None:
    write(engine, "before")
    with session_scope(engine) as holder:
        holder.exec(text(NOTE), params={"who": "uncommitted"})  # type: ignore[call-overload]
        assert written(engine) == ["before"]  # read from another connection meanwhile


def test_a_failed_transaction_gives_the_turn_back(engine: Engine) -> None:
    with pytest.raises(OperationalError), session_scope(engine) as session:
        session.exec(text("INSERT INTO no_such_table VALUES (1)"))  # type: ignore[call-overload]
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.exec(text(NOTE), params={"who": "rolled back"})  # type: ignore[call-overload]
        raise RuntimeError("the work failed")
    write(engine, "after")
    assert written(engine) == ["after"]


def test_a_statement_that_commits_itself_gives_the_turn_back(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE _other (n INTEGER)")  # outside a transaction
        assert not connection.connection.info.get(HOLDS)
    assert not turns(engine).held


def test_a_writer_that_waited_too_long_fails_as_sqlite_would_and_leaves_the_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    try:
        with session_scope(engine) as session:
            session.exec(text("CREATE TABLE _writes (n INTEGER PRIMARY KEY, who TEXT)"))  # type: ignore[call-overload]
        with session_scope(engine) as holder:
            holder.exec(text(NOTE), params={"who": "rolled back"})  # type: ignore[call-overload]
            with pytest.raises(OperationalError, match="database is locked"):
                write(engine, "too late")
            assert turns(engine).waiting == 0
            holder.rollback()
        write(engine, "later")
        assert written(engine) == ["later"]
    finally:
        engine.dispose()


def test_the_event_loop_takes_the_turn_only_when_no_one_holds_or_awaits_it(
    engine: Engine,
) -> None:
    with engine.connect() as free:
        assert try_to_write(free)  # no one writing
        free.rollback()
    with session_scope(engine) as holder:
        holder.exec(text(NOTE), params={"who": "holder"})  # type: ignore[call-overload]
        with engine.connect() as other:
            assert not try_to_write(other)
            assert not other.connection.info.get(HOLDS)
    write(engine, "after")
    assert written(engine) == ["holder", "after"]


def test_a_turn_taken_before_its_begin_is_kept_across_reads_and_pragmas(engine: Engine) -> None:
    with engine.connect() as connection:
        assert try_to_write(connection)
        connection.exec_driver_sql("PRAGMA busy_timeout=0")  # what the loop runs before BEGIN
        connection.exec_driver_sql("SELECT 1")
        assert connection.connection.info.get(HOLDS)
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # no wait: the turn is its own
        assert turns(engine).held and turns(engine).waiting == 0
        connection.rollback()
    assert not turns(engine).held


def test_the_turn_goes_from_thread_to_thread_without_an_owner() -> None:
    lock = WriteTurns()
    assert lock.take(0)
    assert not lock.take(0)
    given: list[bool] = []
    thread = threading.Thread(target=lambda: given.append(lock.take(5)))
    thread.start()
    until(lambda: lock.waiting == 1)
    lock.give_back()  # from another thread than the waiter's
    thread.join()
    assert given == [True]
    assert not lock.take(0)  # still held, by the thread it went to
    lock.give_back()
    assert lock.take(0)
