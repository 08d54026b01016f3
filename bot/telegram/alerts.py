"""Urgent safety alerts, closed-loop: every provider chat gets the alert with an Acknowledge button;
the first provider to acknowledge is recorded and shown to the others; an alert nobody has
acknowledged is sent again every ALERT_REPEAT_MINUTES until someone does. Each step is written
to the safety audit table (bot.services.safety.AlertLedger). Re-sending survives restarts: it is
planned from the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot.render.html import esc
from bot.render.summary import render_alert
from bot.services.safety import Acknowledged, AlertLedger
from bot.telegram.keyboards import acknowledge_keyboard
from flows.when import format_local

log = logging.getLogger(__name__)


class AlertDispatcher:
    """Sends alerts with an Acknowledge button, re-sends them until acknowledged, marks them done."""

    def __init__(
        self,
        application: Application,
        ledger: AlertLedger,
        provider_chat_ids: Sequence[int],
        repeat_after: timedelta,
        zone_name: str,
    ) -> None:
        self.application = application
        self.ledger = ledger
        self.provider_chat_ids = tuple(provider_chat_ids)
        self.repeat_after = repeat_after
        self.zone_name = zone_name

    @property
    def bot(self) -> Bot:
        return self.application.bot

    async def start(self) -> None:
        """After a restart: plan the next re-send of every alert nobody has acknowledged."""
        now = self.ledger.clock()
        for event_id, last in await asyncio.to_thread(self.ledger.unacknowledged):
            if last is None:  # raised, but the process stopped before it went out: send it now
                await self.send([event_id])
                continue
            self._plan_repeat(event_id, max(last + self.repeat_after, now))

    async def send(self, event_ids: Sequence[int], *, again: bool = False) -> None:
        if not self.provider_chat_ids:
            log.error("safety alert raised but PROVIDER_CHAT_IDS is empty")
        for event_id in event_ids:
            text = await asyncio.to_thread(self.ledger.text, event_id)
            if text is None:
                continue
            name, detail = text
            body = render_alert(name, detail)
            if again:
                body = "🔁 <b>Not yet acknowledged</b>\n" + body
            markup = acknowledge_keyboard(event_id)
            sent: list[tuple[int, int]] = []
            failed: list[int] = []
            for chat_id in self.provider_chat_ids:
                try:
                    message = await self.bot.send_message(
                        chat_id, body, parse_mode=ParseMode.HTML, reply_markup=markup
                    )
                    sent.append((chat_id, message.message_id))
                except TelegramError as error:
                    failed.append(chat_id)
                    log.error("safety alert to a provider chat failed: %s", type(error).__name__)
            await asyncio.to_thread(self.ledger.sent, event_id, sent, failed, again)
            if await asyncio.to_thread(self.ledger.is_acknowledged, event_id):
                # Acknowledged while these copies were going out: they need no button either.
                await self._clear_buttons(sent)
                continue
            self._plan_repeat(event_id, self.ledger.clock() + self.repeat_after)

    def _plan_repeat(self, event_id: int, when: datetime) -> None:
        job_queue = self.application.job_queue
        assert job_queue is not None
        name = f"alert-repeat:{event_id}"
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        job_queue.run_once(
            self._repeat,
            when=when,
            data=event_id,
            name=name,
            job_kwargs={"misfire_grace_time": None},
        )

    async def _repeat(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job is not None
        event_id = context.job.data
        assert isinstance(event_id, int)
        if not await asyncio.to_thread(self.ledger.is_acknowledged, event_id):
            await self.send([event_id], again=True)

    async def acknowledge(self, event_id: int, chat_id: int, name: str) -> str:
        """A provider pressed Acknowledge: record it and mark every copy of the alert."""
        result = await asyncio.to_thread(self.ledger.acknowledge, event_id, chat_id, name)
        if result is None:
            return "This alert is no longer on record."
        if self.application.job_queue is not None:
            for job in self.application.job_queue.get_jobs_by_name(f"alert-repeat:{event_id}"):
                job.schedule_removal()
        if result.first:
            await self._mark(result)
            return "Acknowledged. The other providers can see it."
        return f"Already acknowledged by {result.by}."

    async def _clear_buttons(self, messages: Sequence[tuple[int, int]]) -> None:
        for chat_id, message_id in messages:
            try:
                await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
            except BadRequest:
                pass  # deleted, or too old to edit: the record stands
            except TelegramError as error:
                log.warning("could not clear an alert's button: %s", type(error).__name__)

    async def _mark(self, result: Acknowledged) -> None:
        """Take the buttons off every copy of the alert and tell each chat who acknowledged it."""
        when = format_local(result.at, ZoneInfo(self.zone_name))
        note = f"✅ Acknowledged by {esc(result.by)} at {esc(when)}"
        latest: dict[int, int] = {}
        for chat_id, message_id in result.messages:
            latest[chat_id] = max(message_id, latest.get(chat_id, 0))
        await self._clear_buttons(result.messages)
        for chat_id, message_id in latest.items():
            try:
                await self.bot.send_message(
                    chat_id, note, parse_mode=ParseMode.HTML, reply_to_message_id=message_id
                )
            except TelegramError as error:
                log.warning("could not mark an alert acknowledged: %s", type(error).__name__)
