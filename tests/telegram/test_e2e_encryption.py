"""End to end, with encryption at rest: a patient with a non-ASCII name does a whole intake by
typing, a check-in with a note, and types risk language; the provider finds them by name in
another case. Then the database is read raw (the SQLite file and its WAL, byte for byte; every
PostgreSQL table through plain SQL): none of the name, the medicines or the typed answers is in
it. The key itself shows in no log line.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from e2e_support import (
    PROVIDER_CHAT_ID,
    current_question,
    invite,
    join,
    plain,
    running_bot,
    say,
    settings_for,
    tap,
    texts,
)
from fake_bot_api import FakeBotAPI, FakeChat
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Answer, Checkin, Medication, Patient, SafetyEvent

NAME = "Zoë Ünïcode-Marchetti"
TYPED = [
    "yes",
    "Panic at the Kirkcaldy depot",  # what brings them in: a first visit
    "Sleep again",
    "Lamictal 100mg BID",
    "as prescribed",
    "0",
    "add another",
    "quetiapine",
    "25 mg",
    "at bedtime",
    "stopped",
    "side effects, 7",
    "made me too sleepy in Kirkcaldy",
    "that's all",
    "melatonin 3 mg",
    "none before",
    "sulfa drugs, Marchetti rash",
    "no one else",
    "none",
    "prefer not to say",
    *["not at all"] * 9,
    *["1"] * 7,
    "7 hours",
    "less than 15 minutes",
    "1",
    "good",
    "good",
    "about as usual",
    "good",
    "never",
    "never",
    "no",
    "no, thanks",
    "no",
    "housing",
    "a little",
    "Moving house to Ouagadougou next month",
    "I'll type my own",
    "Is it safe to stop quetiapine before the Tlön conference?",
    "no",
]
CHECKIN_NOTE = "Rough week at the Xochimilco office"
RISK_TEXT = "Honestly I want to kill myself"
SECRETS = (
    "Zoë",
    "Ünïcode",
    "Marchetti",
    "Lamictal",
    "quetiapine",
    "melatonin",
    "100mg BID",
    "at bedtime",
    "too sleepy",
    "Kirkcaldy",
    "Ouagadougou",
    "Tlön",
    "Xochimilco",
    "kill myself",
    "less than 15 minutes",
)
"""The patient's name, medicines and words: none may be readable in the database."""
SLOW = 30.0


async def intake_checkin_and_risk(fake: FakeBotAPI, patient: FakeChat, token: str) -> None:
    await join(patient, token)
    for answer in TYPED:
        reply = await say(patient, answer)
        assert "didn't catch that" not in texts(reply), (answer, texts(reply))
    assert "Here's everything you told me" in current_question(patient)
    await say(patient, "submit")
    provider = fake.chats[PROVIDER_CHAT_ID]
    # The intake's summary, chart and PDF go out first: a loaded machine may take a while.
    await provider.wait_for(
        lambda c: any(m.media == "document" for m in c.messages), timeout=SLOW
    )

    await patient.send_command("/checkin")
    await patient.wait_for(lambda c: "Check-in · 1 of 5" in (c.last_text or ""), timeout=SLOW)
    await tap(patient, "4")
    await say(patient, "6.5")
    await tap(patient, "Low")
    await tap(patient, "Headache")
    await tap(patient, "Done ✔️")
    reply = await say(patient, CHECKIN_NOTE)
    assert "logged" in texts(reply).lower()

    reply = await say(patient, RISK_TEXT)
    assert "988" in texts(reply)
    await provider.wait_for(
        lambda c: any("URGENT" in plain(m) for m in c.messages),
        timeout=SLOW,
    )
    await tap(patient, "Yes, I'm safe right now")

    # Found by name in another case and another Unicode form (issue 10: lower() is ASCII-only).
    reply = await provider.send_command_and_wait("/patient ZOE\u0308 ÜNÏCODE-MARCHETTI", quiet=0.5)
    assert NAME in texts(reply) and "Intakes" in texts(reply)


def found_in(haystack: bytes) -> list[str]:
    lowered = haystack.lower()
    return [s for s in SECRETS if s.lower().encode() in lowered]


def raw_sqlite(database_url: str) -> bytes:
    """The database file and its write-ahead log, as they are on disk."""
    path = Path(make_url(database_url).database or "")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def raw_rows(database_url: str) -> bytes:
    """Every row of every table, through plain SQL: no column type decrypts anything."""
    engine = make_engine(database_url, create_tables=False)
    try:
        with engine.connect() as connection:
            dumped = [
                repr(tuple(row)).encode()
                for table in inspect(connection).get_table_names()
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            ]
    finally:
        engine.dispose()
    return b"\n".join(dumped)


async def test_nothing_a_patient_types_is_readable_in_the_database(
    fake: FakeBotAPI, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    patient = fake.private_chat(chat_id=1101, first_name="Zoë")
    settings = settings_for(fake, database_url)
    token = invite(settings, NAME)
    with caplog.at_level(logging.DEBUG):
        async with running_bot(settings):
            await intake_checkin_and_risk(fake, patient, token)

    # The rows are there, and read back through the models...
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assert session.exec(select(Patient)).one().display_name == NAME
            typed = {a.raw_text for a in session.exec(select(Answer)).all()}
            assert "Moving house to Ouagadougou next month" in typed
            assert {m.name for m in session.exec(select(Medication)).all()} >= {"Lamictal"}
            assert session.exec(select(Checkin)).one().answers is not None
            texts_stored = {e.patient_text for e in session.exec(select(SafetyEvent)).all()}
            assert RISK_TEXT in texts_stored
    finally:
        engine.dispose()
    # ...but nothing of them can be read without the key.
    rows = raw_rows(database_url)
    assert found_in(rows) == []
    assert b"Xochimilco" not in rows and len(rows) > 10_000  # the rows were read
    if make_url(database_url).get_backend_name() == "sqlite":
        on_disk = raw_sqlite(database_url)
        assert len(on_disk) > 50_000
        assert found_in(on_disk) == []
    # The key is in no log line, at any level.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert settings.data_encryption_key is not None
    assert settings.data_encryption_key.get_secret_value() not in logged
    assert settings.data_encryption_key.get_secret_value() not in repr(settings)
