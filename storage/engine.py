"""Engines: SQLite (a file, WAL mode) or PostgreSQL through postgresql+psycopg://, with no
look at the schema (storage.db.make_engine and storage.schema decide about that)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlmodel import Session, create_engine

from storage.connection import DatabaseUnavailable, describe
from storage.sqlite_writers import queue_writers

CONNECT_TIMEOUT_SECONDS = 10
"""How long to wait for a PostgreSQL server before giving up, unless the URL says otherwise:
an unreachable host should be one clear error, not a minute of silence."""
LOCK_TIMEOUT_MS = 10_000
"""PostgreSQL: how long a statement waits for a row another transaction holds (another
replica's turn for the same patient, say) before it gives up, and its turn is tried again
(bot.services.transactions): a replica stuck in the middle of a turn never holds the others
for good. Migrations wait as long as they must (storage.schema)."""
IDLE_IN_TRANSACTION_MS = 60_000
"""PostgreSQL: a session idle this long inside a transaction (a replica frozen or cut off in
the middle of a turn) is ended by the server, which frees the rows it held."""
BUSY_TIMEOUT_MS = 5000
"""How long a SQLite statement waits for another connection's write lock."""
WAL = "wal"
"""In a SQLite connection's info: whether it is in WAL mode (some file systems cannot be)."""
IDLE_BEFORE_PING = 1.0
"""Seconds a pooled PostgreSQL connection may rest before it is tested as it is taken out."""
CONNECTIONS = 15
"""The most connections an engine's pool opens; DATABASE_CONNECTIONS sets it for the bot."""
KEPT_OPEN = 5
"""How many PostgreSQL connections stay open when idle (SQLAlchemy's default): connections are
the server's to share among replicas, backups and commands. SQLAlchemy closes each connection
beyond these as it comes back: with 16 patients' turns at once a backlog of 480 turns opened
265 connections, against 134 with 10 kept and 77 with all 15 (opening and closing one costs the
bot 0.64 ms of CPU, about 2 % of its CPU per answer here, and the server more). Keeping 10
took the test suite's three workers to 97 client connections of the server's 100. Turns now
run in threads a few at a time (bot.telegram.turns): 66–100 connections through 360 answers
with four, against 221 when each had a thread of its own. A SQLite engine keeps every one it opened:
closing the ones beyond 5 as they came back made 1 turn in 4 open a connection and make its
batch triggers again (storage.sqlite_batch), a tenth of the bot's CPU per answer
(bench/backlog.py)."""


def new_engine(url: str, *, connections: int = CONNECTIONS) -> Engine:
    """An engine for `url`; a SQLite file's folder is created (DatabaseUnavailable if it
    cannot be). Its pool opens at most `connections` connections."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, connections)
    connect_args = (
        {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )
    kept = min(KEPT_OPEN, connections)
    engine = create_engine(
        url, connect_args=connect_args, pool_size=kept, max_overflow=connections - kept
    )
    event.listen(engine, "connect", _with_timeouts)
    _ping_when_rested(engine)
    return engine


TIMEOUTS = (
    "SELECT set_config(name, CASE name WHEN 'lock_timeout' THEN %(lock)s ELSE %(idle)s END,"
    " false) FROM pg_settings"
    " WHERE name IN ('lock_timeout', 'idle_in_transaction_session_timeout')"
    " AND source = 'default'"
)
"""PostgreSQL: the lock and idle timeouts, each only where nothing set one (a 0 included): not
the server's configuration, the database's or the role's, PGOPTIONS or `options` in
DATABASE_URL, which win. One round trip per new connection, none per turn. (Behind a pooler
in transaction mode, session settings do not stay with a connection: set them there.)"""


def timeouts() -> dict[str, str]:
    """TIMEOUTS' parameters."""
    return {"lock": str(LOCK_TIMEOUT_MS), "idle": str(IDLE_IN_TRANSACTION_MS)}


def _with_timeouts(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(TIMEOUTS, timeouts())
    dbapi_connection.commit()


@contextmanager
def untimed(connection: Connection) -> Iterator[None]:
    """PostgreSQL: `connection` without the lock and idle timeouts meanwhile (a migration waits
    for the locks it needs however long turns hold them, and may work between its statements
    as long as it takes); then back to what it started with, or dropped if that fails, never
    back in the pool without them. SQLite: nothing."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET lock_timeout = 0")
    connection.exec_driver_sql("SET idle_in_transaction_session_timeout = 0")
    connection.commit()
    try:
        yield
    finally:
        try:
            connection.rollback()
            connection.exec_driver_sql("RESET lock_timeout")
            connection.exec_driver_sql("RESET idle_in_transaction_session_timeout")
            connection.exec_driver_sql(TIMEOUTS, timeouts())  # as when it was opened
            connection.commit()
        except DBAPIError:
            connection.invalidate()


def _ping_when_rested(engine: Engine) -> None:
    """Test a pooled connection as it is taken out, if it rested: a database restarted while it
    rested is noticed there, and a fresh connection used instead. Not one that was in use a
    moment ago (pool_pre_ping tests every one: a round trip that was a fifth of the bot's
    statements per answer, bench/answer_cost.py); a restart between two uses fails that one
    use, which its caller retries (bot.services.transactions)."""

    @event.listens_for(engine.pool, "checkin")
    def _rests(_dbapi_connection: Any, record: Any) -> None:
        record.info["rests_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        rests_since = record.info.pop("rests_since", None)
        if rests_since is None or time.monotonic() - rests_since < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("a pooled connection was closed by the database") from error


def _sqlite_engine(url: str, connections: int) -> Engine:
    database = make_url(url).database or ""
    in_memory = database in ("", ":memory:")  # one connection: its own pool class
    if not in_memory:
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnavailable(describe(url, error)) from None
    pool = {} if in_memory else {"pool_size": connections, "max_overflow": 0}
    engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
        record.info[WAL] = bool(mode) and str(mode[0]).lower() == "wal"
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not left in free pages (many builds do this
        # already; this makes it so on every build).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    if not in_memory:  # one shared connection: nothing to queue for
        queue_writers(engine, BUSY_TIMEOUT_MS / 1000)
    return engine


def rewrite_sqlite_file(engine: Engine) -> None:
    """SQLite: VACUUM and empty the WAL, so rows rewritten in place (values encrypted by a
    migration) leave no old copies in free pages. PostgreSQL: nothing; its old row versions
    go with VACUUM (see README, "Privacy")."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def insert_on_conflict(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING (sqlalchemy.insert has not);
    only the dialect in use is imported (PostgreSQL's costs a SQLite bot 2 MB)."""
    return dialect_insert(session.get_bind().dialect.name == "postgresql")


def dialect_insert(postgresql: bool) -> Any:
    """PostgreSQL's INSERT, or SQLite's (both have ON CONFLICT DO NOTHING)."""
    if postgresql:
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
