"""Running the bot against the Bot API: start everything (a wrong token or an unreachable
server is one clear line, not a retry loop's traceback), receive by long polling or by webhook
until SIGINT or SIGTERM, stop cleanly; ask the Bot API who the bot is, for invitation links; and, for the
start-up checks and `intake-bot check`, whether the token is accepted (getMe) and each provider
chat can be reached (getChat), without sending anything."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import Bot, Chat
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.services.claims import StoppedClaims
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.inbox import CONCURRENT_CHATS, Poller
from bot.telegram.leadership import Leadership
from bot.telegram.services import KEY, BotServices
from bot.telegram.setup import build_whoami_application
from bot.telegram.webhook import WebhookReceiver
from storage.db import reachable
from storage.locks import ProcessLocks

log = logging.getLogger(__name__)

DATABASE_THREADS = 2 * CONCURRENT_CHATS
"""Threads for the database work handlers, the inbox and the outbox hand off (asyncio's
default pool has 6 on two cores). Patients' turns take a few of them at a time
(bot.telegram.turns), but commands, claims, settles in threads, reminder claims and the
sweeps take their own, and a thread whose handler was cancelled runs on to its end: the
work that ends a turn's wait (a settle, a claim) must still find a thread."""


class TokenRejected(Exception):
    """The Bot API server refused TELEGRAM_BOT_TOKEN."""


class BotApiUnreachable(Exception):
    """The Bot API server could not be reached; the message names the error, never the token."""


@dataclass(frozen=True)
class ChatReach:
    """Whether the bot can reach one chat: what it is, or why not."""

    chat_id: int
    reachable: bool
    detail: str


@dataclass(frozen=True)
class BotApiReport:
    """What the Bot API said about the bot and the chats asked about."""

    username: str
    name: str
    chats: tuple[ChatReach, ...]


def server_name(settings: Settings) -> str:
    """The Bot API server as a person names it: scheme, host and port, no path, no token."""
    parts = urlsplit(settings.telegram_api_base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _unreachable(settings: Settings, error: TelegramError) -> BotApiUnreachable:
    reason = str(error).replace(settings.token(), "<token>").splitlines()[0].strip()
    return BotApiUnreachable(f"{server_name(settings)} ({reason or type(error).__name__})")


async def _reach(bot: Bot, chat_id: int) -> ChatReach:
    try:
        chat = await bot.get_chat(chat_id)
    except (BadRequest, Forbidden) as error:
        return ChatReach(chat_id, False, error.message)
    kind = "private chat" if chat.type == Chat.PRIVATE else f"{chat.type} chat"
    who = chat.full_name or chat.title or ""
    return ChatReach(chat_id, True, f"{kind} with {who}" if who else kind)


async def _probe(settings: Settings, chat_ids: tuple[int, ...]) -> BotApiReport:
    bot = Bot(
        settings.token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
    )
    async with bot:
        chats = tuple([await _reach(bot, chat_id) for chat_id in chat_ids])
        return BotApiReport(bot.username, bot.first_name, chats)


def probe_bot_api(settings: Settings, chat_ids: Iterable[int]) -> BotApiReport:
    """Ask the Bot API who the bot is (getMe) and about each chat (getChat); nothing is sent.

    TokenRejected when the server refuses the token; BotApiUnreachable when it cannot be
    reached (or fails in another way), naming the server and the error.
    """
    try:
        return asyncio.run(_probe(settings, tuple(chat_ids)))
    except InvalidToken:
        raise TokenRejected from None
    except TelegramError as error:
        raise _unreachable(settings, error) from None


class BotRuntime:
    """Everything a running bot runs: the Application (handlers, JobQueue), the outbox's
    dispatcher, the inbox's worker, the sweeps while this process leads, and a receiver: the
    long-polling poller, or in webhook mode the webhook listener."""

    def __init__(self, application: Application, *, webhook: bool = False) -> None:
        self.application = application
        self.services: BotServices = application.bot_data[KEY]
        engine = self.services.inbox.inbox.engine
        owners = (self.services.inbox.inbox.owner, self.services.dispatcher.deliveries.owner)
        self.locks = ProcessLocks(engine, owners)
        self.leadership = Leadership(application, self.locks, StoppedClaims(engine))
        self.receiver: Poller | WebhookReceiver
        if webhook:
            settings = self.services.settings
            self.receiver = WebhookReceiver(
                application,
                self.services.inbox,
                url=settings.webhook_url,
                path=settings.webhook_path(),
                listen=settings.listen_address(),
                secret=settings.webhook_secret(),
                database_ok=lambda: reachable(engine),
            )
        else:
            self.receiver = Poller(application, self.services.inbox)

    async def start(self) -> None:
        """Start handling: a wrong token or an unreachable server fails here, before anything
        is taken from the inbox or the outbox. Claims left behind are taken over at once when no
        other bot process runs on the database; otherwise those of processes that stopped are
        taken at a leadership check (bot.telegram.leadership), and any other when its lease
        runs out (the process that made them may still be working)."""
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(DATABASE_THREADS, thread_name_prefix="intake-bot")
        )
        await self.application.initialize()  # getMe: the token is checked here
        alone = await asyncio.to_thread(self.locks.join)
        await self.services.dispatcher.start(only_sender=alone)
        if self.application.post_init is not None:
            await self.application.post_init(self.application)
        await self.application.start()
        await self.leadership.start()
        await self.services.inbox.start(only_receiver=alone)
        await self.receiver.start()
        # What start-up made (modules, settings, the application) lives as long as the process:
        # out of the collector's sight, a full collection no longer walks it (that walk stalled
        # every chat for about 110 ms while a sweep armed 10,000 reminders; bench/stalls.py).
        gc.freeze()

    async def stop(self) -> None:
        """Stop receiving first, then handling, then sending; give back unfinished claims."""
        await self.receiver.stop()
        await self.services.inbox.stop()
        await self.services.dispatcher.stop()
        await self.leadership.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()


async def _serve(settings: Settings, webhook: bool) -> None:
    runtime = BotRuntime(build_application(settings), webhook=webhook)
    try:
        await runtime.start()
    except InvalidToken:
        raise TokenRejected from None
    except NetworkError as error:
        raise _unreachable(settings, error) from None
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stopping.set)
    log.info("intake-bot running; press Ctrl-C to stop")
    try:
        await stopping.wait()
    finally:
        await runtime.stop()


def run_bot(settings: Settings, *, webhook: bool = False) -> None:
    """Run the bot, by long polling or (webhook) by webhook; returns when it was stopped
    (SIGINT, SIGTERM)."""
    log.info("intake-bot starting (%s)", "webhook" if webhook else "polling")
    asyncio.run(_serve(settings, webhook))
    log.info("intake-bot stopped")


async def _check_connection(application: Application) -> None:
    async with application.bot:
        pass


def run_whoami(settings: Settings, seen: Callable[[int, str], None]) -> None:
    """Answer /whoami only (bot.telegram.setup) until SIGINT or SIGTERM."""
    application = build_whoami_application(settings, seen)
    try:
        asyncio.run(_check_connection(application))
        application.run_polling(drop_pending_updates=False)
    except InvalidToken:
        raise TokenRejected from None
    except NetworkError as error:
        raise _unreachable(settings, error) from None


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
        raise _unreachable(settings, error) from None
