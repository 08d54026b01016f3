"""Running the bot against the Bot API: a connection check first (so a wrong token or an
unreachable server is one clear line, not a retry loop's traceback), then long polling until
SIGINT or SIGTERM; and asking the Bot API who the bot is, for invitation links."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.app import build_application

log = logging.getLogger(__name__)


class TokenRejected(Exception):
    """The Bot API server refused TELEGRAM_BOT_TOKEN."""


class BotApiUnreachable(Exception):
    """The Bot API server could not be reached; the message names the error type only."""


async def _check_connection(application: Application) -> None:
    async with application.bot:
        pass


def run_polling(settings: Settings) -> None:
    """Run the bot with long polling; returns when it was stopped (SIGINT, SIGTERM)."""
    application = build_application(settings)
    log.info("intake-bot starting; press Ctrl-C to stop")
    try:
        asyncio.run(_check_connection(application))
        application.run_polling(drop_pending_updates=False)
    except InvalidToken:
        raise TokenRejected from None
    except NetworkError as error:
        raise BotApiUnreachable(type(error).__name__) from None
    log.info("intake-bot stopped")


async def _username(settings: Settings) -> str:
    bot = Bot(
        settings.token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
    )
    async with bot:
        return bot.username


def bot_username(settings: Settings) -> str:
    """The bot's @username, asked of the Bot API (getMe)."""
    try:
        return asyncio.run(_username(settings))
    except InvalidToken:
        raise TokenRejected from None
    except TelegramError as error:
        raise BotApiUnreachable(type(error).__name__) from None
