"""RETENTION_DAYS: patients last seen longer ago than that are erased (by the bot's daily job
and by `intake-bot purge`), logged by count only; recent ones, and anyone whose alert nobody has
acknowledged yet, are kept. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_support import cli_env, intake_bot
from erasure_checks import left_behind
from service_support import Chat, Services, count, finish_intake, join, make_services, rows
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.services import retention as retention_module
from bot.services.retention import Retention
from flows.dialogue import Typed
from storage import erasure, outbox
from storage.db import make_engine, session_scope
from storage.models import DataRightsLog, OutboxMessage, Patient, ProcessedUpdate, SafetyEvent
from storage.statuses import OutboxStatus

OLD, RECENT, WORRIED = "Olwen Oldcastle", "Rhea Recentia", "Wanda Worried"


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


def clinic_history(services: Services) -> dict[str, int]:
    """Three patients who visit in two days; one checks in three weeks later; one types risk
    language and no provider acknowledges the alert."""
    ids = {}
    for n, name in enumerate((OLD, RECENT, WORRIED)):
        invited = services.invite(name, at=services.clock.now + timedelta(days=2))
        chat = Chat(services.patients, 7_400_000_001 + n)
        join(services, chat, invited)
        ids[name] = invited.patient_id
        chat.start()
        finish_intake(chat)
        if name == WORRIED:
            chat.send(Typed("I want to kill myself"))
    services.clock.advance(timedelta(days=21))
    recent = Chat(services.patients, 7_400_000_002)
    recent.open("checkin")
    for answer in ("5", "7", "ok", "none of these", "skip"):
        recent.send(Typed(answer))
    return ids


def test_the_purge_erases_only_patients_last_seen_before_the_cutoff(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    ids = clinic_history(services)
    services.clock.advance(timedelta(days=15))  # 36 days after joining, 15 after the check-in
    retention = Retention(services.engine, 30, clock=services.clock)
    with caplog.at_level(logging.DEBUG):
        done = retention.purge()
    assert done.patients == 1
    assert sorted(p.id for p in rows(services.engine, Patient)) == sorted(
        [ids[RECENT], ids[WORRIED]]
    )
    [line] = rows(services.engine, DataRightsLog)
    assert (line.patient_number, line.action) == (ids[OLD], "purged")
    assert left_behind(services.engine, (OLD, "Oldcastle")) == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "purged 1 patients" in logged
    assert not any(name in logged for name in (OLD, RECENT, WORRIED))
    # The next day's run finds nothing more; once the alert is seen, its patient goes too.
    assert retention.purge().patients == 0
    with session_scope(services.engine) as session:
        for event in session.exec(select(SafetyEvent)).all():
            event.acknowledged_at = services.clock.now
    services.clock.advance(timedelta(days=40))
    assert retention.purge().patients == 2 and count(services.engine, Patient) == 0


def test_the_daily_run_forgets_messages_a_week_after_they_went_and_keeps_pending_ones(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention_module, "FORGET_BATCH", 3)  # several transactions' worth
    clinic_history(services)  # every message sent at once, the check-in's 21 days after the rest
    with session_scope(services.engine) as session:
        early = services.clock.now - timedelta(days=30)
        waiting = outbox.add(session, 7_400_000_001, "html", {"html": "still waiting"}, early)
    sent = OutboxMessage.status == OutboxStatus.SENT
    recent = count(
        services.engine, OutboxMessage, sent, OutboxMessage.created_at >= services.clock.now
    )
    total = count(services.engine, OutboxMessage, sent)
    assert 0 < recent < total
    retention = Retention(services.engine, None, clock=services.clock)
    assert retention.purge().messages == total - recent  # older than a week
    services.clock.advance(timedelta(days=8))
    done = retention.purge()
    assert (done.messages, count(services.engine, OutboxMessage, sent)) == (recent, 0)
    assert [m.id for m in rows(services.engine, OutboxMessage)] == [waiting]  # never sent: kept
    assert done.update_ids > 0 and count(services.engine, ProcessedUpdate) == 0  # two days


def test_without_a_retention_period_nothing_is_purged(services: Services) -> None:
    clinic_history(services)
    services.clock.advance(timedelta(days=3650))
    assert Retention(services.engine, None, clock=services.clock).purge().patients == 0
    assert count(services.engine, Patient) == 3


def test_a_booked_visit_keeps_a_patient_however_long_ago_they_joined(services: Services) -> None:
    invited = services.invite(OLD, at=services.clock.now + timedelta(days=200))
    services.clock.advance(timedelta(days=100))
    with session_scope(services.engine) as session:
        assert erasure.last_seen_before(session, services.clock.now - timedelta(days=30)) == []
    services.clock.advance(timedelta(days=131))
    with session_scope(services.engine) as session:
        cutoff = services.clock.now - timedelta(days=30)
        assert erasure.last_seen_before(session, cutoff) == [invited.patient_id]


def test_intake_bot_purge_prints_counts_only(tmp_path: Path) -> None:
    env = cli_env(tmp_path, RETENTION_DAYS="30")
    (tmp_path / "data").mkdir()
    engine = make_engine(env["DATABASE_URL"])
    try:
        services = make_services(engine)
        services.clock.now = services.clock.now - timedelta(days=400)  # long ago
        services.invite(OLD, at=None)
    finally:
        engine.dispose()
    done = intake_bot(tmp_path, "purge", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "purged 1 patients last seen more than 30 days ago"
    assert OLD not in done.stdout + done.stderr
    kept = intake_bot(tmp_path, "purge", env=cli_env(tmp_path, RETENTION_DAYS="0"))
    assert kept.stdout.splitlines()[0] == "RETENTION_DAYS is 0 or empty: no patient is purged"


@pytest.mark.parametrize(("given", "kept_for"), [("30", 30), ("0", None), ("", None), (" ", None)])
def test_retention_days_setting_zero_or_empty_keeps_everything(
    given: str, kept_for: int | None
) -> None:
    from bot.settings import Settings

    no_file: dict[str, Any] = {"_env_file": None}
    assert Settings(retention_days=given, **no_file).retention_days == kept_for
    assert Settings(**no_file).retention_days == 365
    with pytest.raises(ValueError, match="retention_days"):
        Settings(retention_days="-5", **no_file)
