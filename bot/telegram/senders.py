"""What each kind of outbox message becomes in Telegram: a list of parts, each one Bot API call,
sent in order. The dispatcher skips the parts Telegram already accepted (a crash resumes after
them) and marks a provider's message as a re-send when an earlier attempt's answer was lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode

from bot.render import jobs
from bot.render.documents import file_name
from bot.render.html import esc
from bot.render.record import render_record
from bot.render.screens import screen_messages, screen_text
from bot.render.summary import (
    chart_title,
    render_alert,
    render_checkin_log,
    render_checkin_summary,
    render_summary,
)
from bot.services.alerts import AlertLedger
from bot.services.deliveries import Claimed
from bot.services.lookups import ProviderLookups
from bot.services.outbox import Kind, ref_from_data, screen_from_data
from bot.services.reminders import ReminderButton
from bot.telegram.keyboards import acknowledge_keyboard, keyboard, reminder_keyboard
from bot.telegram.render_pool import SHARED, RenderPool
from flows import rights_messages as words
from flows.report import CompiledIntake
from flows.review import REVIEW_STEP
from flows.when import format_local
from storage.clock import utcnow
from storage.statuses import Priority

RESENT = "🔁 <i>Re-sent: an earlier copy may have arrived.</i>\n"
"""Put before a provider's message when an earlier attempt's answer was lost."""
RESENT_CAPTION = "🔁 Re-sent: an earlier copy may have arrived.\n"
"""The same, before the caption of a chart or a PDF (captions are sent as plain text)."""
NOT_ACKNOWLEDGED = "🔁 <b>Not yet acknowledged</b>\n"
WARM_AFTER = 1.0
"""Seconds after a review is sent that the render worker is started (RenderPool.warm)."""

SendPart = Callable[[], Awaitable[int | None]]
"""One Bot API call; the message id it made, if it made one."""


@dataclass(frozen=True)
class Senders:
    """Renders outbox messages into Bot API calls."""

    bot: Bot
    lookups: ProviderLookups
    ledger: AlertLedger
    zone: ZoneInfo
    clinic: str
    patient_system: str  # FHIR_PATIENT_IDENTIFIER_SYSTEM
    renderer: RenderPool = field(default=SHARED)  # charts and PDFs, in a worker process

    async def parts(self, message: Claimed) -> list[SendPart]:
        """The calls that send `message`, in order."""
        resent = RESENT if message.uncertain else ""
        match message.kind:
            case Kind.REPLY:
                urgent = message.priority == Priority.URGENT
                return self._reply(message.chat_id, message.payload, urgent)
            case Kind.HTML:
                return [self._html(message.chat_id, message.payload["html"])]
            case Kind.ALERT:
                return await self._alert(message, resent)
            case Kind.INTAKE:
                return await self._intake(message, bool(resent))
            case Kind.CHECKINS:
                return await self._checkins(message.chat_id, message.payload)
            case Kind.DOCUMENT:
                return await self._document(message.chat_id, message.payload)
            case Kind.REMINDER:
                return [self._reminder(message.chat_id, message.payload)]
            case Kind.EDIT:
                return self._edit(message.chat_id, message.payload)
        raise ValueError(f"no sender for {message.kind}")

    # --- patients -------------------------------------------------------------------------

    def _reply(self, chat_id: int, payload: dict[str, Any], urgent: bool) -> list[SendPart]:
        """The patient's next screen, in one message where it fits: notices ("Saved.") go on
        top of the question; crisis resources go in a message of their own, first."""
        screen_data, ref = payload.get("screen"), ref_from_data(payload.get("ref"))
        screen = screen_from_data(screen_data) if screen_data else None
        if screen is not None and screen.step == REVIEW_STEP:
            # A submit, and so a chart and a PDF, may follow: the worker is started once the
            # review has gone out and been recorded, not while it is on its way.
            asyncio.get_running_loop().call_later(WARM_AFTER, self.renderer.warm)
        button_message = payload.get("button_message_id")
        markup = keyboard(screen, ref) if screen is not None and ref is not None else None
        if payload.get("edit_in_place") and button_message and screen is not None:
            text = screen_text(screen)
            return [lambda: self._edit_text(chat_id, int(button_message), text, markup)]
        parts: list[SendPart] = []
        # One call per answered question: the answered question keeps its buttons (pressing
        # one again only re-shows the current question). They go when pressed too late, on the
        # review (its Submit acts on everything), or when nothing follows to answer.
        if button_message and (payload.get("clear_pressed") or markup is None):
            parts.append(lambda: self._clear_keyboard(chat_id, int(button_message)))
        notices = [esc(notice) for notice in payload.get("say", [])]
        if screen is None or urgent:
            parts.extend(self._html(chat_id, notice) for notice in notices)
            notices = []
        if screen is not None:
            pages = screen_messages(screen, notices)
            parts.extend(self._html(chat_id, page) for page in pages[:-1])
            parts.append(self._html(chat_id, pages[-1], markup))
        return parts

    def _reminder(self, chat_id: int, payload: dict[str, Any]) -> SendPart:
        data = payload.get("button")
        button = None
        if data is not None:
            ref = ref_from_data(data["ref"])
            assert ref is not None
            button = ReminderButton(data["label"], ref, data["step"])
        text, markup = str(payload["text"]), reminder_keyboard(button)

        async def send() -> int:
            sent = await self.bot.send_message(chat_id, text, reply_markup=markup)
            return sent.message_id

        return send

    # --- providers ------------------------------------------------------------------------

    async def _alert(self, message: Claimed, resent: str) -> list[SendPart]:
        event_id, round_ = int(message.payload["event_id"]), int(message.payload.get("round", 1))
        found = await asyncio.to_thread(self.ledger.text, event_id)
        if found is None:
            return []
        body = resent + (NOT_ACKNOWLEDGED if round_ > 1 else "") + render_alert(*found)
        return [self._html(message.chat_id, body, acknowledge_keyboard(event_id))]

    async def _intake(self, message: Claimed, resent: bool) -> list[SendPart]:
        """The summary pages at once; the chart and the PDF rendered when their turn comes.

        After a lost answer, the part that was on its way (the first not yet recorded: a page,
        the chart or the PDF) says it is a re-send."""
        chat_id, first = message.chat_id, message.parts_sent
        record = await asyncio.to_thread(self.lookups.intake, int(message.payload["intake_id"]))
        if record is None:
            return []
        compiled = record.compiled
        pages = render_summary(compiled, self.zone.key)

        def mark(number: int) -> str:
            if not resent or number != first:
                return ""
            return RESENT if number < len(pages) else RESENT_CAPTION

        parts = [self._html(chat_id, mark(n) + page) for n, page in enumerate(pages)]
        chart = _Once(lambda: self.chart(compiled))
        intake_id = compiled.intake_id

        async def send_chart() -> int | None:
            data = await chart.get()
            if data is None:
                return None  # no check-ins to draw: nothing to send
            caption = mark(len(pages)) + f"Check-ins, mood and sleep: intake #{intake_id}"
            return (await self.bot.send_photo(chat_id, data, caption=caption)).message_id

        async def send_pdf() -> int:
            drawn = await chart.get()
            pdf = await self.renderer.run(
                jobs.intake_pdf, compiled, self.clinic, self.zone.key, drawn
            )
            document = InputFile(pdf, filename=file_name(intake_id, "pdf"))
            caption = mark(len(pages) + 1) + f"Intake #{intake_id} (PDF)"
            return (await self.bot.send_document(chat_id, document, caption=caption)).message_id

        return [*parts, send_chart, send_pdf]

    async def _checkins(self, chat_id: int, payload: dict[str, Any]) -> list[SendPart]:
        log = await asyncio.to_thread(self.lookups.checkin_log, f"#{payload['patient_id']}")
        title = f"Check-ins: {log.display_name}"
        chart = await self.renderer.run(
            jobs.checkin_chart, log.records, log.visits, self.zone, title
        )
        pages: list[str] = [str(payload["intro"])] if payload.get("intro") else []
        if payload.get("summary", True):
            pages.append(render_checkin_summary(log.summary, log.since, self.zone.key))
        latest = int(payload.get("latest", 0))
        for page in render_checkin_log(
            log.records[-latest:] if latest else log.records, self.zone.key
        ):
            pages.append(page.replace("Check-in log", "Latest check-ins", 1) if latest else page)
        parts = [self._html(chat_id, page) for page in pages]
        parts.append(self._photo(chat_id, chart, str(payload.get("caption", "Mood and sleep"))))
        return parts

    async def _record(self, chat_id: int, patient_id: int) -> list[SendPart]:
        """/mydata: the patient's own record as a text file (nothing, if they were deleted)."""
        found = await asyncio.to_thread(self.lookups.record, patient_id)
        if found is None:
            return []
        data = render_record(found, clinic=self.clinic, made_at=utcnow())
        return [self._file(chat_id, data, words.MYDATA_FILE, words.MYDATA_CAPTION)]

    async def _document(self, chat_id: int, payload: dict[str, Any]) -> list[SendPart]:
        if "record_of" in payload:
            return await self._record(chat_id, int(payload["record_of"]))
        record = await asyncio.to_thread(self.lookups.intake, int(payload["intake_id"]))
        if record is None:
            return []
        fmt = str(payload["format"])
        compiled = record.compiled
        chart = await self.chart(compiled) if fmt == "pdf" else None
        data = await self.renderer.run(
            jobs.document,
            compiled,
            record.answers,
            fmt,
            self.clinic,
            self.zone,
            chart,
            self.patient_system,
        )
        return [self._file(chat_id, data, file_name(compiled.intake_id, fmt), None)]

    def _edit(self, chat_id: int, payload: dict[str, Any]) -> list[SendPart]:
        message_ids = [int(m) for m in payload.get("clear", [])]
        parts = [self._clearing(chat_id, m) for m in message_ids]
        if payload.get("acknowledged_by") and message_ids:
            when = format_local(datetime.fromisoformat(payload["at"]), self.zone)
            note = f"✅ Acknowledged by {esc(payload['acknowledged_by'])} at {esc(when)}"
            parts.append(lambda: self._note(chat_id, note, max(message_ids)))
        return parts

    async def chart(self, compiled: CompiledIntake) -> bytes | None:
        """The check-ins the intake's summary counts (the same period), with the visits."""
        if compiled.patient_id is None:
            return None
        log = await asyncio.to_thread(self.lookups.checkin_log, f"#{compiled.patient_id}")
        return await self.renderer.run(
            jobs.checkin_chart,
            log.checkins_from(compiled.checkins_since),
            log.visits_from(compiled.checkins_since),
            self.zone,
            chart_title(compiled, self.zone.key),
        )

    # --- the calls ------------------------------------------------------------------------

    def _html(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> SendPart:
        async def send() -> int:
            sent = await self.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return sent.message_id

        return send

    def _photo(self, chat_id: int, data: bytes, caption: str) -> SendPart:
        async def send() -> int:
            return (await self.bot.send_photo(chat_id, data, caption=caption)).message_id

        return send

    def _file(self, chat_id: int, data: bytes, name: str, caption: str | None) -> SendPart:
        async def send() -> int:
            document = InputFile(data, filename=name)
            return (await self.bot.send_document(chat_id, document, caption=caption)).message_id

        return send

    async def _edit_text(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> int | None:
        edited = await self.bot.edit_message_text(
            text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        return edited.message_id if isinstance(edited, Message) else None

    def _clearing(self, chat_id: int, message_id: int) -> SendPart:
        return lambda: self._clear_keyboard(chat_id, message_id)

    async def _clear_keyboard(self, chat_id: int, message_id: int) -> None:
        await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        return None

    async def _note(self, chat_id: int, text: str, reply_to: int) -> int:
        sent = await self.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_to_message_id=reply_to
        )
        return sent.message_id


class _Once:
    """A rendering done once, the first time it is needed."""

    def __init__(self, render: Callable[[], Awaitable[bytes | None]]) -> None:
        self._render = render
        self._done = False
        self._value: bytes | None = None

    async def get(self) -> bytes | None:
        if not self._done:
            self._value = await self._render()
            self._done = True
        return self._value
