"""Urgent safety alerts, closed-loop, on the Telegram side: an alert nobody has acknowledged is
sent again every ALERT_REPEAT_MINUTES (a job on the JobQueue, planned from the database again
after a restart), and a provider's Acknowledge is recorded and shown to every provider chat.
The alerts themselves, their repeats and the acknowledgement notes go through the outbox
(bot.services.alerts); delivery retries are the dispatcher's, separate from these repeats.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram.ext import Application, ContextTypes

from bot.services.alerts import AlertLedger


class AlertDispatcher:
    """Plans each alert's repeat until it is acknowledged; records acknowledgements."""

    def __init__(
        self,
        application: Application,
        ledger: AlertLedger,
        repeat_after: timedelta,
        wake: Callable[[], None],
    ) -> None:
        self.application = application
        self.ledger = ledger
        self.repeat_after = repeat_after
        self.wake = wake
        self.active = True  # False on a process that does not lead (bot.telegram.leadership)

    async def start(self) -> None:
        """After a restart: plan the next repeat of every alert nobody has acknowledged."""
        now = self.ledger.clock()
        for event_id, last in await asyncio.to_thread(self.ledger.unacknowledged):
            self.plan_repeat(event_id, max(last + self.repeat_after, now))

    def plan_repeat(self, event_id: int, when: datetime | None = None) -> None:
        """The alert goes out again at `when` (default: a repeat interval from now) unless
        someone acknowledges it first. Only the leading process plans repeats."""
        if not self.active:
            return
        job_queue = self.application.job_queue
        assert job_queue is not None
        name = f"alert-repeat:{event_id}"
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        job_queue.run_once(
            self._repeat,
            when=when or self.ledger.clock() + self.repeat_after,
            data=event_id,
            name=name,
            job_kwargs={"misfire_grace_time": None},
        )

    async def _repeat(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job is not None
        event_id = context.job.data
        assert isinstance(event_id, int)
        if await asyncio.to_thread(self.ledger.realert, event_id):
            self.wake()  # the copies' sending plans the next repeat

    async def acknowledge(self, event_id: int, chat_id: int, name: str) -> str:
        """A provider pressed Acknowledge: record it; every copy is marked through the outbox."""
        result = await asyncio.to_thread(self.ledger.acknowledge, event_id, chat_id, name)
        if result is None:
            return "This alert is no longer on record."
        if self.application.job_queue is not None:
            for job in self.application.job_queue.get_jobs_by_name(f"alert-repeat:{event_id}"):
                job.schedule_removal()
        if result.first:
            return "Acknowledged. The other providers can see it."
        return f"Already acknowledged by {result.by}."
