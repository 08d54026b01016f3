"""The composition root: builds the Telegram Application and wires every handler in one place.

Handler order (first match wins, all in group 0):
  1. anything from a group, supergroup or channel -> polite refusal
  2. edited messages -> "edits don't change answers"
  3. /start
  4. /back /skip /pause /restart /help and unknown commands
  5. inline buttons
  6. typed text
  7. stickers, photos, voice, files and any other message -> what the bot can read
"""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from telegram import BotCommand
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import handlers
from bot.delivery import Delivery
from bot.intake_service import IntakeService
from bot.settings import Settings
from storage.db import make_engine

PATIENT_COMMANDS = (
    BotCommand("start", "Begin or resume your pre-visit check-in"),
    BotCommand("back", "Go to the previous question"),
    BotCommand("skip", "Skip an optional question"),
    BotCommand("pause", "Stop for now; your answers are saved"),
    BotCommand("restart", "Start over from the first question"),
    BotCommand("help", "What I can do"),
)


def file_url(base_url: str) -> str:
    """The file-download base that goes with a Bot API base URL (…/bot -> …/file/bot)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


async def _post_init(application: Application) -> None:
    """Set the command menu once the bot is connected, and prune old update ids."""
    await application.bot.set_my_commands(PATIENT_COMMANDS)
    service: IntakeService = application.bot_data["service"]
    await asyncio.to_thread(service.forget_old_updates)


def build_application(settings: Settings, engine: Engine | None = None) -> Application:
    """The bot, ready for run_polling() or for tests to start against a fake Bot API."""
    application = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_url(settings.telegram_api_base_url))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .build()
    )
    service = IntakeService(engine or make_engine(settings.database_url), settings.clinic_name)
    application.bot_data["service"] = service
    application.bot_data["delivery"] = Delivery(
        application.bot, service, settings.provider_chat_ids, settings.clinic_timezone
    )
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(~private, handlers.group))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited))
    application.add_handler(CommandHandler("start", handlers.start, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.command))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(private & filters.TEXT, handlers.text))
    application.add_handler(MessageHandler(private, handlers.unsupported))
    application.add_error_handler(handlers.on_error)
    return application
