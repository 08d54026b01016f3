"""What holds other patients up: how long the event loop stalls, and how much later other
patients' replies come, while (1) a submitted intake is rendered and delivered to the provider
(summary, chart, PDF), (2) the reminder sweep arms 10,000 patients' reminders, and (3) how soon
a bot that was down while 1,000 reminders fell due answers a patient after it starts.

Other patients are five "pingers" each sending /help every half second; a probe task sleeps 5 ms at
a time and records how late it wakes (the loop's stall). Each stretch is compared with the
same pingers just before it (the baseline).

Next to it, in the same run and against the same fake Bot API: a bare python-telegram-bot bot
(AIORateLimiter, one reply to every text at once) with the same pingers, no work of its own:
the floor. Figures are medians over --runs.

Run: .venv/bin/python bench/stalls.py [--runs R] [--patients N] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_bot import polling
from databases import empty_database
from e2e_support import (
    PROVIDER_CHAT_ID,
    TOKEN,
    bot_services,
    option_button,
    running_bot,
    settings_for,
)
from fake_bot_api import FakeBotAPI, FakeChat
from service_support import Chat, join, make_services, shortest_answer
from sqlmodel import Session, select
from startup import seed as seed_patients

from bot.settings import Settings
from flows.checkin_questions import ENERGY, MOOD, SLEEP
from flows.dialogue import Typed
from storage import crypto
from storage.db import make_engine
from storage.models import Checkin, Patient, Reminder

PINGERS = 5
FIRST_CHAT = 800_000
PING_EVERY = 0.5
"""Seconds between a pinger's reply and its next /help: five pingers send about ten messages a
second, well within Telegram's 30, so replies never wait for the rate limit."""
PROBE = 0.005
BASELINE = 2.0  # seconds of pinging before each stretch


@dataclass
class Watch:
    """The loop probe's lateness and the pingers' reply waits, stamped with when they ended."""

    lags: list[tuple[float, float]] = field(default_factory=list)
    waits: list[tuple[float, float]] = field(default_factory=list)
    stopped: bool = False

    def between(self, start: float, end: float) -> tuple[list[float], list[float]]:
        lags = [lag for at, lag in self.lags if start <= at <= end]
        waits = [wait for at, wait in self.waits if start <= at <= end]
        return lags, waits


@dataclass
class Stretch:
    """One stretch of work and its baseline: seconds it took, loop stall and reply waits."""

    took: float
    stall: float  # the probe's largest lateness during the stretch, s
    stall_before: float
    replies: list[float]
    replies_before: list[float]


async def probe(watch: Watch) -> None:
    while True:
        began = time.monotonic()
        await asyncio.sleep(PROBE)
        now = time.monotonic()
        watch.lags.append((now, now - began - PROBE))


async def ping(fake: FakeBotAPI, chat: FakeChat, watch: Watch) -> None:
    while not watch.stopped:
        before = len(chat.events)
        began = time.monotonic()
        await chat.send_text("/help")
        await fake.wait_until(lambda seen=before: len(chat.events) > seen, 10)
        watch.waits.append((time.monotonic(), time.monotonic() - began))
        await asyncio.sleep(PING_EVERY)


@asynccontextmanager
async def watching(fake: FakeBotAPI, chats: list[FakeChat]) -> AsyncIterator[Watch]:
    watch = Watch()
    tasks = [asyncio.create_task(probe(watch))]
    tasks.extend(asyncio.create_task(ping(fake, chat, watch)) for chat in chats)
    try:
        yield watch
    finally:
        watch.stopped = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def stretch(watch: Watch, work: Callable[[], Awaitable[None]]) -> Stretch:
    """The baseline, then `work` timed, with what the watch saw in each."""
    start = time.monotonic()
    await asyncio.sleep(BASELINE)
    began = time.monotonic()
    await work()
    ended = time.monotonic()
    await asyncio.sleep(0.2)  # replies that waited for the work end just after it
    lags_before, waits_before = watch.between(start, began)
    lags, waits = watch.between(began, ended + 0.2)
    return Stretch(
        ended - began, max(lags, default=0.0), max(lags_before, default=0.0), waits, waits_before
    )


# --- (1) a submit ---------------------------------------------------------------------------


def at_review(database_url: str, chat_id: int) -> None:
    """A patient with two weeks of check-ins (so the provider gets a chart), on the review."""
    engine = make_engine(database_url)
    services = make_services(engine)
    services.clock.now = datetime.now(UTC)
    invited = services.invite("Bench Patient", at=datetime.now(UTC) + timedelta(days=2))
    chat = Chat(services.patients, chat_id)
    reply = join(services, chat, invited)
    while reply.screen is not None and reply.screen.step != "review":
        reply = chat.send(Typed(shortest_answer(reply.screen.step)))
    with Session(engine) as session:
        for day in range(14):
            at = datetime.now(UTC) - timedelta(days=14 - day)
            answers = {MOOD: 3 + day % 5, SLEEP: 6 + day % 3, ENERGY: "ok"}
            session.add(
                Checkin(
                    patient_id=invited.patient_id, answers=answers, started_at=at, completed_at=at
                )
            )
        session.commit()
    engine.dispose()


async def submit_stretch(fake: FakeBotAPI, settings: Settings, pingers: list[FakeChat]) -> Stretch:
    patient = fake.private_chat(chat_id=FIRST_CHAT - 1, first_name="Bench")
    at_review(settings.database_url, patient.chat_id)
    provider = fake.chats[PROVIDER_CHAT_ID]
    async with running_bot(settings):
        await patient.send_command("/start")  # the review screen again, with its Submit button
        await fake.wait_until(lambda: bool(patient.buttons()), 30)

        async def submit() -> None:
            await patient.press(option_button(patient, "✅ Submit"))
            await fake.wait_until(lambda: any(m.media == "document" for m in provider.messages), 60)

        async with watching(fake, pingers) as watch:
            return await stretch(watch, submit)


# --- (2) a sweep, (3) a start after downtime ------------------------------------------------


async def sweep_stretch(fake: FakeBotAPI, settings: Settings, pingers: list[FakeChat]) -> Stretch:
    """The sweep arming every pending reminder (all within its horizon), as the hourly sweeps
    of a day would together."""
    async with running_bot(settings) as application:
        jobs = bot_services(application).reminders
        jobs.arm_ahead = timedelta(days=2)
        async with watching(fake, pingers) as watch:
            return await stretch(watch, jobs.sweep)


def overdue(database_url: str, count: int) -> list[int]:
    """`count` of the patients' reminders fell due a minute ago (the bot was down); their
    patients' chats."""
    engine = make_engine(database_url)
    due = datetime.now(UTC) - timedelta(minutes=1)
    with Session(engine) as session:
        chats = []
        for reminder in session.exec(select(Reminder).limit(count)).all():
            reminder.due_at = due
            session.add(reminder)
            patient = session.get(Patient, reminder.patient_id)
            chats.append(patient.telegram_chat_id if patient else None)
        session.commit()
    engine.dispose()
    return [chat for chat in chats if chat is not None]


async def first_answer_after_start(fake: FakeBotAPI, settings: Settings, chat: FakeChat) -> float:
    """Seconds from the bot's start to its reply to a patient who wrote while it was down."""
    await chat.send_text("/help")
    began = time.monotonic()
    async with running_bot(settings):
        await fake.wait_until(lambda: bool(chat.messages), 60)
        return time.monotonic() - began


# --- the bare bot, and the runs --------------------------------------------------------------


async def bare_bot(lengths: list[float]) -> tuple[list[Stretch], float]:
    """The pingers against a bare bot, for stretches of the given lengths with no work; and
    the seconds from its start to its reply to a message sent while it was down."""
    async with FakeBotAPI(token=TOKEN) as fake:
        pingers = [fake.private_chat(chat_id=FIRST_CHAT + n) for n in range(PINGERS)]
        waiting = fake.private_chat(chat_id=FIRST_CHAT - 2)
        await waiting.send_text("/help")
        began = time.monotonic()
        async with polling(fake.base_url, TOKEN, "Help is here."):
            await fake.wait_until(lambda: bool(waiting.messages), 60)
            start = time.monotonic() - began
            stretches = []
            async with watching(fake, pingers) as watch:
                for length in lengths:
                    stretches.append(await stretch(watch, lambda s=length: asyncio.sleep(s)))
        return stretches, start


def seed_pingers(database_url: str) -> None:
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for n in range(PINGERS + 1):
            chat_id = FIRST_CHAT + n if n < PINGERS else FIRST_CHAT - 3
            session.add(
                Patient(telegram_chat_id=chat_id, display_name=f"Pinger {n}", linked_at=now,
                        consented_at=now)
            )  # fmt: skip
        session.commit()
    engine.dispose()


async def this_bot(database_url: str, patients: int) -> tuple[list[Stretch], float]:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dr")
        settings = settings_for(fake, database_url, data_encryption_key=crypto.new_key())
        settings.configure_encryption()
        seed_patients(database_url, patients)
        seed_pingers(database_url)
        pingers = [fake.private_chat(chat_id=FIRST_CHAT + n) for n in range(PINGERS)]
        submitted = await submit_stretch(fake, settings, pingers)
        print(f"  submit: {submitted.took:.2f} s", flush=True)
        swept = await sweep_stretch(fake, settings, pingers)
        print(f"  sweep: {swept.took:.2f} s", flush=True)
        for chat_id in overdue(database_url, 1000):
            fake.private_chat(chat_id=chat_id)
        waiting = fake.private_chat(chat_id=FIRST_CHAT - 3)
        start = await first_answer_after_start(fake, settings, waiting)
        print(f"  first reply after start: {start:.2f} s", flush=True)
        return [submitted, swept], start


def figures(stretches: list[Stretch], start: float) -> dict[str, float]:
    def delay(s: Stretch) -> float:
        return max(s.replies, default=0.0) - statistics.median(s.replies_before or [0.0])

    submit, sweep = stretches
    return {
        "submit: until the provider has the PDF, s": submit.took,
        "submit: loop stall, ms": submit.stall * 1000,
        "submit: loop stall just before, ms": submit.stall_before * 1000,
        "submit: other replies' extra delay, ms": delay(submit) * 1000,
        "sweep: seconds": sweep.took,
        "sweep: loop stall, ms": sweep.stall * 1000,
        "sweep: other replies' extra delay, ms": delay(sweep) * 1000,
        "start with 1,000 overdue: first reply, s": start,
    }


def report(name: str, runs: list[dict[str, float]]) -> dict[str, float]:
    medians = {what: statistics.median(run[what] for run in runs) for what in runs[0]}
    print(f"\n{name}")
    for what, value in medians.items():
        print(f"  {what:44} {value:9.3f}")
    return medians


async def main(database: str | None, patients: int, runs: int) -> None:
    ours: list[dict[str, float]] = []
    bare: list[dict[str, float]] = []
    for run in range(runs):
        with empty_database(database, "stalls") as url:
            stretches, start = await this_bot(url, patients)
        ours.append(figures(stretches, start))
        bare_stretches, bare_start = await bare_bot([s.took for s in stretches])
        bare.append(figures(bare_stretches, bare_start))
        print(f"run {run + 1}/{runs} done", flush=True)
    mine = report(f"intake-bot, {patients} patients", ours)
    floor = report("bare python-telegram-bot (AIORateLimiter), same pingers, no work", bare)
    print("\nratio intake-bot / bare bot (stalls and delays)")
    for what in mine:
        if "stall" in what or "delay" in what or "first reply" in what:
            ratio = mine[what] / floor[what] if floor[what] > 0 else float("nan")
            print(f"  {what:44} {ratio:9.2f}")


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--patients", type=int, default=10_000)
    arguments.add_argument("--runs", type=int, default=3)
    arguments.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL (a new schema per run); default: SQLite",
    )
    args = arguments.parse_args()
    asyncio.run(main(args.database, args.patients, args.runs))
