"""`intake-bot keys new`, `intake-bot keys rotate`, and the start-up check that
DATA_ENCRYPTION_KEY is set, well formed and reads the stored data.

Every message is one line that names DATA_ENCRYPTION_KEY and never shows a key; rotation reports
counts only.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.settings import Settings, SettingsError
from storage import crypto, rekey
from storage.db import make_engine


def new(out: TextIO | None = None, hint: TextIO | None = None) -> int:
    """Print a fresh key on standard output, and how to use it on standard error."""
    print(crypto.new_key(), file=out or sys.stdout)
    print(
        f"# Put it in .env as {crypto.SETTING}=<key>. Keep a copy apart from the database and its\n"
        "# backups: without it the stored answers cannot be read. To change keys, list the new\n"
        '# one first and the old one after it (new,old), then run "intake-bot keys rotate".',
        file=hint or sys.stderr,
    )
    return 0


def check_encryption_key(settings: Settings) -> None:
    """The start-up check: SettingsError (one line) when DATA_ENCRYPTION_KEY is missing,
    malformed, or cannot read the data already stored. Installs the key ring. Run it after the
    schema check: a database whose schema is behind holds values not yet encrypted."""
    settings.configure_encryption()
    engine = make_engine(settings.database_url, create_tables=False)
    try:
        problem = rekey.unreadable(engine)
    finally:
        engine.dispose()
    if problem is not None:
        raise SettingsError(problem)


def rotate(settings: Settings, out: TextIO | None = None) -> int:
    """Re-encrypt every stored value with the newest key; print counts only."""
    out = out or sys.stdout
    settings.configure_encryption()
    engine = make_engine(settings.database_url)
    try:
        done = rekey.rotate(engine)
    finally:
        engine.dispose()
    for table, count in sorted(done.reencrypted.items()):
        print(f"{table}: {count:,} values re-encrypted", file=out)
    print(
        f"re-encrypted {done.total:,} values with the newest key ({done.already_newest:,} were "
        f"already on it); {done.name_hashes:,} name hashes recomputed",
        file=out,
    )
    if len(crypto.ring().keys) > 1:
        print(
            f"every stored value is on the newest key: the older keys can be taken out of "
            f"{crypto.SETTING} (keep them with the backups made before today)",
            file=out,
        )
    return 0
