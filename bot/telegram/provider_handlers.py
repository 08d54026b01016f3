"""Provider commands in chat: /invite, /appointment, /checkins, /today, /patient, /intake,
/export, /help, and the Acknowledge button on safety alerts.

They work only from chats in PROVIDER_CHAT_IDS; from anyone else the update falls through to
the patient handlers, which answer it like any unknown command. Each command is one
transaction with its answer in the outbox (bot.services.commands): an update delivered twice
has one effect, and a crash loses no answer.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes, filters

from bot.render import documents
from bot.render.html import esc, split_blocks
from bot.services.lookups import AgendaRow, IntakeLine
from bot.services.outbox import Kind
from bot.services.providers import Invited, ProviderError, Scheduled
from bot.telegram import callbacks
from bot.telegram.services import BotServices, services
from flows.when import format_local

PROVIDER_HELP = (
    "<b>Provider commands</b>\n"
    "/invite Jane D. 2026-12-03 15:00 — a single-use link for a new patient (time optional)\n"
    "/appointment Jane D. 2026-12-10 09:30 — set or move a patient's next appointment\n"
    "/checkins Jane D. — the patient's check-in log and chart\n"
    "/today — today's and tomorrow's appointments with intake status\n"
    "/patient Jane D. — past intakes with scores, latest check-ins, chart\n"
    "/intake 12 — an intake's summary and PDF again\n"
    "/export 12 pdf|fhir|json — an intake as a file\n"
    "Patients can be named as given at /invite, or by #id. Times are the clinic's time zone "
    "unless you add one (e.g. America/New_York)."
)


def provider_filter(chat_ids: tuple[int, ...]) -> filters.BaseFilter:
    """Private chats of the configured providers (an empty list lets nobody through)."""
    return filters.Chat(chat_id=list(chat_ids)) & filters.ChatType.PRIVATE


def _arguments(update: Update) -> str:
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, *pages: str) -> None:
    """Messages of HTML to this provider, once per update."""
    bot_services = services(context)
    await asyncio.to_thread(
        bot_services.commands.answer, update.update_id, _chat_id(update), list(pages)
    )
    bot_services.dispatcher.wake()


async def _request(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kind: Kind, payload: dict[str, object]
) -> None:
    """Something the dispatcher renders as it sends it (an intake, a file, check-ins)."""
    bot_services = services(context)
    await asyncio.to_thread(
        bot_services.commands.request, update.update_id, _chat_id(update), kind, payload
    )
    bot_services.dispatcher.wake()


def invite_text(invited: Invited, username: str, zone: ZoneInfo) -> str:
    lines = [
        f"Invitation for <b>{esc(invited.display_name)}</b> (patient #{invited.patient_id}).",
        f"Link: {esc(invited.link(username))}",
        f"It works once and expires {esc(format_local(invited.expires_at, zone))}.",
        "Send it to the patient privately.",
    ]
    if invited.appointment_at is not None:
        lines.insert(1, f"Appointment: {esc(format_local(invited.appointment_at, zone))}")
    else:
        lines.insert(1, "No appointment yet: set it with /appointment.")
    return "\n".join(lines)


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite <name> [<when>]: a new patient and their single-use link."""
    bot_services = services(context)
    providers, zone = bot_services.providers, bot_services.settings.zone
    name, when = providers.split_patient_and_when(_arguments(update))
    chat_id, username = _chat_id(update), context.bot.username

    def work(session: Session, now: datetime) -> list[str]:
        invited = providers.invite_in(session, now, name, when, f"chat:{chat_id}")
        return [invite_text(invited, username, zone)]

    await asyncio.to_thread(bot_services.commands.run, update.update_id, chat_id, work)
    bot_services.dispatcher.wake()


def scheduled_text(scheduled: Scheduled, zone: ZoneInfo) -> str:
    starts = format_local(scheduled.starts_at, zone)
    text = f"Appointment for <b>{esc(scheduled.display_name)}</b>: {esc(starts)}"
    if scheduled.moved_from is not None:
        moved = format_local(scheduled.moved_from, zone)
        text += f" (moved from {esc(moved)}; reminders moved too)"
    return text + "."


async def appointment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/appointment <patient> <when>: set or move a patient's next appointment."""
    bot_services = services(context)
    providers, zone = bot_services.providers, bot_services.settings.zone
    patient, when = providers.split_patient_and_when(_arguments(update))
    if not patient or when is None:
        usage = "Usage: /appointment Jane D. 2026-12-10 09:30 (or #id instead of the name)"
        await _answer(update, context, usage)
        return
    planned: list[int] = []

    def work(session: Session, now: datetime) -> list[str]:
        scheduled = providers.schedule_in(session, now, patient, when)
        planned.extend(scheduled.reminders)
        return [scheduled_text(scheduled, zone)]

    await asyncio.to_thread(bot_services.commands.run, update.update_id, _chat_id(update), work)
    bot_services.reminders.arm_soon(planned)
    bot_services.dispatcher.wake()


async def checkins(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkins <patient>: the patient's check-in summary, log and chart."""
    await _checkins(update, context, "Usage: /checkins Jane D. (or #id)", latest=0)


async def _checkins(
    update: Update, context: ContextTypes.DEFAULT_TYPE, usage: str, *, latest: int
) -> None:
    name = _arguments(update).strip()
    if not name:
        await _answer(update, context, usage)
        return
    try:
        patient_id = await asyncio.to_thread(services(context).lookups.patient_id, name)
    except ProviderError as error:
        await _answer(update, context, esc(error))
        return
    caption = (
        "Mood and sleep, with visits marked" if not latest else "Mood and sleep, visits marked"
    )
    payload = {
        "patient_id": patient_id,
        "summary": not latest,
        "latest": latest,
        "caption": caption,
    }
    await _request(update, context, Kind.CHECKINS, payload)


async def provider_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help from a provider: the provider commands."""
    await _answer(update, context, PROVIDER_HELP)


async def acknowledge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A provider's Acknowledge on an urgent safety alert."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    press = callbacks.decode(query.data)
    bot_services = services(context)
    if press is None or chat.id not in bot_services.settings.provider_chat_ids:
        await _toast(update, "This button is not for this chat.")
        return
    user = update.effective_user
    name = (user.full_name if user else None) or f"chat {chat.id}"
    toast = await bot_services.alerts.acknowledge(press.ref.id, chat.id, name)
    bot_services.dispatcher.wake()
    await _toast(update, toast)


async def _toast(update: Update, text: str) -> None:
    assert update.callback_query is not None
    try:
        await update.callback_query.answer(text)
    except BadRequest:
        pass  # a query older than Telegram keeps can no longer be answered


def agenda_text(rows: list[AgendaRow], zone: ZoneInfo) -> list[str]:
    if not rows:
        return ["<b>Today and tomorrow</b>\nNo appointments."]
    lines = ["<b>Today and tomorrow</b>"]
    for row in rows:
        status = row.status + (" · ⚠️ safety flag" if row.safety_flag else "")
        intake = (
            f" · /intake {row.intake_id}" if row.intake_id and row.status == "submitted" else ""
        )
        lines.append(
            f"• {esc(format_local(row.starts_at, zone))} — {esc(row.display_name)} "
            f"(#{row.patient_id}): {esc(status)}{intake}"
        )
    return split_blocks(["\n".join(lines)])


async def today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today: today's and tomorrow's appointments with each intake's status."""
    bot_services = services(context)
    rows = await asyncio.to_thread(bot_services.lookups.agenda)
    await _answer(update, context, *agenda_text(rows, bot_services.settings.zone))


def history_text(name: str, patient_id: int, lines: list[IntakeLine], zone: ZoneInfo) -> str:
    text = [f"<b>{esc(name)}</b> (#{patient_id})", "<b>Intakes</b>"]
    text.extend(
        f"• /intake {line.intake_id} — {esc(format_local(line.submitted_at, zone))}: "
        f"PHQ-9 {esc(line.phq9)}, GAD-7 {esc(line.gad7)}"
        for line in lines
    )
    if not lines:
        text.append("• none submitted yet")
    return "\n".join(text)


async def patient(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/patient <name or #id>: past intakes with scores, the latest check-ins, the chart."""
    name = _arguments(update).strip()
    if not name:
        await _answer(update, context, "Usage: /patient Jane D. (or #id)")
        return
    bot_services = services(context)
    try:
        person, lines = await asyncio.to_thread(bot_services.lookups.history, name)
    except ProviderError as error:
        await _answer(update, context, esc(error))
        return
    text = history_text(person.display_name or "", person.id, lines, bot_services.settings.zone)
    payload = {"patient_id": person.id, "summary": False, "latest": 5, "intro": text}
    await _request(update, context, Kind.CHECKINS, payload)


def _intake_number(text: str) -> int | None:
    """An intake id as a provider types it ("12" or "#12"), or None."""
    digits = text.strip().lstrip("#")
    if not digits.isdigit() or int(digits) > callbacks.MAX_ROW_ID:
        return None
    return int(digits)


async def intake(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/intake <id>: the summary, chart and PDF of a submitted intake, again."""
    number = _intake_number(_arguments(update))
    if number is None:
        await _answer(update, context, "Usage: /intake 12")
        return
    if await _submitted(update, context, number):
        await _request(update, context, Kind.INTAKE, {"intake_id": number})


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export <intake id> pdf|fhir|json: the intake as a file."""
    parts = _arguments(update).split()
    number = _intake_number(parts[0]) if len(parts) == 2 else None
    if number is None or parts[1].lower() not in documents.FORMATS:
        await _answer(update, context, "Usage: /export 12 pdf (or fhir, or json)")
        return
    if await _submitted(update, context, number):
        payload = {"intake_id": number, "format": parts[1].lower()}
        await _request(update, context, Kind.DOCUMENT, payload)


async def _submitted(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int) -> bool:
    bot_services: BotServices = services(context)
    if await asyncio.to_thread(bot_services.lookups.intake, number) is None:
        await _answer(update, context, f"No submitted intake #{number}.")
        return False
    return True
