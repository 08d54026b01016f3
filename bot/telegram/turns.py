"""Where a patient's turn runs: on SQLite on the event loop, one turn per pass of it, when it
can begin at once; otherwise, and always on PostgreSQL, in worker threads, a few at a time.

On SQLite a turn is a few milliseconds of CPU on a local file, whose commit does not wait for
the disk (WAL, synchronous=NORMAL; a checkpoint every 1000 pages does): run on the loop, it
spares the thread hop (its wait, and the CPU a worker thread's turn costs on top, interleaved
with the loop: bench/backlog.py). But sixteen chats are handled at once (bot.telegram.inbox),
and their tasks are all ready together: forty patients giving their consent at once (a turn
of about 20 ms here: it plans their reminders and opens their intake) ran sixteen turns back
to back in one pass of the loop, and nothing was sent for 0.47 s (bench/answering.py: the
replies to those first answers came after 1.6 s, median). One turn per pass, the replies and
the other work of the loop go in between. On PostgreSQL a lock or the network never stalls
the loop.

Had each turn its own thread, a burst would run sixteen transactions side by side on two cores:
each beyond the five connections a PostgreSQL pool keeps open opened and closed one of its own
(221 connections through a backlog of 360 answers, against 66 with four turns at once), and the
threads took the GIL from each other and from the event loop at every round trip. Four at a
time, a turn's own CPU fell from 4.4 to 4.0 ms (median) and the bot's from 10.9 to 10.5 ms per
answer (bench/backlog.py on PostgreSQL, 4 alternating pairs; one or two at a time cost the
same). A few transactions at once still keep a database busy that is a network away: a turn
spends most of its time waiting for replies. A turn stuck on a row lock or a silent connection
holds its place: with a few places, a few such turns hold up every chat's turns until they end.

A patient's text that may answer a question still being sent waits for that question's record
(bot.services.seen.QuestionOnItsWay) here on the loop, not in its thread: a wait holds no
thread, no connection and no place.
"""

from __future__ import annotations

import asyncio
from collections import deque

from bot.services import transactions
from bot.services.replies import Reply, Target
from bot.services.seen import QuestionOnItsWay
from bot.services.transactions import UnitOfWork, Work

AT_ONCE = 3
"""Turns running in worker threads at once: two fewer than the connections a PostgreSQL pool
keeps open (storage.engine.KEPT_OPEN), one of which the process's locks hold (storage.locks),
leaving one for the inbox's and the outbox's claims. One, two or four at once cost the same
CPU per answer (bench/backlog.py)."""


class Turns:
    """Runs each turn on the event loop, one per pass of it, when it can begin at once; else in
    a worker thread (at most `at_once` of those at a time)."""

    def __init__(self, work: UnitOfWork, at_once: int = AT_ONCE) -> None:
        self.work = work
        self._places = asyncio.Semaphore(at_once)
        self._passes = OnePerPass()

    async def run(self, update_id: int | None, work: Work, target: Target | None = None) -> Reply:
        """The turn on the event loop in a pass of its own (SQLite: see
        UnitOfWork.run_at_once), else, or when it could not begin at once, in a thread."""
        if self.work.on_loop_possible:
            await self._passes.take()
            reply = self.work.run_at_once(update_id, work, target)
            if reply is not None:
                return reply
        return await self.in_thread(update_id, work, target)

    async def in_thread(
        self,
        update_id: int | None,
        work: Work,
        target: Target | None = None,
    ) -> Reply:
        """UnitOfWork.run in a worker thread once a place is free; a wait for a question on its
        way is done here, between tries, without a place."""
        loop = asyncio.get_running_loop()
        give_up_at: float | None = None
        waited = False
        while True:
            running = await self._started(update_id, work, target, waited)
            try:
                return await asyncio.shield(running)
            except QuestionOnItsWay:
                pass
            give_up_at = give_up_at or loop.time() + transactions.WAIT_FOR_QUESTION
            await asyncio.sleep(transactions.QUESTION_POLL)
            waited = loop.time() >= give_up_at

    async def _started(
        self,
        update_id: int | None,
        work: Work,
        target: Target | None,
        waited: bool,
    ) -> asyncio.Future[Reply]:
        """One try, started in a thread once a place is free; the place is given back when the
        thread ends, even if the handler waiting for it was cancelled (its thread runs on)."""
        await self._places.acquire()
        running = asyncio.ensure_future(
            asyncio.to_thread(
                self.work.run, update_id, work, target, waited=waited, wait_here=False
            )
        )
        running.add_done_callback(self._give_back)
        return running

    def _give_back(self, running: asyncio.Future[Reply]) -> None:
        self._places.release()
        if not running.cancelled():
            running.exception()  # seen here: a cancelled handler no longer looks at it


class OnePerPass:
    """One holder per pass of the event loop; the others wait, in the order they asked."""

    def __init__(self) -> None:
        self._taken = False
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def take(self) -> None:
        loop = asyncio.get_running_loop()
        if not self._taken:
            self._taken = True
            loop.call_soon(self._pass_on)
            return
        waiter = loop.create_future()
        self._waiting.append(waiter)
        await waiter

    def _pass_on(self) -> None:
        """Runs in the pass after the holder's: the next in line holds this one."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # a cancelled waiter is passed over
                waiter.set_result(None)
                asyncio.get_running_loop().call_soon(self._pass_on)
                return
        self._taken = False
