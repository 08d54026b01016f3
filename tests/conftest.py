"""Fixtures shared by all tests: a database on SQLite and on PostgreSQL, sessions, row factories.

`database_url` runs a test twice: on a SQLite file in tmp_path and on PostgreSQL. The
PostgreSQL server is $INTAKE_TEST_POSTGRES_URL (default DEFAULT_POSTGRES_URL); when it cannot
be reached the PostgreSQL half is skipped, or fails when INTAKE_REQUIRE_POSTGRES=1 (as in CI).

Each PostgreSQL test gets a schema of its own, created before and dropped (with everything in
it) after the test. The schema is named in the URL (`?options=-csearch_path=t_...`), so any
engine made from `database_url`, including a second one after a simulated restart, sees the
same tables, and tests can run in parallel against one database.

Stored data is encrypted (storage.crypto): the session generates one DATA_ENCRYPTION_KEY, puts it
in the environment (so the command-line tests' subprocesses have it too) and installs the key
ring; `key_ring` lets a test change the ring and puts the session's back afterwards.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from e2e_support import PROVIDER_CHAT_ID, TOKEN
from fake_bot_api import FakeBotAPI
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from storage import crypto, intakes, patients
from storage.db import make_engine
from storage.models import Answer, Intake, Patient, utcnow

POSTGRES_URL_ENV = "INTAKE_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "INTAKE_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 3

FIRST_CHAT_ID = 5_000_000_001
"""Factory-made patients get chat ids from here up: above 2**31, as real Telegram ids can be."""


TEST_KEY = crypto.new_key()
"""The session's data encryption key: made fresh for each run, never a fixed test key."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: the PostgreSQL run of a test parametrized over both databases"
    )
    config.addinivalue_line(
        "markers", "crash: kills the real bot process (tests/telegram/test_crash.py, make crash)"
    )
    os.environ[crypto.SETTING] = TEST_KEY
    crypto.configure(TEST_KEY)


@pytest.fixture
def key_ring() -> Iterator[Callable[[str], None]]:
    """key_ring(text): install another ring (as DATA_ENCRYPTION_KEY's text) for this test only."""
    yield crypto.configure
    crypto.configure(TEST_KEY)


# --- the databases ----------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    """The PostgreSQL server for tests, checked once per session: an admin engine or an error."""

    url: URL
    admin: Engine | None
    error: str | None

    @property
    def shown(self) -> str:
        return self.url.render_as_string(hide_password=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Connects once, with a short timeout; the result is shared by every PostgreSQL test."""
    url = make_url(os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL)
    try:
        admin = create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            poolclass=NullPool,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        )
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, ImportError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        yield PostgresServer(url, None, f"{type(exc).__name__}: {reason}")
        return
    try:
        yield PostgresServer(url, admin, None)
    finally:
        admin.dispose()


def _require_postgres() -> bool:
    return os.environ.get(REQUIRE_POSTGRES_ENV) == "1"


@pytest.fixture
def postgres_schema_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A URL on a fresh schema of the test server; the schema is dropped after the test."""
    if postgres_server.admin is None:
        message = f"PostgreSQL not reachable at {postgres_server.shown} ({postgres_server.error})"
        if _require_postgres():
            pytest.fail(
                f"{message}; {REQUIRE_POSTGRES_ENV}=1 is set, so the PostgreSQL tests must run. "
                f"Start the server or point {POSTGRES_URL_ENV} at one.",
                pytrace=False,
            )
        pytest.skip(f"{message}; set {REQUIRE_POSTGRES_ENV}=1 to make this a failure")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with postgres_server.admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_server.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with postgres_server.admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The URL of an empty database: a SQLite file in tmp_path, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intake.db'}"
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def engine_factory(database_url: str) -> Iterator[Callable[..., Engine]]:
    """`storage.db.make_engine` on `database_url`; every engine made is disposed afterwards."""
    engines: list[Engine] = []

    def factory(*, create_tables: bool = True) -> Engine:
        made = make_engine(database_url, create_tables=create_tables)
        engines.append(made)
        return made

    yield factory
    for made in engines:
        made.dispose()


@pytest.fixture
def engine(engine_factory: Callable[..., Engine]) -> Engine:
    """An engine on `database_url` with every table created."""
    return engine_factory()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    """For tests that only need SQLite: an engine on a file in tmp_path, tables created."""
    made = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    yield made
    made.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on `engine`; nothing is committed unless the test commits."""
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session


# --- factories --------------------------------------------------------------------------


@pytest.fixture
def make_patient(session: Session) -> Callable[..., Patient]:
    """make_patient(chat_id=None, display_name=None): a flushed Patient (unique chat id if None)."""
    chat_ids = itertools.count(FIRST_CHAT_ID)

    def factory(*, chat_id: int | None = None, display_name: str | None = None) -> Patient:
        return patients.create(
            session, next(chat_ids) if chat_id is None else chat_id, display_name
        )

    return factory


@pytest.fixture
def make_intake(session: Session, make_patient: Callable[..., Patient]) -> Callable[..., Intake]:
    """make_intake(patient=None, **columns): a flushed Intake, for a new patient unless given."""

    def factory(patient: Patient | None = None, **columns: Any) -> Intake:
        owner = patient or make_patient()
        assert owner.id is not None
        intake = intakes.create(session, owner.id)
        if columns:
            for name, value in columns.items():
                setattr(intake, name, value)
            session.add(intake)
            session.flush()
        return intake

    return factory


@pytest.fixture
def make_answer(session: Session, make_intake: Callable[..., Intake]) -> Callable[..., Answer]:
    """make_answer(intake=None, key="mood.note", value="fine", raw_text=None, now=None)."""

    def factory(
        intake: Intake | None = None,
        key: str = "mood.note",
        value: Any = "fine",
        raw_text: str | None = None,
        now: datetime | None = None,
    ) -> Answer:
        owner = intake or make_intake()
        assert owner.id is not None
        intakes.record_answer(session, owner.id, key, value, raw_text, now or utcnow())
        return intakes.answer_history(session, owner.id, key)[-1]

    return factory


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API on 127.0.0.1, with one provider's chat (PROVIDER_CHAT_ID) open."""
    async with FakeBotAPI(token=TOKEN) as server:
        server.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dana", last_name="Rivera")
        yield server
