"""An empty database for one run of a benchmark or harness: a SQLite file in a temporary
folder, or a new schema on a PostgreSQL server, dropped with everything in it afterwards.

A run on PostgreSQL therefore never meets the rows of the run before it, and the server's
default schema is left alone.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool


@contextmanager
def fresh_schema(server_url: str, prefix: str = "run") -> Iterator[str]:
    """A URL on a new schema of the PostgreSQL server at `server_url`."""
    url = make_url(server_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def empty_database(database: str | None, name: str) -> Iterator[str]:
    """`database` is None (a SQLite file `name`.db) or a PostgreSQL server's URL."""
    if database is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / f'{name}.db'}"
        return
    if not database.startswith("postgresql"):
        raise SystemExit("--database takes a PostgreSQL URL (SQLite is the default)")
    with fresh_schema(database, prefix=name) as url:
        yield url
