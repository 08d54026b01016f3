"""The running bot on SQLite: a patient's turn runs on the event loop when the database is
free, and in a worker thread, without stalling the loop, while another connection holds
SQLite's write lock (bot.telegram.turns, UnitOfWork.run_at_once)."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import threading
import time

import pytest
from e2e_support import current_question, invite, join, running_bot, say, settings_for, tap
from fake_bot_api import FakeBotAPI

from bot.services.transactions import UnitOfWork

HELD = 0.6
"""Seconds another connection holds the write lock."""


def sqlite_file(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


async def test_a_turn_runs_on_the_loop_when_free_and_in_a_thread_while_locked(
    fake: FakeBotAPI, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tmp_path / 'intake.db'}"
    turns: list[str] = []  # the thread each turn ran on
    lock_next = threading.Event()  # the next turn finds another connection writing
    original_at_once, original_run = UnitOfWork.run_at_once, UnitOfWork.run

    def at_once(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if lock_next.is_set():
            lock_next.clear()
            hold_the_write_lock(sqlite_file(database_url), HELD)
        reply = original_at_once(self, *args, **kwargs)
        if reply is not None:
            turns.append(threading.current_thread().name)
        return reply

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        turns.append(threading.current_thread().name)
        return original_run(self, *args, **kwargs)

    monkeypatch.setattr(UnitOfWork, "run_at_once", at_once)
    monkeypatch.setattr(UnitOfWork, "run", run)
    settings = settings_for(fake, database_url)
    patient, token = fake.private_chat(chat_id=5_301), invite(settings, "Patient")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "1. I agree")
        await say(patient, "skip")
        assert turns[-1] == threading.main_thread().name, "a free database's turn hopped"
        first = current_question(patient)

        ticks: list[float] = []

        async def tick() -> None:
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        lock_next.set()
        await say(patient, "skip")
        ticker.cancel()
        gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
        assert max(gaps) < HELD / 2, "the event loop waited for the lock"
        assert current_question(patient) != first, "the answer was not taken"
        assert turns[-1] != threading.main_thread().name, "a locked database's turn ran here"


def hold_the_write_lock(database: str, seconds: float) -> None:
    """Another connection (another process, say) takes SQLite's write lock now, and lets it go
    `seconds` later."""
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def release() -> None:
        other.execute("ROLLBACK")
        other.close()

    threading.Timer(seconds, release).start()
