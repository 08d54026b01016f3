"""Reminders on time, exactly once, across restarts: the Telegram side.

The reminders table says what is due (planned by bot/services/reminder_plans.py); this module
arms one job per pending row on python-telegram-bot's JobQueue (APScheduler). A job claims its
row (bot/services/reminders.py), which puts the message in the outbox for the dispatcher. On
start-up it first settles what fell due while the bot was down; a sweep every few minutes
re-arms every pending row, so changes made by another process (`intake-bot appointment` in a
terminal) reach the running bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from telegram.ext import Application, ContextTypes, Job

from bot.services.reminders import ReminderService

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)


class ReminderJobs:
    """Arms and fires reminders; one per application."""

    def __init__(
        self,
        application: Application,
        service: ReminderService,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.application = application
        self.service = service
        self.wake = wake  # the outbox's dispatcher, once a reminder's message is queued
        self._armed: dict[str, tuple[Job, datetime]] = {}  # reminder key -> its job and moment

    async def start(self) -> None:
        """At start-up: catch up on what fell due while down, arm the rest, start the sweep."""
        recovered = await asyncio.to_thread(self.service.recover)
        await asyncio.gather(*(self.fire(reminder_id) for reminder_id in recovered.due_now))
        self._arm_rows(recovered.later)
        job_queue = self.application.job_queue
        assert job_queue is not None
        job_queue.run_repeating(
            self._sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="reminder-sweep"
        )

    async def _sweep(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        self._arm_rows(await asyncio.to_thread(self.service.pending))

    def arm(self, reminder_ids: Sequence[int]) -> None:
        """(Re-)arm the given rows after they were planned or moved."""
        if reminder_ids:
            self._arm_rows(self.service.rows(reminder_ids))

    def _arm_rows(self, rows: Sequence[tuple[int, str, datetime]]) -> None:
        job_queue = self.application.job_queue
        assert job_queue is not None, "python-telegram-bot's job-queue extra is required"
        now = self.service.clock()
        for reminder_id, key, due in rows:
            armed = self._armed.get(key)
            if armed is not None:
                job, armed_for = armed
                if armed_for == due and not job.removed:
                    continue  # already armed for this moment
                job.schedule_removal()
            self._armed[key] = (
                job_queue.run_once(
                    self._job,
                    when=max(due, now),
                    data=reminder_id,
                    name=key,
                    # A job that could not run on time still runs: the claim decides what is useful.
                    job_kwargs={"misfire_grace_time": None},
                ),
                due,
            )

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job is not None
        self._armed.pop(context.job.name or "", None)
        reminder_id = context.job.data
        assert isinstance(reminder_id, int)
        await self.fire(reminder_id)

    async def fire(self, reminder_id: int) -> None:
        """Claim the reminder: its message goes into the outbox, and the dispatcher sends it."""
        outgoing, follow_up = await asyncio.to_thread(self.service.claim, reminder_id)
        if outgoing is not None and self.wake is not None:
            self.wake()
        if follow_up:
            await asyncio.to_thread(self.arm, follow_up)
