"""Crash test: kill the real bot process with SIGKILL at random moments while patients go
through their intakes over the fake Bot API, restart it each time, and count what was lost,
filed under a question the patient never saw, missing for the provider, or sent twice.

    .venv/bin/python bench/crash.py                       # 50 kills on SQLite, 50 on PostgreSQL
    .venv/bin/python bench/crash.py --kills 10 --database sqlite

PostgreSQL is $INTAKE_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test;
each run uses a schema of its own, dropped afterwards. Exit status 0 when every run passes:
0 lost, 0 under unseen questions, 0 missing, duplicates at most one per kill and only after a
kill that lost Telegram's answer (see tests/support/crash_checks.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))

from crash_harness import POSTGRES_URL, CrashConfig, run_crash_test  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="kills per database (50)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--patients", type=int, default=3, help="patients at a time (3)")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    postgres = os.environ.get("INTAKE_TEST_POSTGRES_URL") or POSTGRES_URL
    passed = True
    for database in databases:
        folder = Path(tempfile.mkdtemp(prefix=f"crash-{database}-"))
        config = CrashConfig(database, args.kills, folder, args.patients, args.seed, postgres)
        started = time.monotonic()
        report = asyncio.run(run_crash_test(config))  # on an error the folder stays, with bot.log
        print("\n".join(report.lines()))
        print(f"seed {args.seed}, {time.monotonic() - started:.0f} s\n", flush=True)
        passed = passed and report.ok
        if report.ok:
            shutil.rmtree(folder)
        else:
            (folder / "timelines.txt").write_text("\n".join(report.timelines) + "\n")
            print(f"the database, the bot's log and the chats' timelines are kept in {folder}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
