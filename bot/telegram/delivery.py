"""Sending to providers: urgent safety alerts at once, and the compiled intake (summary, check-in
chart, PDF) on submit, or again on request. Only chats listed in PROVIDER_CHAT_IDS ever receive
anything about a patient."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.render.chart import render_checkin_chart
from bot.render.documents import file_name
from bot.render.pdf import render_intake_pdf
from bot.render.summary import chart_title, render_summary
from bot.services.lookups import ProviderLookups
from bot.services.replies import Alert
from bot.telegram.alerts import AlertDispatcher
from flows.report import CompiledIntake

log = logging.getLogger(__name__)


class Delivery:
    """Sends alerts and compiled intakes to provider chats and records what went out."""

    def __init__(
        self,
        bot: Bot,
        lookups: ProviderLookups,
        alerts: AlertDispatcher,
        provider_chat_ids: Sequence[int],
        zone: ZoneInfo,
        clinic: str,
    ) -> None:
        self.bot = bot
        self.lookups = lookups
        self.alerts = alerts
        self.provider_chat_ids = tuple(provider_chat_ids)
        self.zone = zone
        self.clinic = clinic

    async def send_alerts(self, alerts: Sequence[Alert]) -> None:
        """Urgent alerts go out at once, with an Acknowledge button, and repeat until acknowledged."""
        await self.alerts.send([alert.event_id for alert in alerts])

    async def redeliver(self) -> None:
        """Send every submitted intake that never reached a provider (at start, then every few
        minutes)."""
        for intake_id in await asyncio.to_thread(self.lookups.undelivered_intake_ids):
            try:
                record = await asyncio.to_thread(self.lookups.intake, intake_id)
                if record is not None:
                    await self.send_intake(record.compiled)
            except Exception as error:  # one intake that cannot be sent must not stop the bot
                log.error("intake %s could not be re-sent: %s", intake_id, type(error).__name__)

    async def send_intake(self, compiled: CompiledIntake) -> None:
        """The summary message(s), the check-in chart and the PDF, to every provider chat."""
        await self.send_record(compiled, self.provider_chat_ids, mark_delivered=True)

    async def send_record(
        self, compiled: CompiledIntake, chat_ids: Sequence[int], *, mark_delivered: bool = False
    ) -> None:
        pages = render_summary(compiled, self.zone.key)
        chart, pdf = await asyncio.to_thread(self.attachments, compiled)
        delivered = False
        for chat_id in chat_ids:
            try:
                for page in pages:
                    await self.bot.send_message(chat_id, page, parse_mode=ParseMode.HTML)
                delivered = True
                if chart is not None:
                    caption = f"Check-ins, mood and sleep: intake #{compiled.intake_id}"
                    await self.bot.send_photo(chat_id, chart, caption=caption)
                await self.bot.send_document(
                    chat_id,
                    InputFile(pdf, filename=file_name(compiled.intake_id, "pdf")),
                    caption=f"Intake #{compiled.intake_id} (PDF)",
                )
            except TelegramError as error:
                log.error(
                    "intake %s delivery to a provider chat failed: %s",
                    compiled.intake_id,
                    type(error).__name__,
                )
        if not mark_delivered:
            return
        if delivered:
            await asyncio.to_thread(self.lookups.record_delivered, compiled.intake_id)
        else:
            log.error("intake %s was submitted but reached no provider chat", compiled.intake_id)

    def attachments(self, compiled: CompiledIntake) -> tuple[bytes | None, bytes]:
        """The check-in chart and the PDF that go with an intake."""
        chart = self.chart(compiled)
        pdf = render_intake_pdf(compiled, clinic=self.clinic, zone=self.zone.key, chart_png=chart)
        return chart, pdf

    def chart(self, compiled: CompiledIntake) -> bytes | None:
        """The check-ins the intake's summary counts (the same period), with the visits."""
        if compiled.patient_id is None:
            return None
        checkins = self.lookups.checkin_log(f"#{compiled.patient_id}")
        return render_checkin_chart(
            checkins.checkins_from(compiled.checkins_since),
            checkins.visits_from(compiled.checkins_since),
            self.zone,
            title=chart_title(compiled, self.zone.key),
        )
