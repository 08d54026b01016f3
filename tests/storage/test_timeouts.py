"""PostgreSQL's lock and idle timeouts (storage.engine): every connection has them, the event
loop's own too, unless the URL or PGOPTIONS set their own; a turn waiting for a patient's row
that another transaction holds gives up after LOCK_TIMEOUT_MS and is tried again; a session left
idle in a transaction is ended by the server, freeing its rows; migrations run without either."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from service_support import Chat, join, make_services
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from flows.dialogue import Typed
from storage import engine as engines
from storage.db import make_engine
from storage.loop import LoopStatements
from storage.schema import _migration_connection

pytestmark = pytest.mark.postgres


def setting(engine: Engine, name: str) -> str:
    with engine.connect() as connection:
        return str(connection.exec_driver_sql(f"SHOW {name}").scalar())


def test_connections_start_with_the_timeouts_and_the_urls_own_settings(
    postgres_schema_url: str,
) -> None:
    engine = make_engine(postgres_schema_url)  # its URL sets a search_path of its own
    try:
        assert setting(engine, "lock_timeout") == "10s"
        assert setting(engine, "idle_in_transaction_session_timeout") == "1min"
        assert setting(engine, "search_path").startswith("t_")
    finally:
        engine.dispose()


@pytest.mark.parametrize("chosen", ["2s", "0"])  # 0: chosen, not left unset
def test_the_urls_own_timeout_wins(postgres_schema_url: str, chosen: str) -> None:
    own = postgres_schema_url.replace("-csearch_path", f"-c lock_timeout={chosen} -csearch_path")
    engine = make_engine(own)
    try:
        assert setting(engine, "lock_timeout") == chosen
        assert setting(engine, "idle_in_transaction_session_timeout") == "1min"
        assert setting(engine, "search_path").startswith("t_")
    finally:
        engine.dispose()


def test_settings_from_the_environment_win_too(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c idle_in_transaction_session_timeout=5min")
    # libpq reads PGOPTIONS only when the URL gives no options (the test's give a schema).
    without = make_url(postgres_schema_url).difference_update_query(["options"])
    engine = engines.new_engine(without.render_as_string(hide_password=False))  # no tables
    try:
        assert setting(engine, "idle_in_transaction_session_timeout") == "5min"
        assert setting(engine, "lock_timeout") == "10s"
    finally:
        engine.dispose()


async def test_the_event_loops_own_connection_has_them_too(postgres_schema_url: str) -> None:
    engine = make_engine(postgres_schema_url)
    on_loop = LoopStatements(engine)
    try:
        row = await on_loop.first_row(
            select(
                func.current_setting("lock_timeout"),
                func.current_setting("idle_in_transaction_session_timeout"),
            ),
            {},
        )
        assert tuple(row) == ("10s", "1min")
    finally:
        await on_loop.close()
        engine.dispose()


def test_migrations_wait_as_long_as_they_must_then_the_timeouts_are_back(
    postgres_schema_url: str,
) -> None:
    engine = make_engine(postgres_schema_url)
    try:
        with _migration_connection(engine) as connection:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
            idle = connection.exec_driver_sql("SHOW idle_in_transaction_session_timeout")
            assert idle.scalar() == "0"
            backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as connection:  # the same one, back in the pool with them
            assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() == backend
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "10s"
            idle = connection.exec_driver_sql("SHOW idle_in_transaction_session_timeout")
            assert idle.scalar() == "1min"
    finally:
        engine.dispose()


def holding_the_intake(engine: Engine, patient_id: int, seconds: float) -> threading.Thread:
    """Another transaction (another replica's turn, stuck) holds the patient's intake's row."""
    held = threading.Event()

    def hold() -> None:
        with engine.connect() as connection:
            connection.execute(
                text("UPDATE intake SET step = step WHERE patient_id = :id"),
                {"id": patient_id},
            )
            held.set()
            time.sleep(seconds)
            connection.rollback()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(5)
    return thread


def test_a_turn_held_up_by_another_transaction_gives_up_and_is_tried_again(
    postgres_schema_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(engines, "LOCK_TIMEOUT_MS", 300)
    engine = make_engine(postgres_schema_url)
    try:
        services = make_services(engine)
        chat = Chat(services.patients, 7501)
        invited = services.invite("Held Up.", at=services.clock() + timedelta(days=2))
        join(services, chat, invited)
        holder = holding_the_intake(engine, invited.patient_id, 0.5)
        began = time.monotonic()
        reply = chat.send(Typed("skip"))
        took = time.monotonic() - began
        holder.join()
        assert reply.screen is not None  # the next question, once the row was free
        assert took >= 0.3
        assert "stayed locked by another writer; retrying" in caplog.text
    finally:
        engine.dispose()


def test_a_session_left_idle_in_a_transaction_is_ended_and_its_rows_freed(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "IDLE_IN_TRANSACTION_MS", 300)
    engine = make_engine(postgres_schema_url)
    try:
        with engine.connect() as stuck, engine.connect() as other:
            stuck.execute(text("CREATE TABLE row_held (id int PRIMARY KEY)"))
            stuck.commit()
            stuck.execute(text("INSERT INTO row_held VALUES (1)"))
            stuck.commit()
            stuck.execute(text("UPDATE row_held SET id = 1"))  # then nothing: a frozen replica
            time.sleep(1.0)
            other.execute(text("UPDATE row_held SET id = 1"))  # not held up: the row is free
            other.commit()
            with pytest.raises(DBAPIError):
                stuck.execute(text("SELECT 1"))  # the server ended it
    finally:
        engine.dispose()
