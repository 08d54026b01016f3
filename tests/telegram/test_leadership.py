"""Two replicas on one PostgreSQL database (two Applications in this process, in webhook mode):
only the leader runs the reminder sweep and plans alert repeats; when it stops, the other
takes the lead and starts them. What a killed replica had claimed (a patient's update, a crisis
reply) is handled and sent by another at its next check, not when the claims' leases run out.
On SQLite the only process leads from its start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from cli_support import unused_port
from e2e_support import running_bot, settings_for
from fake_bot_api import FakeBotAPI, FakeChat
from sqlalchemy import text
from sqlmodel import Session

from bot.services.outbox import Kind
from bot.telegram.app import build_application
from bot.telegram.runner import BotRuntime
from storage import inbox, outbox
from storage.clock import utcnow
from storage.locks import RUNNING_KEY, ProcessLocks
from storage.statuses import Priority

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


def claimed_by_a_replica(
    locks: ProcessLocks, update: dict[str, object], chat_id: int, crisis_chat: int
) -> None:
    """What a replica had claimed when it was killed: a patient's update it had not handled, and
    a crisis reply it had not sent. Its claims had one and two minutes to run."""
    now = utcnow()
    with Session(locks.engine) as session:
        row = (int(str(update["update_id"])), chat_id, update)
        claim_for = inbox.ClaimFor("killed:inbox", now + timedelta(minutes=2), 1)
        assert inbox.store(session, [row], now, claim_for) == [row[0]]
        html = {"html": "If you are in crisis, call or text 988."}
        outbox.add(session, crisis_chat, Kind.HTML, html, now, priority=Priority.URGENT)
        until = now + timedelta(minutes=1)
        assert len(outbox.claim(session, "killed:outbox", now, until, 1, (0, 0))) == 1
        session.commit()


def kill_connection(locks: ProcessLocks) -> None:
    """As when the replica's process is killed: the server ends its session, and its locks."""
    pid = locks._connect().execute(text("SELECT pg_backend_pid()")).scalar()
    with locks.engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@asynccontextmanager
async def claims_of_another_replica(
    fake: FakeBotAPI, database_url: str, first_chat: int
) -> AsyncIterator[tuple[BotRuntime, ProcessLocks, FakeChat, FakeChat]]:
    """A running replica, and the locks of another that claimed a patient's update and a crisis
    reply to someone else: (running, other's locks, patient, crisis chat)."""
    running = replica(fake, database_url)
    other = ProcessLocks(running.locks.engine, ("killed:inbox", "killed:outbox"))
    patient = fake.private_chat(chat_id=first_chat, first_name="Ines")
    crisis = fake.private_chat(chat_id=first_chat + 1, first_name="Noor")
    await running.start()
    try:
        await asyncio.to_thread(other.join)
        update = await patient.send_command("/start")
        await asyncio.to_thread(
            claimed_by_a_replica, other, update, patient.chat_id, crisis.chat_id
        )
        yield running, other, patient, crisis
    finally:
        await running.stop()
        other.close()


async def taken_back(running: BotRuntime, patient: FakeChat, crisis: FakeChat) -> bool:
    """Check (as every few seconds) until the update was handled and the crisis reply sent."""
    for _ in range(100):
        await running.leadership.check()
        if crisis.messages and patient.messages:
            return "988" in (crisis.last_text or "")
        await asyncio.sleep(0.1)
    return False


@pytest.mark.postgres
async def test_what_a_killed_replica_claimed_is_taken_at_the_next_check(
    fake: FakeBotAPI, postgres_schema_url: str
) -> None:
    async with claims_of_another_replica(fake, postgres_schema_url, 7101) as claimed:
        running, killed, patient, crisis = claimed
        await running.leadership.check()
        await asyncio.sleep(1.5)  # the inbox and the outbox were looked at meanwhile
        assert patient.messages == [] and crisis.messages == []  # its process still runs

        await asyncio.to_thread(kill_connection, killed)
        assert await taken_back(running, patient, crisis)  # once the server ended its session


RESTART = text(
    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND objsubid = 2 AND classid::bigint = :key"
    " AND objid::bigint = (hashtext(current_schema())::bigint & 4294967295)"
)
"""As a database restart does to this schema's bot processes: every lock session ends."""


@pytest.mark.postgres
async def test_after_a_database_restart_a_replica_gives_the_others_time_to_come_back(
    fake: FakeBotAPI, postgres_schema_url: str
) -> None:
    async with claims_of_another_replica(fake, postgres_schema_url, 7111) as claimed:
        running, _, patient, crisis = claimed
        running.leadership.every = timedelta(seconds=1)
        with running.locks.engine.connect() as connection:
            connection.execute(RESTART, {"key": RUNNING_KEY})
        for _ in range(50):  # until this replica has found its connection gone and come back
            await running.leadership.check()
            if running.locks.rejoined_at is not None:
                break
            await asyncio.sleep(0.1)
        assert running.locks.rejoined_at is not None
        await running.leadership.check()
        await asyncio.sleep(1.2)  # the other's locks are free, but it may be coming back too
        assert patient.messages == [] and crisis.messages == []
        assert await taken_back(running, patient, crisis)  # two checks on: it never came back


async def test_on_sqlite_the_only_process_leads_from_its_start(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    settings = settings_for(fake, f"sqlite:///{tmp_path / 'intake.db'}")
    async with running_bot(settings) as application:
        job_queue = application.job_queue
        assert job_queue is not None
        assert any(job.name == "reminder-sweep" for job in job_queue.jobs())
