"""`intake-bot backup FILE` and `intake-bot restore FILE`.

SQLite: `backup` makes a consistent copy while the bot runs (SQLite's online backup API).
`restore` refuses while the bot runs on the database, and refuses to replace a database that
has tables unless --replace is given; then the current database is first copied aside
(`intake.db.before-restore-<time>`), so a restore can itself be undone.

PostgreSQL: `backup` runs pg_dump (custom format) when it is installed, else prints the exact
command. `restore` runs pg_restore into an empty database (create one, point DATABASE_URL at
it); for a database that has tables it prints the exact command instead of dropping anything
itself.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from bot.cli.running import already_running
from bot.settings import Settings
from storage import backup, schema
from storage.backup import BackupError, Copied
from storage.connection import where
from storage.schema import SchemaStatus

FAILED = 1


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def _fail(message: str) -> int:
    print(f"intake-bot: {message}", file=sys.stderr)
    return FAILED


def _shown(command: list[str], database_url: str) -> str:
    password = "PGPASSWORD=... " if backup.password_environment(database_url) else ""
    return password + shlex.join(command)


def _run_tool(command: list[str], database_url: str) -> str | None:
    """Run pg_dump or pg_restore; None when it worked, else its last line of complaint."""
    environment = {**os.environ, **backup.password_environment(database_url)}
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return None
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"{command[0]} exited with status {result.returncode}"


def run_backup(settings: Settings, target: Path) -> int:
    url = settings.database_url
    try:
        if backup.is_sqlite(url):
            copied = backup.backup_sqlite(url, target)
            print(
                f"wrote {copied.path} ({_size(copied.size)}, schema {copied.revision}): a "
                f"consistent copy of {backup.sqlite_file(url)}, readable only by its owner"
            )
            return 0
    except BackupError as error:
        return _fail(str(error))
    if target.exists():
        return _fail(f"{target} already exists: choose a new file name")
    command = backup.dump_command(url, target)
    if shutil.which("pg_dump") is None:
        print("pg_dump is not installed here (Debian/Ubuntu: apt install postgresql-client).")
        print("Run this where it is, to back up the database:")
        print(_shown(command, url))
        return FAILED
    problem = _run_tool(command, url)
    if problem is not None:
        return _fail(f"pg_dump failed: {problem}")
    target.chmod(backup.OWNER_ONLY)
    print(f"wrote {target} ({_size(target.stat().st_size)}): pg_dump of {_database(url)}")
    return 0


def _database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return where(make_url(url))


def run_restore(settings: Settings, source: Path, *, replace: bool) -> int:
    url = settings.database_url
    if not source.is_file():
        return _fail(f"{source} does not exist")
    kind = backup.kind_of_file(source)
    if backup.is_sqlite(url):
        if kind != "sqlite":
            return _fail(f"{source} is not a SQLite backup, and DATABASE_URL is a SQLite file")
        running = already_running(url)
        if running is not None:
            return _fail(f"{running}: stop it first (sudo systemctl stop intake-bot)")
        try:
            return _restored(backup.restore_sqlite(source, url, replace=replace))
        except BackupError as error:
            return _fail(str(error))
    if kind != "pg_dump":
        return _fail(
            f"{source} is not a pg_dump backup (custom format), and DATABASE_URL is PostgreSQL"
        )
    return _restore_postgres(url, source)


def _restored(copied: Copied) -> int:
    if copied.kept is not None:
        print(f"kept the database it replaced as {copied.kept}")
    print(f"restored {copied.path} from a backup at schema {copied.revision}")
    _after_restore(copied.revision)
    return 0


def _after_restore(revision: str | None) -> None:
    if revision is not None and revision != schema.head_revision():
        print(
            f"the backup's schema is older than this intake-bot's ({schema.head_revision()}): "
            'run "intake-bot db upgrade" before starting the bot'
        )
    else:
        print('check it with "intake-bot check", then start the bot')


def _restore_postgres(url: str, source: Path) -> int:
    status = schema.check(url)
    if status is not SchemaStatus.EMPTY:
        print(
            f"{_database(url)} already has intake-bot tables: intake-bot restores only into an "
            "empty database. Either create a new database, point DATABASE_URL at it and run "
            "this again, or, with the bot stopped, replace what is there yourself with:"
        )
        print(_shown(backup.restore_command(url, source, clean=True), url))
        return FAILED
    command = backup.restore_command(url, source)
    if shutil.which("pg_restore") is None:
        print("pg_restore is not installed here (Debian/Ubuntu: apt install postgresql-client).")
        print("Run this where it is, to restore the backup:")
        print(_shown(command, url))
        return FAILED
    problem = _run_tool(command, url)
    if problem is not None:
        return _fail(f"pg_restore failed: {problem}")
    revision = schema.current_revision(url)
    print(f"restored {_database(url)} from {source} (schema {revision})")
    _after_restore(revision)
    return 0
