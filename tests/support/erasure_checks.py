"""Reading a whole database to prove a patient is gone: every row of every table, decrypted
through the models' column types (so an encrypted name counts as present), as one string."""

from __future__ import annotations

import datetime as dt
import re

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

    Every value is searched, inside JSON too. A secret made of digits counts only as a whole
    number, never inside a longer one, and dates and times are left out: searched as text, a
    chat id such as 6101 turned up inside a timestamp's microseconds (961010)."""
    texts = [text.casefold() for text in searchable_texts(engine)]
    return [s for s in secrets if any(_holds(text, s.casefold()) for text in texts)]


def searchable_texts(engine: Engine) -> list[str]:
    """Every value of every row, decrypted, as text (JSON walked to its leaves), except dates
    and times."""
    with engine.connect() as connection:
        return [
            text
            for table in SQLModel.metadata.sorted_tables
            for row in connection.execute(table.select())
            for value in row
            for text in _leaves(value)
        ]


def _leaves(value: object) -> list[str]:
    if value is None or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return []
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_leaves(key), *_leaves(item))]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _leaves(item)]
    return [str(value)]


def _holds(text: str, secret: str) -> bool:
    if secret.isdigit():  # a whole number, not digits of a longer one (or of a time)
        return re.search(rf"(?<!\d){re.escape(secret)}(?!\d)", text) is not None
    return secret in text
