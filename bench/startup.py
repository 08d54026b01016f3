"""How long `intake-bot run` takes to start, and how much memory it holds, as the database grows:
the seconds from the process's start to its first getUpdates reaching the Bot API, and its
resident memory (VmRSS in /proc/<pid>/status) right then and 3 s later; for 0, 10,000 and
50,000 patients who consented to daily check-ins, each with one pending check-in reminder due
in the next 24 hours.

The same is measured, in the same run, for a bare python-telegram-bot bot (bench/bare_bot.py:
AIORateLimiter, one echo handler, run_polling), started the same way: the floor. Both run as
processes of their own against the fake Bot API from tests/support, served from this process,
and are stopped with SIGTERM. "workers" is the RSS of intake-bot's child processes 3 s after
its first getUpdates (the render worker, started on first use), not counted in its own.

Run: .venv/bin/python bench/startup.py [--patients 0,10000,50000] [--runs R] [--database URL]
(default: a new SQLite file per size in a temporary folder; with --database, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test, patients are added to that database up to
each size in turn, so give the sizes in increasing order.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from cli_support import SETTINGS_PREFIXES
from databases import empty_database
from e2e_support import CLINIC, PROVIDER_CHAT_ID, TOKEN
from fake_bot_api import FakeBotAPI
from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import crypto
from storage.db import make_engine
from storage.models import Patient, Reminder

ROOT = Path(__file__).resolve().parents[1]
FIRST_CHAT = 700_000_000
CHUNK = 2_000
LATER = 3.0  # seconds after the first getUpdates for the second RSS reading
TIMEOUT = 600.0  # seconds a bot may take to reach getUpdates


@dataclass
class Start:
    first_call: float  # seconds from the process's start to its first Bot API call (getMe)
    get_updates: float  # ... to its first getUpdates
    rss: float  # MB, right after the first getUpdates
    rss_later: float  # MB, LATER seconds after
    workers: float  # MB, the child processes' RSS LATER seconds after
    before: list[tuple[str, float]]  # the Bot API calls before the first getUpdates, and when


def seed(database_url: str, patients: int) -> int:
    """Bring the database to `patients` consented patients with daily check-ins, each with one
    pending check-in reminder due in the next 24 hours; how many were added."""
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        have = session.exec(select(func.count()).select_from(Patient)).one()
        highest = session.exec(select(func.max(col(Patient.telegram_chat_id)))).one()
    first_chat = max(highest or 0, FIRST_CHAT) + 1
    for start in range(have, patients, CHUNK):
        numbers = range(start, min(start + CHUNK, patients))
        with Session(engine) as session:
            batch = [
                Patient(
                    telegram_chat_id=first_chat + n - have,
                    display_name=f"Bench patient {n}",
                    linked_at=now,
                    consented_at=now,
                    checkin_cadence="daily",
                    checkin_time="20:00",
                )
                for n in numbers
            ]
            session.add_all(batch)
            session.flush()
            session.add_all(
                Reminder(
                    patient_id=patient.id,
                    kind="checkin",
                    key=f"checkin:{patient.id}:bench",
                    due_at=now + timedelta(days=1) * (n + 1) / (patients + 1),
                )
                for n, patient in zip(numbers, batch, strict=True)
            )
            session.commit()
    engine.dispose()
    return max(0, patients - have)


def chat_ids(database_url: str) -> list[int]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        found = session.exec(select(Patient.telegram_chat_id)).all()
    engine.dispose()
    return [chat_id for chat_id in found if chat_id is not None]


def rss_mb(pid: int) -> float:
    """VmRSS of the process, in MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, ...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def environment(base_url: str, database_url: str, key: str) -> dict[str, str]:
    """This process's environment without any intake-bot setting, plus the bot's settings; this
    checkout's code first on the path."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SETTINGS_PREFIXES) and name != crypto.SETTING
    }
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "DATABASE_URL": database_url,
            "PROVIDER_CHAT_IDS": str(PROVIDER_CHAT_ID),
            "CLINIC_NAME": CLINIC,
            crypto.SETTING: key,
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


async def first_get_updates(
    fake: FakeBotAPI, process: asyncio.subprocess.Process, log: Path
) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not fake.calls_named("getUpdates"):
        if process.returncode is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            status = process.returncode
            raise SystemExit(f"{log.name}: no getUpdates (exit status {status}):\n{tail}")
        await asyncio.sleep(0.002)


INTAKE_BOT = [sys.executable, "-m", "bot.cli", "run"]
BARE_BOT = [sys.executable, str(ROOT / "bench" / "bare_bot.py")]


async def measure(
    name: str, command: list[str], folder: Path, database_url: str, key: str, chats: list[int]
) -> Start:
    """Start `command` against a new fake Bot API, measure, stop it with SIGTERM; its output
    goes to folder/<name>.log."""
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dr")
        for chat_id in chats:  # reminders falling due meanwhile reach a chat
            fake.private_chat(chat_id=chat_id, first_name="P")
        log = folder / f"{name}.log"
        env = environment(fake.base_url, database_url, key)
        with log.open("wb") as output:
            began = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                *command, cwd=folder, env=env, stdout=output, stderr=output
            )
        try:
            await first_get_updates(fake, process, log)
            rss = rss_mb(process.pid)
            await asyncio.sleep(LATER)
            rss_later = rss_mb(process.pid)
            workers = sum(rss_mb(child) for child in descendants(process.pid))
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()
        polled = fake.calls_named("getUpdates")[0]
        before = [(c.method, c.at - began) for c in fake.calls[: fake.calls.index(polled)]]
        return Start(fake.calls[0].at - began, polled.at - began, rss, rss_later, workers, before)


def median(runs: list[Start], figure: str) -> float:
    return statistics.median(float(getattr(run, figure)) for run in runs)


def row(size: int, ours: list[Start], bare: list[Start]) -> str:
    def ratio(figure: str) -> str:
        floor = median(bare, figure)
        return f"{median(ours, figure) / floor:6.2f}" if floor else "     -"

    return (
        f"{size:>8,} | {median(ours, 'first_call'):6.2f} {median(ours, 'get_updates'):6.2f} "
        f"{median(ours, 'rss'):7.1f} {median(ours, 'rss_later'):7.1f} {median(ours, 'workers'):7.1f}"
        f" | {median(bare, 'first_call'):6.2f} {median(bare, 'get_updates'):6.2f} "
        f"{median(bare, 'rss'):7.1f} {median(bare, 'rss_later'):7.1f}"
        f" | {ratio('get_updates')} {ratio('rss')} {ratio('rss_later')}"
    )


HEADER = (
    "         | intake-bot                              | bare python-telegram-bot    | "
    "intake-bot / bare\n"
    "patients | 1st call getUpd  RSS MB  +3s MB workers | 1st call getUpd  RSS MB  +3s MB | "
    "getUpd    RSS   +3s"
)


async def one_size(
    size: int, runs: int, database: str | None, key: str
) -> tuple[list[Start], list[Start]]:
    ours: list[Start] = []
    bare: list[Start] = []
    with tempfile.TemporaryDirectory() as name, empty_database(database, "startup") as url:
        folder = Path(name)
        began = time.monotonic()
        added = seed(url, size)
        print(f"{size:,} patients: {added:,} added in {time.monotonic() - began:.1f} s", flush=True)
        chats = chat_ids(url)
        for _ in range(runs):
            ours.append(await measure("intake-bot", INTAKE_BOT, folder, url, key, chats))
            bare.append(await measure("bare-bot", BARE_BOT, folder, url, key, chats))
        calls = ", ".join(f"{method} {at:.2f}" for method, at in ours[-1].before)
        print(f"  intake-bot's calls before getUpdates (s): {calls}", flush=True)
    return ours, bare


async def main(sizes: list[int], runs: int, database: str | None) -> None:
    key = crypto.new_key()
    crypto.configure(key)  # the seeded names are stored encrypted with the key the bot gets
    rows = []
    for size in sizes:
        ours, bare = await one_size(size, runs, database, key)
        rows.append(row(size, ours, bare))
    print(f"\nseconds from process start; RSS MB (VmRSS); median of {runs} run(s)\n{HEADER}")
    print("\n".join(rows))


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--patients", default="0,10000,50000", help="sizes, comma-separated")
    arguments.add_argument("--runs", type=int, default=1, help="starts of each bot per size")
    arguments.add_argument("--database", default=None, help="default: a new SQLite file per size")
    args = arguments.parse_args()
    sizes = [int(part.replace("_", "")) for part in args.patients.split(",") if part.strip()]
    if args.database:
        print(f"database: {args.database.split('@')[-1]}")
    asyncio.run(main(sizes, args.runs, args.database))
