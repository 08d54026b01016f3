"""Backing the database up and restoring it.

SQLite: SQLite's online backup API copies the database in one step inside one read
transaction, so the copy is consistent even while the bot writes (WAL mode lets the bot go on
writing meanwhile); copying the file itself could catch it half-written. The copy is a single
file (no -wal), readable only by its owner, checked with `PRAGMA integrity_check`. A restore
writes a checked backup into the database through the same API.

PostgreSQL: pg_dump and pg_restore do the work; `dump_command` and `restore_command` build their
exact command lines (the password, if any, goes in the environment, never on the command line).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from storage import schema

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
OWNER_ONLY = 0o600
BUSY_TIMEOUT_SECONDS = 30


class BackupError(Exception):
    """A backup or restore cannot be done; one line says why and what to do."""


@dataclass(frozen=True)
class Copied:
    """A database copied: where to, its size, its schema revision and, for a restore that
    replaced a database, where the replaced one was kept."""

    path: Path
    size: int
    revision: str | None
    kept: Path | None = None


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def has_file(database_url: str) -> bool:
    """A sqlite:/// URL that names a file (not an in-memory database)."""
    return make_url(database_url).database not in (None, "", ":memory:")


def sqlite_file(database_url: str) -> Path:
    """The file of a sqlite:/// URL."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file: there is nothing to back up")
    return Path(database).expanduser()


def kind_of_file(path: Path) -> str:
    """ "sqlite", "pg_dump" (a custom-format dump), or "unknown"."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER:
        return "sqlite"
    if head.startswith(PG_DUMP_HEADER):
        return "pg_dump"
    return "unknown"


# --- SQLite -----------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)


def _checked(connection: sqlite3.Connection, shown: Path) -> str | None:
    """The revision recorded in a copy, after checking the copy is whole."""
    verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"{shown} failed SQLite's integrity check ({verdict})")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if schema.VERSION_TABLE not in tables:
        return None
    row = connection.execute(f"SELECT version_num FROM {schema.VERSION_TABLE}").fetchone()
    return str(row[0]) if row else None


def _new_private_file(path: Path) -> None:
    """An empty file only its owner may read: a database copy holds patient answers."""
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY)
    os.close(descriptor)


def _copy(source: Path, target: Path) -> str | None:
    """Copy `source` into the new file `target` with the backup API; the target's revision."""
    partial = target.with_name(f".{target.name}.partial")
    _new_private_file(partial)
    try:
        with closing(_connect(source)) as origin, closing(_connect(partial)) as copy:
            origin.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            revision = _checked(copy, target)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return revision


def backup_sqlite(database_url: str, target: Path) -> Copied:
    """A consistent copy of the SQLite database in the new file `target`."""
    source = sqlite_file(database_url)
    if not source.is_file():
        raise BackupError(f"there is no database at {source} yet: nothing to back up")
    if target.exists():
        raise BackupError(
            f"{target} already exists: choose a new file name (a backup never overwrites another)"
        )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    revision = _copy(source, target)
    return Copied(target, target.stat().st_size, revision)


def check_backup_file(path: Path) -> str | None:
    """The revision of an intake-bot SQLite backup, after checking it; BackupError if it is
    not one, or was made by a newer intake-bot."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    if kind_of_file(path) != "sqlite":
        raise BackupError(f"{path} is not a SQLite backup")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        revision = _checked(connection, path)
    if revision is None:
        raise BackupError(f"{path} holds no intake-bot database (no schema revision)")
    if not schema.known_revision(revision):
        raise BackupError(
            f"{path} was made by a newer intake-bot (revision {revision}): upgrade intake-bot first"
        )
    return revision


def has_tables(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with closing(_connect(path)) as connection:
        return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


def restore_sqlite(backup: Path, database_url: str, *, replace: bool) -> Copied:
    """Write the checked `backup` into the SQLite database. A database that has tables is
    replaced only with `replace`, and is first copied aside (the path is in `kept`)."""
    revision = check_backup_file(backup)
    target = sqlite_file(database_url)
    kept = None
    if has_tables(target):
        if not replace:
            raise BackupError(
                f"{target} already holds a database: to replace it, stop the bot and run "
                "intake-bot restore FILE --replace (the current one is kept beside it)"
            )
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        _copy(target, kept)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with closing(_connect(backup)) as origin, closing(_connect(target)) as database:
        origin.backup(database)
        _checked(database, target)
    target.chmod(OWNER_ONLY)
    return Copied(target, target.stat().st_size, revision, kept)


# --- PostgreSQL -------------------------------------------------------------------------


def libpq_uri(database_url: str) -> str:
    """The URL as pg_dump and psql read it: no driver name, no password."""
    url: URL = make_url(database_url).set(drivername="postgresql")
    # URL.set() takes None as "leave as it is": drop the password by replacing the field.
    return url._replace(password=None).render_as_string(hide_password=False)


def password_environment(database_url: str) -> dict[str, str]:
    """PGPASSWORD for the command, when the URL has a password."""
    password = make_url(database_url).password
    return {"PGPASSWORD": str(password)} if password else {}


def dump_command(database_url: str, target: Path) -> list[str]:
    """pg_dump in its custom format, which pg_restore reads."""
    return [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        f"--dbname={libpq_uri(database_url)}",
    ]


def restore_command(database_url: str, backup: Path, *, clean: bool = False) -> list[str]:
    """pg_restore into the database in one transaction, stopping at the first error; `clean`
    drops what the backup holds first (for a database that has tables)."""
    dropping = ["--clean", "--if-exists"] if clean else []
    return [
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        *dropping,
        f"--dbname={libpq_uri(database_url)}",
        str(backup),
    ]
