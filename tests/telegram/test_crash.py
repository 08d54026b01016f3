"""The crash test at a small size, in the normal test run: the real bot process (`intake-bot run`)
is killed with SIGKILL at random moments while patients go through their intakes over the fake
Bot API, on SQLite and PostgreSQL, and nothing may be lost, filed under a question the patient
never saw, or missing for the provider; duplicates at most one per kill, each after a kill.
`make crash` (bench/crash.py) runs the same harness at full size. Figures are printed (`-s`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from crash_harness import CrashConfig, run_crash_test

KILLS = 2


@pytest.mark.crash
async def test_killing_the_bot_loses_nothing_and_doubles_only_what_a_kill_left_unconfirmed(
    database_url: str, tmp_path: Path
) -> None:
    database = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    config = CrashConfig(
        database, KILLS, tmp_path, patients_at_once=1, seed=int.from_bytes(os.urandom(2))
    )
    report = await run_crash_test(config, database_url=database_url)
    print("\n" + "\n".join(report.lines()) + f"\nseed {config.seed}")
    assert report.kills == KILLS
    assert report.submitted == report.patients > 0
    assert report.lost == [] and report.unseen == [] and report.missing == []
    assert len(report.duplicates) <= report.kills
    assert all(d.after_kill and d.marked_resent is not False for d in report.duplicates)
    assert report.exit_code == 0 and report.ok
