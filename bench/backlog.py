"""CPU per answered question for the whole bot working through a backlog: every patient's answer
arrives at once, and the bot receives, stores, handles, replies and settles them all. The
process's CPU time (every thread: the event loop, the database threads, and the fake Bot API,
which runs in the same process) is divided by the answers.

Next to it, in the same run and against the same fake Bot API: a bare python-telegram-bot bot
(AIORateLimiter, one reply to every text) and the same number of chats each sending one text
per round: the floor any bot built on python-telegram-bot starts from.

The patients type their answers (as the bare bot's patients do); a checklist without a
"None of these" is ticked done with its button. Both bots send at Telegram's pace of about 30
messages a second, so a round of 60 answers takes two seconds of either: the CPU is what the
work costs, not how long it waits.

Run: .venv/bin/python bench/backlog.py [--patients N] [--rounds N] [--runs R] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from answering import FIRST_CHAT, TimedPatient
from bare_bot import polling
from crash_patients import shown
from databases import empty_database
from e2e_support import TOKEN, invite, running_bot, settings_for
from fake_bot_api import FakeBotAPI, FakeChat

from storage import crypto

WAIT = 120.0
"""Seconds a round may take before the run fails."""
TAIL = 0.5
"""Seconds after the last reply in which the bot settles what it sent (counted for both)."""


class AlwaysTypes(random.Random):
    """In place of a patient's random choices: type, never tap, where both are possible."""

    def random(self) -> float:
        return 0.99


class BacklogPatient(TimedPatient):
    """Answers the question on screen and does not wait for the reply (once joined)."""

    def __init__(self, fake: FakeBotAPI, chat: FakeChat, token: str) -> None:
        super().__init__(fake, chat, token, seed=0)
        self.rng = AlwaysTypes()
        self.backlog = False

    async def _wait_reply(self, before: int) -> None:
        if not self.backlog:
            await super()._wait_reply(before)


def moved_on(chat: FakeChat, before: tuple[int, list[tuple[str, str]]] | None) -> bool:
    """A new question (or the same checklist redrawn) is on screen since `before`."""
    now = shown(chat)
    return now is not None and (now.message_id, now.buttons) != before


class Harness:
    """The CPU the patients spend looking whether their reply arrived, taken out of each bot's
    figure (this bot's patients read their screens; the bare bot's count messages). Timed on
    the event loop's thread alone, where nothing else runs (no await)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def timed(self, check: Callable[[], bool]) -> Callable[[], bool]:
        def timed_check() -> bool:
            began = time.thread_time()
            try:
                return check()
            finally:
                self.seconds += time.thread_time() - began

        return timed_check

    def all_moved_on(self, waiting: dict[BacklogPatient, Any]) -> Callable[[], bool]:
        """Whether every patient in `waiting` (with the screen they answered) has moved on. A
        patient who has is not looked at again: the check runs on every request the bot
        makes."""

        def check() -> bool:
            for patient in [p for p, before in waiting.items() if moved_on(p.chat, before)]:
                del waiting[patient]
            return not waiting

        return self.timed(check)


async def this_bot(database_url: str, count: int, rounds: int) -> list[float]:
    """CPU ms per answered question, one figure per round."""
    async with FakeBotAPI(token=TOKEN) as fake:
        settings = settings_for(fake, database_url, data_encryption_key=crypto.new_key())
        settings.configure_encryption()
        tokens = [invite(settings, f"Patient {n}") for n in range(count)]
        patients = [
            BacklogPatient(fake, fake.private_chat(chat_id=FIRST_CHAT + n), token)
            for n, token in enumerate(tokens)
        ]
        figures = []
        async with running_bot(settings):
            await asyncio.gather(*(patient.join() for patient in patients))
            for patient in patients:
                patient.backlog = True
            for _ in range(rounds):
                screens = [shown(patient.chat) for patient in patients]
                before = [(s.message_id, s.buttons) if s else None for s in screens]
                began = time.process_time()
                for patient, screen in zip(patients, screens, strict=True):
                    assert screen is not None, "no question on screen"
                    await patient._answer(screen)
                waiting, harness = dict(zip(patients, before, strict=True)), Harness()
                arrived = await fake.wait_until(harness.all_moved_on(waiting), WAIT)
                assert arrived, "not every patient got the next question"
                await asyncio.sleep(TAIL)
                spent = time.process_time() - began - harness.seconds
                figures.append(spent * 1000 / count)
        return figures


async def bare_bot(count: int, rounds: int) -> list[float]:
    async with FakeBotAPI(token=TOKEN) as fake:
        chats = [fake.private_chat(chat_id=FIRST_CHAT + n) for n in range(count)]
        figures = []
        async with polling(fake.base_url, TOKEN, "Next question"):
            for n in range(rounds):
                before = [len(chat.messages) for chat in chats]
                began = time.process_time()
                for chat in chats:
                    await chat.send_text(f"answer {n}")
                everyone, harness = list(zip(chats, before, strict=True)), Harness()
                arrived = await fake.wait_until(
                    harness.timed(
                        lambda pairs=everyone: all(len(c.messages) > b for c, b in pairs)
                    ),
                    WAIT,
                )
                assert arrived, "not every chat got its reply"
                await asyncio.sleep(TAIL)
                spent = time.process_time() - began - harness.seconds
                figures.append(spent * 1000 / count)
        return figures


async def main(database: str | None, count: int, rounds: int, runs: int) -> None:
    ours: list[float] = []
    bare: list[float] = []
    for run in range(runs):
        with empty_database(database, "backlog") as url:
            ours += await this_bot(url, count, rounds)
        bare += await bare_bot(count, rounds)
        print(f"run {run + 1}/{runs} done", flush=True)
    mine, floor = statistics.median(ours), statistics.median(bare)
    print(f"\n{count} patients, {rounds} rounds of one answer each, {runs} runs (medians)")
    print(f"  intake-bot, CPU ms per answered question:         {mine:6.2f}")
    print(f"  bare python-telegram-bot, CPU ms per text answered: {floor:6.2f}")
    print(f"  ratio intake-bot / bare:                           {mine / floor:6.2f}")


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--patients", type=int, default=60)
    arguments.add_argument("--rounds", type=int, default=4)
    arguments.add_argument("--runs", type=int, default=3)
    arguments.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL (a new schema per run); default: SQLite",
    )
    args = arguments.parse_args()
    asyncio.run(main(args.database, args.patients, args.rounds, args.runs))
