"""Database engine and sessions: SQLite by default (WAL mode), PostgreSQL through postgresql+psycopg://."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)

DEFAULT_DATABASE_URL = "sqlite:///data/intake.db"


def make_engine(url: str = DEFAULT_DATABASE_URL, *, create_tables: bool = True) -> Engine:
    """An engine for `url`; a SQLite file's folder is created.

    With `create_tables`, an empty database is brought to the latest revision by running the
    migrations (storage.schema), and one at the latest revision is used as it is; any other
    is never migrated here: SchemaError names the command to run (back up, then
    `intake-bot db upgrade`). Without it, the schema is not looked at: `intake-bot run` and
    `intake-bot db` check it themselves.

    Running the revisions on an empty database takes about 60 ms on SQLite and 0.2 s on
    PostgreSQL (create_all: 30 ms and 0.17 s); the test suite makes a few hundred fresh
    databases, so it pays this without noticing, and every test database is made the way a
    clinic's is.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if create_tables:
        from storage import schema  # Alembic is imported only when a database is opened

        schema.ensure_current(engine)
    return engine


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

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
