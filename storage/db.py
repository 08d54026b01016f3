"""Database engines and sessions: `make_engine` opens a database (bringing an empty one to the
latest schema), `session_scope` is one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.engine import new_engine

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
    engine = new_engine(url)
    if create_tables:
        from storage import schema  # Alembic is imported only when a database is opened

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
