"""The composition root: builds the Telegram Application, its services, and wires every handler in
one place.

Handler order (first match wins, all in group 0):
  1. anything from a group, supergroup or channel -> polite refusal
  2. edited messages -> "edits don't change answers" (the new words are checked for risk)
  3. provider commands, from PROVIDER_CHAT_IDS only: /invite /appointment /checkins /today
     /patient /intake /export /help
  4. /whoami, from any private chat -> its chat id (how providers find theirs), nothing stored
  5. /start [token]
  6. /checkin /reminders /timezone /appointment, and the data rights: /privacy /mydata /delete
     /stop
  7. /back /skip /pause /restart /help and unknown commands
  8. inline buttons: a provider's Acknowledge on a safety alert, then the patients' buttons
  9. typed text
 10. stickers, photos, voice, files and any other message -> what the bot can read
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from sqlalchemy.engine import Engine
from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.services.alerts import AlertLedger
from bot.services.commands import Commands
from bot.services.config import ServiceConfig
from bot.services.data_rights import RIGHTS_COMMANDS
from bot.services.deliveries import LEASE as DELIVERY_LEASE
from bot.services.deliveries import Deliveries, handed_claim
from bot.services.inbox import Inbox
from bot.services.lookups import ProviderLookups
from bot.services.outbox import Handed, Handoff, Outbox
from bot.services.providers import ProviderService
from bot.services.reminders import ReminderService
from bot.services.retention import Retention
from bot.services.router import ConversationRouter
from bot.settings import Settings
from bot.telegram import patient_handlers as patients
from bot.telegram import provider_handlers as providers
from bot.telegram.alerts import AlertDispatcher
from bot.telegram.dispatcher import Dispatcher
from bot.telegram.http import api_request
from bot.telegram.inbox import InboxWorker
from bot.telegram.keyboards import ACKNOWLEDGE_PATTERN
from bot.telegram.limiter import PriorityLimiter
from bot.telegram.reminder_jobs import ReminderJobs
from bot.telegram.retention_jobs import RetentionJob
from bot.telegram.senders import Senders
from bot.telegram.services import KEY, BotServices
from bot.telegram.turns import Turns
from storage.db import make_engine

PATIENT_MENU = (
    BotCommand("checkin", "Log how you feel today (under a minute)"),
    BotCommand("reminders", "Choose when I remind you to check in"),
    BotCommand("appointment", "Your next appointment"),
    BotCommand("timezone", "Set your time zone"),
    BotCommand("pause", "Stop for now; your answers are saved"),
    BotCommand("privacy", "What I store, for how long, who sees it"),
    BotCommand("mydata", "Get everything I keep about you, as a file"),
    BotCommand("delete", "Delete everything I keep about you"),
    BotCommand("stop", "Stop all reminders (nothing is deleted)"),
    BotCommand("help", "What I can do"),
)
PROVIDER_MENU = (
    BotCommand("invite", "Invite a patient: name, optional appointment time"),
    BotCommand("appointment", "Set or move a patient's appointment"),
    BotCommand("checkins", "A patient's check-in log and chart"),
    BotCommand("today", "Today's and tomorrow's appointments"),
    BotCommand("patient", "A patient's intakes, check-ins and chart"),
    BotCommand("intake", "An intake's summary and PDF again"),
    BotCommand("export", "An intake as PDF, FHIR or JSON"),
    BotCommand("help", "Provider commands"),
)
PROVIDER_COMMANDS = (
    ("invite", providers.invite),
    ("appointment", providers.appointment),
    ("checkins", providers.checkins),
    ("today", providers.today),
    ("patient", providers.patient),
    ("intake", providers.intake),
    ("export", providers.export),
    ("help", providers.provider_help),
)
SETTINGS_COMMANDS = ["checkin", "reminders", "timezone", "appointment", *RIGHTS_COMMANDS]


async def _post_init(application: Application) -> None:
    """Set the command menus and prune old update ids. (The reminder and alert sweeps start
    on the process that leads: bot.telegram.leadership.)"""
    bot_services: BotServices = application.bot_data[KEY]
    await application.bot.set_my_commands(PATIENT_MENU)
    for chat_id in bot_services.settings.provider_chat_ids:
        try:
            await application.bot.set_my_commands(PROVIDER_MENU, scope=BotCommandScopeChat(chat_id))
        except TelegramError:
            pass  # a provider who has not opened the chat yet gets the menu next start
    await asyncio.to_thread(bot_services.router.work.forget_old_updates)


def build_application(settings: Settings, engine: Engine | None = None) -> Application:
    """The bot, ready for bot.telegram.runner to start (or tests, against a fake Bot API).

    python-telegram-bot's own Updater is left out: updates arrive through the inbox
    (bot.telegram.inbox), stored before Telegram is told they arrived.
    """
    application = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(api_request())
        .rate_limiter(PriorityLimiter(max_retries=5))
        .updater(None)
        .post_init(_post_init)
        .build()
    )
    application.bot_data[KEY] = build_services(application, settings, engine)
    wire_handlers(application, settings.provider_chat_ids)
    return application


def build_services(
    application: Application, settings: Settings, engine: Engine | None = None
) -> BotServices:
    """Every service the handlers use, on one database engine; the data encryption key ring
    installed first (SettingsError without DATA_ENCRYPTION_KEY)."""
    settings.configure_encryption()
    database = engine or make_engine(
        settings.database_url, connections=settings.database_connections
    )
    config = ServiceConfig(
        settings.clinic_name,
        settings.zone,
        settings.reminder_policy(),
        provider_chat_ids=settings.provider_chat_ids,
        retention_days=settings.retention_days,
    )
    outbox = Outbox(config.provider_chat_ids)
    lookups = ProviderLookups(database, settings.zone)
    ledger = AlertLedger(database, outbox)
    senders = Senders(
        application.bot,
        lookups,
        ledger,
        settings.zone,
        settings.clinic_name,
        settings.fhir_patient_identifier_system,
    )
    deliveries = Deliveries(database, settings.zone)
    dispatcher = Dispatcher(deliveries, senders)
    reminders = ReminderJobs(
        application, ReminderService(database, config, outbox=outbox), dispatcher.wake
    )
    repeat = timedelta(minutes=settings.alert_repeat_minutes)
    alerts = AlertDispatcher(application, ledger, repeat, dispatcher.wake)
    dispatcher.on_settled, dispatcher.after_alert = reminders.arm_soon, alerts.plan_repeat
    inbox, router = Inbox(database), ConversationRouter(database, config)
    commands = Commands(database, outbox)
    # An update claimed in its handler's transaction left the inbox there: no second one.
    router.work.on_claimed = commands.on_claimed = inbox.left_in_transaction
    if router.work.outbox is not None:  # patients' replies go straight to this dispatcher
        hand_over = partial(_hand_over, dispatcher)
        router.work.outbox.handoff = Handoff(deliveries.owner, DELIVERY_LEASE, hand_over)
    return BotServices(
        settings=settings,
        router=router,
        providers=ProviderService(
            database, settings.zone, config.policy, timedelta(days=settings.invite_ttl_days)
        ),
        lookups=lookups,
        commands=commands,
        alerts=alerts,
        reminders=reminders,
        dispatcher=dispatcher,
        inbox=InboxWorker(application, inbox),
        retention=RetentionJob(application, Retention(database, settings.retention_days)),
        turns=Turns(router.work),
    )


def _hand_over(dispatcher: Dispatcher, handed: Handed) -> None:
    dispatcher.hand_over(handed_claim(handed))


def wire_handlers(application: Application, provider_chat_ids: tuple[int, ...]) -> None:
    """Every handler, in the order of the module docstring."""
    private = filters.ChatType.PRIVATE
    provider = providers.provider_filter(provider_chat_ids)
    application.add_handler(MessageHandler(~private, patients.group))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, patients.edited))
    for name, callback in PROVIDER_COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=provider))
    application.add_handler(CommandHandler("whoami", patients.whoami, filters=private))
    application.add_handler(CommandHandler("start", patients.start, filters=private))
    application.add_handler(
        CommandHandler(SETTINGS_COMMANDS, patients.open_dialogue, filters=private)
    )
    application.add_handler(MessageHandler(private & filters.COMMAND, patients.command))
    application.add_handler(
        CallbackQueryHandler(providers.acknowledge, pattern=ACKNOWLEDGE_PATTERN)
    )
    application.add_handler(CallbackQueryHandler(patients.button))
    application.add_handler(MessageHandler(private & filters.TEXT, patients.text))
    application.add_handler(MessageHandler(private, patients.unsupported))
    application.add_error_handler(patients.on_error)
