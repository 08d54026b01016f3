"""Patient-side Telegram handlers: turn each update into an event, then show the reply, arm any
reminders it planned, and notify providers.

Every handler is small: read the update, call the conversation router, render. Nothing about a
patient is logged; only update ids and exception types are.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable

from telegram import CallbackQuery, Chat, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.render.html import esc
from bot.render.screens import screen_messages, screen_text
from bot.services.replies import DialogueRef, Reply
from bot.telegram import callbacks
from bot.telegram.keyboards import keyboard
from bot.telegram.services import services
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
STALE_TOAST = "Already answered — here's the current question."
DIALOGUE_COMMANDS = ("back", "skip", "pause", "restart", "help")
"""Commands every question understands; any other command is answered as unknown."""


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start with an invitation token links the chat; without one it resumes where the patient is."""
    chat = update.effective_chat
    assert chat is not None
    token = context.args[0] if context.args else None
    reply = await asyncio.to_thread(
        services(context).router.start, chat.id, token, update.update_id
    )
    await show(update, context, reply)


async def open_dialogue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin, /reminders, /timezone and (for patients) /appointment."""
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None and message.text is not None
    what = message.text.split()[0].lstrip("/").split("@")[0].lower()
    reply = await asyncio.to_thread(services(context).router.open, chat.id, what, update.update_id)
    await show(update, context, reply)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/back, /skip, /pause, /restart, /help and any unknown command."""
    message = update.effective_message
    assert message is not None and message.text is not None
    name = message.text.split()[0].lstrip("/").split("@")[0].lower()
    event = Command(name if name in DIALOGUE_COMMANDS else "unknown")
    await _handle(update, context, event)


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer, or anything else the patient writes."""
    message = update.effective_message
    assert message is not None
    await _handle(update, context, Typed(message.text or ""))


async def unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, files: explain what the bot can read (a caption is still
    checked for risk language)."""
    if await _screen_for_risk(
        update, context, update.effective_message.caption if update.effective_message else None
    ):
        return
    await _handle(update, context, Unsupported("media"))


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message: answers are never changed silently, but the new words are checked for risk."""
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None
    text = (message.text or message.caption) if message else None
    if await _screen_for_risk(update, context, text):
        return
    await context.bot.send_message(chat.id, EDITED_MESSAGE)


async def _screen_for_risk(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None
) -> bool:
    """Show crisis resources (and alert) for risk language in text that answers no question."""
    chat = update.effective_chat
    if not text or chat is None:
        return False
    reply = await asyncio.to_thread(
        services(context).router.screen_text, chat.id, text, update.update_id
    )
    if reply is None:
        return False
    await show(update, context, reply)
    return True


async def group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything in a group or channel: politely refuse, store nothing."""
    chat = update.effective_chat
    if chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        await context.bot.send_message(chat.id, GROUP_REFUSAL)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button: an option, a checklist toggle, Done, or Back / Skip / Pause."""
    query = update.callback_query
    assert query is not None
    press = callbacks.decode(query.data)
    if press is None:
        await query.answer(STALE_TOAST)
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
    # The database work runs in a worker thread so a slow disk never stalls the event loop.
    reply = await asyncio.to_thread(
        services(context).router.handle, chat.id, event, update_id=update.update_id, ref=ref
    )
    await show(update, context, reply)


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Send what the service decided, after it is stored: notices, then the screen.

    Alerts, the submitted intake and reminders go out even when the patient's reply fails
    (a network error, a blocked bot): what matters to safety never waits on the patient's chat.
    """
    if reply.duplicate:
        return
    try:
        await _show_to_patient(update, context, reply)
    finally:
        await _for_providers(context, reply)


async def _for_providers(context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Alerts, the submitted intake and reminders, each on its own so one failure stops no other."""
    bot_services = services(context)
    delivery = bot_services.delivery
    steps: list[tuple[str, Awaitable[None]]] = []
    if reply.alerts:
        steps.append(("safety alert", delivery.send_alerts(reply.alerts)))
    if reply.submitted is not None:
        steps.append(("intake delivery", delivery.send_intake(reply.submitted)))
    if reply.reminders:
        steps.append(
            ("reminder arming", asyncio.to_thread(bot_services.reminders.arm, reply.reminders))
        )
    for name, step in steps:
        try:
            await step
        except Exception as error:
            log.error(
                "%s failed: %s\n%s",
                name,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )


async def _show_to_patient(
    update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply
) -> None:
    chat = update.effective_chat
    assert chat is not None
    query = update.callback_query
    if query is not None:
        await _acknowledge(query, reply)
    if (
        reply.edit_in_place
        and query is not None
        and isinstance(query.message, Message)
        and reply.screen
    ):
        await _redraw(query.message, reply)
        return
    for notice in reply.say:
        await context.bot.send_message(chat.id, esc(notice), parse_mode=ParseMode.HTML)
    if reply.screen is not None and reply.ref is not None:
        pages = screen_messages(reply.screen)
        for page in pages[:-1]:
            await context.bot.send_message(chat.id, page, parse_mode=ParseMode.HTML)
        await context.bot.send_message(
            chat.id,
            pages[-1],
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply.screen, reply.ref),
        )


async def _acknowledge(query: CallbackQuery, reply: Reply) -> None:
    """Answer the button press and clear the keyboard it came from, so it cannot be pressed again."""
    try:
        await query.answer(STALE_TOAST if reply.stale else None)
    except BadRequest:
        pass  # a query older than Telegram keeps can no longer be answered; the reply still goes out
    if (
        not reply.edit_in_place
        and isinstance(query.message, Message)
        and query.message.reply_markup
    ):
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        except BadRequest:
            pass  # already cleared, or the message is too old to edit


async def _redraw(message: Message, reply: Reply) -> None:
    assert reply.screen is not None and reply.ref is not None
    try:
        await message.edit_text(
            screen_text(reply.screen),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply.screen, reply.ref),
        )
    except BadRequest:
        pass  # "message is not modified": the same toggle state arrived twice


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
            await context.bot.send_message(update.effective_chat.id, SOMETHING_WENT_WRONG)
        except TelegramError:
            log.warning("could not tell the patient about the failure")
