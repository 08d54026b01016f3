"""`intake-bot purge`: the retention rule run once, for a clinic that prefers cron to the bot's
own daily job (or runs it while the bot is stopped). Prints counts only."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.services.retention import Retention
from bot.settings import Settings
from storage.db import make_engine


def purge(settings: Settings, out: TextIO | None = None) -> int:
    """Erase the patients RETENTION_DAYS allows no longer to keep; print how many."""
    out = out or sys.stdout
    settings.configure_encryption()
    engine = make_engine(settings.database_url)
    try:
        done = Retention(engine, settings.retention_days).purge()
    finally:
        engine.dispose()
    if settings.retention_days is None:
        print("RETENTION_DAYS is 0 or empty: no patient is purged", file=out)
    else:
        print(
            f"purged {done.patients:,} patients last seen more than "
            f"{settings.retention_days:,} days ago",
            file=out,
        )
    print(
        f"erased the risk text of {done.risk_texts:,} safety events of patients who declined",
        file=out,
    )
    print(f"forgot {done.messages:,} messages sent more than a week ago", file=out)
    return 0
