"""`intake-bot whoami`: the bot before it is set up, answering /whoami and nothing else, so each
provider can find the chat id that goes in PROVIDER_CHAT_IDS before `intake-bot run` (which
needs at least one) can start.

No database is opened and nothing is stored. Each chat id asked for is also printed on the
terminal of whoever runs the command. Any other message gets a short "not open yet" reply;
risk language anywhere still brings the crisis resources, as everywhere in the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Chat, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.render.html import esc
from bot.settings import Settings
from bot.telegram.patient_handlers import GROUP_REFUSAL, chat_id_text
from flows import messages
from flows.safety import mentions_risk

log = logging.getLogger(__name__)

NOT_OPEN_YET = (
    "I'm not open yet: the clinic is still setting me up. Providers: send /whoami to see your "
    "chat id."
)
SEEN = "seen"


async def _crisis_first(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    chat = update.effective_chat
    if chat is not None and text and mentions_risk(text):
        await context.bot.send_message(chat.id, esc(messages.CRISIS_RESOURCES), parse_mode="HTML")


async def _whoami(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    assert chat is not None
    await _crisis_first(update, context, " ".join(context.args or []))
    await context.bot.send_message(chat.id, chat_id_text(chat.id), parse_mode=ParseMode.HTML)
    seen: Callable[[int, str], None] = context.bot_data[SEEN]
    seen(chat.id, chat.full_name or "")


async def _anything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
            await context.bot.send_message(chat.id, GROUP_REFUSAL)
        return
    await _crisis_first(update, context, (message.text or message.caption or "") if message else "")
    await context.bot.send_message(chat.id, NOT_OPEN_YET)


def build_whoami_application(settings: Settings, seen: Callable[[int, str], None]) -> Application:
    """The bot answering /whoami only; `seen(chat_id, name)` is called for each one asked."""
    application = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .build()
    )
    application.bot_data[SEEN] = seen
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("whoami", _whoami, filters=private))
    application.add_handler(MessageHandler(filters.ALL, _anything_else))
    return application
