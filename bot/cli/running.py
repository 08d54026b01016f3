"""Which process runs the bot on a SQLite database: while `intake-bot run` runs, it holds a lock
on a file beside the database (`intake.db.intake-bot-lock`, holding its process id), so a
second bot on the same database, or a restore under a running bot, is refused with one line.

PostgreSQL databases are not locked this way: intake-bot restores only into an empty one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.cli.checks import StartupError
from storage.backup import has_file, is_sqlite, sqlite_file

LOCK_SUFFIX = ".intake-bot-lock"
"""Not a bare ".lock": other programs use that beside their own files."""


def lock_file(database_url: str) -> Path:
    database = sqlite_file(database_url)
    return database.with_name(database.name + LOCK_SUFFIX)


@contextmanager
def claim(database_url: str) -> Iterator[None]:
    """Hold the database's lock while the block runs; StartupError if another process does."""
    if not is_sqlite(database_url) or not has_file(database_url):
        yield
        return
    path = lock_file(database_url)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="ascii")
    except OSError:
        yield  # the folder cannot be written: the database check says so, in one line
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise StartupError(
                f"another intake-bot is already running on {sqlite_file(database_url)} "
                f"(process {handle.read().strip() or 'unknown'}): stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def already_running(database_url: str) -> str | None:
    """ "intake-bot is running on <file> (process N)" while a bot holds the lock, else None."""
    if not is_sqlite(database_url) or not has_file(database_url):
        return None
    path = lock_file(database_url)
    if not path.is_file():
        return None
    with path.open(encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = handle.read().strip() or "unknown"
            return f"intake-bot is running on {sqlite_file(database_url)} (process {pid})"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None
