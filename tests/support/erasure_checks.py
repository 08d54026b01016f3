"""Reading a whole database to prove a patient is gone: every row of every table, decrypted
through the models' column types (so an encrypted name counts as present), as one string."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (every table registered on SQLModel.metadata)


def decrypted_dump(engine: Engine) -> str:
    """Every row of every table, decrypted, one line each."""
    lines: list[str] = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def left_behind(engine: Engine, secrets: tuple[str, ...]) -> list[str]:
    """The `secrets` (names, answers, chat ids as text) still found anywhere, any case.

    A number counts only as a whole value, and dates and times are left out: searched as
    text, a chat id such as 6101 turned up inside a timestamp's microseconds (961010)."""
    values = searchable_values(engine)
    return [s for s in secrets if any(_holds(value, s.casefold()) for value in values)]


def searchable_values(engine: Engine) -> list[object]:
    """Every value of every row, decrypted, except dates and times."""
    with engine.connect() as connection:
        return [
            value
            for table in SQLModel.metadata.sorted_tables
            for row in connection.execute(table.select())
            for value in row
            if value is not None and not isinstance(value, (dt.date, dt.time, dt.timedelta))
        ]


def _holds(value: object, secret: str) -> bool:
    if isinstance(value, (int, float)):
        return str(value) == secret
    return secret in repr(value).casefold()
