"""A small crash run in every test run: the real `intake-bot run` against the fake Bot API,
killed with SIGKILL 5 times at random moments while three patients go through their intakes,
on SQLite and on PostgreSQL. `make crash` (bench/crash.py) is the same with 50 kills each.

Required, as for the big run: no answer lost, none filed under a question that was not on the
patient's screen, no provider message missing, and a duplicate only after a kill that lost
Telegram's answer (marked as re-sent where it went to a provider)."""

from __future__ import annotations

from pathlib import Path

import pytest
from crash_harness import CrashConfig, run_crash_test

KILLS = 5


@pytest.mark.crash
@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_killing_the_bot_loses_misfiles_and_misses_nothing(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    config = CrashConfig(database, KILLS, tmp_path, seed=7)
    if database == "postgresql":
        request.getfixturevalue("postgres_schema_url")  # reachable, or skipped/failed as usual
        server = request.getfixturevalue("postgres_server").url
        url = server.render_as_string(hide_password=False)
        config = CrashConfig(database, KILLS, tmp_path, seed=7, postgres_url=url)
    report = await run_crash_test(config)
    assert report.kills >= KILLS
    assert report.ok, "\n".join(report.lines())
