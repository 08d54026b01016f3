"""Reading a whole database to prove a patient is gone: every row of every table, decrypted
through the models' column types (so an encrypted name counts as present), as one string."""

from __future__ import annotations

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
    """The `secrets` (names, answers, chat ids as text) still found anywhere, any case."""
    dumped = decrypted_dump(engine).casefold()
    return [s for s in secrets if s.casefold() in dumped]
