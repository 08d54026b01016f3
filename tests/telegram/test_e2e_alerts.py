"""End to end: urgent safety alerts are acknowledged, shown as such to every provider, re-sent
until someone acknowledges them (also across a restart), and every step is audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from e2e_support import (
    PROVIDER_CHAT_ID,
    bot_services,
    invite,
    join,
    plain,
    running_bot,
    say,
    settings_for,
    tap,
)
from fake_bot_api import FakeBotAPI, FakeChat
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import SafetyAudit, SafetyEvent

SECOND_PROVIDER = 9002


@pytest.fixture
def fake(fake: FakeBotAPI) -> FakeBotAPI:
    """The shared fake Bot API, with a second provider's chat."""
    fake.private_chat(chat_id=SECOND_PROVIDER, first_name="Sam", last_name="Okafor")
    return fake


@pytest.fixture
def settings(fake: FakeBotAPI, tmp_path: Path):  # type: ignore[no-untyped-def]
    return settings_for(
        fake,
        f"sqlite:///{tmp_path / 'intake.db'}",
        provider_chat_ids=(PROVIDER_CHAT_ID, SECOND_PROVIDER),
    )


def alert_copies(fake: FakeBotAPI, chat_id: int) -> list:  # type: ignore[type-arg]
    return [m for m in fake.chats[chat_id].messages if "URGENT" in plain(m)]


async def test_alert_is_resent_until_acknowledged_and_everyone_sees_who(
    fake: FakeBotAPI, settings
) -> None:  # type: ignore[no-untyped-def]
    patient = fake.private_chat(chat_id=5001, first_name="Noor")
    token = invite(settings, "Noor A.")
    async with running_bot(settings) as application:
        bot_services(application).alerts.repeat_after = timedelta(seconds=1)
        await join(patient, token)
        await tap(patient, "I agree")
        reply = await say(patient, "I keep thinking about ending my life")
        assert "988" in "\n".join(plain(m) for m in reply)
        first = fake.chats[PROVIDER_CHAT_ID]
        second = fake.chats[SECOND_PROVIDER]
        await first.wait_for(
            lambda chat: len(alert_copies(fake, PROVIDER_CHAT_ID)) >= 2, timeout=10
        )
        resent = alert_copies(fake, PROVIDER_CHAT_ID)[-1]
        assert "Not yet acknowledged" in plain(resent)
        assert "Patient: Noor A." in plain(resent) and "ending my life" not in plain(resent)

        await second.press_and_wait("✅ Acknowledge")
        # The toast comes once the acknowledgement is stored; the repeats keep the bot busy, so
        # it may come after the quiet moment press_and_wait stops at.
        assert await fake.wait_until(
            lambda: any("Acknowledged" in (a.get("text") or "") for a in second.callback_answers),
            5,
        )
        await first.wait_for(
            lambda chat: "Acknowledged by Sam Okafor" in (chat.last_text or ""), timeout=5
        )
        # A repeat on its way as the alert was acknowledged loses its button once it settles.
        for chat_id in (PROVIDER_CHAT_ID, SECOND_PROVIDER):
            assert await fake.wait_until(
                lambda chat_id=chat_id: (
                    not any(m.inline_keyboard for m in alert_copies(fake, chat_id))
                ),
                5,
            )
        copies = len(alert_copies(fake, PROVIDER_CHAT_ID))
        await asyncio.sleep(2.5)
        assert len(alert_copies(fake, PROVIDER_CHAT_ID)) == copies  # no more repeats

    with Session(make_engine(settings.database_url)) as session:
        event = session.exec(select(SafetyEvent).where(SafetyEvent.alert == True)).one()  # noqa: E712
        audit = [a.action for a in session.exec(select(SafetyAudit).order_by(SafetyAudit.id)).all()]
    assert event.acknowledged_by == "Sam Okafor" and event.acknowledged_at is not None
    assert event.times_alerted >= 2
    assert audit[0] == "shown" and audit[1] == "alerted"
    assert "realerted" in audit and audit.count("acknowledged") == 1
    # a copy already on its way when the button was pressed may be logged just after it
    assert audit.index("acknowledged") > audit.index("alerted")


async def test_unacknowledged_alert_is_resent_after_a_restart(fake: FakeBotAPI, settings) -> None:  # type: ignore[no-untyped-def]
    patient = fake.private_chat(chat_id=5002, first_name="Ira")
    token = invite(settings, "Ira B.")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        await say(patient, "I want to kill myself")
        await fake.chats[PROVIDER_CHAT_ID].wait_for(
            lambda chat: len(alert_copies(fake, PROVIDER_CHAT_ID)) == 1, timeout=5
        )
    async with running_bot(settings) as application:
        dispatcher = bot_services(application).alerts
        dispatcher.repeat_after = timedelta(seconds=1)
        await dispatcher.start()  # re-plan with the short interval, as a restart does
        await fake.chats[PROVIDER_CHAT_ID].wait_for(
            lambda chat: len(alert_copies(fake, PROVIDER_CHAT_ID)) >= 2, timeout=10
        )
    assert "Not yet acknowledged" in plain(alert_copies(fake, PROVIDER_CHAT_ID)[-1])


def asks_if_safe(chat: FakeChat) -> bool:
    """The latest question with buttons is the safety question."""
    latest = next((m for m in reversed(chat.messages) if m.inline_keyboard), None)
    return latest is not None and "Yes, I'm safe right now" in " ".join(latest.buttons())


async def test_risk_in_an_edit_or_a_caption_is_caught_and_alerts_reach_providers_when_the_patient_cannot(
    fake: FakeBotAPI, settings
) -> None:  # type: ignore[no-untyped-def]
    import time

    patient = fake.private_chat(chat_id=5003, first_name="Oli")
    token = invite(settings, "Oli C.")
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")

        edited = {
            "edited_message": {
                "message_id": 99,
                "from": patient.user,
                "chat": patient.chat,
                "date": int(time.time()),
                "edit_date": int(time.time()),
                "text": "actually I want to kill myself",
            }
        }
        await fake.enqueue(edited)
        await patient.wait_for(
            lambda chat: (
                "988" in (chat.last_text or "")
                or any("988" in plain(m) for m in chat.messages[-3:])
            ),
            timeout=5,
        )
        await provider.wait_for(
            lambda chat: len(alert_copies(fake, PROVIDER_CHAT_ID)) == 1, timeout=5
        )
        await patient.wait_for(asks_if_safe, timeout=5)
        await tap(patient, "Yes, I'm safe right now")

        await patient.send_photo(caption="goodbye, I won't be around much longer")
        await provider.wait_for(
            lambda chat: len(alert_copies(fake, PROVIDER_CHAT_ID)) == 2, timeout=5
        )
        await patient.wait_for(asks_if_safe, timeout=5)
        assert any("988" in plain(m) for m in patient.messages[-3:])
        await tap(patient, "Yes, I'm safe right now")

        patient.blocked = True  # the patient blocks the bot right after writing
        await patient.send_text("I want to die")
        await provider.wait_for(
            lambda chat: len(alert_copies(fake, PROVIDER_CHAT_ID)) == 3, timeout=5
        )
