"""Patient-side Telegram handlers: turn each update into an event for the conversation router.

Every handler is small: read the update, call the router (one transaction that stores what the
patient said, what changed, and the reply in the outbox), arm any reminders it planned, and
wake the outbox's dispatcher, which sends the reply. A handler never sends a message itself;
only a button press is answered at once (Telegram's spinner). Nothing about a patient is
logged; only update ids and exception types are.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import unicodedata

from telegram import Chat, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.render.html import esc
from bot.services.replies import DialogueRef, Reply
from bot.telegram import callbacks
from bot.telegram.services import BotServices, services
from flows.dialogue import Command, Event, Typed, Unsupported

log = logging.getLogger(__name__)

GROUP_REFUSAL = (
    "Hi! I only work in private chats, to keep health information private. "
    "Please message me directly to do your pre-visit check-in."
)
EDITED_MESSAGE = (
    "I noticed you edited a message. Edits don't change a saved answer: to change one, "
    "send /back or change it at the review step."
)
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Your answers so far are saved. Please try again, "
    "or send /start to see where you are."
)
UNREADABLE_TEXT = (
    "Sorry, that message has characters I can't store (invisible control characters). "
    "Nothing was saved: please type your answer again."
)
STALE_TOAST = "Already answered — here's the current question."
DIALOGUE_COMMANDS = ("back", "skip", "pause", "restart", "help")
"""Commands every question understands; any other command is answered as unknown."""


def storable(text: str) -> bool:
    """Text without NUL or other control characters (line breaks and tabs are fine)."""
    return not any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text)


def _after(bot_services: BotServices, reply: Reply) -> None:
    """What a reply asks of the adapter once it is stored: arm its reminders, send it."""
    if reply.reminders:
        bot_services.reminders.arm_soon(reply.reminders)
    if reply.handed_over and not (reply.alerts or reply.wrote_for_providers):
        return  # the dispatcher has the reply already: nothing else to look for
    bot_services.dispatcher.wake(conversation_only=not reply.wrote_for_providers)


async def _notice(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, *, once: bool = True
) -> None:
    """A plain notice to this chat, through the outbox (`once`: at most once per update)."""
    chat = update.effective_chat
    assert chat is not None
    bot_services = services(context)
    update_id = update.update_id if once else None
    await asyncio.to_thread(bot_services.commands.notice, update_id, chat.id, esc(text))
    bot_services.dispatcher.wake()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start with an invitation token links the chat; without one it resumes where the patient is."""
    chat = update.effective_chat
    assert chat is not None
    token = context.args[0] if context.args else None
    bot_services = services(context)
    reply = await asyncio.to_thread(bot_services.router.start, chat.id, token, update.update_id)
    _after(bot_services, reply)


async def whoami(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/whoami: the chat's id and nothing else, so a provider can find the one to put in
    PROVIDER_CHAT_IDS. Nothing is stored; words after the command are still checked for risk."""
    chat = update.effective_chat
    assert chat is not None
    words = " ".join(context.args or [])
    # With risk words, the chat id goes in the same transaction as the crisis resources.
    if await _screen_for_risk(update, context, words, also_say=chat_id_words(chat.id)):
        return
    bot_services = services(context)
    await asyncio.to_thread(
        bot_services.commands.notice, update.update_id, chat.id, chat_id_text(chat.id)
    )
    bot_services.dispatcher.wake()


CHAT_ID = "Your chat id: "


def chat_id_words(chat_id: int) -> str:
    """The whole answer to /whoami, as plain words (after crisis resources, among notices)."""
    return f"{CHAT_ID}{chat_id}"


def chat_id_text(chat_id: int) -> str:
    """The whole answer to /whoami (HTML: the id in code type, easy to copy)."""
    return f"{CHAT_ID}<code>{chat_id}</code>"


async def open_dialogue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin, /reminders, /timezone and (for patients) /appointment."""
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None and message.text is not None
    what = message.text.split()[0].lstrip("/").split("@")[0].lower()
    bot_services = services(context)
    reply = await asyncio.to_thread(bot_services.router.open, chat.id, what, update.update_id)
    _after(bot_services, reply)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/back, /skip, /pause, /restart, /help and any unknown command."""
    message = update.effective_message
    assert message is not None and message.text is not None
    name = message.text.split()[0].lstrip("/").split("@")[0].lower()
    await _handle(update, context, Command(name if name in DIALOGUE_COMMANDS else "unknown"))


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer, or anything else the patient writes."""
    message = update.effective_message
    assert message is not None
    typed = message.text or ""
    if not storable(typed):
        await _notice(update, context, UNREADABLE_TEXT)
        return
    await _handle(update, context, Typed(typed))


async def unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, files: explain what the bot can read (a caption is still
    checked for risk language)."""
    caption = update.effective_message.caption if update.effective_message else None
    if await _screen_for_risk(update, context, caption):
        return
    await _handle(update, context, Unsupported("media"))


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message: answers are never changed silently, but the new words are checked for risk."""
    message = update.effective_message
    text = (message.text or message.caption) if message else None
    if await _screen_for_risk(update, context, text):
        return
    await _notice(update, context, EDITED_MESSAGE)


async def _screen_for_risk(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str | None,
    also_say: str | None = None,
) -> bool:
    """Show crisis resources (and alert) for risk language in text that answers no question
    (followed by `also_say`, when there is risk language)."""
    chat = update.effective_chat
    if not text or chat is None or not storable(text):
        return False
    bot_services = services(context)
    reply = await asyncio.to_thread(
        bot_services.router.screen_text, chat.id, text, update.update_id, also_say
    )
    if reply is None:
        return False
    _after(bot_services, reply)
    return True


async def group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything in a group or channel: politely refuse, store nothing."""
    chat = update.effective_chat
    if chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        await _notice(update, context, GROUP_REFUSAL)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button: an option, a checklist toggle, Done, or Back / Skip / Pause."""
    query = update.callback_query
    assert query is not None
    press = callbacks.decode(query.data)
    if press is None:
        await _answer_query(update, STALE_TOAST)
        await _handle(update, context, Command("help"))
        return
    await _handle(update, context, press.event, press.ref)


async def _handle(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    event: Event,
    ref: DialogueRef | None = None,
) -> None:
    chat = update.effective_chat
    assert chat is not None
    query = update.callback_query
    pressed = query.message.message_id if query and isinstance(query.message, Message) else None
    typed = update.message.message_id if update.message is not None else None
    bot_services = services(context)
    router, button = bot_services.router, pressed if ref is not None else None
    turn = router.turn(chat.id, event, ref, button, typed)
    reply = await bot_services.turns.run(update.update_id, *turn)  # where: bot.telegram.turns
    _after(bot_services, reply)
    if query is not None and ref is not None:
        await _answer_query(update, STALE_TOAST if reply.stale else None)


async def _answer_query(update: Update, toast: str | None) -> None:
    """Stop the button's spinner (a query older than Telegram keeps can't be answered)."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(toast)
    except BadRequest:
        pass


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure without patient data (type and stack only), and tell the patient kindly."""
    error = context.error
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed with %s\n%s", update_id, type(error).__name__, frames)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == Chat.PRIVATE
    ):
        try:
            # Not claiming the update: its handling failed, and a replay may still succeed.
            await _notice(update, context, SOMETHING_WENT_WRONG, once=False)
        except Exception as failure:  # the database itself may be what failed
            log.warning("could not tell the patient about the failure: %s", type(failure).__name__)
