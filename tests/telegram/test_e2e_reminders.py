"""End to end: invitations, provider commands, reminders across restarts and bursts, check-ins.

The real Application runs against the fake Bot API on 127.0.0.1; reminders are made due a
moment from now by editing their rows, since the scheduler fires on the real clock.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_support import (
    CLINIC,
    PROVIDER_CHAT_ID,
    answer_to_the_review,
    bot_services,
    burst_of_reminders,
    invite,
    join,
    past_the_history,
    plain,
    running_bot,
    say,
    settings_for,
    skip_to_the_medicines,
    tap,
    texts,
)
from fake_bot_api import FakeBotAPI, FakeChat
from sqlmodel import Session, select
from telegram.ext import Application

from flows import messages
from storage.db import make_engine
from storage.models import Checkin, Invitation, OutboxMessage, Patient, Reminder

BURST = 300
"""Reminders due at once (the two-replica test and bench/load.py send 1,000)."""


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'intake.db'}"


def rows(database_url: str, model: type) -> list:  # type: ignore[type-arg]
    with Session(make_engine(database_url)) as session:
        return list(session.exec(select(model)).all())


def due_soon(database_url: str, reminder_id: int, seconds: float) -> None:
    """Bring a reminder forward so the test need not wait days for it."""
    with Session(make_engine(database_url)) as session:
        reminder = session.get(Reminder, reminder_id)
        assert reminder is not None
        reminder.due_at = datetime.now(UTC) + timedelta(seconds=seconds)
        session.add(reminder)
        session.commit()


async def linked_patient(
    fake: FakeBotAPI, settings, chat_id: int, name: str, **invite_args
) -> FakeChat:  # type: ignore[no-untyped-def]
    patient = fake.private_chat(chat_id=chat_id, first_name=name.split()[0])
    token = invite(settings, name, **invite_args)
    await join(patient, token)
    await tap(patient, "I agree")
    return patient


async def test_strangers_are_refused_and_nothing_is_stored(
    fake: FakeBotAPI, database_url: str
) -> None:
    stranger = fake.private_chat(chat_id=3001, first_name="Sam")
    async with running_bot(settings_for(fake, database_url)):
        reply = await stranger.send_command_and_wait("/start")
        assert "personal link your clinic sent you" in texts(reply)
        reply = await stranger.send_command_and_wait("/start not-a-real-token")
        assert "ask Riverside Psychiatry for a new link" in texts(reply)
        reply = await say(stranger, "hello?")
        assert "personal link" in texts(reply)
        reply = await stranger.send_command_and_wait("/invite Somebody Else")
        assert "personal link" in texts(reply)  # provider commands are unknown to strangers
        reply = await stranger.send_command_and_wait("/checkin")
        assert "personal link" in texts(reply)
        reply = await stranger.send_command_and_wait("/whoami")
        assert "3001" in texts(reply)
        await stranger.send_sticker()
        assert "personal link" in texts(await stranger.wait_for_reply())
        edit = {"message_id": 98, "from": stranger.user, "chat": stranger.chat, "date": 1}
        await fake.enqueue({"edited_message": {**edit, "edit_date": 2, "text": "hi"}})
        assert "edit" in texts(await stranger.wait_for(count=1, timeout=10)).lower()
        for _ in range(100):  # the last notice is marked sent just after Telegram took it
            if all(m.status == "sent" for m in rows(database_url, OutboxMessage)):
                break
            await asyncio.sleep(0.05)
    assert rows(database_url, Patient) == []
    # Every notice went out, and the outbox kept neither its words nor the stranger's chat.
    kept = rows(database_url, OutboxMessage)
    assert kept and all(m.status == "sent" for m in kept)
    assert all(m.chat_id != 3001 and m.payload == {} for m in kept)


async def test_invited_patient_is_linked_and_a_used_link_is_refused(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        reply = await provider.send_command_and_wait("/invite Jane D. 2030-12-03 15:00")
        text = texts(reply)
        assert "Invitation for Jane D." in text and "Tue 3 Dec 2030, 3:00 PM CST" in text
        token = text.split("?start=")[1].split()[0]
        assert len(token) >= 22  # 128 bits, URL-safe base64

        jane = fake.private_chat(chat_id=3002, first_name="Jane")
        welcome = await join(jane, token)
        assert CLINIC in texts(welcome) and "Do you agree" in texts(welcome)
        reply = await tap(jane, "I agree")
        assert "opens on Sat 30 Nov 2030" in texts(reply)  # 3 days before, same wall-clock time
        reply = await jane.send_command_and_wait("/appointment")
        assert "Tue 3 Dec 2030, 3:00 PM CST" in texts(reply)

        other = fake.private_chat(chat_id=3003, first_name="Mallory")
        reply = await join(other, token)
        assert "doesn't work" in texts(reply)

        unknown = await jane.send_command_and_wait("/frobnicate")
        as_patient = await jane.send_command_and_wait("/invite Someone")
        assert texts(as_patient) == texts(unknown)  # the same reply as any unknown command

        reply = await provider.send_command_and_wait("/appointment Jane D. 2030-12-10 09:30")
        assert "moved from Tue 3 Dec 2030, 3:00 PM CST" in texts(reply)
        reply = await jane.send_command_and_wait("/appointment")
        assert "Tue 10 Dec 2030, 9:30 AM CST" in texts(reply)

    patients = rows(database_url, Patient)
    assert [(p.display_name, p.telegram_chat_id) for p in patients] == [("Jane D.", 3002)]
    invitation = rows(database_url, Invitation)[0]
    assert invitation.used_at is not None and token not in invitation.token_hash
    pending = [r for r in rows(database_url, Reminder) if r.status == "pending"]
    assert {r.kind for r in pending} == {"intake_open", "intake_48h", "intake_24h", "appointment"}
    # the reminders moved with the appointment: the intake opens 3 days before 10 Dec, 09:30 local
    opening = next(r for r in pending if r.kind == "intake_open")
    assert opening.due_at.replace(tzinfo=UTC) == datetime(2030, 12, 7, 15, 30, tzinfo=UTC)


async def test_an_expired_link_is_refused(fake: FakeBotAPI, database_url: str) -> None:
    settings = settings_for(fake, database_url)
    token = invite(settings, "Old Link")
    with Session(make_engine(database_url)) as session:
        invitation = session.exec(select(Invitation)).one()
        invitation.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        session.add(invitation)
        session.commit()
    patient = fake.private_chat(chat_id=3004, first_name="Old")
    async with running_bot(settings):
        reply = await join(patient, token)
    assert "doesn't work" in texts(reply)
    assert rows(database_url, Patient)[0].telegram_chat_id is None


async def test_checkin_from_a_reminder_reaches_the_providers_intake(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings) as application:
        patient = await linked_patient(
            fake, settings, 3005, "Kim L.", appointment_in=timedelta(days=2)
        )
        await say(patient, "pause")
        reply = await patient.send_command_and_wait("/reminders")
        assert "Check-in reminders are off" in texts(reply)
        await tap(patient, "Every day")
        reply = await say(patient, "8:15 pm")
        assert "every day at 8:15 PM" in texts(reply)
        checkin_reminder = next(r for r in rows(database_url, Reminder) if r.kind == "checkin")
        due_soon(database_url, checkin_reminder.id, 0.5)
        runner = bot_services(application).reminders
        await runner.arm([checkin_reminder.id])
        reminded = await patient.wait_for(
            lambda chat: messages.CHECKIN_DUE in (chat.last_text or ""), timeout=10
        )
        assert reminded
        reply = await patient.press_and_wait(messages.START_CHECKIN_BUTTON)
        assert "Check-in · 1 of 5" in texts(reply)
        await tap(patient, "4")
        await say(patient, "6.5")
        await tap(patient, "Low")
        await tap(patient, "Headache")
        await tap(patient, "Done ✔️")
        reply = await say(patient, "Rough week at work <3")
        assert "logged" in texts(reply).lower()
        # the next day's reminder is planned as soon as this one went out
        pending = [
            r for r in rows(database_url, Reminder) if r.kind == "checkin" and r.status == "pending"
        ]
        assert len(pending) == 1 and pending[0].id != checkin_reminder.id

        reply = await patient.send_command_and_wait("/start")
        assert "Medications" in texts(reply) or "Welcome back" in texts(reply)
        await _finish_intake(patient)
        await provider.wait_for(  # the intake's last part, its PDF
            lambda chat: any(m.media == "document" for m in chat.messages), timeout=15
        )

        before = len(provider.messages)
        await provider.send_command_and_wait("/checkins Kim L.", quiet=0.5)
        asked = provider.messages[before:]
        log = "\n".join(plain(m) for m in asked)
        assert "Check-in log" in log and "mood 4; sleep 6.5 h; energy low" in log
        assert any(m.media == "photo" for m in asked)

    summary = "\n".join(plain(m) for m in provider.messages if m.media is None)
    assert "Pre-visit intake: Kim L." in summary
    assert "Check-ins since" in summary and "1 check-in" in summary
    assert "Mood: average 4" in summary and "Sleep: average 6.5 h" in summary
    assert "headache ×1" in summary.lower()
    assert "Rough week at work <3" in summary
    photo = next(m for m in provider.messages if m.media == "photo")
    assert photo.file is not None and photo.file.data.startswith(b"\x89PNG")
    checkin = rows(database_url, Checkin)[0]
    assert checkin.completed_at is not None and checkin.late is False


async def _finish_intake(patient: FakeChat) -> None:
    """The shortest complete first visit, typed, from its first question."""
    await skip_to_the_medicines(patient)
    await say(patient, "I don't take any")
    await say(patient, "none")
    await past_the_history(patient)
    await answer_to_the_review(patient)
    await say(patient, "submit")


async def test_a_reminder_due_while_the_bot_is_down_arrives_exactly_once(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    async with running_bot(settings):
        patient = await linked_patient(fake, settings, 3006, "Lee M.")
        await patient.send_command_and_wait("/reminders")
        await tap(patient, "Every day")
        await tap(patient, "8:00 PM")
    reminder = next(r for r in rows(database_url, Reminder) if r.kind == "checkin")
    due_soon(database_url, reminder.id, 1.0)
    # armed, then stopped before it fires; the moment passes while the bot is down
    async with running_bot(settings):
        pass
    await asyncio.sleep(1.5)
    before = len(patient.messages)
    async with running_bot(settings):
        await patient.wait_for(
            lambda chat: messages.CHECKIN_DUE in (chat.last_text or ""), timeout=10
        )
        await asyncio.sleep(1.0)  # room for a second copy, if there were one
    async with running_bot(settings):
        await asyncio.sleep(1.0)
    sent = [m for m in patient.messages[before:] if messages.CHECKIN_DUE in (m.content or "")]
    assert len(sent) == 1
    statuses = {r.id: r.status for r in rows(database_url, Reminder)}
    assert statuses[reminder.id] == "sent"


async def test_a_burst_of_reminders_is_delivered_once_each_under_flood_control(
    fake: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(fake, database_url)
    chats = burst_of_reminders(fake, database_url, BURST)
    fake.flood_limit_per_second = 30
    started = time.monotonic()
    async with running_bot(settings) as application:
        assert isinstance(application, Application)
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            delivered = sum(1 for chat in chats if chat.messages)
            if delivered == len(chats):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)
    elapsed = time.monotonic() - started
    counts = [
        sum(1 for m in chat.messages if messages.CHECKIN_DUE in (m.content or "")) for chat in chats
    ]
    assert counts == [1] * BURST, (
        f"{counts.count(0)} not delivered, {sum(c > 1 for c in counts)} doubled"
    )
    statuses = [r.status for r in rows(database_url, Reminder) if r.key.endswith(":burst")]
    assert statuses == ["sent"] * BURST
    print(
        f"{BURST} reminders delivered in {elapsed:.1f}s; the fake answered 429 {fake.rejected_429} times"
    )
