"""The retention rule, once a day, on python-telegram-bot's JobQueue: the first run a minute
after start (a bot restarted daily still purges), then every 24 hours. The work itself is
bot/services/retention.py; `intake-bot purge` runs the same from cron."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.services.retention import Retention

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
FIRST = timedelta(minutes=1)


class RetentionJob:
    def __init__(self, application: Application, service: Retention) -> None:
        self.application = application
        self.service = service

    def start(self, first: timedelta = FIRST) -> None:
        job_queue = self.application.job_queue
        assert job_queue is not None, "python-telegram-bot's job-queue extra is required"
        job_queue.run_repeating(self._run, interval=EVERY, first=first, name="retention")

    async def _run(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await asyncio.to_thread(self.service.purge)
        except Exception as error:  # the next day tries again; nothing about patients is logged
            log.error("the retention purge failed with %s", type(error).__name__)
