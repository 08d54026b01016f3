"""Provider commands in chat: /invite, /appointment <patient> <when>, /checkins <patient>, /help.

They work only from chats in PROVIDER_CHAT_IDS; from anyone else the update falls through to
the patient handlers, which answer it like any unknown command.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes, filters

from bot.chart import render_checkin_chart
from bot.html import esc
from bot.provider_service import ProviderError, ProviderService
from bot.provider_summary import render_checkin_log, render_checkin_summary
from bot.reminders import ReminderRunner
from flows.when import format_local

PROVIDER_HELP = (
    "<b>Provider commands</b>\n"
    "/invite Jane D. 2026-12-03 15:00 — a single-use link for a new patient (time optional)\n"
    "/appointment Jane D. 2026-12-10 09:30 — set or move a patient's next appointment\n"
    "/checkins Jane D. — the patient's check-in log and chart\n"
    "Patients can be named as given at /invite, or by #id. Times are the clinic's time zone "
    "unless you add one (e.g. America/New_York)."
)


def provider_filter(chat_ids: tuple[int, ...]) -> filters.BaseFilter:
    """Private chats of the configured providers (an empty list lets nobody through)."""
    return filters.Chat(chat_id=list(chat_ids)) & filters.ChatType.PRIVATE


def _providers(context: ContextTypes.DEFAULT_TYPE) -> ProviderService:
    return context.bot_data["providers"]


def _zone_name(context: ContextTypes.DEFAULT_TYPE) -> str:
    return context.bot_data["settings"].clinic_timezone


async def _reply(update: Update, text: str) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


def _arguments(update: Update) -> str:
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite <name> [<when>]: a new patient and their single-use link."""
    service = _providers(context)
    name, when = service.split_patient_and_when(_arguments(update))
    chat = update.effective_chat
    assert chat is not None
    try:
        invited = await asyncio.to_thread(service.invite, name, when, f"chat:{chat.id}")
    except ProviderError as error:
        await _reply(update, esc(error))
        return
    lines = [
        f"Invitation for <b>{esc(invited.display_name)}</b> (patient #{invited.patient_id}).",
        f"Link: {esc(invited.link(context.bot.username))}",
        f"It works once and expires {esc(format_local(invited.expires_at, service.clinic_zone))}.",
        "Send it to the patient privately.",
    ]
    if invited.appointment_at is not None:
        lines.insert(
            1, f"Appointment: {esc(format_local(invited.appointment_at, service.clinic_zone))}"
        )
    else:
        lines.insert(1, "No appointment yet: set it with /appointment.")
    await _reply(update, "\n".join(lines))


async def appointment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/appointment <patient> <when>: set or move a patient's next appointment."""
    service = _providers(context)
    patient, when = service.split_patient_and_when(_arguments(update))
    if not patient or when is None:
        await _reply(
            update, "Usage: /appointment Jane D. 2026-12-10 09:30 (or #id instead of the name)"
        )
        return
    try:
        scheduled = await asyncio.to_thread(service.schedule, patient, when)
    except ProviderError as error:
        await _reply(update, esc(error))
        return
    runner: ReminderRunner = context.bot_data["reminders"]
    await asyncio.to_thread(runner.arm, list(scheduled.reminders))
    zone = service.clinic_zone
    when = format_local(scheduled.starts_at, zone)
    text = f"Appointment for <b>{esc(scheduled.display_name)}</b>: {esc(when)}"
    if scheduled.moved_from is not None:
        text += (
            f" (moved from {esc(format_local(scheduled.moved_from, zone))}; reminders moved too)"
        )
    await _reply(update, text + ".")


async def checkins(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkins <patient>: the patient's check-in summary and chart."""
    service = _providers(context)
    name = _arguments(update).strip()
    if not name:
        await _reply(update, "Usage: /checkins Jane D. (or #id)")
        return
    try:
        log = await asyncio.to_thread(service.checkin_log, name)
    except ProviderError as error:
        await _reply(update, esc(error))
        return
    await _reply(update, render_checkin_summary(log.summary, log.since, _zone_name(context)))
    for page in render_checkin_log(log.records, _zone_name(context)):
        await _reply(update, page)
    chart = await asyncio.to_thread(
        render_checkin_chart,
        log.records,
        log.visits,
        service.clinic_zone,
        title=f"Check-ins: {log.display_name}",
    )
    assert update.effective_chat is not None
    await context.bot.send_photo(
        update.effective_chat.id, chart, caption="Mood and sleep, with visits marked"
    )


async def provider_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help from a provider: the provider commands."""
    await _reply(update, PROVIDER_HELP)
