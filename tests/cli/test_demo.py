"""The console demo, scripted through standard input as the README shows, prints a compiled intake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "data" / "demo_answers.txt"


def run_demo(tmp_path: Path, stdin: str, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "CLINIC_NAME": "Riverside Psychiatry",
        "PROVIDER_CHAT_IDS": "",
        "TELEGRAM_BOT_TOKEN": "",
        **dict(extra_env),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_scripted_demo_prints_the_provider_copy(tmp_path: Path) -> None:
    result = run_demo(tmp_path, SCRIPT.read_text())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Riverside Psychiatry" in out
    assert "What the provider receives" in out
    provider = out[out.index("What the provider receives"):]
    assert "Pre-visit intake: Demo Patient" in provider
    assert provider.index("Flags") < provider.index("Scores") < provider.index("Medications")
    assert "Missed doses: sertraline on 2 of the past 7 days" in provider
    assert "Side effect gets in the way a lot: nausea or upset stomach" in provider
    assert "PHQ-9: 12 / 27 — moderate" in provider
    assert "GAD-7: 6 / 21 — mild" in provider
    assert "1. Could the sertraline be causing the nausea?" in provider
    assert "2. Is it OK to take Lamictal with food?" in provider
    assert "didn't catch that" not in out
    assert (tmp_path / "demo.db").exists()


def test_the_demo_keeps_as_needed_and_the_patients_words(tmp_path: Path) -> None:
    script = SCRIPT.read_text().replace(
        "Lamictal 100mg BID\n", "trazodone 50mg at bedtime as needed — Zoë\n"
    )
    result = run_demo(tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "Got it: trazodone · 50 mg · at bedtime, as needed." in result.stdout
    provider = result.stdout[result.stdout.index("What the provider receives"):]
    assert "• trazodone 50 mg at bedtime, as needed — " in provider
    assert "patient's words: “trazodone 50mg at bedtime as needed — Zoë”" in provider


def test_demo_input_ending_early_keeps_answers(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "I agree\nsertraline 50 mg once a day\n")
    assert result.returncode == 0, result.stderr
    assert "answers so far are saved" in result.stdout
    assert "How have you been taking sertraline?" in result.stdout


def test_demo_with_a_malformed_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "", ("CLINIC_TIMEZONE", "Mars/Olympus"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "CLINIC_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


def test_a_button_without_a_number_in_telegram_is_typed_by_its_number_in_the_demo(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "I agree\n1\n")
    assert result.returncode == 0, result.stderr
    assert "1) I don't take any" in result.stdout
    assert "couldn't read that as a medicine" not in result.stdout
    assert "Have you started any new medicines" in result.stdout


def test_a_demo_intake_is_never_sent_on_to_providers_later(tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from storage.db import make_engine
    from storage.models import Intake

    result = run_demo(tmp_path, SCRIPT.read_text())
    assert result.returncode == 0, result.stderr
    with Session(make_engine(f"sqlite:///{tmp_path / 'demo.db'}")) as session:
        intake = session.exec(select(Intake)).one()
    assert intake.submitted_at is not None and intake.delivered_at is not None


def test_a_demo_safety_alert_is_settled_so_no_bot_sends_it_later(tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from bot.services.alerts import AlertLedger
    from bot.services.outbox import Outbox
    from storage.db import make_engine
    from storage.models import OutboxMessage

    result = run_demo(tmp_path, "I agree\nI want to kill myself\nyes\n")
    assert result.returncode == 0, result.stderr
    assert "URGENT" in result.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    assert AlertLedger(engine, Outbox()).unacknowledged() == []
    with Session(engine) as session:  # and nothing waits in an outbox for any chat
        assert session.exec(select(OutboxMessage)).all() == []
