"""The render worker: charts and PDFs are drawn in a separate process, so a provider's intake
being rendered (a few hundred milliseconds of CPU) never holds up other patients' replies, and
matplotlib and fpdf2 take no memory in the bot's own process.

One worker per bot process, started when a patient is shown their review (or on first use)
and shared by every sender; a worker that died is replaced on the next rendering.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

WORKER_NICENESS = 10
"""How much lower the worker's CPU priority is than the bot's (os.nice)."""
PARENT_CHECK = 1.0
"""Seconds between the worker's looks at whether the bot that started it still runs."""


class RenderPool:
    """Runs bot.render.jobs functions in a worker process."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            return self._make_pool()

    def _make_pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # "spawn": a fresh interpreter, never a fork of a process running an event loop
            # and database connections.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_start_worker
            )
        return self._executor

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        """`job(*args)` in the worker; if the worker died, once more in a new one.

        A thread of its own waits for the worker's answer: the pool outlives any one event loop
        (tests start many), a thread ties no loop's future to it, and renderings queued behind
        the worker never hold the threads the bot's database work runs in."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_WAITERS, self._run_waiting, job, args)

    def warm(self) -> Future[None] | None:
        """Start the worker and load the renderers now, without waiting: a patient is looking
        at their review, so the intake's chart and PDF are wanted within a minute, and starting
        a worker takes about a second. Nothing when it has started already. The start itself
        (some 30 ms) happens in a waiting thread, not in the caller's event loop (the future
        says when it is under way)."""
        if self._executor is not None:
            return None
        return _WAITERS.submit(self._warm_now)

    def _warm_now(self) -> None:
        with self._lock:
            if self._executor is not None:
                return
            pool = self._make_pool()
        from bot.render.jobs import warm

        pool.submit(warm).add_done_callback(_ignore_failure)

    def _run_waiting(self, job: Callable[..., T], args: tuple[Any, ...]) -> T:
        pool = self._pool()
        try:
            return pool.submit(job, *args).result()
        except BrokenProcessPool:
            log.warning("the render worker stopped; starting a new one")
            self._discard(pool)
            return self._pool().submit(job, *args).result()

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        """Forget a broken pool (not one another thread has made since)."""
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


def _start_worker() -> None:
    """In the worker: a lower CPU priority, so loading and rendering never slow the bot's own
    replies on a small machine; and an end of its own when the bot is gone."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass  # not allowed here: the worker runs at the bot's priority
    watch = threading.Thread(
        target=_exit_when_orphaned, args=(os.getppid(),), name="bot-watch", daemon=True
    )
    watch.start()


def _exit_when_orphaned(bot_pid: int) -> None:
    """A bot stopped outright (killed, out of memory) cannot stop its worker, which would wait
    for work for ever, one more after every restart: the worker ends once its parent is gone."""
    while os.getppid() == bot_pid:
        time.sleep(PARENT_CHECK)
    os._exit(0)


def _ignore_failure(future: Future[bool]) -> None:
    """A warm-up that failed (a worker that died) is retried by the rendering itself."""
    if future.exception() is not None:
        log.warning("the render worker could not be started ahead of time")


_WAITERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="render-wait")
"""Threads that wait for the worker's answers (renderings beyond four wait their turn here)."""

SHARED = RenderPool()
"""The process's render worker (every Application in a process shares it)."""
