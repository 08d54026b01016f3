"""DATA_ENCRYPTION_KEY from the command line: `intake-bot keys new` and `keys rotate`, `run`
refusing to start without a key that reads the stored data (one line, status 2, no key shown),
and the demo, which needs no set-up: it keeps its own key beside its own database.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_support import PROVIDER_CHAT_ID, TOKEN
from sqlmodel import Session

from storage import crypto, patients, rekey
from storage.db import make_engine

TEST_KEY = os.environ[crypto.SETTING]  # the session's key (tests/conftest.py)
NEW_KEY = crypto.new_key()
NOT_LISTENING = "http://127.0.0.1:9/bot"  # a bot that got past the checks would exit 1 here


def env_for(tmp_path: Path, **values: str | None) -> dict[str, str]:
    """The environment for a command: a database in tmp_path, the session's key unless given
    (None: no key at all)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "PROVIDER_", "DATA_ENCRYPTION"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'intake.db'}",
        PROVIDER_CHAT_IDS=str(PROVIDER_CHAT_ID),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=NOT_LISTENING,
        LOG_LEVEL="INFO",
        DATA_ENCRYPTION_KEY=TEST_KEY,
    )
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def intake_bot(
    tmp_path: Path, env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def no_key_shown(result: subprocess.CompletedProcess[str], *keys: str) -> bool:
    shown = result.stdout + result.stderr
    return all(key not in shown and key.rstrip("=") not in shown for key in (TEST_KEY, *keys))


def invite(tmp_path: Path, env: dict[str, str], name: str) -> None:
    made = intake_bot(tmp_path, env, "invite", "--name", name, "--username", "clinic_bot")
    assert made.returncode == 0, made.stderr


# --- keys new ---------------------------------------------------------------------------


def test_keys_new_prints_a_fresh_key_even_when_the_settings_are_broken(tmp_path: Path) -> None:
    env = env_for(tmp_path, DATA_ENCRYPTION_KEY="broken", CLINIC_TIMEZONE="Mars/Olympus")
    first = intake_bot(tmp_path, env, "keys", "new")
    second = intake_bot(tmp_path, env, "keys", "new")
    assert first.returncode == second.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(crypto.parse_keys(key)) == 1 and key != second.stdout.strip()
    assert "DATA_ENCRYPTION_KEY" in first.stderr and "keys rotate" in first.stderr


# --- run refuses to start ---------------------------------------------------------------


def test_run_without_a_key_refuses_with_one_line(tmp_path: Path) -> None:
    refused = intake_bot(tmp_path, env_for(tmp_path, DATA_ENCRYPTION_KEY=None), "run")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "intake-bot: DATA_ENCRYPTION_KEY is not set: every answer is stored encrypted with it; "
        'make a key with "intake-bot keys new", put it in .env, and keep a copy apart from the '
        "database and its backups\n"
    )


@pytest.mark.parametrize(
    "bad",
    ["not-a-key", TEST_KEY[:-8], f"{TEST_KEY},{NEW_KEY[4:]}"],
    ids=["not-a-key", "too-short", "second-key-cut"],  # the same ids in every xdist worker
)
def test_run_with_a_malformed_key_refuses_without_showing_it(tmp_path: Path, bad: str) -> None:
    refused = intake_bot(tmp_path, env_for(tmp_path, DATA_ENCRYPTION_KEY=bad), "run")
    assert refused.returncode == 2
    assert refused.stderr.startswith("intake-bot: DATA_ENCRYPTION_KEY is malformed (")
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert no_key_shown(refused, bad, NEW_KEY[4:])


def test_run_with_a_key_that_cannot_read_the_data_refuses(tmp_path: Path) -> None:
    invite(tmp_path, env_for(tmp_path), "Émile R.")  # stored with the session's key
    refused = intake_bot(tmp_path, env_for(tmp_path, DATA_ENCRYPTION_KEY=NEW_KEY), "run")
    assert refused.returncode == 2
    assert refused.stderr == (
        "intake-bot: DATA_ENCRYPTION_KEY cannot read the stored data (patient.display_name was "
        "encrypted with another key): set the key it was written with; to change keys, list the "
        'new one first and the old one after it, then run "intake-bot keys rotate"\n'
    )
    assert no_key_shown(refused, NEW_KEY)
    # with the right key it gets past every check: here, to the Bot API nobody answers; even
    # the debug log shows no key
    started = intake_bot(tmp_path, env_for(tmp_path, LOG_LEVEL="DEBUG"), "run")
    assert started.returncode == 2 and "cannot reach the Bot API server" in started.stderr
    assert no_key_shown(started)


def test_provider_commands_need_the_key_too(tmp_path: Path) -> None:
    env = env_for(tmp_path, DATA_ENCRYPTION_KEY=None)
    refused = intake_bot(tmp_path, env, "invite", "--name", "Jane D.", "--username", "clinic_bot")
    assert refused.returncode == 2
    assert refused.stderr.startswith("intake-bot: DATA_ENCRYPTION_KEY is not set")
    assert not (tmp_path / "data" / "intake.db").exists()  # refused before opening it


# --- keys rotate ------------------------------------------------------------------------


def test_keys_rotate_moves_everything_to_the_new_key_and_reports_counts_only(
    tmp_path: Path, key_ring: object
) -> None:
    env = env_for(tmp_path)
    for name in ("Émile R.", "Zoë Ünïcode", "Jane D."):
        invite(tmp_path, env, name)
    rotating = env_for(tmp_path, DATA_ENCRYPTION_KEY=f"{NEW_KEY},{TEST_KEY}", LOG_LEVEL="DEBUG")
    invite(tmp_path, rotating, "Kim L.")  # written with the new key at once

    rotated = intake_bot(tmp_path, rotating, "keys", "rotate")

    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.splitlines() == [
        "patient: 3 values re-encrypted",
        "re-encrypted 3 values with the newest key (1 were already on it); 3 name hashes "
        "recomputed",
        "every stored value is on the newest key: the older keys can be taken out of "
        "DATA_ENCRYPTION_KEY (keep them with the backups made before today)",
    ]
    assert no_key_shown(rotated, NEW_KEY)
    for name in ("Émile", "Zoë", "Jane", "Kim"):
        assert name not in rotated.stdout + rotated.stderr
    # the old key can go: the new one alone reads everything and finds everyone by name
    only_new = env_for(tmp_path, DATA_ENCRYPTION_KEY=NEW_KEY)
    moved = intake_bot(
        tmp_path, only_new, "appointment", "--patient", "ÉMILE R.", "--at", "2031-12-10 09:30"
    )
    assert moved.returncode == 0, moved.stderr
    crypto.configure(NEW_KEY)
    engine = make_engine(env["DATABASE_URL"])
    try:
        assert rekey.unreadable(engine) is None
        with Session(engine) as session:
            assert len(patients.by_name(session, "zoë ünïcode")) == 1
    finally:
        engine.dispose()
    again = intake_bot(tmp_path, only_new, "keys", "rotate")
    assert again.stdout.splitlines()[0].startswith("re-encrypted 0 values")


# --- the demo needs no set-up -----------------------------------------------------------


DEMO_ANSWERS = "I agree\nXylotrexan 40 mg twice a day\n"


def test_the_demo_keeps_its_own_key_beside_its_own_database(tmp_path: Path) -> None:
    env = env_for(tmp_path, DATA_ENCRYPTION_KEY=None, DATABASE_URL=None)
    first = intake_bot(tmp_path, env, "demo", stdin=DEMO_ANSWERS)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / "demo.key"
    database = tmp_path / "data" / "demo.db"
    assert database.exists() and not (tmp_path / "data" / "intake.db").exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(crypto.parse_keys(key)) == 1 and key not in first.stdout + first.stderr
    raw = b"".join(p.read_bytes() for p in database.parent.glob("demo.db*"))
    assert b"Xylotrexan" not in raw and b"Demo Patient" not in raw

    second = intake_bot(tmp_path, env, "demo", stdin=DEMO_ANSWERS)
    assert second.returncode == 0, second.stderr
    assert key_file.read_text().strip() == key  # kept, not replaced

    key_file.unlink()
    key_file.write_text(crypto.new_key())
    refused = intake_bot(tmp_path, env, "demo", stdin=DEMO_ANSWERS)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "the demo database was written with another key than" in refused.stderr
