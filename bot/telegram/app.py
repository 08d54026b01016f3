"""The composition root: builds the Telegram Application and wires every handler in one place.

Handler order (first match wins, all in group 0):
  1. anything from a group, supergroup or channel -> polite refusal
  2. edited messages -> "edits don't change answers"
  3. provider commands, from PROVIDER_CHAT_IDS only: /invite /appointment /checkins /today
     /patient /intake /export /help
  4. /start [token]
  5. /checkin /reminders /timezone /appointment
  6. /back /skip /pause /restart /help and unknown commands
  7. inline buttons: a provider's Acknowledge on a safety alert, then the patients' buttons
  8. typed text
  9. stickers, photos, voice, files and any other message -> what the bot can read
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.engine import Engine
from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.services.patient_service import PatientService, ServiceConfig
from bot.services.providers import ProviderRecords, ProviderService
from bot.settings import Settings
from bot.telegram import patient_handlers as handlers
from bot.telegram import provider_handlers
from bot.telegram.alerts import AlertDispatcher, AlertRecords
from bot.telegram.delivery import Delivery
from bot.telegram.reminders import ReminderRunner
from storage.db import make_engine

REDELIVER_EVERY = timedelta(minutes=5)

PATIENT_COMMANDS = (
    BotCommand("checkin", "Log how you feel today (under a minute)"),
    BotCommand("reminders", "Choose when I remind you to check in"),
    BotCommand("appointment", "Your next appointment"),
    BotCommand("timezone", "Set your time zone"),
    BotCommand("pause", "Stop for now; your answers are saved"),
    BotCommand("help", "What I can do"),
)
PROVIDER_COMMANDS = (
    BotCommand("invite", "Invite a patient: name, optional appointment time"),
    BotCommand("appointment", "Set or move a patient's appointment"),
    BotCommand("checkins", "A patient's check-in log and chart"),
    BotCommand("today", "Today's and tomorrow's appointments"),
    BotCommand("patient", "A patient's intakes, check-ins and chart"),
    BotCommand("intake", "An intake's summary and PDF again"),
    BotCommand("export", "An intake as PDF, FHIR or JSON"),
    BotCommand("help", "Provider commands"),
)


def file_url(base_url: str) -> str:
    """The file-download base that goes with a Bot API base URL (…/bot -> …/file/bot)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


async def _post_init(application: Application) -> None:
    """Set the command menus, prune old update ids, and catch up on reminders, alerts and intakes."""
    await application.bot.set_my_commands(PATIENT_COMMANDS)
    for chat_id in application.bot_data["settings"].provider_chat_ids:
        try:
            await application.bot.set_my_commands(
                PROVIDER_COMMANDS, scope=BotCommandScopeChat(chat_id)
            )
        except TelegramError:
            pass  # a provider who has not opened the chat yet gets the menu next start
    service: PatientService = application.bot_data["service"]
    await asyncio.to_thread(service.forget_old_updates)
    runner: ReminderRunner = application.bot_data["reminders"]
    await runner.start()
    alerts: AlertDispatcher = application.bot_data["alerts"]
    await alerts.start()
    delivery: Delivery = application.bot_data["delivery"]
    await delivery.redeliver(application.bot_data["records"])
    assert application.job_queue is not None
    # An intake that reached no provider (a network blip) is tried again every few minutes.
    application.job_queue.run_repeating(_redeliver, interval=REDELIVER_EVERY, first=REDELIVER_EVERY)


async def _redeliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    delivery: Delivery = context.bot_data["delivery"]
    await delivery.redeliver(context.bot_data["records"])


def build_application(settings: Settings, engine: Engine | None = None) -> Application:
    """The bot, ready for run_polling() or for tests to start against a fake Bot API."""
    application = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_url(settings.telegram_api_base_url))
        .rate_limiter(AIORateLimiter(max_retries=5))
        .post_init(_post_init)
        .build()
    )
    database = engine or make_engine(settings.database_url)
    config = ServiceConfig(settings.clinic_name, settings.zone, settings.reminder_policy())
    service = PatientService(database, config)
    providers = ProviderService(
        database,
        settings.zone,
        settings.reminder_policy(),
        timedelta(days=settings.invite_ttl_days),
    )
    alerts = AlertDispatcher(
        application,
        AlertRecords(database),
        settings.provider_chat_ids,
        timedelta(minutes=settings.alert_repeat_minutes),
        settings.clinic_timezone,
    )
    application.bot_data.update(
        settings=settings,
        service=service,
        providers=providers,
        alerts=alerts,
        reminders=ReminderRunner(application, database, config),
        delivery=Delivery(
            application.bot,
            service,
            providers,
            alerts,
            settings.provider_chat_ids,
            settings.zone,
            settings.clinic_name,
        ),
        records=ProviderRecords(database, settings.zone),
    )

    private = filters.ChatType.PRIVATE
    provider = provider_handlers.provider_filter(settings.provider_chat_ids)
    application.add_handler(MessageHandler(~private, handlers.group))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited))
    application.add_handler(CommandHandler("invite", provider_handlers.invite, filters=provider))
    application.add_handler(
        CommandHandler("appointment", provider_handlers.appointment, filters=provider)
    )
    application.add_handler(
        CommandHandler("checkins", provider_handlers.checkins, filters=provider)
    )
    for name, callback in (
        ("today", provider_handlers.today),
        ("patient", provider_handlers.patient),
        ("intake", provider_handlers.intake),
        ("export", provider_handlers.export),
        ("help", provider_handlers.provider_help),
    ):
        application.add_handler(CommandHandler(name, callback, filters=provider))
    application.add_handler(CommandHandler("start", handlers.start, filters=private))
    application.add_handler(
        CommandHandler(
            ["checkin", "reminders", "timezone", "appointment"],
            handlers.open_dialogue,
            filters=private,
        )
    )
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.command))
    application.add_handler(
        CallbackQueryHandler(provider_handlers.acknowledge, pattern=provider_handlers.ACK_PATTERN)
    )
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(private & filters.TEXT, handlers.text))
    application.add_handler(MessageHandler(private, handlers.unsupported))
    application.add_error_handler(handlers.on_error)
    return application
