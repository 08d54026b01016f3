"""Database engines and sessions: `make_engine` opens a database (bringing an empty one to the
latest schema), `session_scope` is one transaction (`autocommitted` commits each statement),
`probe` tells whether a database opens."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from storage import engine as engines
from storage import (
    models,  # noqa: F401  (registers the tables on SQLModel.metadata)
    writes,
)
from storage.connection import DatabaseUnavailable, describe
from storage.engine import CONNECTIONS, new_engine
from storage.sqlite_writers import try_to_write

DEFAULT_DATABASE_URL = "sqlite:///data/intake.db"
T = TypeVar("T")
LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's SQLSTATE for a lock waited for longer than lock_timeout."""
SERVER_FOR_NOW = ("57P01", "57P02", "57P03", "40001", "40P01")
"""PostgreSQL's SQLSTATEs for the server shutting down or starting (57P0x), and a transaction
that lost a race (serialization failure, deadlock): worth trying again; and any of class 08,
a connection's."""


def make_engine(
    url: str = DEFAULT_DATABASE_URL, *, create_tables: bool = True, connections: int = CONNECTIONS
) -> Engine:
    """An engine for `url`; a SQLite file's folder is created.

    With `create_tables`, an empty database is brought to the latest revision by running the
    migrations (storage.schema), and one at the latest revision is used as it is; any other
    is never migrated here: SchemaError names the command to run (back up, then
    `intake-bot db upgrade`). Without it, the schema is not looked at: `intake-bot run` and
    `intake-bot db` check it themselves. `connections`: the most a PostgreSQL pool opens.

    Running the revisions on an empty database takes about 60 ms on SQLite and 0.2 s on
    PostgreSQL (create_all: 30 ms and 0.17 s); the test suite makes a few hundred fresh
    databases, so it pays this without noticing, and every test database is made the way a
    clinic's is.
    """
    engine = new_engine(url, connections=connections)
    if create_tables:
        from storage import schema  # Alembic is imported only to create or upgrade one

        schema.ensure_current(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class WouldWait(Exception):
    """SQLite: another connection is writing (a transaction asked not to wait for it)."""


def writing_from_the_start(session: Session, *, wait: bool = True) -> None:
    """SQLite: begin `session`'s transaction as a writer (BEGIN IMMEDIATE), so that nothing
    it reads changes before it commits: one writer at a time, as SQLite allows anyway.
    pysqlite would begin it only at its first write, and a turn's writes all run as it commits
    (storage.writes). Without `wait`, WouldWait at once when another connection is writing or
    waiting to (storage.sqlite_writers), instead of waiting up to BUSY_TIMEOUT_MS for it (and
    at once, too, when the database is not in WAL mode, where its commit could wait for
    readers). PostgreSQL: nothing (what must not change under a turn is compared and set, or
    claimed, where it is written)."""
    if session.get_bind().dialect.name != "sqlite" or session.in_transaction():
        return
    connection = session.connection()
    if wait:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    if not connection.info.get(engines.WAL):  # a commit could wait for readers
        raise WouldWait
    if not try_to_write(connection):  # another writer of this process holds or awaits it
        raise WouldWait
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as error:
        if locked(error):
            raise WouldWait from None
        raise
    finally:
        try:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={engines.BUSY_TIMEOUT_MS}")
        except DBAPIError:
            connection.invalidate()  # never back in the pool without its wait for the lock
            raise


def locked(error: DBAPIError) -> bool:
    """The statement gave up waiting for another connection's lock: SQLite's write lock
    (engines.BUSY_TIMEOUT_MS), or a row on PostgreSQL (engines.LOCK_TIMEOUT_MS)."""
    if _sqlstate(error) == LOCK_NOT_AVAILABLE:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def unavailable_for_now(error: BaseException) -> bool:
    """Whether `error` says the database cannot do the work now but may in a while: a
    connection refused, lost or not to be had from the pool (a restart, a failover, a server
    shutting down), or a lock held too long. Not a fault that trying again cannot mend (a
    missing table, a full disk, a bug)."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    if locked(error):
        return True
    if type(error.orig).__module__.startswith("sqlite3"):
        return "unable to open" in str(error.orig)
    # None: no SQLSTATE, as for every error connecting (a server down, but also a wrong
    # password or database, which is then tried again for as long as the caller allows).
    state = _sqlstate(error)
    return state is None or state.startswith("08") or state in SERVER_FOR_NOW


def _sqlstate(error: DBAPIError) -> str | None:
    """PostgreSQL's SQLSTATE for the error (psycopg 3 says sqlstate, psycopg2 pgcode)."""
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return str(state) if state else None


def connection_free(engine: Engine) -> bool:
    """Whether a connection can be taken from `engine`'s pool without waiting for one (an
    in-memory SQLite database's one connection never counts as free: it is shared)."""
    pool = engine.pool
    return isinstance(pool, QueuePool) and pool.checkedout() < pool.size()


@contextmanager
def autocommitted(engine: Engine) -> Iterator[Session]:
    """A session for work that is one statement, atomic on its own, or statements in an order
    that makes a stop between them harmless. On PostgreSQL each statement commits on its own:
    no BEGIN and COMMIT, two round trips that cost more CPU than the statement
    (bench/answer_cost.py). Elsewhere it is a session_scope."""
    if engine.dialect.name != "postgresql":
        with session_scope(engine) as session:
            yield session
        return
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        with Session(autocommit, expire_on_commit=False) as session:
            session.info[writes.AT_ONCE] = True
            yield session


def again_if_connection_lost(action: Callable[[], T]) -> T:
    """Run `action` (its own transactions), and once more if the database closed its connection
    before it finished (a restart between two uses of a pooled connection: storage.engine tests
    only rested ones). Only for work that is harmless to do again once its commit landed."""
    try:
        return action()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return action()


def reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial question now (for /healthz)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def probe(database_url: str, *, create: bool = True) -> bool:
    """Connect once and ask the database a trivial question; DatabaseUnavailable if it fails.

    False when there is no database yet: a SQLite file that does not exist, left uncreated
    when `create` is False (its folder is checked instead), so that a check run by another
    user does not leave a file the bot's user cannot write.
    """
    url = make_url(database_url)
    if not create and url.get_backend_name() == "sqlite" and _missing_file(url):
        _check_folder(database_url, Path(url.database or "").expanduser().parent)
        return False
    engine = new_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if connection.dialect.name == "sqlite":
                # Opening a file that is not a database succeeds; reading its schema does not,
                # and a file this user may read but not write fails only when written.
                version = connection.exec_driver_sql("PRAGMA user_version").scalar()
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:  # a write, undone: the file and its folder can be written
                    connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
                finally:
                    connection.exec_driver_sql("ROLLBACK")
    except (SQLAlchemyError, OSError) as error:
        raise DatabaseUnavailable(describe(database_url, error)) from None
    finally:
        engine.dispose()
    return True


def _missing_file(url: URL) -> bool:
    database = url.database or ""
    return database not in ("", ":memory:") and not Path(database).expanduser().exists()


def _check_folder(database_url: str, folder: Path) -> None:
    """The folder exists and can be written, or its nearest existing parent can be."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        error: OSError = NotADirectoryError(errno.ENOTDIR, "Not a directory")
        raise DatabaseUnavailable(describe(database_url, error))
    if not os.access(existing, os.W_OK | os.X_OK):
        error = PermissionError(errno.EACCES, "Permission denied")
        raise DatabaseUnavailable(describe(database_url, error))
