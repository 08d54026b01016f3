"""Provider commands in chat: /invite, /appointment, /checkins, /today, /patient, /intake,
/export, /help, and the Acknowledge button on safety alerts.

They work only from chats in PROVIDER_CHAT_IDS; from anyone else the update falls through to
the patient handlers, which answer it like any unknown command.
"""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes, filters

from bot.render import documents
from bot.render.chart import render_checkin_chart
from bot.render.html import esc, split_blocks
from bot.render.summary import render_checkin_log, render_checkin_summary
from bot.services.lookups import CheckinLog
from bot.services.providers import ProviderError
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
    service = services(context).providers
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
    bot_services = services(context)
    service = bot_services.providers
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
    await asyncio.to_thread(bot_services.reminders.arm, list(scheduled.reminders))
    zone = service.clinic_zone
    starts = format_local(scheduled.starts_at, zone)
    text = f"Appointment for <b>{esc(scheduled.display_name)}</b>: {esc(starts)}"
    if scheduled.moved_from is not None:
        text += (
            f" (moved from {esc(format_local(scheduled.moved_from, zone))}; reminders moved too)"
        )
    await _reply(update, text + ".")


async def checkins(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkins <patient>: the patient's check-in summary, log and chart."""
    name = _arguments(update).strip()
    if not name:
        await _reply(update, "Usage: /checkins Jane D. (or #id)")
        return
    bot_services = services(context)
    try:
        log = await asyncio.to_thread(bot_services.lookups.checkin_log, name)
    except ProviderError as error:
        await _reply(update, esc(error))
        return
    zone_name = bot_services.settings.clinic_timezone
    await _reply(update, render_checkin_summary(log.summary, log.since, zone_name))
    for page in render_checkin_log(log.records, zone_name):
        await _reply(update, page)
    await _send_chart(update, context, bot_services, log, "Mood and sleep, with visits marked")


async def _send_chart(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    bot_services: BotServices,
    log: CheckinLog,
    caption: str,
) -> None:
    chart = await asyncio.to_thread(
        render_checkin_chart,
        log.records,
        log.visits,
        bot_services.settings.zone,
        title=f"Check-ins: {log.display_name}",
    )
    assert update.effective_chat is not None
    await context.bot.send_photo(update.effective_chat.id, chart, caption=caption)


async def provider_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help from a provider: the provider commands."""
    await _reply(update, PROVIDER_HELP)


async def acknowledge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A provider's Acknowledge on an urgent safety alert."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    press = callbacks.decode(query.data)
    bot_services = services(context)
    if press is None or chat.id not in bot_services.settings.provider_chat_ids:
        await query.answer("This button is not for this chat.")
        return
    user = update.effective_user
    name = (user.full_name if user else None) or f"chat {chat.id}"
    await query.answer(await bot_services.alerts.acknowledge(press.ref.id, chat.id, name))


async def today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today: today's and tomorrow's appointments with each intake's status."""
    bot_services = services(context)
    rows = await asyncio.to_thread(bot_services.lookups.agenda)
    zone = bot_services.settings.zone
    if not rows:
        await _reply(update, "<b>Today and tomorrow</b>\nNo appointments.")
        return
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
    for page in split_blocks(["\n".join(lines)]):
        await _reply(update, page)


async def patient(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/patient <name or #id>: past intakes with scores, the latest check-ins, the chart."""
    name = _arguments(update).strip()
    if not name:
        await _reply(update, "Usage: /patient Jane D. (or #id)")
        return
    bot_services = services(context)
    lookups = bot_services.lookups
    try:
        person, intakes = await asyncio.to_thread(lookups.history, name)
        log = await asyncio.to_thread(lookups.checkin_log, f"#{person.id}")
    except ProviderError as error:
        await _reply(update, esc(error))
        return
    zone = bot_services.settings.zone
    lines = [f"<b>{esc(person.display_name or '')}</b> (#{person.id})", "<b>Intakes</b>"]
    lines.extend(
        f"• /intake {line.intake_id} — {esc(format_local(line.submitted_at, zone))}: "
        f"PHQ-9 {esc(line.phq9)}, GAD-7 {esc(line.gad7)}"
        for line in intakes
    )
    if not intakes:
        lines.append("• none submitted yet")
    await _reply(update, "\n".join(lines))
    for page in render_checkin_log(log.records[-5:], zone.key):
        await _reply(update, page.replace("Check-in log", "Latest check-ins", 1))
    await _send_chart(update, context, bot_services, log, "Mood and sleep, visits marked")


def _intake_number(text: str) -> int | None:
    """An intake id as a provider types it ("12" or "#12"), or None."""
    digits = text.strip().lstrip("#")
    if not digits.isdigit() or int(digits) > callbacks.MAX_ROW_ID:
        return None
    return int(digits)


async def intake(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/intake <id>: the summary, chart and PDF of a submitted intake, again."""
    text = _arguments(update).strip()
    number = _intake_number(text)
    if number is None:
        await _reply(update, "Usage: /intake 12")
        return
    bot_services = services(context)
    record = await asyncio.to_thread(bot_services.lookups.intake, number)
    if record is None:
        await _reply(update, f"No submitted intake #{number}.")
        return
    assert update.effective_chat is not None
    await bot_services.delivery.send_record(record.compiled, [update.effective_chat.id])


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export <intake id> pdf|fhir|json: the intake as a file."""
    parts = _arguments(update).split()
    number = _intake_number(parts[0]) if len(parts) == 2 else None
    if number is None or parts[1].lower() not in documents.FORMATS:
        await _reply(update, "Usage: /export 12 pdf (or fhir, or json)")
        return
    bot_services = services(context)
    record = await asyncio.to_thread(bot_services.lookups.intake, number)
    if record is None:
        await _reply(update, f"No submitted intake #{number}.")
        return
    fmt = parts[1].lower()
    delivery, settings = bot_services.delivery, bot_services.settings
    chart = None
    if fmt == "pdf":
        compiled = record.compiled
        chart = await asyncio.to_thread(delivery.chart, compiled)
    data = await asyncio.to_thread(
        documents.render_document,
        record.compiled,
        record.answers,
        fmt,
        clinic=settings.clinic_name,
        zone=settings.zone,
        chart_png=chart,
        patient_system=settings.fhir_patient_identifier_system,
    )
    assert update.effective_chat is not None
    name = documents.file_name(record.compiled.intake_id, fmt)
    await context.bot.send_document(update.effective_chat.id, InputFile(data, filename=name))
