"""Where a patient's turn runs (bot.telegram.turns.Turns): on SQLite on the event loop, one per
pass of it, else in worker threads a few at a time; a cancelled turn keeps its place."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.services.replies import Reply
from bot.services.transactions import UnitOfWork
from bot.telegram.turns import OnePerPass, Turns
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
        work, turns = Overlap(), Turns(UnitOfWork(engine), at_once=2)
        replies = await asyncio.gather(*(turns.in_thread(None, work) for _ in range(8)))
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
    turns = Turns(work, at_once=3)  # type: ignore[arg-type]
    await asyncio.gather(*(turns.in_thread(n, Overlap()) for n in range(9)))
    assert work.overlap.done == 9
    assert work.overlap.most == 3


async def test_a_cancelled_turn_keeps_its_place_until_its_thread_ends() -> None:
    """The handler was cancelled (the bot stopping); its transaction runs on in its thread,
    and the place is taken until it ends: never more threads at work than places."""
    work = SlowWork()
    work.go.clear()
    turns = Turns(work, at_once=1)  # type: ignore[arg-type]
    first = asyncio.create_task(turns.in_thread(1, Overlap()))
    while work.started == 0:
        await asyncio.sleep(0.01)
    first.cancel()
    second = asyncio.create_task(turns.in_thread(2, Overlap()))
    await asyncio.sleep(0.2)
    assert work.started == 1, "the second waits for the first thread's place"

    work.go.set()
    await asyncio.wait_for(second, 2)
    assert first.cancelled() and work.started == 2
    assert work.overlap.most == 1


class Where:
    """Work that notes whether it ran on the event loop's thread; `hold` keeps it a while."""

    def __init__(self, hold: float = 0.0) -> None:
        self.loop_thread = threading.get_ident()
        self.on_loop: list[bool] = []
        self.hold = hold
        self.inside = threading.Event()  # set while it runs, in its transaction

    def __call__(self, _session: Session, _now: datetime) -> Reply:
        self.on_loop.append(threading.get_ident() == self.loop_thread)
        self.inside.set()
        time.sleep(self.hold)
        return Reply()


async def test_on_sqlite_turns_run_on_the_loop_one_per_pass_of_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    try:
        turns = Turns(UnitOfWork(engine))
        where, passes = Where(), []

        async def turn() -> None:
            await turns.run(None, where)
            passes.append(loop_passes)

        loop_passes = 0

        async def count_passes() -> None:
            nonlocal loop_passes
            while True:
                loop_passes += 1
                await asyncio.sleep(0)

        counting = asyncio.create_task(count_passes())
        await asyncio.gather(*(turn() for _ in range(5)))
        counting.cancel()
        assert where.on_loop == [True] * 5
        assert len(set(passes)) == 5, "each in a pass of its own"
    finally:
        engine.dispose()


async def test_a_turn_that_cannot_begin_at_once_runs_in_a_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    try:
        turns = Turns(UnitOfWork(engine))
        slow, next_one = Where(hold=0.2), Where()
        writing = asyncio.create_task(turns.in_thread(None, slow))
        assert await asyncio.to_thread(slow.inside.wait, 5)  # it holds SQLite's write lock
        await turns.run(None, next_one)
        await writing
        assert slow.on_loop == [False] and next_one.on_loop == [False]
    finally:
        engine.dispose()


async def test_on_postgresql_every_turn_runs_in_a_thread(postgres_schema_url: str) -> None:
    engine = make_engine(postgres_schema_url)
    try:
        where = Where()
        await Turns(UnitOfWork(engine)).run(None, where)
        assert where.on_loop == [False]
    finally:
        engine.dispose()


async def test_a_turn_waiting_for_its_pass_may_be_cancelled() -> None:
    passes = OnePerPass()
    first, cancelled, after = (asyncio.create_task(passes.take()) for _ in range(3))
    await asyncio.sleep(0)  # the first holds this pass, the others wait
    assert first.done() and not cancelled.done()
    cancelled.cancel()
    await asyncio.wait_for(after, 1)  # the cancelled one is passed over
    assert cancelled.cancelled()
