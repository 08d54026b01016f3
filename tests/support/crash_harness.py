"""The crash test: the real bot process (`intake-bot run`) against the fake Bot API, killed with
SIGKILL at random moments while patients go through their intakes, and restarted each time.

The fake Bot API runs in this process; the bot is a child process pointed at it with
TELEGRAM_API_BASE_URL, on a fresh database (a SQLite file, or a PostgreSQL schema of its own).
Kills fall at random moments after the bot came up, some while it is still starting, and some
exactly when Telegram has accepted a message to a provider but before its answer reaches the
bot (the window where a copy may be sent twice). After the last kill the bot runs until
everything is answered and delivered, then stops cleanly, and crash_checks.py counts what was
lost, misfiled, missing or doubled. `bench/crash.py` runs it at full size; a test runs it small.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crash_checks import CrashReport, check
from crash_patients import CrashPatient
from databases import fresh_schema
from fake_bot_api import ApiCall, FakeBotAPI

from bot.services.providers import ProviderService
from bot.settings import Settings
from storage import crypto
from storage.db import make_engine

TOKEN = "123456:CRASH-TEST-TOKEN"
PROVIDER_CHAT_ID = 9001
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
READY_TIMEOUT = 120.0
SETTLE_TIMEOUT = 120.0


@dataclass(frozen=True)
class CrashConfig:
    """How big a run is, and on which database ("sqlite" or "postgresql")."""

    database: str
    kills: int
    workdir: Path
    patients_at_once: int = 3
    seed: int = 1
    postgres_url: str = POSTGRES_URL
    max_uptime: float = 2.5  # a kill falls within this many seconds of the bot being up


@dataclass
class Kill:
    """One SIGKILL: when, and whether it fell just after Telegram accepted a provider's message
    (its answer then never reached the bot)."""

    at: float
    during: str  # "start", "running" or "provider answer"
    call: ApiCall | None = None


@dataclass
class BotProcess:
    """`intake-bot run` as a child process, its output appended to a log file."""

    env: dict[str, str]
    cwd: Path
    log: Path
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run",
                cwd=self.cwd, env=self.env, stdout=out, stderr=out,
            )  # fmt: skip
        self.started_at = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def kill_now(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)

    async def wait(self) -> int:
        assert self.process is not None
        return await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM: a clean stop."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)


@contextmanager
def fresh_database(config: CrashConfig) -> Iterator[str]:
    """A SQLite file in the work folder, or a PostgreSQL schema dropped afterwards."""
    if config.database == "sqlite":
        yield f"sqlite:///{config.workdir / 'crash.db'}"
        return
    with fresh_schema(config.postgres_url, prefix="crash") as url:
        yield url


@dataclass
class CrashRun:
    """One run on one database: the fake, the bot process, the patients, the kills."""

    config: CrashConfig
    database_url: str
    fake: FakeBotAPI
    key: str
    rng: random.Random
    kills: list[Kill] = field(default_factory=list)
    patients: list[CrashPatient] = field(default_factory=list)
    bot: BotProcess | None = None
    killing: bool = True
    exits: list[int] = field(default_factory=list)  # exit statuses of stops nobody caused
    restarts: list[float] = field(default_factory=list)  # seconds from start to polling
    _numbers: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            DATABASE_URL=self.database_url,
            PROVIDER_CHAT_IDS=str(PROVIDER_CHAT_ID),
            DATA_ENCRYPTION_KEY=self.key,
            CLINIC_NAME="Crash Test Clinic",
            CLINIC_TIMEZONE="America/Chicago",
            LOG_LEVEL="WARNING",
        )
        return env

    def invite(self, name: str) -> str:
        values: dict[str, Any] = {"telegram_bot_token": TOKEN, "_env_file": None}
        settings = Settings(**values)
        engine = make_engine(self.database_url)
        try:
            service = ProviderService(engine, settings.zone, settings.reminder_policy())
            at = datetime.now(UTC) + timedelta(days=2)
            return service.invite(name, at, "crash test").token
        finally:
            engine.dispose()

    def new_patient(self) -> CrashPatient:
        number = next(self._numbers)
        name = f"Crash Patient {number:03d}"
        chat = self.fake.private_chat(chat_id=700_000 + number, first_name=f"P{number}")
        patient = CrashPatient(self.fake, chat, name, self.invite(name), self.rng)
        self.patients.append(patient)
        return patient

    def describe(self) -> str:
        """Where each unfinished patient is stuck: their last sends and the bot's last messages."""
        lines = []
        for patient in self.patients:
            if patient.submitted:
                continue
            lines.append(f"{patient.name} (chat {patient.chat.chat_id}):")
            lines += [
                f"  sent {s.update_id} at {s.step}: {s.typed or s.value}" for s in patient.log[-4:]
            ]
            lines.append(patient.chat.describe_recent(4))
        return "\n".join(lines)

    # --- the bot's life ------------------------------------------------------------------

    def _on_accepted(self, call: ApiCall) -> None:
        """Half the time Telegram accepts a message to a provider, the bot dies before it reads
        the answer: the window where a copy may be sent twice."""
        chat = str(call.params.get("chat_id"))
        alive = self.bot is not None and self.bot.alive
        sending = call.method.lower().startswith(("send", "edit"))
        if not (alive and sending and chat == str(PROVIDER_CHAT_ID) and self.killing):
            return
        if self.rng.random() < 0.5:
            assert self.bot is not None
            self.bot.kill_now()
            self.kills.append(Kill(time.monotonic(), "provider answer", call))

    async def ready(self) -> bool:
        """Whether the bot came up (it asked for updates after it was started) or died trying."""
        bot = self.bot
        assert bot is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            calls = self.fake.calls[-50:]
            if not bot.alive or any(
                c.method == "getUpdates" and c.at > bot.started_at for c in calls
            ):
                return True
            await asyncio.sleep(0.05)
        return False

    async def kill_once(self) -> None:
        """Start the bot, kill it at a random moment (or let a provider's message do it), and
        wait for it to be gone."""
        bot = self.bot
        assert bot is not None
        kills = len(self.kills)
        await bot.start()
        during = "start" if self.rng.random() < 0.15 else "running"
        if during == "start":
            moment = self.rng.uniform(0.2, 2.0)
        else:
            if not await self.ready():
                tail = "\n".join(bot.log.read_text(errors="replace").splitlines()[-20:])
                raise RuntimeError(f"the bot did not come up in {READY_TIMEOUT:.0f} s:\n{tail}")
            self.restarts.append(time.monotonic() - bot.started_at)
            moment = self.rng.uniform(0.05, self.config.max_uptime)
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(bot.wait()), moment)
        if bot.alive:
            bot.kill_now()
            self.kills.append(Kill(time.monotonic(), during))
        code = await bot.wait()
        if len(self.kills) == kills:  # it stopped by itself
            self.exits.append(code)

    async def keep_patients_busy(self, stop: asyncio.Event) -> None:
        """`patients_at_once` patients at a time, a new one whenever one submits."""
        deadline = time.monotonic() + 3600

        async def one() -> None:
            while not stop.is_set():
                await self.new_patient().run(deadline)

        async def last_round() -> None:
            await asyncio.gather(*(one() for _ in range(self.config.patients_at_once)))

        await last_round()

    async def settle(self) -> None:
        """After the last kill: the bot runs until the inbox and outbox are empty."""
        from crash_checks import pending_work

        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            if not self.fake.pending_updates and pending_work(self.database_url) == 0:
                await asyncio.sleep(1.0)  # a last look: nothing new came of it
                if not self.fake.pending_updates and pending_work(self.database_url) == 0:
                    return
            await asyncio.sleep(0.5)
        raise RuntimeError("the bot did not finish its work after the last kill")


async def run_crash_test(config: CrashConfig, database_url: str | None = None) -> CrashReport:
    """One run: kills, then a clean finish, then the checks; on `database_url` (an empty
    database, as the tests' fixtures give) or on a fresh one made here."""
    config.workdir.mkdir(parents=True, exist_ok=True)
    key = os.environ.get(crypto.SETTING) or crypto.new_key()  # the tests' own key, if set
    crypto.configure(key)
    rng = random.Random(config.seed)
    given = nullcontext(database_url) if database_url is not None else None
    with given or fresh_database(config) as url:
        async with FakeBotAPI(token=TOKEN) as fake:
            fake.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dana", last_name="Rivera")
            run = CrashRun(config, url, fake, key, rng)
            fake.on_accepted = run._on_accepted
            make_engine(url).dispose()  # the tables, before the bot and the invitations
            run.bot = BotProcess(run.environment(), config.workdir, config.workdir / "bot.log")
            stop = asyncio.Event()
            patients = asyncio.create_task(run.keep_patients_busy(stop))
            try:
                for _ in range(config.kills):
                    await run.kill_once()
                    if patients.done():
                        patients.result()
                stop.set()
                run.killing = False
                await run.bot.start()
                try:
                    await asyncio.wait_for(asyncio.shield(patients), SETTLE_TIMEOUT)
                except TimeoutError:
                    raise RuntimeError("patients did not finish:\n" + run.describe()) from None
                await run.settle()
                code = await run.bot.stop()
            finally:
                run.bot.kill_now()
                if not patients.done():
                    patients.cancel()
                    with suppress(asyncio.CancelledError):
                        await patients
            report = check(config.database, url, fake, run.patients, run.kills, code, run.exits)
            report.restarts = run.restarts
            return report
