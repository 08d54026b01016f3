"""Turns that do not run on the event loop run in worker threads a few at a time
(bot.telegram.turns.ThreadTurns), and a turn waiting for its question's record holds no place."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime
from typing import Any

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


class SlowWork:
    """In place of a UnitOfWork: each run takes a while in its thread, or until `go` is set."""

    def __init__(self) -> None:
        self.overlap, self.started = Overlap(), 0
        self.go = threading.Event()
        self.go.set()

    def run(self, update_id: int | None, *_args: Any, **_kwargs: Any) -> Reply:
        self.started += 1
        self.go.wait(5)
        return self.overlap(None, None)  # type: ignore[arg-type]


async def test_whatever_the_database_no_more_than_the_places_run_at_once() -> None:
    work = SlowWork()
    turns = ThreadTurns(work, at_once=3)  # type: ignore[arg-type]
    await asyncio.gather(*(turns.run(n, Overlap()) for n in range(9)))
    assert work.overlap.done == 9
    assert work.overlap.most == 3


async def test_a_cancelled_turn_keeps_its_place_until_its_thread_ends() -> None:
    """The handler was cancelled (the bot stopping); its transaction runs on in its thread,
    and the place is taken until it ends: never more threads at work than places."""
    work = SlowWork()
    work.go.clear()
    turns = ThreadTurns(work, at_once=1)  # type: ignore[arg-type]
    first = asyncio.create_task(turns.run(1, Overlap()))
    while work.started == 0:
        await asyncio.sleep(0.01)
    first.cancel()
    second = asyncio.create_task(turns.run(2, Overlap()))
    await asyncio.sleep(0.2)
    assert work.started == 1, "the second waits for the first thread's place"

    work.go.set()
    await asyncio.wait_for(second, 2)
    assert first.cancelled() and work.started == 2
    assert work.overlap.most == 1
