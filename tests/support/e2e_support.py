"""Running the real bot Application against the fake Bot API, and acting as a patient would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fake_bot_api import BotMessage, FakeBotAPI, FakeChat
from sqlmodel import Session
from telegram.ext import Application

from bot.render.html import to_plain
from bot.services.providers import ProviderService
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.runner import BotRuntime
from bot.telegram.services import KEY, BotServices
from storage.db import make_engine
from storage.models import Patient, Reminder

TOKEN = "123456:TEST-TOKEN"
PROVIDER_CHAT_ID = 9001
CLINIC = "Riverside Psychiatry"


def settings_for(fake: FakeBotAPI, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": fake.base_url,
        "database_url": database_url,
        "provider_chat_ids": (PROVIDER_CHAT_ID,),
        "clinic_name": CLINIC,
        "clinic_timezone": "America/Chicago",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[Application]:
    """The bot as `intake-bot run` starts it, polling the fake server until the block ends."""
    runtime = BotRuntime(build_application(settings))
    await runtime.start()
    try:
        yield runtime.application
    finally:
        await runtime.stop()


def bot_services(application: Application) -> BotServices:
    """The services the composition root wired into a running bot."""
    found = application.bot_data[KEY]
    assert isinstance(found, BotServices)
    return found


def plain(message: BotMessage) -> str:
    return to_plain(message.content or "")


def texts(messages: list[BotMessage]) -> str:
    """Everything the patient sees in these messages, as one plain string."""
    return "\n".join(plain(m) for m in messages)


def option_button(chat: FakeChat, label: str) -> str:
    """The full text of the latest keyboard's button for `label` ("1. I agree" for "I agree")."""
    message = next(m for m in reversed(chat.messages) if m.inline_keyboard)
    for text in message.buttons():
        if text == label or text.split(". ", 1)[-1] == label or text.split(" ", 1)[-1] == label:
            return text
    raise AssertionError(f"no button {label!r} among {message.buttons()}")


async def tap(chat: FakeChat, label: str) -> list[BotMessage]:
    """Tap the option labelled `label` on the latest question and wait for the bot's answer."""
    return await chat.press_and_wait(option_button(chat, label))


async def say(chat: FakeChat, text: str) -> list[BotMessage]:
    return await chat.send_text_and_wait(text)


def current_question(chat: FakeChat) -> str:
    """The latest message that carries buttons: the question the patient is on."""
    message = next(m for m in reversed(chat.messages) if m.inline_keyboard)
    return plain(message)


def invite(
    settings: Settings, name: str, appointment_in: timedelta | None = timedelta(days=2)
) -> str:
    """A provider's invitation, made as `intake-bot invite` does; returns the link's token."""
    engine = make_engine(settings.database_url)
    service = ProviderService(engine, settings.zone, settings.reminder_policy())
    at = datetime.now(UTC) + appointment_in if appointment_in is not None else None
    try:
        return service.invite(name, at, "test").token
    finally:
        engine.dispose()  # many patients' invitations must not hold a server's connections


async def join(patient: FakeChat, token: str) -> list[BotMessage]:
    """Open the invitation link, as Telegram sends it: /start <token>."""
    return await patient.send_command_and_wait(f"/start {token}")


async def skip_to_the_medicines(patient: FakeChat) -> None:
    """On a first visit, skip what brings the patient in and their hopes."""
    await say(patient, "skip")
    await say(patient, "skip")


async def past_the_history(patient: FakeChat) -> None:
    """On a first visit, after the medicines: no past medicines, the rest skipped."""
    await say(patient, "none before")
    for _ in range(4):  # allergies, other prescribers, conditions, pregnancy
        await say(patient, "skip")


REVIEW_HEADING = "Here's everything you told me"


def plain_answer_for(question: str) -> str:
    """What a patient with nothing to report types at `question`: the scales answered "not at
    all", side effects "none of these", alcohol and drugs "never", their questions "no
    questions", anything else skipped."""
    heading = question.split("\n", 1)[0]
    if heading.startswith(("Mood", "Anxiety")):
        return "not at all"
    if heading.startswith("Side effects"):
        return "none of these"
    if heading.startswith("Alcohol"):
        return "never"
    if "ask your provider" in question:
        return "no questions"
    return "skip"


async def answer_to_the_review(patient: FakeChat, limit: int = 80) -> None:
    """From wherever the patient is, answer plainly (plain_answer_for) until the review shows."""
    for _ in range(limit):
        question = current_question(patient)
        if REVIEW_HEADING in question:
            return
        await say(patient, plain_answer_for(question))
    last = [plain(m) for m in patient.messages[-3:]]
    raise AssertionError(f"no review after {limit} answers; last messages: {last!r}")


def burst_of_reminders(
    fake: FakeBotAPI,
    database_url: str,
    count: int,
    *,
    due_in: float = 3.0,
    first_chat_id: int = 400_000,
) -> list[FakeChat]:
    """`count` patients who agreed to daily check-ins, each with a check-in reminder due
    `due_in` seconds from now (written straight to the database: the scheduler fires on the
    real clock)."""
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    chats = []
    with Session(engine) as session:
        for n in range(count):
            chat_id = first_chat_id + n
            chats.append(fake.private_chat(chat_id=chat_id, first_name=f"P{n}"))
            patient = Patient(
                telegram_chat_id=chat_id,
                display_name=f"P{n}",
                linked_at=now,
                consented_at=now,
                checkin_cadence="daily",
                checkin_time="20:00",
            )
            session.add(patient)
            session.flush()
            assert patient.id is not None
            key, due = f"checkin:{patient.id}:burst", now + timedelta(seconds=due_in)
            session.add(Reminder(patient_id=patient.id, kind="checkin", key=key, due_at=due))
        session.commit()
    engine.dispose()
    return chats
