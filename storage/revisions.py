"""The migration revisions this intake-bot knows, read from storage/migrations/versions
without importing Alembic: starting the bot on a database that is already current only needs
the latest revision's name, and Alembic is about a tenth of the bot's memory. Alembic itself is
imported when a database is created, upgraded or compared (storage/schema.py); a test checks
that both read the same chain."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(
    r"^down_revision(?:\s*:[^=]+)?\s*=\s*(?:[\"']([^\"']+)[\"']|None)", re.MULTILINE
)


@cache
def chain() -> tuple[str, ...]:
    """Every revision, oldest first (each revision's down_revision is the one before it)."""
    after: dict[str | None, str] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None:
            continue  # __init__.py
        if down is None:  # e.g. a merge revision (a tuple of two): not supported here
            raise ValueError(f"{path.name}: its down_revision is not one revision or None")
        if down.group(1) in after:
            raise ValueError(f"two revisions follow {down.group(1) or 'the base'}")
        after[down.group(1)] = revision.group(1)
    revisions: list[str] = []
    current = after.get(None)
    while current is not None:
        revisions.append(current)
        current = after.get(current)
    if len(revisions) != len(after):
        raise ValueError("the revisions in storage/migrations/versions are not one chain")
    return tuple(revisions)
