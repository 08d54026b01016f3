"""storage.engine on PostgreSQL: a pooled connection the database closed while it rested (a
restart, an idle timeout) is noticed as it is taken out and replaced; one closed while in use a
moment ago is not tested, so its next use fails once and the pool starts afresh."""

from __future__ import annotations

import threading

import pytest
from conftest import PostgresServer
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from storage import engine as engines
from storage.db import again_if_connection_lost

pytestmark = pytest.mark.postgres


def backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def close(server: PostgresServer, pid: int) -> None:
    assert server.admin is not None
    with server.admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_rested_connection_closed_by_the_database_is_replaced_unnoticed(
    postgres_schema_url: str, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "IDLE_BEFORE_PING", 0.0)  # every return counts as a rest
    engine = engines.new_engine(postgres_schema_url)
    try:
        first = backend(engine)
        assert backend(engine) == first  # the pool hands the same connection out again
        close(postgres_server, first)
        assert backend(engine) != first  # tested, found closed, replaced: no error
    finally:
        engine.dispose()


def test_a_busy_connection_closed_by_the_database_fails_its_next_use_once(
    postgres_schema_url: str, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "IDLE_BEFORE_PING", 3600.0)  # never rested: never tested
    engine = engines.new_engine(postgres_schema_url)
    try:
        first = backend(engine)
        close(postgres_server, first)
        with pytest.raises(OperationalError) as lost:
            backend(engine)
        assert lost.value.connection_invalidated
        assert backend(engine) != first  # the next use gets a new connection
    finally:
        engine.dispose()


def test_work_whose_connection_was_lost_is_done_again_once(
    postgres_schema_url: str, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """storage.db.again_if_connection_lost, as a sent message's settle uses it."""
    monkeypatch.setattr(engines, "IDLE_BEFORE_PING", 3600.0)
    engine = engines.new_engine(postgres_schema_url)
    calls: list[int] = []

    def action() -> int:
        calls.append(1)
        return backend(engine)

    try:
        first = backend(engine)
        close(postgres_server, first)
        assert again_if_connection_lost(action) != first
        assert len(calls) == 2
        assert again_if_connection_lost(action) and len(calls) == 3  # no loss: once
    finally:
        engine.dispose()


def test_a_process_opens_at_most_the_connections_it_is_given(postgres_schema_url: str) -> None:
    """DATABASE_CONNECTIONS: with replicas on one server, what each may open is bounded."""
    engine = engines.new_engine(postgres_schema_url, connections=3)
    held = [engine.connect() for _ in range(3)]
    fourth: list[Connection] = []
    waiting = threading.Thread(target=lambda: fourth.append(engine.connect()))
    try:
        waiting.start()
        waiting.join(0.5)
        assert fourth == []  # it waits for one of the three
        held.pop().close()
        waiting.join(10)
        assert len(fourth) == 1
    finally:
        for connection in held + fourth:
            connection.close()
        engine.dispose()
