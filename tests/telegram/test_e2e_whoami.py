"""/whoami, end to end: any private chat gets its own chat id and nothing else (how providers
find the id for PROVIDER_CHAT_IDS); nothing is stored; group chats get the polite refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import PROVIDER_CHAT_ID, plain, running_bot, settings_for
from fake_bot_api import FakeBotAPI
from sqlmodel import Session, select

from bot.telegram.patient_handlers import GROUP_REFUSAL
from flows import messages
from storage.db import make_engine
from storage.models import Patient, SafetyEvent


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'intake.db'}"


async def test_any_private_chat_learns_its_own_chat_id_and_nothing_is_stored(
    fake: FakeBotAPI, database_url: str
) -> None:
    stranger = fake.private_chat(chat_id=5_550_001_234, first_name="Future", last_name="Provider")
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings_for(fake, database_url)):
        reply = await stranger.send_command_and_wait("/whoami")
        from_provider = await provider.send_command_and_wait("/whoami")
    assert [plain(m) for m in reply] == ["Your chat id: 5550001234"]
    assert reply[0].parse_mode == "HTML" and "<code>5550001234</code>" in (reply[0].text or "")
    assert [plain(m) for m in from_provider] == [f"Your chat id: {PROVIDER_CHAT_ID}"]
    with Session(make_engine(database_url)) as session:
        assert session.exec(select(Patient)).all() == []


async def test_a_group_chat_gets_the_polite_refusal(fake: FakeBotAPI, database_url: str) -> None:
    group = fake.group_chat(chat_id=-4001, title="Front desk")
    async with running_bot(settings_for(fake, database_url)):
        reply = await group.send_command_and_wait("/whoami")
    assert [plain(m) for m in reply] == [GROUP_REFUSAL]


async def test_risk_words_after_whoami_still_bring_the_crisis_resources(
    fake: FakeBotAPI, database_url: str
) -> None:
    stranger = fake.private_chat(chat_id=1717, first_name="Sam")
    async with running_bot(settings_for(fake, database_url)):
        reply = await stranger.send_command_and_wait("/whoami i want to kill myself")
    shown = [plain(m) for m in reply]
    assert shown[0] == plain_text(messages.CRISIS_RESOURCES)
    assert shown[-1] == "Your chat id: 1717"
    with Session(make_engine(database_url)) as session:  # a stranger: nothing about them kept
        assert session.exec(select(Patient)).all() == []
        assert session.exec(select(SafetyEvent)).all() == []


def plain_text(text: str) -> str:
    from bot.render.html import esc, to_plain

    return to_plain(esc(text))
