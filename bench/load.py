"""Safety and replies under a reminder fan-out: while N check-in reminders go out at Telegram's
rate, one patient types risk language and twenty others ask for /help. How long until the crisis
resources (988) reach the patient, the alert reaches the provider, and the others get replies?

The same scenario runs on a bare python-telegram-bot bot (AIORateLimiter, a handler that answers
every text at once, the fan-out sent with `send_message` from a task), in the same run, against
the same fake Bot API with Telegram's flood control (30 messages a second): the floor that any
bot built on python-telegram-bot starts from. Figures are medians over --runs.

Run: .venv/bin/python bench/load.py [--reminders N] [--runs R] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from bare_bot import polling
from databases import empty_database
from e2e_support import PROVIDER_CHAT_ID, TOKEN, running_bot, settings_for
from fake_bot_api import FakeBotAPI, FakeChat
from sqlmodel import Session

from storage import crypto
from storage.db import make_engine
from storage.models import Patient, Reminder

RISK = "i want to kill myself"
TALKERS = 20
FIRST_CHAT = 500_000


@dataclass
class Figures:
    crisis: float  # seconds from the patient's message to the message naming 988
    alert: float  # ... to the provider's alert (the bare bot has none: its crisis reply)
    replies: list[float]  # the other patients' waits for a reply
    fan_out: float  # seconds until every reminder was delivered
    lost: int
    doubled: int


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def stopwatch(fake: FakeBotAPI, condition: Callable[[], bool], timeout: float) -> float:
    began = time.monotonic()
    if not await fake.wait_until(condition, timeout):
        return float("inf")
    return time.monotonic() - began


async def scenario(
    fake: FakeBotAPI,
    chats: list[FakeChat],
    talkers: list[FakeChat],
    crisis: FakeChat,
    provider: FakeChat | None,
) -> tuple[float, float, list[float]]:
    """Once a tenth of the reminders are out: the crisis message, then a /help every 0.3 s.
    (crisis reply s, provider alert s, the other patients' waits)"""
    await fake.wait_until(lambda: sum(bool(c.messages) for c in chats) >= len(chats) // 10, 120)
    await crisis.send_text(RISK)
    crisis_wait = asyncio.create_task(
        stopwatch(fake, lambda: any("988" in (m.content or "") for m in crisis.messages), 300)
    )
    alerted = (lambda: bool(provider.messages)) if provider else (lambda: True)
    alert_wait = asyncio.create_task(stopwatch(fake, alerted, 300))

    async def ask(chat: FakeChat) -> float:
        await chat.send_text("/help")
        return await stopwatch(fake, lambda: bool(chat.messages), 300)

    waits: list[Awaitable[float]] = []
    for chat in talkers:
        waits.append(asyncio.create_task(ask(chat)))
        await asyncio.sleep(0.3)
    replies = list(await asyncio.gather(*waits))
    crisis_s, alert_s = await crisis_wait, await alert_wait
    return crisis_s, (alert_s if provider else crisis_s), replies


def counts(chats: list[FakeChat]) -> tuple[int, int]:
    sent = [len(chat.messages) for chat in chats]
    return sent.count(0), sum(n > 1 for n in sent)


async def this_bot(database_url: str, reminders: int) -> Figures:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.flood_limit_per_second = 30
        provider = fake.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dr")
        settings = settings_for(fake, database_url, data_encryption_key=crypto.new_key())
        settings.configure_encryption()
        chats, talkers, crisis = seed(fake, database_url, reminders)
        began = time.monotonic()
        async with running_bot(settings):
            crisis_s, alert_s, replies = await scenario(fake, chats, talkers, crisis, provider)
            await fake.wait_until(lambda: all(c.messages for c in chats), 600)
            fan_out = time.monotonic() - began
            await asyncio.sleep(1.0)
        return Figures(crisis_s, alert_s, replies, fan_out, *counts(chats))


def seed(
    fake: FakeBotAPI, database_url: str, reminders: int
) -> tuple[list[FakeChat], list[FakeChat], FakeChat]:
    """Patients who consented: `reminders` with a check-in reminder due in 3 s, the talkers,
    and the patient in crisis."""
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    chats: list[FakeChat] = []
    others: list[FakeChat] = []
    with Session(engine) as session:
        for n in range(reminders + TALKERS + 1):
            chat_id = FIRST_CHAT + n
            chat = fake.private_chat(chat_id=chat_id, first_name=f"P{n}")
            patient = Patient(
                telegram_chat_id=chat_id, display_name=f"P{n}", linked_at=now, consented_at=now
            )
            session.add(patient)
            session.flush()
            if n < reminders:
                chats.append(chat)
                key = f"checkin:{patient.id}:bench"
                due = now + timedelta(seconds=3)
                session.add(Reminder(patient_id=patient.id, kind="checkin", key=key, due_at=due))
            else:
                others.append(chat)
        session.commit()
    engine.dispose()
    return chats, others[:-1], others[-1]


async def bare_bot(reminders: int) -> Figures:
    """python-telegram-bot alone: answer every text at once, fan the reminders out from a task."""
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.flood_limit_per_second = 30
        chats = [fake.private_chat(chat_id=FIRST_CHAT + n) for n in range(reminders)]
        talkers = [fake.private_chat(chat_id=FIRST_CHAT + reminders + n) for n in range(TALKERS)]
        crisis = fake.private_chat(chat_id=FIRST_CHAT + reminders + TALKERS)

        began = time.monotonic()
        async with polling(fake.base_url, TOKEN, "Call or text 988.") as application:
            fan_out_task = asyncio.gather(
                *(application.bot.send_message(c.chat_id, "Time to check in") for c in chats)
            )
            crisis_s, _, replies = await scenario(fake, chats, talkers, crisis, None)
            await fan_out_task
            fan_out = time.monotonic() - began
        return Figures(crisis_s, crisis_s, replies, fan_out, *counts(chats))


def report(name: str, runs: list[Figures]) -> dict[str, float]:
    replies = [wait for run in runs for wait in run.replies]
    figures = {
        "crisis resources (988), s": statistics.median(r.crisis for r in runs),
        "provider alert, s": statistics.median(r.alert for r in runs),
        "other patients' replies p50, s": statistics.median(replies),
        "other patients' replies p95, s": percentile(replies, 0.95),
        "whole fan-out, s": statistics.median(r.fan_out for r in runs),
        "reminders lost": max(r.lost for r in runs),
        "reminders doubled": max(r.doubled for r in runs),
    }
    print(f"\n{name}")
    for what, value in figures.items():
        print(f"  {what:34} {value:8.2f}")
    return figures


async def main(database: str | None, reminders: int, runs: int) -> None:
    ours: list[Figures] = []
    bare: list[Figures] = []
    for run in range(runs):
        with empty_database(database, "load") as url:
            ours.append(await this_bot(url, reminders))
        bare.append(await bare_bot(reminders))
        print(f"run {run + 1}/{runs} done", flush=True)
    mine = report(f"intake-bot, {reminders} reminders fanning out", ours)
    floor = report("bare python-telegram-bot (AIORateLimiter), same fan-out", bare)
    print("\nratio intake-bot / bare bot (below 1: faster than the floor)")
    for what in list(mine)[:5]:
        ratio = mine[what] / floor[what] if floor[what] else float("nan")
        print(f"  {what:34} {ratio:8.3f}")


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--reminders", type=int, default=1000)
    arguments.add_argument("--runs", type=int, default=3)
    arguments.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL (a new schema per run); default: SQLite",
    )
    args = arguments.parse_args()
    asyncio.run(main(args.database, args.reminders, args.runs))
