"""`intake-bot run` as a clinic starts it: real process, fake Bot API, clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from e2e_support import PROVIDER_CHAT_ID, TOKEN, invite, settings_for, texts
from fake_bot_api import FakeBotAPI


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_"))
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'intake.db'}",
            "PROVIDER_CHAT_IDS": str(PROVIDER_CHAT_ID),
            "CLINIC_NAME": "Riverside Psychiatry",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(values)
    return env


async def start_bot(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_run_serves_a_patient_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dana", last_name="Rivera")
        patient = fake.private_chat(chat_id=1101, first_name="Fay", last_name="Q.")
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url)
        token = invite(settings_for(fake, env["DATABASE_URL"]), "Fay Q.")
        process = await start_bot(tmp_path, env)
        try:
            welcome = await patient.send_command_and_wait(f"/start {token}", timeout=30)
            assert "Riverside Psychiatry" in texts(welcome)
            reply = await patient.send_text_and_wait("I agree")
            assert "Why you're coming · 1 of 2" in texts(reply)  # a first visit
            await patient.send_text_and_wait("skip")
            await patient.send_text_and_wait("skip")
            await patient.send_text_and_wait("sertraline 50 mg once a day")
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    assert "intake-bot stopped" in log
    # no patient data and no token in the logs
    for secret in ("sertraline", "Fay", TOKEN, TOKEN.split(":")[1]):
        assert secret not in log
    assert (tmp_path / "data" / "intake.db").exists()


async def test_run_without_a_token_names_the_setting_and_exits_2(tmp_path: Path) -> None:
    process = await start_bot(tmp_path, bot_env(tmp_path, TELEGRAM_BOT_TOKEN=""))
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert stderr.decode().strip() == (
        "intake-bot: TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env"
    )


async def test_malformed_provider_ids_name_the_setting(tmp_path: Path) -> None:
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, PROVIDER_CHAT_IDS="12, doctor")
    process = await start_bot(tmp_path, env)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    line = stderr.decode().strip()
    assert line.startswith("intake-bot: PROVIDER_CHAT_IDS") and "\n" not in line


async def test_a_token_the_server_rejects_exits_2(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN="999:WRONG", TELEGRAM_API_BASE_URL=fake.base_url)
        process = await start_bot(tmp_path, env)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert "TELEGRAM_BOT_TOKEN was rejected" in stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_run_without_provider_chats_refuses_to_start(tmp_path: Path) -> None:
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, PROVIDER_CHAT_IDS="")
    process = await start_bot(tmp_path, env)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert stderr.decode().strip().startswith("intake-bot: PROVIDER_CHAT_IDS is empty")


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=bot_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_invite_appointment_and_export_from_the_command_line(tmp_path: Path) -> None:
    invited = run_cli(
        tmp_path,
        "invite",
        "--name",
        "Jane D.",
        "--at",
        "2031-12-03 15:00",
        "--username",
        "clinic_bot",
        TELEGRAM_BOT_TOKEN=TOKEN,
    )
    assert invited.returncode == 0, invited.stderr
    assert "Appointment: Wed 3 Dec 2031, 3:00 PM CST" in invited.stdout
    link = next(line for line in invited.stdout.splitlines() if line.startswith("https://t.me/"))
    assert link.startswith("https://t.me/clinic_bot?start=") and len(link.split("=")[1]) >= 22

    moved = run_cli(
        tmp_path, "appointment", "--patient", "jane d.", "--at", "2031-12-10 09:30 America/New_York"
    )
    assert moved.returncode == 0, moved.stderr
    assert "Wed 10 Dec 2031, 8:30 AM CST (moved from Wed 3 Dec 2031, 3:00 PM CST)" in moved.stdout

    nothing = run_cli(tmp_path, "export", "--patient", "Jane D.", "--format", "pdf")
    assert nothing.returncode == 1 and "No such submitted intake" in nothing.stderr

    unknown = run_cli(tmp_path, "appointment", "--patient", "Nobody", "--at", "2031-12-10 09:30")
    assert unknown.returncode == 1 and "No patient by that name" in unknown.stderr
    bad_time = run_cli(tmp_path, "appointment", "--patient", "#1", "--at", "next tuesday-ish")
    assert bad_time.returncode == 1 and "Cannot read the time" in bad_time.stderr


def _submitted_intake(folder: Path) -> None:
    """A database in `folder` with one patient, Lou K., and one submitted intake (#1)."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from storage import intakes, patients
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{folder / 'data' / 'intake.db'}")
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    with Session(engine) as session:
        patient = patients.create(session, 77, display_name="Lou K.")
        intake = intakes.create(session, patient.id, now)
        answers = {
            "med.1.name": {
                "name": "seroquel",
                "dose": "25–50 mg",
                "frequency": "at bedtime, as needed",
                "raw": "seroquel 25-50 mg at bedtime as needed",
            },
            "med.1.status": "as_prescribed",
            "med.1.missed": 0,
            "med.1.more": "done",
            "meds.new": {"choice": "none"},
            **{f"phq9.{n}": "1" for n in range(1, 10)},
            **{f"gad7.{n}": "0" for n in range(1, 8)},
        }
        for key, value in answers.items():
            intakes.record_answer(session, intake.id, key, value, None, now)
        intake.state, intake.step, intake.submitted_at = "submitted", None, now
        session.add(intake)
        session.commit()
    engine.dispose()


def test_fhir_exports_have_ids_of_their_own_and_answer_the_exported_questionnaire(
    tmp_path: Path,
) -> None:
    from fhir_checks import assert_conforms, validate_bundle

    clinics = [tmp_path / "north", tmp_path / "south"]
    bundles = []
    for folder in clinics:
        folder.mkdir()
        _submitted_intake(folder)
        for output in ("first.json", "again.json"):
            result = run_cli(
                folder, "export", "--patient", "Lou K.", "--format", "fhir", "--output", output,
                FHIR_PATIENT_IDENTIFIER_SYSTEM="https://north.example/patients",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
        first = json.loads((folder / "first.json").read_text())
        assert first == json.loads((folder / "again.json").read_text())  # ids stored once
        bundles.append(first)
    ids = [{entry["resource"]["id"] for entry in b["entry"]} | {b["id"]} for b in bundles]
    assert ids[0].isdisjoint(ids[1])  # intake #1 of two databases shares no id
    written = run_cli(tmp_path, "export", "--questionnaire", "--output", "questionnaire.json")
    assert written.returncode == 0, written.stderr
    questionnaire = json.loads((tmp_path / "questionnaire.json").read_text())
    for bundle in bundles:
        patient, response, *observations = validate_bundle(bundle)
        assert patient["identifier"] == [{"system": "https://north.example/patients", "value": "1"}]
        assert patient["name"] == [{"text": "Lou K."}]
        assert_conforms(response, questionnaire)
        assert {o["code"]["coding"][0]["code"] for o in observations} >= {"44249-1", "69737-5"}


def test_export_needs_a_patient_and_a_format_or_the_questionnaire(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "export", "--patient", "Lou K.")
    assert result.returncode == 2
    assert "--questionnaire" in result.stderr and "Traceback" not in result.stderr


def test_export_writes_each_format_of_a_submitted_intake(tmp_path: Path) -> None:
    _submitted_intake(tmp_path)
    for fmt, check in (
        ("pdf", lambda data: data.startswith(b"%PDF")),
        ("fhir", lambda data: b'"resourceType": "Bundle"' in data and b"44261-6" in data),
        ("json", lambda data: b'"patient_name": "Lou K."' in data),
    ):
        result = run_cli(
            tmp_path, "export", "--patient", "Lou K.", "--format", fmt, "--output", f"out.{fmt}"
        )
        assert result.returncode == 0, result.stderr
        assert check((tmp_path / f"out.{fmt}").read_bytes()), fmt
