"""Forty patients answering at once: answers a second, how long each waits for the next
question (p50, p95), Bot API messages per answered question, and the 429s Telegram's flood
control (30 messages a second) answered, with the bot's own rate limiter.

Each patient opens an invitation, agrees, and then answers the questions on their screen as
the crash test's patients do (tests/support/crash_patients.py: half tapped, half typed,
checklists ticked), reading the screen once the chat has been quiet for a moment.

Answers a second are counted from everyone's first answer to the last reply (what the patients do after
it is not the bot's time), and both bots start that stretch with their rate window empty.

Next to it, in the same run and against the same fake Bot API: a bare python-telegram-bot bot
(AIORateLimiter, one reply to every text at once) and the same number of patients each sending
the same number of texts at the same pace, the floor any bot built on python-telegram-bot starts from. Figures
are medians over --runs (the waits are pooled).

Run: .venv/bin/python bench/answering.py [--patients N] [--answers N] [--runs R] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from bare_bot import polling
from crash_patients import CrashPatient, Shown, shown
from databases import empty_database
from e2e_support import TOKEN, invite, running_bot, settings_for
from fake_bot_api import FakeBotAPI, FakeChat
from load import percentile

from storage import crypto

FIRST_CHAT = 700_000
REPLY_TIMEOUT = 60.0
"""Seconds a patient waits for the next question before the run fails."""
SETTLE = 0.15
"""Seconds without a new message before a patient reads the screen."""
THINK = 0.85
"""Seconds more a patient takes to read the question and answer: quick, but human."""
QUIET = 1.1
"""Seconds between everyone having joined and everyone answering: the joining's messages leave
the bot's rate window (1.04 s), so both bots start the timed stretch with it empty."""
MESSAGES = ("sendmessage", "editmessagetext", "editmessagereplymarkup", "sendphoto", "senddocument")


@dataclass
class Figures:
    answers_per_second: float
    waits: list[float]  # seconds from each answer to the first message back
    messages_per_answer: float  # send/edit calls Telegram received, per answered question
    button_answers_per_answer: float  # answerCallbackQuery calls, per answered question
    refused: int  # sends Telegram's flood control answered with 429


class TimedPatient(CrashPatient):
    """A crash-test patient (never reporting item 9) who times each wait for the bot."""

    def __init__(self, fake: FakeBotAPI, chat: FakeChat, token: str, seed: int) -> None:
        super().__init__(fake, chat, f"P{chat.chat_id}", token, random.Random(seed))
        self.reports_item_9 = False
        self.waits: list[float] = []
        self.replied_at = 0.0
        self.timing = False
        self.on_screen: Shown | None = None

    async def join(self) -> None:
        while not self._joined():
            await self._send_command(f"/start {self.token}")

    async def answer(self, count: int) -> None:
        self.timing = True
        for _ in range(count):
            screen = shown(self.chat)
            assert screen is not None, "no question on screen"
            self.on_screen = screen
            await self._answer(screen)

    async def _wait_reply(self, before: int) -> None:
        answered = self.on_screen

        def next_screen() -> bool:
            now_shown = shown(self.chat)
            if len(self.chat.events) <= before or now_shown is None:
                return False
            if answered is None:
                return True
            # A new question, or the same checklist redrawn with the tick.
            return (now_shown.message_id, now_shown.buttons) != (
                answered.message_id,
                answered.buttons,
            )

        await wait_reply(self, next_screen)


async def wait_reply(patient: TimedPatient | BarePatient, arrived: Callable[[], bool]) -> None:
    """Until what the patient waits for `arrived` (timed), then until the chat went quiet."""
    chat, began = patient.chat, time.monotonic()
    if not await patient.fake.wait_until(arrived, REPLY_TIMEOUT):
        raise TimeoutError(f"no reply in chat {chat.chat_id}")
    if patient.timing:
        patient.replied_at = time.monotonic()
        patient.waits.append(patient.replied_at - began)
    while True:
        seen = len(chat.events)
        await asyncio.sleep(SETTLE)
        if len(chat.events) == seen:
            break
    await asyncio.sleep(THINK)


async def timed_answers(
    fake: FakeBotAPI, patients: list[TimedPatient] | list[BarePatient], answers: int
) -> Figures:
    """Everyone answers `answers` questions at once; the figures of that stretch."""
    chats = {patient.chat.chat_id for patient in patients}
    first_call, refused = len(fake.calls), fake.rejected_429
    began = time.monotonic()
    await asyncio.gather(*(patient.answer(answers) for patient in patients))
    # Until the last answer's reply arrived: the patients' reading after it is not the bot's.
    elapsed = max(patient.replied_at for patient in patients) - began
    calls = [c for c in fake.calls[first_call:] if _chat_of(c.params) in chats and c.status == 200]
    answered = answers * len(patients)
    messages = sum(c.method.lower() in MESSAGES for c in calls)
    button_answers = sum(c.method.lower() == "answercallbackquery" for c in fake.calls[first_call:])
    waits = [wait for patient in patients for wait in patient.waits]
    return Figures(
        answered / elapsed,
        waits,
        messages / answered,
        button_answers / answered,
        fake.rejected_429 - refused,
    )


def _chat_of(params: dict[str, object]) -> int | None:
    try:
        return int(str(params["chat_id"]))
    except (KeyError, ValueError):
        return None


async def this_bot(database_url: str, count: int, answers: int, seed: int) -> Figures:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.flood_limit_per_second = 30
        settings = settings_for(fake, database_url, data_encryption_key=crypto.new_key())
        settings.configure_encryption()
        tokens = [invite(settings, f"Patient {n}") for n in range(count)]
        patients = [
            TimedPatient(fake, fake.private_chat(chat_id=FIRST_CHAT + n), token, seed + n)
            for n, token in enumerate(tokens)
        ]
        async with running_bot(settings):
            await asyncio.gather(*(patient.join() for patient in patients))
            await asyncio.sleep(QUIET)
            return await timed_answers(fake, patients, answers)


class BarePatient:
    """Sends a text, waits for the reply and for the chat to go quiet, again and again."""

    def __init__(self, fake: FakeBotAPI, chat: FakeChat) -> None:
        self.fake, self.chat = fake, chat
        self.waits: list[float] = []
        self.replied_at = 0.0
        self.timing = True

    async def answer(self, count: int) -> None:
        for n in range(count):
            before = len(self.chat.events)
            await self.chat.send_text(f"answer {n}")
            await wait_reply(self, lambda seen=before: len(self.chat.events) > seen)


async def bare_bot(count: int, answers: int) -> Figures:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.flood_limit_per_second = 30
        patients = [
            BarePatient(fake, fake.private_chat(chat_id=FIRST_CHAT + n)) for n in range(count)
        ]

        async with polling(fake.base_url, TOKEN, "Next question"):
            figures = await timed_answers(fake, patients, answers)
        return figures


def report(name: str, runs: list[Figures]) -> dict[str, float]:
    waits = [wait for run in runs for wait in run.waits]
    figures = {
        "answers a second": statistics.median(r.answers_per_second for r in runs),
        "wait for the next question p50, s": statistics.median(waits),
        "wait for the next question p95, s": percentile(waits, 0.95),
        "messages sent or edited per answer": statistics.median(
            r.messages_per_answer for r in runs
        ),
        "button presses answered per answer": statistics.median(
            r.button_answers_per_answer for r in runs
        ),
        "429s from flood control per run": statistics.median(r.refused for r in runs),
    }
    print(f"\n{name}")
    for what, value in figures.items():
        print(f"  {what:36} {value:8.2f}")
    return figures


async def main(database: str | None, count: int, answers: int, runs: int) -> None:
    ours: list[Figures] = []
    bare: list[Figures] = []
    for run in range(runs):
        with empty_database(database, "answering") as url:
            ours.append(await this_bot(url, count, answers, seed=run * 1000))
        bare.append(await bare_bot(count, answers))
        print(f"run {run + 1}/{runs} done", flush=True)
    mine = report(f"intake-bot, {count} patients answering {answers} questions each", ours)
    floor = report("bare python-telegram-bot (AIORateLimiter), same patients", bare)
    print("\nratio intake-bot / bare bot")
    for what in list(mine)[:4]:
        ratio = mine[what] / floor[what] if floor[what] else float("nan")
        print(f"  {what:36} {ratio:8.3f}")


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--patients", type=int, default=40)
    arguments.add_argument("--answers", type=int, default=12)
    arguments.add_argument("--runs", type=int, default=3)
    arguments.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL (a new schema per run); default: SQLite",
    )
    args = arguments.parse_args()
    asyncio.run(main(args.database, args.patients, args.answers, args.runs))
