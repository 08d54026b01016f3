"""Reminders on time, exactly once, across restarts: the Telegram side.

The reminders table says what is due (planned by bot/services/reminder_plans.py); this module
arms one job per pending row due within the next 15 minutes (ARM_AHEAD) on
python-telegram-bot's JobQueue (APScheduler); a sweep every 5 minutes arms what comes into that
window and re-arms rows another process changed (`intake-bot appointment` in a terminal).
Arming only the next few minutes keeps start-up and memory flat with tens of thousands of
patients. A job claims its row (bot/services/reminders.py), which puts the message in the
outbox for the dispatcher. What fell due while the bot was down is caught up in the
background, so patients are answered from the first second; the outbox sends their replies
before the caught-up reminders anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from telegram.ext import Application, ContextTypes, Job

from bot.services.reminders import ReminderService
from bot.telegram.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class Armed(NamedTuple):
    """A reminder's job, the moment it is armed for, and when the row it came from was read
    (time.monotonic)."""

    job: Job
    due: datetime
    read_at: float


SWEEP_EVERY = timedelta(minutes=5)
ARM_AHEAD = timedelta(minutes=15)
"""Rows due later than this are left to a later sweep: three sweeps' worth, so each row is
armed by two sweeps before it falls due, and the jobs held stay few (at 50,000 patients with a
daily check-in, about 500)."""
CHUNK = 100
"""Reminders caught up between two looks at the event loop's other work."""
ARMED_AT_ONCE = 40
"""Rows armed between two looks at the event loop's other work: arming one job costs the loop
about 0.3 to 0.7 ms (APScheduler wakes its timer for each), so a sweep arming 10,000 at once
holds other chats up for at most about 12 to 28 ms at a time (bench/stalls.py)."""
CLAIMS_AT_ONCE = 4
"""Reminders claimed at the same moment, each a short transaction in a database thread: far
above the 25 a second they go out at, and a catch-up of thousands no longer starts a thread
for each of up to 32 at once (each thread holds memory of its own for good)."""


class ReminderJobs:
    """Arms and fires reminders; one per application."""

    def __init__(
        self,
        application: Application,
        service: ReminderService,
        wake: Callable[[], None] | None = None,
        arm_ahead: timedelta = ARM_AHEAD,
    ) -> None:
        self.application = application
        self.service = service
        self.wake = wake  # the outbox's dispatcher, once a reminder's message is queued
        self.arm_ahead = arm_ahead
        self._armed: dict[str, Armed] = {}  # by reminder key
        self._catching_up: asyncio.Task[None] | None = None
        self._claiming = asyncio.Semaphore(CLAIMS_AT_ONCE)
        self._arming: set[asyncio.Task[None]] = set()  # rows being read to arm (arm_soon)
        self._stopped = False

    async def start(self) -> None:
        """At start-up: arm the next hour, start the sweep, and catch up on what fell due while
        down in the background."""
        self._stopped = False
        horizon = self.service.clock() + self.arm_ahead
        read_at = time.monotonic()
        recovered = await asyncio.to_thread(self.service.recover, horizon)
        await self._arm_in_chunks(recovered.later, read_at)
        job_queue = self.application.job_queue
        assert job_queue is not None
        job_queue.run_repeating(
            self._sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="reminder-sweep"
        )
        self._catching_up = asyncio.create_task(
            self._catch_up(recovered.due_now), name="reminder-catch-up"
        )

    async def stop(self) -> None:
        self._stopped = True
        await cancel_and_wait(self._catching_up)
        for task in list(self._arming):
            await cancel_and_wait(task)

    async def caught_up(self) -> None:
        """Wait until what fell due while the bot was down has been claimed."""
        if self._catching_up is not None:
            await asyncio.shield(self._catching_up)

    async def _catch_up(self, reminder_ids: Sequence[int]) -> None:
        for start in range(0, len(reminder_ids), CHUNK):
            chunk = reminder_ids[start : start + CHUNK]
            await asyncio.gather(*(self.fire(reminder_id) for reminder_id in chunk))

    async def _sweep(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep()

    async def sweep(self) -> None:
        """Arm what falls due within the next hour (and re-arm what another process moved)."""
        horizon, read_at = self.service.clock() + self.arm_ahead, time.monotonic()
        rows = await asyncio.to_thread(self.service.pending, horizon)
        await self._arm_in_chunks(rows, read_at)

    async def _arm_in_chunks(
        self, rows: Sequence[tuple[int, str, datetime]], read_at: float
    ) -> None:
        for start in range(0, len(rows), ARMED_AT_ONCE):
            began = time.monotonic()
            self._arm_rows(rows[start : start + ARMED_AT_ONCE], read_at)
            if start + ARMED_AT_ONCE < len(rows):
                # As long again for everything else (up to 50 ms), not one pass of the loop:
                # a reply takes several passes (received, handled, sent, recorded), and got
                # one per chunk.
                await asyncio.sleep(min(time.monotonic() - began, 0.05))

    async def arm(self, reminder_ids: Sequence[int]) -> None:
        """(Re-)arm the given rows after they were planned or moved (those due within the next
        hour; a sweep arms the rest when their hour comes), read in a worker thread."""
        if not reminder_ids:
            return
        try:
            read_at = time.monotonic()
            self._arm_rows(await asyncio.to_thread(self.service.rows, reminder_ids), read_at)
        except Exception as error:  # the database: the next sweep arms them
            log.error("planned reminders could not be armed yet: %s", type(error).__name__)

    async def armed(self) -> None:
        """Wait until what `arm_soon` was given is armed."""
        while self._arming:
            await asyncio.gather(*self._arming)

    def arm_soon(self, reminder_ids: Sequence[int]) -> None:
        """`arm`, from code that does not wait for it (a reply, a settle): armed a moment
        later, without the event loop waiting on the database."""
        if reminder_ids and not self._stopped:  # stopped: the next start arms them
            task = asyncio.create_task(self.arm(list(reminder_ids)))
            self._arming.add(task)
            task.add_done_callback(self._arming.discard)

    def _arm_rows(self, rows: Sequence[tuple[int, str, datetime]], read_at: float) -> None:
        """Arm each row (read at `read_at`, time.monotonic) for its moment, unless armed from a
        later read meanwhile: a sweep arms its rows over a second or two, and a reminder moved
        meanwhile must keep its new moment."""
        job_queue = self.application.job_queue
        assert job_queue is not None, "python-telegram-bot's job-queue extra is required"
        now = self.service.clock()
        for reminder_id, key, due in rows:
            armed = self._armed.get(key)
            if armed is not None:
                if armed.read_at > read_at:
                    continue  # armed from a later read of its row
                if armed.due == due and not armed.job.removed:
                    continue  # already armed for this moment
                armed.job.schedule_removal()
                del self._armed[key]
            if due > now + self.arm_ahead:
                continue  # moved beyond the hour: a later sweep arms it
            self._armed[key] = Armed(
                job_queue.run_once(
                    self._job,
                    when=max(due, now),
                    data=reminder_id,
                    name=key,
                    # A job that could not run on time still runs: the claim decides what is useful.
                    job_kwargs={"misfire_grace_time": None},
                ),
                due,
                read_at,
            )

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job is not None
        self._armed.pop(context.job.name or "", None)
        reminder_id = context.job.data
        assert isinstance(reminder_id, int)
        await self.fire(reminder_id)

    async def fire(self, reminder_id: int) -> None:
        """Claim the reminder: its message goes into the outbox, and the dispatcher sends it."""
        async with self._claiming:
            outgoing, follow_up = await asyncio.to_thread(self.service.claim, reminder_id)
        if outgoing is not None and self.wake is not None:
            self.wake()
        if follow_up:
            await self.arm(follow_up)
