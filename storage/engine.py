"""Engines: SQLite (a file, WAL mode) or PostgreSQL through postgresql+psycopg://, with no
look at the schema (storage.db.make_engine and storage.schema decide about that)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from storage.connection import DatabaseUnavailable, describe

CONNECT_TIMEOUT_SECONDS = 10
"""How long to wait for a PostgreSQL server before giving up, unless the URL says otherwise:
an unreachable host should be one clear error, not a minute of silence."""


def new_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created (DatabaseUnavailable if it
    cannot be)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    connect_args = (
        {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnavailable(describe(url, error)) from None
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not left in free pages (many builds do this
        # already; this makes it so on every build).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

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
