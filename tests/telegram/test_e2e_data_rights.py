"""End to end, as a patient and a provider would, on SQLite and PostgreSQL: /privacy, /mydata
(the record arrives as a file), /stop, /delete (cancelled, then confirmed; its old button
afterwards; the provider told; nothing of the patient left in any row), the retention job, and
a patient who declines after typing risk language."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from e2e_support import (
    CLINIC,
    PROVIDER_CHAT_ID,
    bot_services,
    invite,
    join,
    plain,
    running_bot,
    say,
    settings_for,
    tap,
    texts,
)
from erasure_checks import decrypted_dump, left_behind
from fake_bot_api import FakeBotAPI, FakeChat
from service_support import make_services
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from test_e2e_encryption import found_in, raw_rows, raw_sqlite

from flows import messages
from flows import rights_messages as words
from storage.db import make_engine
from storage.models import DataRightsLog, Patient, Reminder, SafetyEvent

NAME = "Ottoline Quibbleworth"
NOTE = "Rough week at the Xochimilco office"
RISK = "Honestly I want to kill myself"
CHAT = 6101
SLOW = 30.0


async def checkin_with_note(patient: FakeChat) -> None:
    await patient.send_command("/checkin")
    await patient.wait_for(lambda c: "Check-in · 1 of 5" in (c.last_text or ""), timeout=SLOW)
    await tap(patient, "4")
    await say(patient, "6.5")
    await tap(patient, "Low")
    await tap(patient, "Headache")
    await tap(patient, "Done ✔️")
    reply = await say(patient, NOTE)
    assert "logged" in texts(reply).lower()


def database_rows(database_url: str, model: type[Any]) -> list[Any]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(model)).all())
    finally:
        engine.dispose()


async def settled(database_url: str, secrets: tuple[str, ...]) -> None:
    """Wait (up to SLOW seconds) until the outbox's last rows about the chat are settled."""
    engine = make_engine(database_url)
    try:
        for _ in range(int(SLOW / 0.25)):
            if not left_behind(engine, secrets):
                return
            await asyncio.sleep(0.25)
    finally:
        engine.dispose()


async def test_mydata_delete_and_what_is_left(fake: FakeBotAPI, database_url: str) -> None:
    patient = fake.private_chat(chat_id=CHAT, first_name="Otto")
    provider = fake.chats[PROVIDER_CHAT_ID]
    settings = settings_for(fake, database_url)
    token = invite(settings, NAME)
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        await checkin_with_note(patient)
        reply = await say(patient, RISK)
        assert "988" in texts(reply)
        await tap(patient, "Yes, I'm safe right now")

        menus = " ".join(str(call.params) for call in fake.calls_named("setMyCommands"))
        assert all(name in menus for name in ("privacy", "mydata", "delete", "stop"))
        reply = await patient.send_command_and_wait("/privacy")
        assert "Your privacy" in texts(reply) and "365 days" in texts(reply)

        await patient.send_command("/mydata")
        # The file, then a line saying it was sent: both, before the next command's reply.
        await patient.wait_for(
            lambda c: (
                any(m.media == "document" for m in c.messages)
                and any(m.text == words.MYDATA_SENT for m in c.messages)
            ),
            timeout=SLOW,
        )
        document = next(m for m in patient.messages if m.media == "document")
        assert document.file is not None and document.file.file_name == words.MYDATA_FILE
        record = document.file.data.decode()
        assert NAME in record and NOTE in record and RISK in record

        reply = await patient.send_command_and_wait("/delete")
        assert words.DELETE_QUESTION.split("?")[0] in texts(reply)
        reply = await tap(patient, "No, keep it")
        assert words.DELETE_CANCELLED in texts(reply)
        assert len(database_rows(database_url, Patient)) == 1

        await patient.send_command_and_wait("/delete")
        question = patient.messages[-1]  # answered by typing: its buttons stay in the chat
        reply = await say(patient, "yes")
        assert words.DELETED in texts(reply)
        await provider.wait_for(lambda c: "has left" in (c.last_text or ""), timeout=SLOW)
        notice = plain(provider.messages[-1])
        assert NAME in notice and NOTE not in notice and "kill" not in notice

        # The question's "Yes" button, pressed now, finds a stranger and changes nothing.
        reply = await patient.press_and_wait("1. Yes, delete everything", message=question)
        assert messages.invitation_needed(CLINIC) in texts(reply)
        reply = await say(patient, "hello?")
        assert messages.invitation_needed(CLINIC) in texts(reply)
        # the last replies are settled (and forgotten) in the outbox once Telegram took them
        await settled(database_url, (NAME, NOTE, RISK, str(CHAT)))

    assert [line.action for line in database_rows(database_url, DataRightsLog)] == ["deleted"]
    engine = make_engine(database_url)
    try:
        secrets = (NAME, "Quibbleworth", NOTE, "Xochimilco", RISK, "kill myself", str(CHAT), "Otto")
        assert left_behind(engine, secrets) == [], decrypted_dump(engine)
    finally:
        engine.dispose()
    assert found_in(raw_rows(database_url)) == []
    if make_url(database_url).get_backend_name() == "sqlite":
        assert NAME.encode() not in raw_sqlite(database_url)


async def test_stop_ends_reminders_and_reminders_brings_them_back(
    fake: FakeBotAPI, database_url: str
) -> None:
    patient = fake.private_chat(chat_id=CHAT + 1, first_name="Sol")
    settings = settings_for(fake, database_url)
    token = invite(settings, "Sol S.", appointment_in=timedelta(days=6))
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        pending = [r for r in database_rows(database_url, Reminder) if r.status == "pending"]
        assert pending
        reply = await patient.send_command_and_wait("/stop")
        assert "stopped all reminders" in texts(reply) and "/reminders" in texts(reply)
        assert not [r for r in database_rows(database_url, Reminder) if r.status == "pending"]
        await patient.send_command_and_wait("/reminders")
        await tap(patient, "Every day")
        reply = await say(patient, "9:00")
        assert "9:00" in texts(reply)
    [stored] = database_rows(database_url, Patient)
    assert stored.reminders_stopped_at is None and stored.checkin_cadence == "daily"
    kinds = {r.kind for r in database_rows(database_url, Reminder) if r.status == "pending"}
    assert "checkin" in kinds and "appointment" in kinds


async def test_the_daily_job_purges_patients_past_the_retention_period(
    fake: FakeBotAPI, database_url: str
) -> None:
    engine = make_engine(database_url)
    try:
        long_ago = make_services(engine)
        long_ago.clock.now -= timedelta(days=400)
        long_ago.invite("Old Patient", at=None)
    finally:
        engine.dispose()
    settings = settings_for(fake, database_url, retention_days=30)
    async with running_bot(settings) as application:
        bot_services(application).retention.start(first=timedelta(seconds=0.1))
        for _ in range(100):
            if database_rows(database_url, DataRightsLog):
                break
            await asyncio.sleep(0.1)
    assert [line.action for line in database_rows(database_url, DataRightsLog)] == ["purged"]
    assert database_rows(database_url, Patient) == []


async def test_a_patient_who_declines_after_risk_language_is_told_the_truth(
    fake: FakeBotAPI, database_url: str
) -> None:
    patient = fake.private_chat(chat_id=CHAT + 2, first_name="Dee")
    provider = fake.chats[PROVIDER_CHAT_ID]
    settings = settings_for(fake, database_url)
    token = invite(settings, "Dee D.")
    async with running_bot(settings):
        await join(patient, token)
        reply = await say(patient, RISK)  # before agreeing
        assert "988" in texts(reply)
        await provider.wait_for(
            lambda c: any("URGENT" in plain(m) for m in c.messages), timeout=SLOW
        )
        await tap(patient, "Yes, I'm safe right now")
        # The consent question comes back; on a busy machine, after the quiet window `tap` waits.
        await patient.wait_for(lambda c: "No thanks" in " ".join(c.buttons()), timeout=SLOW)
        reply = await tap(patient, "No thanks")
        assert words.DECLINED_AFTER_ALERT in texts(reply)
        assert "Nothing has been saved" not in texts(reply)
        [event] = [e for e in database_rows(database_url, SafetyEvent) if e.alert]
        assert event.patient_text == RISK  # kept while nobody has seen the alert

        await provider.press_and_wait("✅ Acknowledge")
        await provider.wait_for(lambda c: "Acknowledged by" in (c.last_text or ""), timeout=SLOW)
    events = database_rows(database_url, SafetyEvent)
    assert events and all(e.patient_text is None and e.text_erased_at for e in events)
    engine = make_engine(database_url)
    try:
        assert left_behind(engine, (RISK, "kill myself")) == []
    finally:
        engine.dispose()
