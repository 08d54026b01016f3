"""Turns that do not run on the event loop run in worker threads a few at a time
(bot.telegram.turns.ThreadTurns), and a turn waiting for its question's record holds no place."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime

from sqlmodel import Session

from bot.services.replies import Reply
from bot.services.transactions import UnitOfWork
from bot.telegram.turns import ThreadTurns
from storage.db import make_engine


class Overlap:
    """Work that takes a while in its transaction, and counts how many ran at once."""

    def __init__(self) -> None:
        self.running = self.most = self.done = 0
        self._lock = threading.Lock()

    def __call__(self, _session: Session, _now: datetime) -> Reply:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
            self.done += 1
        return Reply()


async def test_no_more_turns_run_in_threads_at_once_than_there_are_places(
    postgres_schema_url: str,
) -> None:
    """On PostgreSQL (where transactions run side by side; SQLite's writers queue anyway)."""
    engine = make_engine(postgres_schema_url)
    try:
        work, turns = Overlap(), ThreadTurns(UnitOfWork(engine), at_once=2)
        replies = await asyncio.gather(*(turns.run(None, work) for _ in range(8)))
        assert work.done == 8 and len(replies) == 8
        assert work.most == 2
    finally:
        engine.dispose()
