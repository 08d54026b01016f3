"""Two replicas on one PostgreSQL database (two Applications in this process, in webhook mode):
only the leader runs the reminder sweep and plans alert repeats; when it stops, the other
takes the lead and starts them. On SQLite the only process leads from its start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from cli_support import unused_port
from e2e_support import running_bot, settings_for
from fake_bot_api import FakeBotAPI

from bot.telegram.app import build_application
from bot.telegram.runner import BotRuntime

SECRET = "leadership-test-secret-0123456789"


def replica(fake: FakeBotAPI, database_url: str) -> BotRuntime:
    settings = settings_for(
        fake,
        database_url,
        webhook_url="https://bot.example-clinic.test/telegram-webhook",
        webhook_secret_token=SECRET,
        webhook_listen=f"127.0.0.1:{unused_port()}",
    )
    return BotRuntime(build_application(settings), webhook=True)


def sweeping(runtime: BotRuntime) -> bool:
    job_queue = runtime.application.job_queue
    assert job_queue is not None
    return any(job.name == "reminder-sweep" for job in job_queue.jobs())


@pytest.mark.postgres
async def test_one_replica_sweeps_and_another_takes_over_when_it_stops(
    fake: FakeBotAPI, postgres_schema_url: str
) -> None:
    first, second = replica(fake, postgres_schema_url), replica(fake, postgres_schema_url)
    stops: list[Callable[[], Awaitable[None]]] = []
    try:
        await first.start()
        stops.append(first.stop)
        await second.start()
        stops.append(second.stop)
        assert (first.leadership.leading, second.leadership.leading) == (True, False)
        assert sweeping(first) and not sweeping(second)
        assert first.services.alerts.active and not second.services.alerts.active
        await second.leadership.check()  # trying again changes nothing while the leader runs
        assert not second.leadership.leading and not sweeping(second)

        await first.stop()
        stops.remove(first.stop)
        await second.leadership.check()
        assert second.leadership.leading and sweeping(second)
        assert second.services.alerts.active
    finally:
        for stop in reversed(stops):
            await stop()


async def test_on_sqlite_the_only_process_leads_from_its_start(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    settings = settings_for(fake, f"sqlite:///{tmp_path / 'intake.db'}")
    async with running_bot(settings) as application:
        job_queue = application.job_queue
        assert job_queue is not None
        assert any(job.name == "reminder-sweep" for job in job_queue.jobs())
