"""Sending to providers: urgent safety alerts at once, and the compiled intake on submit.

Only chats listed in PROVIDER_CHAT_IDS ever receive anything about a patient.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.chart import render_checkin_chart
from bot.intake_service import Alert
from bot.patient_service import PatientService
from bot.provider_service import ProviderService
from bot.provider_summary import render_alert, render_summary
from flows.compiled import CompiledIntake

log = logging.getLogger(__name__)


class Delivery:
    """Sends alerts and compiled intakes to every provider chat and records what went out."""

    def __init__(
        self,
        bot: Bot,
        service: PatientService,
        providers: ProviderService,
        provider_chat_ids: Sequence[int],
        zone: ZoneInfo,
    ) -> None:
        self.bot = bot
        self.service = service
        self.providers = providers
        self.provider_chat_ids = tuple(provider_chat_ids)
        self.zone = zone

    def _chart(self, compiled: CompiledIntake) -> bytes | None:
        """The check-in chart that goes with an intake: since the previous visit, visits marked."""
        if compiled.patient_id is None:
            return None
        log = self.providers.checkin_log(f"#{compiled.patient_id}")
        recent = [r for r in log.records if log.since is None or r.at >= log.since]
        return render_checkin_chart(
            recent,
            log.visits,
            self.zone,
            title=f"Check-ins since the last visit: {compiled.patient_name}",
        )

    async def send_alerts(self, alerts: Sequence[Alert]) -> None:
        reached: list[int] = []
        for chat_id in self.provider_chat_ids:
            try:
                for alert in alerts:
                    await self.bot.send_message(
                        chat_id,
                        render_alert(alert.patient_name, alert.detail),
                        parse_mode=ParseMode.HTML,
                    )
                reached.append(chat_id)
            except TelegramError as error:
                log.error("safety alert to a provider chat failed: %s", type(error).__name__)
        if not self.provider_chat_ids:
            log.error("safety alert raised but PROVIDER_CHAT_IDS is empty")
        await asyncio.to_thread(self.service.record_alerted, list(alerts), reached)

    async def send_intake(self, compiled: CompiledIntake) -> None:
        pages = render_summary(compiled, self.zone.key)
        chart = await asyncio.to_thread(self._chart, compiled)
        delivered = False
        for chat_id in self.provider_chat_ids:
            try:
                for page in pages:
                    await self.bot.send_message(chat_id, page, parse_mode=ParseMode.HTML)
                delivered = True
                if chart is not None:
                    await self.bot.send_photo(
                        chat_id,
                        chart,
                        caption=f"Check-ins, mood and sleep: intake #{compiled.intake_id}",
                    )
            except TelegramError as error:
                log.error(
                    "intake %s delivery to a provider chat failed: %s",
                    compiled.intake_id,
                    type(error).__name__,
                )
        if delivered:
            await asyncio.to_thread(self.service.record_delivered, compiled.intake_id)
        else:
            log.error("intake %s was submitted but reached no provider chat", compiled.intake_id)
