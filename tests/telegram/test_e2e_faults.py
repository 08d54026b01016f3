"""End to end, on SQLite and PostgreSQL: the Bot API fails calls (an error, a 429, an answer
lost after Telegram accepted the message) and providers still get every part of an intake and
every alert, once, marked as a re-send where an earlier copy may have arrived; re-delivered
provider commands and forged or unstorable patient input change nothing.

To keep these quick, the patient's intake is answered up to its review screen through the
services (as the bot would, on the same database) before the bot starts; the patient then
submits, or types, in Telegram.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from e2e_support import (
    PROVIDER_CHAT_ID,
    option_button,
    plain,
    running_bot,
    settings_for,
    texts,
)
from fake_bot_api import ApiCall, FakeBotAPI, FakeChat
from service_support import Chat, Clock, join, make_services, shortest_answer
from sqlmodel import Session, select

from bot.settings import Settings
from flows.dialogue import Typed
from storage.db import make_engine
from storage.models import InboxUpdate, Intake, OutboxMessage, Patient, SafetyEvent

SECOND_PROVIDER = 9002
LONG_QUESTIONS = [
    f"Question {n}: " + "could we talk about how I have been sleeping " * 22 for n in range(5)
]


def at_review(
    settings: Settings, chat_id: int, name: str, questions: list[str] | None = None
) -> None:
    """A patient who agreed and answered everything, now looking at the review screen."""
    engine = make_engine(settings.database_url)
    try:
        services = make_services(engine, Clock(datetime.now(UTC)))
        invited = services.invite(name, at=datetime.now(UTC) + timedelta(days=2))
        chat = Chat(services.patients, chat_id)
        reply = join(services, chat, invited)
        pending = list(questions or [])
        for _ in range(80):
            assert reply.screen is not None, "the intake ended early"
            step = reply.screen.step
            if step == "review":
                break
            reply = chat.send(Typed(_typed_at(step, pending, bool(questions))))
        assert reply.screen is not None and reply.screen.step == "review"
    finally:
        engine.dispose()


def _typed_at(step: str, pending: list[str], has_questions: bool) -> str:
    """The shortest intake's answer at `step`, with the patient's own questions typed in."""
    if step == "q.picked":
        return "type my own" if pending else "no questions"
    if step.startswith("q."):
        return pending.pop(0) if pending else ("that's all" if has_questions else "no questions")
    return shortest_answer(step)


def text_of(call: ApiCall) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def summaries(chat: FakeChat) -> list[str]:
    return [plain(m) for m in chat.messages if "Pre-visit intake" in plain(m)]


def documents(chat: FakeChat) -> list[str]:
    return [m.caption or "" for m in chat.messages if m.media == "document"]


def alerts(chat: FakeChat) -> list[str]:
    return [plain(m) for m in chat.messages if "URGENT" in plain(m)]


def delivered_at(database_url: str) -> datetime | None:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.exec(select(Intake)).one().delivered_at
    finally:
        engine.dispose()


async def settled(database_url: str, timeout: float = 60.0, chat_id: int | None = None) -> None:
    """Until the outbox has nothing pending (for `chat_id`, if given)."""
    engine = make_engine(database_url)
    pending = OutboxMessage.status == "pending"
    if chat_id is not None:
        pending = pending & (OutboxMessage.chat_id == chat_id)
    try:
        for _ in range(int(timeout / 0.05)):
            with Session(engine) as session:
                rows = session.exec(select(OutboxMessage).where(pending)).all()
            if not rows:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox did not settle")
    finally:
        engine.dispose()


async def send_and_see(patient: FakeChat, text: str, expected: str, database_url: str) -> None:
    """Type `text` (or press the button `text`) and wait (generously: the machine may be busy)
    until `expected` is shown, and the bot has recorded what it showed this patient. A person
    reads before typing; a test can type in the milliseconds between Telegram showing a
    question and the bot recording it, and an answer typed then is not taken for it (it asks
    again: see bot.services.seen.typed_before_shown)."""
    if text.startswith("button:"):
        await patient.press(option_button(patient, text.removeprefix("button:")))
    else:
        await patient.send_text(text)
    await patient.wait_for(
        lambda chat: any(expected in plain(m) for m in chat.messages[-4:]), timeout=30
    )
    await settled(database_url, chat_id=patient.chat_id)


async def submit(patient: FakeChat, database_url: str) -> None:
    await send_and_see(patient, "submit", "has been sent to your care team", database_url)


async def test_a_pdf_that_fails_is_sent_again_and_only_then_is_the_intake_delivered(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    patient = fake.private_chat(chat_id=3101, first_name="Ada")
    at_review(settings, patient.chat_id, "Ada L.")
    refused = fake.fail(method="sendDocument", chat_id=PROVIDER_CHAT_ID)
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        await submit(patient, database_url)
        assert await fake.wait_until(lambda: refused.hits == 1, 20)
        assert delivered_at(database_url) is None  # the summary went, the PDF did not
        await provider.wait_for(lambda chat: bool(documents(chat)), timeout=60)
        await settled(database_url)
    assert len(summaries(provider)) == 1
    assert len(documents(provider)) == 1 and "Intake #" in documents(provider)[0]
    assert delivered_at(database_url) is not None


async def test_with_two_provider_chats_one_failing_once_still_gets_the_alert_and_the_intake(
    fake: FakeBotAPI, database_url: str
) -> None:
    fake.private_chat(chat_id=SECOND_PROVIDER, first_name="Sam", last_name="Okafor")
    settings = settings_for(
        fake, database_url, provider_chat_ids=(PROVIDER_CHAT_ID, SECOND_PROVIDER)
    )
    patient = fake.private_chat(chat_id=3102, first_name="Bea")
    at_review(settings, patient.chat_id, "Bea M.")
    fake.fail(chat_id=SECOND_PROVIDER, when=lambda call: "URGENT" in text_of(call))
    fake.fail(chat_id=SECOND_PROVIDER, when=lambda call: "Pre-visit intake" in text_of(call))
    async with running_bot(settings):
        await send_and_see(
            patient, "I want to end my life", "Are you safe right now?", database_url
        )
        await send_and_see(
            patient, "button:Yes, I'm safe right now", "Here's everything", database_url
        )
        await submit(patient, database_url)
        for chat_id in (PROVIDER_CHAT_ID, SECOND_PROVIDER):
            await fake.chats[chat_id].wait_for(lambda chat: bool(documents(chat)), timeout=60)
        await settled(database_url)
    for chat_id in (PROVIDER_CHAT_ID, SECOND_PROVIDER):
        chat = fake.chats[chat_id]
        assert len(alerts(chat)) == 1 and "Patient: Bea M." in alerts(chat)[0]
        assert len(summaries(chat)) == 1 and len(documents(chat)) == 1
    engine = make_engine(database_url)
    with Session(engine) as session:
        event = session.exec(select(SafetyEvent).where(SafetyEvent.alert == True)).one()  # noqa: E712
        intake = session.exec(select(Intake)).one()
    engine.dispose()
    assert event.alerted_chat_ids == [PROVIDER_CHAT_ID, SECOND_PROVIDER]
    assert intake.delivered_at is not None


async def test_a_failed_urgent_alert_is_tried_again_within_seconds_and_a_429_is_waited_out(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)  # ALERT_REPEAT_MINUTES stays 30
    patient = fake.private_chat(chat_id=3103, first_name="Cy")
    at_review(settings, patient.chat_id, "Cy N.")
    refused = fake.fail(chat_id=PROVIDER_CHAT_ID, when=lambda call: "URGENT" in text_of(call))
    busy = fake.fail(method="sendDocument", kind="retry_after", retry_after=2)
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        await send_and_see(
            patient, "I want to kill myself", "Are you safe right now?", database_url
        )
        await provider.wait_for(lambda chat: bool(alerts(chat)), timeout=60)  # not 30 minutes
        await send_and_see(
            patient, "button:Yes, I'm safe right now", "Here's everything", database_url
        )
        await submit(patient, database_url)
        await provider.wait_for(lambda chat: bool(documents(chat)), timeout=60)
    assert refused.hits == 1 and len(alerts(provider)) == 1
    tries = [c for c in fake.calls_named("sendDocument")]
    assert busy.hits == 1 and [c.status for c in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 2.0  # Telegram's retry_after was honoured


async def test_a_summary_page_refused_for_good_does_not_bring_page_one_back(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    patient = fake.private_chat(chat_id=3104, first_name="Dov")
    at_review(settings, patient.chat_id, "Dov P.", LONG_QUESTIONS)
    page_two = fake.fail(
        method="sendMessage",
        chat_id=PROVIDER_CHAT_ID,
        when=lambda call: "Question 4" in text_of(call) and "Pre-visit intake" not in text_of(call),
        times=None,
        code=400,
        description="Bad Request: can't parse entities",
    )
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        await submit(patient, database_url)
        await provider.wait_for(lambda chat: bool(documents(chat)), timeout=60)
        await settled(database_url)
        await asyncio.sleep(3)  # time for any retry to show
    assert page_two.hits == 1  # refused for good: not tried again
    assert len(summaries(provider)) == 1 and len(documents(provider)) == 1


@pytest.mark.parametrize("lost_part", ["summary", "PDF"])
async def test_a_lost_answer_to_a_provider_message_gives_one_copy_marked_as_re_sent(
    fake: FakeBotAPI, database_url: str, lost_part: str
) -> None:
    settings = settings_for(fake, database_url)
    patient = fake.private_chat(chat_id=3105, first_name="Eve")
    at_review(settings, patient.chat_id, "Eve Q.")
    if lost_part == "summary":
        lost = fake.fail(kind="lost", when=lambda call: "Pre-visit intake" in text_of(call))
    else:
        lost = fake.fail(kind="lost", method="sendDocument")
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        await submit(patient, database_url)
        await provider.wait_for(lambda chat: len(documents(chat)) >= 1, timeout=60)
        await settled(database_url)
    assert lost.hits == 1
    copies = summaries(provider) if lost_part == "summary" else documents(provider)
    first, second = copies  # exactly two copies of the part whose answer was lost
    assert "Re-sent" not in first and "Re-sent" in second
    others = documents(provider) if lost_part == "summary" else summaries(provider)
    assert len(others) == 1 and "Re-sent" not in others[0]  # the rest went once, unmarked
    assert delivered_at(database_url) is not None


async def test_a_redelivered_invite_makes_one_patient_and_one_link(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        update = await provider.send_command("/invite Gil R.")
        first = await provider.wait_for_reply(timeout=30)
        await fake.deliver_again(update)
        await provider.wait_for_reply(expect_activity=False, timeout=30)
        assert "t.me/" in texts(first)
        again = await provider.send_command_and_wait("/patient Gil R.", timeout=30)
    links = [m for m in provider.messages if "t.me/" in plain(m)]
    assert len(links) == 1
    assert "Gil R." in texts(again) and "More than one patient" not in texts(again)
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert [p.display_name for p in session.exec(select(Patient)).all()] == ["Gil R."]
    engine.dispose()


async def test_a_forged_button_and_text_that_cannot_be_stored_get_a_friendly_reply(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    patient = fake.private_chat(chat_id=3106, first_name="Fay")
    at_review(settings, patient.chat_id, "Fay S.")
    engine = make_engine(database_url)
    with Session(engine) as session:
        before = session.exec(select(Intake)).one()
    async with running_bot(settings):
        await patient.send_command_and_wait("/start", timeout=30)
        review = next(m for m in reversed(patient.messages) if m.inline_keyboard)
        await patient.press_data("a|i" + "9" * 20 + "|review|submit", review)
        forged = await patient.wait_for_reply(timeout=30)
        reply = await patient.send_text_and_wait("several\x00 days", timeout=30)
        assert "something went wrong" not in (texts(forged) + texts(reply)).lower()
        assert texts(reply)  # a friendly reply
        assert patient.callback_answers  # the button's spinner was stopped
    with Session(engine) as session:
        after = session.exec(select(Intake)).one()
    engine.dispose()
    assert after.submitted_at is None and after.step == before.step == "review"


async def test_an_update_the_library_cannot_read_holds_up_nothing_after_it(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    patient = fake.private_chat(chat_id=1501, first_name="Ula")
    async with running_bot(settings):
        await fake.enqueue({"message": {"message_id": 1, "date": 0, "chat": 1501}})  # no object
        reply = await patient.send_command_and_wait("/start")
        assert texts(reply)  # stored, received and answered after it
    engine = make_engine(database_url)
    with Session(engine) as session:
        waiting = session.exec(select(InboxUpdate.chat_id)).all()
    engine.dispose()
    assert waiting == [None]  # kept, to be set aside once reading it has failed on each try
