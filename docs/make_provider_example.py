"""What a provider receives, made with the real bot against the test suite's fake Bot API.

A patient who joined a month ago and checked in most days submits an intake; the provider
chat's messages are printed (Telegram HTML, as sent) and the chart is saved.

    .venv/bin/python docs/make_provider_example.py > docs/provider-message-example.txt
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from e2e_support import (
    PROVIDER_CHAT_ID,
    TOKEN,
    invite,
    join,
    running_bot,
    say,
    settings_for,
    tap,
)
from fake_bot_api import FakeBotAPI
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Checkin, Patient

CHART = Path(__file__).parent / "provider-chart-example.png"
ANSWERS = [
    "sertraline 50 mg once a day", "as prescribed", "2", "forgot", "that's all", "none",
    *["several days"] * 8, "not at all", "somewhat difficult", *["several days"] * 7,
    "6.5", "30-60 minutes", "2", "poor", "worse", "worse", "same", "worse",
    "1", "most days", "moderate", "a lot", "sertraline",
    "a lot", *["not at all"] * 8, "Rent went up.", "Can I take it at night instead?",
    "that's all my questions", "submit",
]  # fmt: skip


def add_checkins(database_url: str) -> None:
    """Three weeks of check-ins, two days missed, mood slowly rising."""
    random.seed(7)
    now = datetime.now(UTC)
    with Session(make_engine(database_url)) as session:
        person = session.exec(select(Patient)).one()
        person.linked_at = person.consented_at = now - timedelta(days=30)
        session.add(person)
        for day in range(21, 0, -1):
            if day in (15, 9):
                continue
            mood = max(0, min(10, round(3 + (21 - day) * 0.2 + random.uniform(-1, 1))))
            answers = {
                "checkin.mood": mood,
                "checkin.sleep": round(5 + random.uniform(0, 2.5), 1),
                "checkin.energy": random.choice(["low", "ok"]),
                "checkin.side_effects": ["headache"] if day % 5 == 0 else ["none"],
                "checkin.note": "Rough week at work" if day == 18 else {"choice": "none"},
            }
            moment = now - timedelta(days=day)
            session.add(
                Checkin(
                    patient_id=person.id,
                    step=None,
                    started_at=moment,  # type: ignore[arg-type]
                    completed_at=moment,
                    answers=answers,
                )
            )
        session.commit()


async def main() -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        provider = fake.private_chat(
            chat_id=PROVIDER_CHAT_ID, first_name="Dana", last_name="Rivera"
        )
        patient = fake.private_chat(chat_id=1001, first_name="Ana")
        settings = settings_for(fake, f"sqlite:///{tempfile.mkdtemp()}/example.db")
        token = invite(settings, "Ana P.", appointment_in=timedelta(days=2))
        async with running_bot(settings):
            await join(patient, token)
            await tap(patient, "I agree")
            add_checkins(settings.database_url)
            for answer in ANSWERS:
                await say(patient, answer)
            await provider.wait_for(
                lambda c: any(m.media == "document" for m in c.messages), timeout=20
            )
        for message in provider.messages:
            if message.media is None:
                print("----- provider chat: message (Telegram HTML, as sent) -----")
                print(message.content)
                continue
            assert message.file is not None
            print(
                f"----- provider chat: {message.media}, {len(message.file.data):,} bytes: {message.caption}"
            )
            if message.media == "photo":
                CHART.write_bytes(message.file.data)


if __name__ == "__main__":
    asyncio.run(main())
