"""The periodic sweeps run on one bot process only, whichever holds the leader's lock
(storage.locks): the reminders' catch-up at start and their sweep, the repeats of urgent
alerts nobody has acknowledged, and the daily retention purge. Every process sends, receives
and handles; only the leader sweeps. Every LEAD_EVERY the others try to take the lead (it is
free when the leader stopped or lost its database connection), and the leader plans the
repeat of any alert another process sent meanwhile.

Every check also counts the processes running (storage.locks): Telegram's limits are the
bot's, so with two replicas each keeps to half of them (bot.telegram.send_queue). A replica
that starts counts the others at once; they count it at their next check.

Every check also takes back what stopped processes had claimed (bot.services.claims): with
replicas, the updates and messages a killed process held are freed within LEAD_EVERY, not when
their leases run out. Not for two checks after this process took its locks again on a new
connection: if the database restarted, every process lost its locks and looks stopped until its
own next check.

A reminder armed on a process that does not lead is harmless: firing claims its row in the
database, so it goes out once whoever fires it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from telegram.ext import Application

from bot.services.claims import StoppedClaims
from bot.telegram.limiter import PriorityLimiter
from bot.telegram.services import KEY, BotServices
from bot.telegram.tasks import cancel_and_wait
from storage.locks import ProcessLocks

log = logging.getLogger(__name__)

LEAD_EVERY = timedelta(seconds=5)
SWEEP_JOBS = ("reminder-sweep", "retention")
SWEEP_JOB_PREFIXES = ("alert-repeat:",)


class Leadership:
    """Takes, keeps or loses the lead, and starts or stops the sweeps accordingly."""

    def __init__(
        self,
        application: Application,
        locks: ProcessLocks,
        claims: StoppedClaims,
        every: timedelta = LEAD_EVERY,
    ) -> None:
        self.application = application
        self.locks = locks
        self.claims = claims
        self.every = every
        self.services: BotServices = application.bot_data[KEY]
        self.leading = False
        self.processes = 1
        self._task: asyncio.Task[None] | None = None
        self._checking = asyncio.Lock()  # one check at a time: they share one lock connection

    async def start(self) -> None:
        """Try for the lead at once (a lone process leads from its first moment), then keep
        trying in the background."""
        await self.check()
        self._task = asyncio.create_task(self._run(), name="leadership")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self.services.reminders.stop()
        await asyncio.to_thread(self.locks.close)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every.total_seconds())
            try:
                await self.check()
            except Exception as error:  # the database: the next try decides again
                log.error("the leadership check failed: %s", type(error).__name__)

    async def check(self) -> None:
        async with self._checking:
            await self._check()

    async def _check(self) -> None:
        leading = await asyncio.to_thread(self.locks.lead)
        await self._share_the_limits()
        await self._take_back_stopped_claims()
        alerts = self.services.alerts
        if leading and not self.leading:
            log.info("this process leads: it runs the reminder and alert sweeps")
            alerts.active = True
            self.leading = True
            await self.services.reminders.start()
            self.services.retention.start()
        elif not leading and self.leading:
            log.warning("this process lost the lead: its sweeps stop; another process takes them")
            alerts.active = False
            self.leading = False
            self._drop_sweeps()
        elif not leading:
            alerts.active = False
        if leading:
            await alerts.start()  # every alert still unacknowledged has its repeat planned here

    async def _share_the_limits(self) -> None:
        """Keep this process to its share of Telegram's limits among the processes running."""
        limiter = self.application.bot.rate_limiter
        if not isinstance(limiter, PriorityLimiter):
            return
        try:
            processes = await asyncio.to_thread(self.locks.running)
        except Exception as error:  # the database: keep the share counted last, count again later
            log.error("counting the bot processes failed: %s", type(error).__name__)
            return
        if processes != self.processes:
            log.info(
                "%d bot processes share Telegram's limits: this one keeps to 1/%d",
                processes,
                processes,
            )
            self.processes = processes
        limiter.queue.share(processes)

    async def _take_back_stopped_claims(self) -> None:
        if not self.locks.postgres:
            return  # one process, which took every claim over at its start
        rejoined = self.locks.rejoined_at
        if rejoined is not None and time.monotonic() - rejoined < 2 * self.every.total_seconds():
            return  # the database may have restarted: the others take their locks again first
        try:
            freed = await asyncio.to_thread(self.claims.take_back, self.locks.stopped)
        except Exception as error:  # the database: their leases still run out, or the next check
            log.error("taking back stopped processes' claims failed: %s", type(error).__name__)
            return
        if freed:
            self.services.inbox.wake()
            self.services.dispatcher.wake()

    def _drop_sweeps(self) -> None:
        job_queue = self.application.job_queue
        if job_queue is None:
            return
        for job in job_queue.jobs():
            name = job.name or ""
            if name in SWEEP_JOBS or name.startswith(SWEEP_JOB_PREFIXES):
                job.schedule_removal()
