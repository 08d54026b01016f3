"""Running the bot against the Bot API: start everything (a wrong token or an unreachable
server is one clear line, not a retry loop's traceback), receive by long polling until SIGINT or
SIGTERM, stop cleanly; and asking the Bot API who the bot is, for invitation links."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.inbox import Poller
from bot.telegram.services import KEY, BotServices

log = logging.getLogger(__name__)


class TokenRejected(Exception):
    """The Bot API server refused TELEGRAM_BOT_TOKEN."""


class BotApiUnreachable(Exception):
    """The Bot API server could not be reached; the message names the error type only."""


class BotRuntime:
    """Everything a running bot runs: the Application (handlers, JobQueue), the outbox's
    dispatcher, the inbox's worker and, for long polling, the poller."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.services: BotServices = application.bot_data[KEY]
        self.poller = Poller(application, self.services.inbox)

    async def start(self) -> None:
        """Start handling: a wrong token or an unreachable server fails here, before anything
        is taken from the inbox or the outbox."""
        await self.application.initialize()  # getMe: the token is checked here
        await self.services.dispatcher.start(only_sender=True)
        if self.application.post_init is not None:
            await self.application.post_init(self.application)
        await self.application.start()
        await self.services.inbox.start(only_receiver=True)
        await self.poller.start()

    async def stop(self) -> None:
        """Stop receiving first, then handling, then sending; give back unfinished claims."""
        await self.poller.stop()
        await self.services.inbox.stop()
        await self.services.dispatcher.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()


async def _serve(settings: Settings) -> None:
    runtime = BotRuntime(build_application(settings))
    try:
        await runtime.start()
    except InvalidToken:
        raise TokenRejected from None
    except NetworkError as error:
        raise BotApiUnreachable(type(error).__name__) from None
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stopping.set)
    log.info("intake-bot running; press Ctrl-C to stop")
    try:
        await stopping.wait()
    finally:
        await runtime.stop()


def run_polling(settings: Settings) -> None:
    """Run the bot with long polling; returns when it was stopped (SIGINT, SIGTERM)."""
    log.info("intake-bot starting")
    asyncio.run(_serve(settings))
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
