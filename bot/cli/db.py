"""`intake-bot db upgrade`, `intake-bot db current`, and the schema check before `intake-bot run`.

A database intake-bot cannot use raises SchemaError, whose one line bot.cli.main prints
before exiting with status 2.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from storage import schema
from storage.db import make_engine
from storage.engine import rewrite_sqlite_file
from storage.schema import SchemaError, SchemaStatus

log = logging.getLogger(__name__)


def upgrade(database_url: str, out: TextIO | None = None) -> int:
    """Bring the database to the latest revision, printing one line per revision applied.
    SchemaError for a database made by a newer intake-bot, or made before migrations with
    tables missing. A SQLite file that had tables is rewritten afterwards (VACUUM), so values
    a revision rewrote in place (0004 encrypts them) leave no old copy in its free pages."""
    out = out or sys.stdout
    engine = make_engine(database_url, create_tables=False)
    try:
        head = schema.head_revision()
        if schema.check(engine) is SchemaStatus.CURRENT:
            print(f"the database is already at the latest revision, {head}", file=out)
            return 0
        had_tables = schema.check(engine) is not SchemaStatus.EMPTY
        schema.upgrade(engine, on_step=lambda step: print(step, file=out, flush=True))
        if had_tables:
            rewrite_sqlite_file(engine)
        print(f"the database is at the latest revision, {head}", file=out)
        return 0
    finally:
        engine.dispose()


def current(database_url: str, out: TextIO | None = None) -> int:
    """Print the database's revision and whether it is the latest."""
    out = out or sys.stdout
    engine = make_engine(database_url, create_tables=False)
    try:
        status, revision = schema.state(engine)
    finally:
        engine.dispose()
    head = schema.head_revision()
    line = {
        SchemaStatus.CURRENT: f"{revision} (latest)",
        SchemaStatus.BEHIND: f"{revision} (behind: latest is {head}; run intake-bot db upgrade)",
        SchemaStatus.LEGACY: (
            f"none: tables made before migrations (behind: latest is {head}; "
            "run intake-bot db upgrade)"
        ),
        SchemaStatus.EMPTY: f"none: an empty database (latest is {head})",
        SchemaStatus.AHEAD: f"{revision} (unknown: made by a newer intake-bot; this one knows {head})",
    }[status]
    print(line, file=out)
    return 0


def check_before_run(database_url: str) -> None:
    """Before the bot starts: an empty database is brought to the latest revision (one log
    line), a current one is used as it is, and any other raises SchemaError with one line
    saying what to do. A database that has tables is never migrated here: back it up first."""
    engine = make_engine(database_url, create_tables=False)
    try:
        status, revision = schema.state(engine)
        if status is SchemaStatus.EMPTY:
            schema.upgrade(engine)
            log.info("created the database schema at revision %s", schema.head_revision())
            return
        problem = schema.problem(status, revision)
        if problem is not None:
            raise SchemaError(problem)
    finally:
        engine.dispose()
