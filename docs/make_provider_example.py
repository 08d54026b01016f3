"""What a provider receives, made with the real bot against the test suite's fake Bot API.

A patient who joined a month ago and checked in most days submits their first-visit intake
(the invented answers of docs/first_visit_demo.py, typed one message at a time); the provider
chat's messages are printed (Telegram HTML, as sent) and the chart is saved (to
docs/provider-chart-example.png, or to the path given as the one argument).

    .venv/bin/python docs/make_provider_example.py > docs/provider-message-example.txt
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "docs"))

from e2e_support import (  # noqa: E402
    PROVIDER_CHAT_ID,
    TOKEN,
    invite,
    join,
    running_bot,
    say,
    settings_for,
    tap,
)
from fake_bot_api import FakeBotAPI  # noqa: E402
from first_visit_demo import SCRIPT  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from storage import crypto  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Checkin, Patient  # noqa: E402

CHART = Path(__file__).parent / "provider-chart-example.png"
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
    key = crypto.new_key()  # a throwaway key: the example's database is thrown away too
    os.environ[crypto.SETTING] = key
    crypto.configure(key)
    async with FakeBotAPI(token=TOKEN) as fake:
        provider = fake.private_chat(
            chat_id=PROVIDER_CHAT_ID, first_name="Dana", last_name="Rivera"
        )
        patient = fake.private_chat(chat_id=1001, first_name="Mara")
        settings = settings_for(fake, f"sqlite:///{tempfile.mkdtemp()}/example.db")
        token = invite(settings, "Mara L.", appointment_in=timedelta(days=2))
        async with running_bot(settings):
            await join(patient, token)
            await tap(patient, "I agree")
            add_checkins(settings.database_url)
            for answer in SCRIPT:
                await say(patient, answer)
            # An upper bound, not a target: the PDF is drawn in a worker process, which a
            # busy machine (the test suite's other workers) may take well over 20 s to start.
            await provider.wait_for(
                lambda c: any(m.media == "document" for m in c.messages), timeout=60
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
                chart = Path(sys.argv[1]) if len(sys.argv) > 1 else CHART
                chart.write_bytes(message.file.data)


if __name__ == "__main__":
    asyncio.run(main())
