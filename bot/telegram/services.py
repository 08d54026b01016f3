"""The one object every handler reaches the bot's services through (in place of untyped
`bot_data["…"]` look-ups): built once in the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram.ext import ContextTypes

from bot.services.commands import Commands
from bot.services.lookups import ProviderLookups
from bot.services.providers import ProviderService
from bot.services.router import ConversationRouter
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.telegram.alerts import AlertDispatcher
    from bot.telegram.dispatcher import Dispatcher
    from bot.telegram.inbox import InboxWorker
    from bot.telegram.reminder_jobs import ReminderJobs
    from bot.telegram.retention_jobs import RetentionJob
    from bot.telegram.turns import Turns

KEY = "services"


@dataclass
class BotServices:
    settings: Settings
    router: ConversationRouter
    providers: ProviderService
    lookups: ProviderLookups
    commands: Commands
    alerts: AlertDispatcher
    reminders: ReminderJobs
    dispatcher: Dispatcher
    inbox: InboxWorker
    retention: RetentionJob
    turns: Turns


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The bot's services, as the composition root wired them."""
    found = context.bot_data[KEY]
    assert isinstance(found, BotServices)
    return found
