"""The inbox worker through a backlog (bot.telegram.inbox), in the running bot: every patient's
update that arrives at once is handled, and those left waiting are claimed a few at a time,
as slots free up, not with one claim for each update handled; a chat's next update, held back
while its previous one was handled, is claimed as soon as that ends."""

from __future__ import annotations

import pytest
from e2e_support import bot_services, current_question, invite, join, running_bot, settings_for
from fake_bot_api import FakeBotAPI

from bot.telegram import inbox as inbox_worker
from bot.telegram.inbox import CLAIM_WHEN_FREE, CONCURRENT_CHATS

PATIENTS = 40


async def test_a_backlog_is_handled_with_one_claim_for_several_updates(
    fake: FakeBotAPI, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(fake, database_url)
    patients = [fake.private_chat(chat_id=7_000 + n) for n in range(PATIENTS)]
    tokens = [invite(settings, f"Patient {n}") for n in range(PATIENTS)]
    async with running_bot(settings) as application:
        for patient, token in zip(patients, tokens, strict=True):
            await join(patient, token)
        consent = {patient.chat_id: current_question(patient) for patient in patients}
        inbox = bot_services(application).inbox.inbox
        claims: list[int] = []
        claim = inbox.claim

        def counted(limit: int, handling: object = ()) -> list[tuple[int, dict[str, object]]]:
            found = claim(limit, handling)  # type: ignore[arg-type]
            claims.append(len(found))
            return found

        monkeypatch.setattr(inbox, "claim", counted)
        for patient in patients:
            await patient.press("1. I agree")
        everyone_moved_on = await fake.wait_until(
            lambda: all(current_question(p) != consent[p.chat_id] for p in patients), 60
        )

    assert everyone_moved_on, "not every patient got past the consent question"
    taken = [count for count in claims if count]
    # The first CONCURRENT_CHATS (or more) are claimed as they are stored; the rest, as slots
    # free up, at least CLAIM_WHEN_FREE at a time except the last few.
    assert sum(taken) <= PATIENTS - CONCURRENT_CHATS
    assert len(taken) <= (PATIENTS - CONCURRENT_CHATS) // CLAIM_WHEN_FREE + 2, claims


async def test_a_chats_next_update_is_claimed_when_its_previous_one_is_done(
    fake: FakeBotAPI, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two texts typed at once: the second waits for the first, then goes at once, not at the
    worker's next look at the inbox (made an hour away here)."""
    monkeypatch.setattr(inbox_worker, "IDLE_POLL", 3_600.0)
    settings = settings_for(fake, database_url)
    patient = fake.private_chat(chat_id=7_500)
    token = invite(settings, "Quick Typer")
    async with running_bot(settings):
        await join(patient, token)
        await patient.press_and_wait("1. I agree")
        before = len(patient.messages)
        await patient.send_text("skip")
        await patient.send_text("skip")
        both_answered = await fake.wait_until(lambda: len(patient.messages) >= before + 2, 30)
    assert both_answered, patient.describe_recent()
