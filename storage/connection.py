"""When a database cannot be opened: one line saying what is wrong and what to do, instead of
the driver's traceback (an unreachable server, a database or user that does not exist, a SQLite
folder that cannot be created, a file that is not a database). `storage.db.probe` tries."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class DatabaseUnavailable(Exception):
    """The database cannot be opened; the message is one line and never shows a password."""


_POSTGRES_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"connection refused", re.I),
        "nothing answers there (connection refused): start PostgreSQL, or correct the host "
        "and port",
    ),
    (
        re.compile(r'database "([^"]+)" does not exist', re.I),
        'the database "{0}" does not exist: create it (createdb {0}) or correct the name',
    ),
    (
        re.compile(r'role "([^"]+)" does not exist', re.I),
        'the user "{0}" does not exist on that server: create it or correct the user name',
    ),
    (
        re.compile(r"password authentication failed", re.I),
        "the server refused the password: correct the user name and password",
    ),
    (
        re.compile(r"no pg_hba\.conf entry", re.I),
        "the server does not accept connections from this machine for that user and "
        "database: add a pg_hba.conf entry",
    ),
    (
        re.compile(r"failed to resolve host|could not translate host name", re.I),
        "the host name cannot be resolved: correct the host",
    ),
    (
        re.compile(r"timeout expired|timed out", re.I),
        "no answer within the time allowed: check the host, port and firewall",
    ),
)


def where(url: URL) -> str:
    """The database as a person names it, without the password."""
    if url.get_backend_name() == "sqlite":
        database = url.database or ":memory:"
        shown = database if database == ":memory:" else Path(database).expanduser().absolute()
        return f"the SQLite file {shown}"
    host = url.host or "localhost"
    port = url.port or 5432
    return f"PostgreSQL at {host}:{port}"


def describe(database_url: str, error: BaseException) -> str:
    """One line for `error`, met opening `database_url`: what is wrong, where, what to do."""
    url = make_url(database_url)
    if isinstance(error, OSError):
        return _folder_problem(url, error)
    message = str(getattr(error, "orig", None) or error)
    if url.get_backend_name() == "sqlite":
        return _sqlite_problem(url, message)
    for pattern, advice in _POSTGRES_PROBLEMS:
        found = pattern.search(message)
        if found:
            return f"cannot open {where(url)}: {advice.format(*found.groups())}"
    first = _first_line(message)
    return f"cannot open {where(url)} ({first}): check that the server is running and the URL"


def _folder_problem(url: URL, error: OSError) -> str:
    folder = Path(url.database or "").expanduser().parent
    reason = error.strerror or type(error).__name__
    if folder.exists() and not folder.is_dir():
        reason = "a file of that name is in the way"
    return (
        f"cannot create the folder {folder} for the SQLite database ({reason}): create it and "
        "let the bot's user write to it, or point the setting at another file"
    )


def _sqlite_problem(url: URL, message: str) -> str:
    path = Path(url.database or "").expanduser()
    if "not a database" in message or "malformed" in message:
        return (
            f"{path} is not an intake-bot SQLite database ({_first_line(message)}): "
            "point the setting at the right file, or restore a backup"
        )
    if "readonly" in message or "read-only" in message:
        return (
            f"{path} cannot be written ({_first_line(message)}): let the bot's user write to "
            "the file and its folder"
        )
    return (
        f"cannot open {where(url)} ({_first_line(message)}): check that the folder "
        f"{path.parent} exists and the bot's user may write to it"
    )


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return line.removeprefix("connection failed: ").strip()
