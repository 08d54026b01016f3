"""`intake-bot backup` and `intake-bot restore`: a backup taken while answers are being written
is consistent, and a restore brings back a database with every answer present. SQLite (the
online backup API) and PostgreSQL (pg_dump and pg_restore, or their exact commands)."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import stat
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_support import cli_env, intake_bot
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from bot.cli.running import claim
from storage import intakes, patients, schema
from storage.db import make_engine, session_scope
from storage.models import Answer

SEED_ANSWERS = 2_000
NOTE = "x" * 400  # answers of some size, so a copy takes long enough to overlap the writes


def answer_ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(Answer.id).order_by(col(Answer.id))).all())


def answers(engine: Engine) -> list[tuple[int, int, str, object]]:
    with Session(engine) as session:
        rows = session.exec(select(Answer).order_by(col(Answer.id))).all()
        return [(row.id, row.intake_id, row.question_key, row.value) for row in rows]


def seeded(url: str) -> tuple[Engine, int]:
    """A database with one patient, one intake and SEED_ANSWERS answers; the intake's id."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        patient = patients.create(session, 77, display_name="Lou K.")
        intake = intakes.create(session, patient.id, now)
        for n in range(SEED_ANSWERS):
            intakes.record_answer(session, intake.id, f"note.{n}", f"{NOTE} {n}", None, now)
        return engine, intake.id


class Writer(threading.Thread):
    """Writes one answer per transaction through the storage API until stopped, as a running
    bot does; `written` counts the committed ones."""

    def __init__(self, engine: Engine, intake_id: int) -> None:
        super().__init__(daemon=True)
        self.engine, self.intake_id = engine, intake_id
        self.written = 0
        self.stop = threading.Event()

    def run(self) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            with session_scope(self.engine) as session:
                now = datetime.now(UTC)
                intakes.record_answer(session, self.intake_id, f"live.{n}", n, None, now)
            self.written += 1


@contextmanager
def writing(engine: Engine, intake_id: int) -> Iterator[Writer]:
    writer = Writer(engine, intake_id)
    writer.start()
    try:
        while writer.written < 20:  # the writes are under way before the backup starts
            threading.Event().wait(0.01)
        yield writer
    finally:
        writer.stop.set()
        writer.join(timeout=30)


def check_consistent(copy: list[int], before: int, after: int) -> None:
    """Every answer committed before the backup started is in it, no answer committed after
    it ended, and no gap: the copy is one moment of the database."""
    live = len(copy) - SEED_ANSWERS
    assert before <= live <= after
    assert copy == list(range(copy[0], copy[0] + len(copy)))


# --- SQLite -----------------------------------------------------------------------------


def test_a_sqlite_backup_during_live_writes_restores_with_every_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'intake.db'}"
    engine, intake_id = seeded(url)
    env = cli_env(tmp_path, DATABASE_URL=url)
    with writing(engine, intake_id) as writer:
        before = writer.written
        made = intake_bot(tmp_path, "backup", "backups/live.db", env=env)
        after = writer.written
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("wrote backups/live.db (")
    live = tmp_path / "backups" / "live.db"
    assert stat.S_IMODE(live.stat().st_mode) == 0o600  # patient answers: the owner's eyes only
    assert not Path(f"{live}-wal").exists()  # one self-contained file
    with closing(sqlite3.connect(live)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = [row[0] for row in copy.execute("SELECT id FROM answer ORDER BY id")]
    check_consistent(ids, before, after)
    assert after > before, "the writer kept writing while the backup ran"

    final = intake_bot(tmp_path, "backup", "backups/final.db", env=env)
    assert final.returncode == 0, final.stderr
    restored_url = f"sqlite:///{tmp_path / 'restored' / 'intake.db'}"
    restored = intake_bot(
        tmp_path, "restore", "backups/final.db", env=cli_env(tmp_path, DATABASE_URL=restored_url)
    )
    assert restored.returncode == 0, restored.stderr
    assert 'check it with "intake-bot check"' in restored.stdout
    restored_engine = make_engine(restored_url)
    assert answers(restored_engine) == answers(engine)
    assert len(answers(restored_engine)) == SEED_ANSWERS + writer.written
    assert schema.current_revision(restored_url) == schema.head_revision()


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'intake.db'}"
    seeded(url)
    (tmp_path / "taken.db").write_text("an older backup")
    result = intake_bot(tmp_path, "backup", "taken.db", env=cli_env(tmp_path, DATABASE_URL=url))
    assert result.returncode == 1
    assert result.stderr.startswith("intake-bot: taken.db already exists: choose a new file name")
    assert (tmp_path / "taken.db").read_text() == "an older backup"


def test_restore_refuses_under_a_running_bot_and_replaces_only_when_told(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'intake.db'}"
    engine, intake_id = seeded(url)
    env = cli_env(tmp_path, DATABASE_URL=url)
    assert intake_bot(tmp_path, "backup", "backup.db", env=env).returncode == 0
    with session_scope(engine) as session:  # written after the backup: the restore undoes it
        intakes.record_answer(session, intake_id, "after", "later", None, datetime.now(UTC))
    with_later = answers(engine)

    with claim(url):  # a bot is running on the database
        running = intake_bot(tmp_path, "restore", "backup.db", "--replace", env=env)
    assert running.returncode == 1
    assert "intake-bot is running on" in running.stderr and "stop it first" in running.stderr

    kept_back = intake_bot(tmp_path, "restore", "backup.db", env=env)
    assert kept_back.returncode == 1 and "--replace" in kept_back.stderr
    assert answers(engine) == with_later  # nothing changed

    replaced = intake_bot(tmp_path, "restore", "backup.db", "--replace", env=env)
    assert replaced.returncode == 0, replaced.stderr
    assert len(answers(engine)) == len(with_later) - 1
    kept = next((tmp_path / "data").glob("intake.db.before-restore-*"))
    assert f"kept the database it replaced as {kept}" in replaced.stdout
    assert answers(make_engine(f"sqlite:///{kept}")) == with_later  # the restore can be undone


def test_restore_refuses_what_is_not_an_intake_bot_backup(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    (tmp_path / "notes.txt").write_text("not a database")
    result = intake_bot(tmp_path, "restore", "notes.txt", env=env)
    assert result.returncode == 1 and "is not a SQLite backup" in result.stderr
    with closing(sqlite3.connect(tmp_path / "other.db")) as other:
        other.execute("CREATE TABLE t (x)")
    result = intake_bot(tmp_path, "restore", "other.db", env=env)
    assert result.returncode == 1 and "holds no intake-bot database" in result.stderr
    assert not (tmp_path / "data" / "intake.db").exists()


# --- PostgreSQL -------------------------------------------------------------------------


@pytest.fixture
def new_database(postgres_schema_url: str, postgres_server: Any) -> Iterator[Callable[[], str]]:
    """new_database() -> the URL of a new, empty PostgreSQL database, dropped after the test."""
    made: list[str] = []
    admin = postgres_server.admin
    assert admin is not None

    def create() -> str:
        name = f"intake_backup_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        url = make_url(postgres_schema_url).set(database=name, query={})
        return url.render_as_string(hide_password=False)

    yield create
    with admin.connect() as connection:
        for name in made:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_postgresql_backup_during_live_writes_restores_with_every_answer(
    tmp_path: Path, new_database: Callable[[], str]
) -> None:
    url, restored_url = new_database(), new_database()
    engine, intake_id = seeded(url)
    with writing(engine, intake_id) as writer:
        before = writer.written
        made = intake_bot(tmp_path, "backup", "live.dump", env=cli_env(tmp_path, DATABASE_URL=url))
        after = writer.written
    assert made.returncode == 0, made.stderr
    assert "pg_dump of PostgreSQL at" in made.stdout
    assert after > before, "the writer kept writing while pg_dump ran"

    restore_env = cli_env(tmp_path, DATABASE_URL=restored_url)
    restored = intake_bot(tmp_path, "restore", "live.dump", env=restore_env)
    assert restored.returncode == 0, restored.stderr
    restored_engine = make_engine(restored_url)
    check_consistent([row[0] for row in answers(restored_engine)], before, after)
    assert answers(restored_engine) == answers(engine)[: len(answers(restored_engine))]
    assert schema.current_revision(restored_url) == schema.head_revision()

    engine.dispose()
    restored_engine.dispose()
    again = intake_bot(tmp_path, "restore", "live.dump", env=restore_env)
    assert again.returncode == 1
    assert "already has intake-bot tables" in again.stdout
    assert "pg_restore --no-owner --exit-on-error --single-transaction --clean" in again.stdout


def test_without_pg_dump_the_exact_command_is_printed(tmp_path: Path) -> None:
    url = "postgresql+psycopg://intake:SECRET@db.example.internal:5432/intake"
    env = cli_env(tmp_path, DATABASE_URL=url, PATH=str(tmp_path / "no-tools"))
    result = intake_bot(tmp_path, "backup", "nightly.dump", env=env)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == (
        "PGPASSWORD=... pg_dump --format=custom --no-owner --file=nightly.dump "
        "--dbname=postgresql://intake@db.example.internal:5432/intake"
    )
    assert "SECRET" not in result.stdout + result.stderr
