"""`intake-bot invite` and `intake-bot appointment`: the provider commands, from a terminal.

Times are read in the clinic's time zone unless another is named ("2026-12-03 15:00
America/New_York"). The invitation link needs the bot's username, asked of the Bot API
(getMe) unless --username gives it.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.provider_service import ProviderError, ProviderService
from bot.settings import Settings, SettingsError
from flows.when import format_local, parse_when
from storage.db import make_engine

FAILED = 1


def _service(settings: Settings) -> ProviderService:
    return ProviderService(
        make_engine(settings.database_url),
        settings.zone,
        settings.reminder_policy(),
        timedelta(days=settings.invite_ttl_days),
    )


def _when(settings: Settings, text: str | None, service: ProviderService) -> object:
    if text is None:
        return None
    moment = parse_when(text, settings.zone, service.clock())
    if moment is None:
        raise ProviderError(f"Cannot read the time {text!r}; use a form like 2026-12-03 15:00.")
    return moment


async def _username(settings: Settings) -> str:
    from bot.app import file_url

    bot = Bot(
        settings.token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=file_url(settings.telegram_api_base_url),
    )
    async with bot:
        return bot.username


def invite(settings: Settings, name: str, at: str | None, username: str | None) -> int:
    service = _service(settings)
    try:
        when = _when(settings, at, service)
        if username is None:
            username = asyncio.run(_username(settings))
        invited = service.invite(name, when, "cli")  # type: ignore[arg-type]
    except ProviderError as error:
        print(f"intake-bot: {error}", file=sys.stderr)
        return FAILED
    except InvalidToken:
        raise SettingsError("TELEGRAM_BOT_TOKEN was rejected by the Bot API server") from None
    except TelegramError as error:
        print(
            f"intake-bot: cannot reach the Bot API server ({type(error).__name__}); "
            "pass --username to make the link without it",
            file=sys.stderr,
        )
        return FAILED
    print(f"Invitation for {invited.display_name} (patient #{invited.patient_id})")
    if invited.appointment_at is not None:
        print(f"Appointment: {format_local(invited.appointment_at, settings.zone)}")
    print(f"Link (works once, expires {format_local(invited.expires_at, settings.zone)}):")
    print(invited.link(username))
    return 0


def appointment(settings: Settings, patient: str, at: str) -> int:
    service = _service(settings)
    try:
        when = _when(settings, at, service)
        scheduled = service.schedule(patient, when)  # type: ignore[arg-type]
    except ProviderError as error:
        print(f"intake-bot: {error}", file=sys.stderr)
        return FAILED
    line = f"Appointment for {scheduled.display_name}: {format_local(scheduled.starts_at, settings.zone)}"
    if scheduled.moved_from is not None:
        line += f" (moved from {format_local(scheduled.moved_from, settings.zone)})"
    print(line)
    # A running bot re-reads pending reminders every few minutes (bot/reminders.py).
    return 0
