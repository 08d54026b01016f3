"""Bot processes sharing one PostgreSQL database: the first to start knows it is alone, later
ones know they are not, each knows how many run; one leads at a time, and the lead passes on
when the leader stops. A process's claims are known to be a stopped one's as soon as its
connection ends, however it ended. Locks are per schema, so bots in two schemas of one database
do not see each other. On SQLite the only process is alone and leads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import PostgresServer
from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage.db import make_engine
from storage.locks import ProcessLocks


@pytest.fixture
def opened() -> Iterator[Callable[[Engine], ProcessLocks]]:
    made: list[ProcessLocks] = []

    def factory(engine: Engine, owners: tuple[str, ...] = ()) -> ProcessLocks:
        made.append(ProcessLocks(engine, owners))
        return made[-1]

    yield factory
    for locks in made:
        locks.close()


@pytest.mark.postgres
def test_the_first_process_is_alone_and_leads_until_it_stops(
    postgres_schema_url: str, opened: Callable[[Engine], ProcessLocks]
) -> None:
    engine = make_engine(postgres_schema_url)
    first, second, third = opened(engine), opened(engine), opened(engine)
    assert first.join() is True
    assert second.join() is False
    assert first.lead() is True
    assert second.lead() is False
    assert first.lead() is True  # keeps it
    assert first.running() == 2 and second.running() == 2  # what each sends: half the limits
    first.close()
    assert second.running() == 1
    assert second.lead() is True  # the lead passed on
    assert third.join() is False  # the second still runs
    second.close()
    assert third.lead() is True
    engine.dispose()


@pytest.mark.postgres
def test_a_process_is_known_stopped_once_its_connection_ends_however_it_ended(
    postgres_schema_url: str,
    postgres_server: PostgresServer,
    opened: Callable[..., ProcessLocks],
) -> None:
    engine = make_engine(postgres_schema_url)
    first = opened(engine, ("first:inbox", "first:outbox"))
    second = opened(engine, ("second:inbox", "second:outbox"))
    killed = opened(engine, ("killed:outbox",))
    for locks in (first, second, killed):
        locks.join()
    everyone = ["first:inbox", "first:outbox", "second:outbox", "killed:outbox", "never:ran"]
    assert second.stopped(everyone) == ["never:ran"]  # never its own names
    assert first.stopped(everyone) == ["never:ran"]
    assert second.stopped(everyone) == ["never:ran"]  # looking took no lock for good

    first.close()  # stopped as it should
    end_session(killed)  # its process killed: the server ends its session
    assert looks_stopped(second, "killed:outbox")
    assert second.stopped(everyone) == ["first:inbox", "first:outbox", "killed:outbox", "never:ran"]
    engine.dispose()


def end_session(locks: ProcessLocks) -> None:
    """The server ends the session holding `locks`'s locks (its process was killed, or the
    connection broke)."""
    pid = locks._connect().execute(text("SELECT pg_backend_pid()")).scalar()
    with locks.engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def looks_stopped(locks: ProcessLocks, owner: str) -> bool:
    for _ in range(50):  # the server frees a session's locks once its backend has exited
        if locks.stopped([owner]) == [owner]:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
def test_a_process_that_lost_its_connection_takes_its_locks_again(
    postgres_schema_url: str, opened: Callable[..., ProcessLocks]
) -> None:
    engine = make_engine(postgres_schema_url)
    lost, other = opened(engine, ("lost:outbox",)), opened(engine, ("other:outbox",))
    lost.join()
    other.join()
    assert lost.rejoined_at is None
    end_session(lost)
    assert looks_stopped(other, "lost:outbox")  # until it notices
    key = "hashtextextended(current_schema() || '/' || 'lost:outbox', 0)"
    with engine.connect() as looking:  # another process looking holds the name's lock just then
        looking.execute(text(f"SELECT pg_advisory_lock({key})"))
        assert lost.lead() is False  # finds its connection gone: the running lock again
        assert lost.rejoined_at is not None and other.running() == 2
        looking.execute(text(f"SELECT pg_advisory_unlock({key})"))
    assert other.stopped(["lost:outbox"]) == ["lost:outbox"]  # its name's lock: not yet
    lost.lead()  # the next check takes it
    assert other.stopped(["lost:outbox", "other:outbox"]) == []
    engine.dispose()


def test_on_sqlite_no_process_is_known_stopped(
    tmp_path: Path, opened: Callable[..., ProcessLocks]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    locks = opened(engine, ("this:inbox",))
    assert locks.join() is True
    assert locks.stopped(["this:inbox", "earlier:inbox"]) == []  # taken over at start instead
    engine.dispose()


@pytest.mark.postgres
def test_bots_in_two_schemas_of_one_database_do_not_share_locks(
    postgres_schema_url: str,
    postgres_server: PostgresServer,
    opened: Callable[[Engine], ProcessLocks],
) -> None:
    assert postgres_server.admin is not None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with postgres_server.admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        connection.commit()
    other_url = postgres_server.url.update_query_dict({"options": f"-csearch_path={schema}"})
    engines = [
        make_engine(postgres_schema_url),
        make_engine(other_url.render_as_string(hide_password=False)),
    ]
    try:
        here, there = opened(engines[0]), opened(engines[1])
        assert here.join() is True and there.join() is True
        assert here.lead() is True and there.lead() is True
        assert here.running() == 1 and there.running() == 1
        here.close()
        there.close()
    finally:
        for engine in engines:
            engine.dispose()
        with postgres_server.admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.commit()


def test_on_sqlite_the_only_process_is_alone_and_leads(
    tmp_path: Path, opened: Callable[[Engine], ProcessLocks]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    locks = opened(engine)
    assert locks.join() is True
    assert locks.lead() is True
    assert locks.running() == 1
    engine.dispose()
