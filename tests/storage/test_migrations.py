"""Schema migrations (storage/migrations, storage.schema, `intake-bot db`), on SQLite and on
PostgreSQL (see conftest.database_url).

- Drift: after every revision the database matches the models, as create_all would make it.
- The baseline (0001) is the schema create_all made before migrations existed
  (tests/data/schema_before_migrations.*.sql), so databases in the field upgrade.
- A full intake stored in the old schema reads back the same after the upgrade, and an open
  safety question moves from settings_step to its own column.
- 0004 encrypts what was stored in the clear (none of it stays readable, even in the SQLite
  file's free pages after `db upgrade`), refuses without a key, and its downgrade decrypts.
- `intake-bot db current` / `db upgrade`, and `intake-bot run` refusing a database that is
  behind with one line and status 2.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from e2e_support import PROVIDER_CHAT_ID, TOKEN
from flow_driver import Driver
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, SQLModel, select

from bot.cli.db import check_before_run
from flows.checkin_questions import ENERGY, MOOD, NOTE, SIDE_EFFECTS, SIDE_EFFECTS_OTHER, SLEEP
from flows.checkin_summary import records_from_answers
from flows.compiled import compile_intake, medication_rows
from flows.preferences import TIME as SETTINGS_TIME
from flows.report import CompiledIntake
from flows.safety_dialogue import SAFETY_CHECK, SAFETY_CLARIFY
from storage import crypto, intakes, patients, safety, schema
from storage.clock import as_utc
from storage.db import make_engine
from storage.models import Checkin, Intake, Patient, Reminder, SafetyAudit, SafetyEvent
from storage.schema import SchemaError, SchemaStatus

DATA = Path(__file__).parents[1] / "data"
HEAD = schema.head_revision()
SAFETY_QUESTION_STEP = "0001 -> 0002: The safety question gets its own column."
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CHAT_IDS = (5_000_000_001, 5_000_000_002, 5_000_000_003)  # above 2**31, as Telegram's can be
PROVIDER_GROUP = -1_001_234_567_890


def chain(start: str | None) -> list[str]:
    """The "from -> to" of each revision after `start` (None: an empty database), in order."""
    known = schema.revisions()
    later = known[known.index(start) + 1 :] if start else known
    before = [start, *later[:-1]]
    return [f"{b or 'empty'} -> {a}" for b, a in zip(before, later, strict=True)]


def arrows(steps: list[schema.Step]) -> list[str]:
    return [str(step).split(":")[0] for step in steps]


# --- databases --------------------------------------------------------------------------


@pytest.fixture
def engine_of(database_url: str) -> Iterator[Any]:
    """engine_of(url=database_url): an engine without any schema check, disposed afterwards."""
    made: list[Engine] = []

    def factory(url: str = database_url) -> Engine:
        made.append(make_engine(url, create_tables=False))
        return made[-1]

    yield factory
    for engine in made:
        engine.dispose()


@pytest.fixture
def other_database_url(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A second empty database of the same kind as `database_url`."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:16]}"
    with server.admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield server.url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )
    finally:
        with server.admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def create_tables_as_before_migrations(engine: Engine) -> None:
    """The tables exactly as create_all made them before this change: no alembic_version."""
    script = (DATA / f"schema_before_migrations.{engine.dialect.name}.sql").read_text()
    statements = [
        "\n".join(line for line in block.splitlines() if not line.startswith("--")).strip()
        for block in script.split(";\n")
    ]
    with engine.begin() as connection:
        for statement in statements:
            if statement:
                connection.exec_driver_sql(statement)


def describe(engine: Engine) -> dict[str, Any]:
    """Every table's columns, keys, unique constraints and indexes, as the database reports them.

    Constraint names count on PostgreSQL only: SQLite keeps none for create_all's unnamed
    constraints (revision 0001 names them as PostgreSQL does).
    """
    found = inspect(engine)
    postgres = engine.dialect.name == "postgresql"

    def named(name: str | None) -> str | None:
        return name if postgres else None

    tables: dict[str, Any] = {}
    for table in sorted(set(found.get_table_names()) - {schema.VERSION_TABLE}):
        key = found.get_pk_constraint(table)
        tables[table] = {
            "columns": {
                column["name"]: (
                    column["type"].compile(dialect=engine.dialect),
                    column["nullable"],
                    column.get("default"),
                )
                for column in found.get_columns(table)
            },
            "primary key": (tuple(key["constrained_columns"]), named(key["name"])),
            "foreign keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    named(fk["name"]) or "",
                )
                for fk in found.get_foreign_keys(table)
            ),
            "unique": sorted(
                (tuple(unique["column_names"]), named(unique["name"]) or "")
                for unique in found.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in found.get_indexes(table)
            ),
        }
    return tables


# --- drift: the models and the latest revision ------------------------------------------


def test_after_every_revision_the_database_matches_the_models(
    database_url: str, other_database_url: str, engine_of: Any
) -> None:
    """`alembic check`: this fails when storage/models.py changes without a revision."""
    migrated = engine_of()
    schema.upgrade(migrated)
    assert schema.check(migrated) is SchemaStatus.CURRENT
    assert schema.differences(migrated) == []
    # ...and it is the schema create_all makes from the models, down to the index names.
    created = engine_of(other_database_url)
    SQLModel.metadata.create_all(created)
    assert describe(migrated) == describe(created)


def test_the_drift_check_sees_a_model_change_that_has_no_revision(
    database_url: str, engine_of: Any
) -> None:
    engine = engine_of()
    schema.upgrade(engine)
    changed = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["patient"].append_column(sa.Column("nickname", sa.String(40)))
    differences = schema.differences(engine, changed)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "patient", "nickname")]


def test_the_baseline_is_the_schema_create_all_made_before_migrations(
    database_url: str, other_database_url: str, engine_of: Any
) -> None:
    baseline = engine_of()
    assert [str(step) for step in schema.upgrade(baseline, schema.BASELINE)] == [
        "empty -> 0001: Baseline: the tables exactly as create_all made them before migrations "
        "existed."
    ]
    field = engine_of(other_database_url)
    create_tables_as_before_migrations(field)
    assert describe(baseline) == describe(field)


def test_downgrading_to_the_baseline_gives_the_baseline_back(
    database_url: str, other_database_url: str, engine_of: Any
) -> None:
    engine = engine_of()
    schema.upgrade(engine)
    steps = [str(step) for step in schema.downgrade(engine, schema.BASELINE)]
    assert steps[0].startswith(f"{HEAD} -> ")
    assert steps[-1] == "0002 -> 0001: undo: The safety question gets its own column."
    fresh = engine_of(other_database_url)
    schema.upgrade(fresh, schema.BASELINE)
    assert describe(engine) == describe(fresh)
    schema.downgrade(engine, "base")
    assert schema.check(engine) is SchemaStatus.EMPTY
    assert set(inspect(engine).get_table_names()) <= {schema.VERSION_TABLE}


# --- what a database needs --------------------------------------------------------------


def test_status_empty_behind_current_ahead_and_legacy(database_url: str, engine_of: Any) -> None:
    engine = engine_of()
    assert schema.state(engine) == (SchemaStatus.EMPTY, None)
    schema.upgrade(engine, schema.BASELINE)
    assert schema.state(engine) == (SchemaStatus.BEHIND, "0001")
    assert schema.current_revision(database_url) == "0001"  # a URL works as well as an engine
    schema.upgrade(engine)
    assert schema.state(engine) == (SchemaStatus.CURRENT, HEAD)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert schema.state(engine) == (SchemaStatus.AHEAD, "9999")
    with pytest.raises(SchemaError, match=r"made by a newer intake-bot \(revision 9999"):
        schema.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert schema.state(engine) == (SchemaStatus.LEGACY, None)


def test_make_engine_creates_an_empty_database_and_never_migrates_one_with_tables(
    database_url: str, other_database_url: str, engine_of: Any
) -> None:
    made = make_engine(database_url)
    made.dispose()
    assert schema.state(engine_of()) == (SchemaStatus.CURRENT, HEAD)

    behind = engine_of(other_database_url)
    schema.upgrade(behind, schema.BASELINE)
    with pytest.raises(SchemaError) as refused:
        make_engine(other_database_url)
    assert str(refused.value) == (
        f'the database schema is behind (0001, latest {HEAD}): back it up, then run "intake-bot db '
        'upgrade"'
    )
    assert schema.state(behind) == (SchemaStatus.BEHIND, "0001")


def test_a_legacy_database_without_the_whole_baseline_is_not_stamped(
    database_url: str, engine_of: Any
) -> None:
    engine = engine_of()
    create_tables_as_before_migrations(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE safetyaudit"))
        connection.execute(text("ALTER TABLE checkin DROP COLUMN late"))
    with pytest.raises(
        SchemaError, match=r"not all of the baseline.*missing checkin.late, safetyaudit"
    ):
        schema.upgrade(engine)
    assert schema.state(engine) == (SchemaStatus.LEGACY, None)


# --- a full intake in the old schema, upgraded -------------------------------------------


@dataclass
class Stored:
    """What was written into the old schema, to compare with what reads back."""

    intake_id: int
    answers: dict[str, Any]
    typed: dict[str, str]
    history: int
    compiled: CompiledIntake
    medications: list[dict[str, Any]]
    checkin_answers: dict[str, Any]
    safety_patient: int
    settings_patient: int


JSON_COLUMNS = frozenset(
    {"settings_draft", "draft", "value", "reasons", "alerted_chat_ids", "alert_messages", "answers"}
)


def insert(connection: Connection, table: str, *, with_id: bool = True, **values: Any) -> int:
    """A plain Core INSERT into the table as it is in the database, as the old code wrote it."""

    def typed(name: str, value: Any) -> sa.types.TypeEngine[Any]:
        if name in JSON_COLUMNS:
            return sa.JSON()
        if isinstance(value, datetime):
            return sa.DateTime(timezone=True)
        if isinstance(value, bool):
            return sa.Boolean()
        if isinstance(value, int):
            return sa.BigInteger()
        return sa.String()

    # NULL is what an omitted column gets; JSON columns keep None, as JSON null.
    values = {k: v for k, v in values.items() if v is not None or k in JSON_COLUMNS}
    columns = [sa.column(name, typed(name, value)) for name, value in values.items()]
    target = sa.table(table, *columns, sa.column("id", sa.Integer()))
    statement = target.insert().values(**values)
    if not with_id:
        connection.execute(statement)
        return 0
    return connection.execute(statement.returning(target.c.id)).scalar_one()


def full_intake() -> Driver:
    """A whole intake typed through the real dialogue: every section, two medicines, side
    effects, questions, one changed answer, and the safety question after PHQ-9 item 9."""
    d = Driver()
    d.begin()
    d.type("yes")
    for line in ("sertraline 50 mg once a day", "taking it as prescribed", "2", "I forgot"):
        d.type(line)
    for line in ("Add another medication", "Lamictal", "100 mg", "2", "STOPPED", "felt better"):
        d.type(line)
    d.type("that's all")
    d.type("vitamin D")
    assert (d.phase, d.step) == ("mood", "phq9.1")
    d.type("nearly every day")
    d.command("back")  # changed: the first answer stays in the history, superseded
    for line in ["not at all", "Several Days", "3", "nearly every day", "1", "1", "1", "1"]:
        d.type(line)
    d.type("several days")  # item 9 above zero: resources, an alert, "Are you safe right now?"
    assert d.state.pending == SAFETY_CHECK
    d.tap("safe")
    d.type("Somewhat difficult")
    for line in ["2", "2", "several days", "1", "1", "1", "more than half the days"]:
        d.type(line)
    for line in ["6.5", "30-60 minutes", "2", "poor", "worse"]:
        d.type(line)
    for line in ["worse", "about the same", "3"]:
        d.type(line)
    d.type("nausea, headache")
    for line in ["most days", "moderate", "a lot", "sertraline"]:
        d.type(line)
    for line in ["rarely", "mild", "a little", "I think it's the lamictal"]:
        d.type(line)
    for line in ["yes", "no", "work, family", "a lot", "a little"]:  # therapy, health, stress
        d.type(line)
    d.type("My mother is in hospital")
    d.type("type my own")
    d.type("Should I change my dose?")
    d.type("Can I drink coffee with lamictal?")
    d.type("that's all")
    assert d.type("submit").submitted
    return d


def compiled_from(answers: dict[str, Any], typed: dict[str, str], **extras: Any) -> CompiledIntake:
    return compile_intake(answers, typed_texts=typed, patient_name="Test Patient", **extras)


def fill_old_schema(engine: Engine) -> Stored:
    """Patients, an appointment, a submitted intake, a check-in, a reminder, safety events and
    an open safety question, written with plain INSERTs into the tables as they were."""
    d = full_intake()
    assert len(d.history) > len(d.answers)  # one answer was changed
    submitted = T0 + timedelta(hours=1)
    with engine.begin() as c:
        patient = insert(
            c, "patient", telegram_chat_id=CHAT_IDS[0], display_name="Test Patient",
            timezone="America/Chicago", created_at=T0, linked_at=T0, consented_at=T0,
            checkin_cadence="daily", checkin_time="09:00", checkins_paused=False,
        )  # fmt: skip
        insert(
            c, "invitation", patient_id=patient, token_hash="0" * 64, created_by="cli",
            created_at=T0, expires_at=T0 + timedelta(days=14), used_at=T0,
        )  # fmt: skip
        appointment = insert(
            c, "appointment", patient_id=patient, starts_at=T0 + timedelta(days=3),
            status="scheduled", created_at=T0, updated_at=T0,
        )  # fmt: skip
        intake = insert(
            c, "intake", patient_id=patient, appointment_id=appointment, state="submitted",
            step=None, editing=False, paused=False, version=len(d.history), started_at=T0,
            updated_at=submitted, consented_at=T0, submitted_at=submitted, delivered_at=submitted,
        )  # fmt: skip
        for position, item in enumerate(d.history):
            later = any(other.key == item.key for other in d.history[position + 1 :])
            insert(
                c, "answer", intake_id=intake, question_key=item.key, value=item.value,
                raw_text=item.raw_text, created_at=T0 + timedelta(seconds=position),
                superseded=later, superseded_at=T0 + timedelta(minutes=30) if later else None,
            )  # fmt: skip
        typed = {
            item.key: item.raw_text
            for position, item in enumerate(d.history)
            if item.raw_text is not None
            and not any(other.key == item.key for other in d.history[position + 1 :])
        }
        alerts = tuple(event.detail for event in d.safety if event.alert)
        responses = tuple(event.detail for event in d.safety if event.kind == "safe")
        assert alerts and responses
        compiled = compiled_from(
            d.answers, typed, intake_id=intake, submitted_at=submitted,
            safety_alerts=alerts, safety_responses=responses,
        )  # fmt: skip
        medications = medication_rows(compiled)
        assert len(medications) == 2
        for position, medication in enumerate(medications, start=1):
            insert(
                c, "medication", patient_id=patient, intake_id=intake, position=position,
                created_at=submitted, **medication,
            )  # fmt: skip
        for event in d.safety:
            row = insert(
                c, "safetyevent", patient_id=patient, intake_id=intake, kind=event.kind,
                detail=event.detail, step=event.step, shown=event.shown, alert=event.alert,
                alerted_chat_ids=[PROVIDER_GROUP] if event.alert else None,
                alert_messages=[[PROVIDER_GROUP, 4242]] if event.alert else None,
                times_alerted=1 if event.alert else 0, created_at=T0 + timedelta(minutes=10),
            )  # fmt: skip
            if event.shown:
                insert(
                    c, "safetyaudit", safety_event_id=row, action="shown", actor="bot",
                    detail=event.shown, at=T0 + timedelta(minutes=10),
                )  # fmt: skip
        reminder = insert(
            c, "reminder", patient_id=patient, appointment_id=None, kind="checkin",
            key=f"checkin:{patient}:2025-03-02", due_at=T0 + timedelta(days=1), status="sent",
            sent_at=T0 + timedelta(days=1), created_at=T0,
        )  # fmt: skip
        checkin_answers = {
            MOOD: 6,
            SLEEP: 7.5,
            ENERGY: "ok",
            SIDE_EFFECTS: ["nausea", "other"],
            SIDE_EFFECTS_OTHER: "dry mouth",
            NOTE: "slept badly on Sunday",
        }
        insert(
            c, "checkin", patient_id=patient, reminder_id=reminder, step=None, pending=None,
            answers=checkin_answers, started_at=T0 + timedelta(days=1),
            completed_at=T0 + timedelta(days=1, minutes=3), late=False,
        )  # fmt: skip
        insert(c, "processedupdate", with_id=False, update_id=3_000_000_001, processed_at=T0)
        # A patient who was asked "Are you safe right now?" outside any dialogue, not yet
        # answered: the old code kept that question in settings_step.
        safety_patient = insert(
            c, "patient", telegram_chat_id=CHAT_IDS[1], display_name="Second Patient",
            created_at=T0, linked_at=T0, consented_at=T0, active_dialogue="safety",
            settings_step=SAFETY_CHECK, checkin_cadence="off", checkins_paused=False,
        )  # fmt: skip
        insert(
            c, "safetyevent", patient_id=safety_patient, intake_id=None, kind="risk_language",
            detail="risk language in a message outside the intake", step=None,
            shown="crisis_resources", alert=True, alerted_chat_ids=[PROVIDER_GROUP],
            alert_messages=[[PROVIDER_GROUP, 4243]], times_alerted=1, created_at=T0,
        )  # fmt: skip
        # A patient halfway through their settings: that stays in settings_step.
        settings_patient = insert(
            c, "patient", telegram_chat_id=CHAT_IDS[2], created_at=T0, linked_at=T0,
            consented_at=T0, active_dialogue="settings", settings_step=SETTINGS_TIME,
            settings_draft={"cadence": "daily"}, checkin_cadence="off", checkins_paused=False,
        )  # fmt: skip
    return Stored(
        intake, dict(d.answers), typed, len(d.history), compiled, medications, checkin_answers,
        safety_patient, settings_patient,
    )  # fmt: skip


@pytest.mark.parametrize("made_by", ["create_all before migrations", "revision 0001"])
def test_a_full_intake_reads_back_the_same_after_the_upgrade(
    database_url: str, engine_of: Any, made_by: str
) -> None:
    old = engine_of()
    if made_by == "revision 0001":
        schema.upgrade(old, schema.BASELINE)
    else:
        create_tables_as_before_migrations(old)
        assert schema.check(old) is SchemaStatus.LEGACY
    stored = fill_old_schema(old)

    steps = schema.upgrade(old)

    if made_by == "revision 0001":
        assert arrows(steps) == chain("0001")
    else:
        assert arrows(steps) == ["empty -> 0001", *chain("0001")]
        assert str(steps[0]) == "empty -> 0001: tables made before migrations, stamped at baseline"
    assert SAFETY_QUESTION_STEP in [str(step) for step in steps]
    engine = make_engine(database_url)  # as the bot opens it: current now, so no complaint
    try:
        with Session(engine) as session:
            # every answer, as the storage queries read it
            assert intakes.current_answers(session, stored.intake_id) == stored.answers
            assert intakes.current_typed_texts(session, stored.intake_id) == stored.typed
            assert len(intakes.answer_history(session, stored.intake_id)) == stored.history
            intake = session.get(Intake, stored.intake_id)
            assert intake is not None and intake.state == "submitted"
            events = safety.for_intake(session, stored.intake_id)
            compiled = compiled_from(
                intakes.current_answers(session, stored.intake_id),
                intakes.current_typed_texts(session, stored.intake_id),
                intake_id=stored.intake_id,
                submitted_at=as_utc(intake.submitted_at),
                safety_alerts=tuple(e.detail for e in events if e.alert),
                safety_responses=tuple(e.detail for e in events if e.kind == "safe"),
            )
            # the provider's view: same scores, same medicines, same questions, same everything
            assert compiled.phq9 == stored.compiled.phq9
            assert compiled.gad7 == stored.compiled.gad7
            assert compiled.medications == stored.compiled.medications
            assert compiled.questions == stored.compiled.questions
            assert compiled.questions == (
                "Should I change my dose?",
                "Can I drink coffee with lamictal?",
            )
            assert compiled == stored.compiled
            medications = intakes.medications_for(session, stored.intake_id)
            assert [
                {key: getattr(row, key) for key in stored.medications[0]} for row in medications
            ] == stored.medications
            # the check-in, its reminder, the safety events and their alerts
            checkin = session.exec(select(Checkin)).one()
            assert checkin.answers == stored.checkin_answers
            completed = as_utc(checkin.completed_at)
            assert completed == T0 + timedelta(days=1, minutes=3)
            record = records_from_answers(completed, checkin.answers, checkin.late)
            assert record == records_from_answers(completed, stored.checkin_answers, False)
            assert (record.mood, record.sleep_hours, record.side_effects[-1]) == (
                6,
                7.5,
                "“dry mouth”",
            )
            reminder = session.exec(select(Reminder)).one()
            assert (reminder.status, as_utc(reminder.due_at)) == (
                "sent",
                T0 + timedelta(days=1),
            )
            alerted = session.exec(select(SafetyEvent).where(SafetyEvent.alert)).all()
            assert {tuple(e.alerted_chat_ids or ()) for e in alerted} == {(PROVIDER_GROUP,)}
            assert [PROVIDER_GROUP, 4243] in [m for e in alerted for m in e.alert_messages or []]
            assert session.exec(select(SafetyAudit)).all()
            # the open safety question has moved to its own column; settings stay put
            asked = session.get(Patient, stored.safety_patient)
            assert asked is not None
            assert (asked.active_dialogue, asked.safety_question, asked.settings_step) == (
                "safety",
                SAFETY_CHECK,
                None,
            )
            setting = session.get(Patient, stored.settings_patient)
            assert setting is not None
            assert (setting.active_dialogue, setting.settings_step, setting.safety_question) == (
                "settings",
                SETTINGS_TIME,
                None,
            )
            assert setting.settings_draft == {"cadence": "daily"}
            assert patients.by_chat(session, CHAT_IDS[0]) is not None
            # and the upgraded database takes new rows
            intakes.record_answer(session, stored.intake_id, "q.1", "A new question", None, T0)
            session.commit()
    finally:
        engine.dispose()


def test_downgrade_puts_the_safety_question_back_in_settings_step(
    database_url: str, engine_of: Any
) -> None:
    engine = engine_of()
    schema.upgrade(engine)
    with engine.begin() as c:
        ids = []
        for chat, dialogue, settings_step, question in (
            (CHAT_IDS[0], "safety", None, SAFETY_CLARIFY),
            (CHAT_IDS[1], "settings", SETTINGS_TIME, None),
            (CHAT_IDS[2], None, None, None),
        ):
            row = insert(
                c, "patient", telegram_chat_id=chat, created_at=T0, active_dialogue=dialogue,
                settings_step=settings_step, safety_question=question, checkin_cadence="off",
                checkins_paused=False,
            )  # fmt: skip
            ids.append(row)
        insert(c, "intake", patient_id=ids[0], state="consent", editing=False, paused=False,
               version=0, started_at=T0, updated_at=T0)  # fmt: skip

    schema.downgrade(engine, schema.BASELINE)

    with engine.connect() as c:
        rows = c.execute(
            text("SELECT id, active_dialogue, settings_step FROM patient ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        (ids[0], "safety", SAFETY_CLARIFY),
        (ids[1], "settings", SETTINGS_TIME),
        (ids[2], None, None),
    ]
    schema.upgrade(engine)
    with Session(engine) as session:
        moved = session.get(Patient, ids[0])
        assert moved is not None
        assert (moved.safety_question, moved.settings_step) == (SAFETY_CLARIFY, None)
        assert session.exec(select(Intake)).one().patient_id == ids[0]


# --- 0004: encryption at rest ------------------------------------------------------------

IN_THE_CLEAR = (
    "Test Patient",
    "Second Patient",
    "sertraline",
    "Lamictal",
    "felt better",
    "vitamin D",
    "My mother is in hospital",
    "Should I change my dose?",
    "coffee with lamictal",
    "slept badly on Sunday",
    "dry mouth",
    "America/Chicago",
    "risk language in a message outside the intake",
)
"""What fill_old_schema stores in the clear: names, medicines, typed words, a time zone."""


def raw_dump(engine: Engine) -> str:
    """Every row of every table as plain SQL reads it (nothing decrypted), lowercased."""
    with engine.connect() as connection:
        return repr(
            {
                table: sorted(
                    repr(tuple(row))
                    for row in connection.execute(text(f'SELECT * FROM "{table}"'))
                )
                for table in sorted(inspect(connection).get_table_names())
            }
        ).lower()


def readable(dump: str) -> list[str]:
    return [words for words in IN_THE_CLEAR if words.lower() in dump]


def test_0004_encrypts_what_was_stored_in_the_clear_and_its_downgrade_decrypts_it(
    database_url: str, other_database_url: str, engine_of: Any
) -> None:
    engine = engine_of()
    schema.upgrade(engine, schema.BASELINE)
    stored = fill_old_schema(engine)
    schema.upgrade(engine, "0003")
    before = raw_dump(engine)
    assert readable(before) == list(IN_THE_CLEAR)  # the check sees plain text

    schema.upgrade(engine, "0004")

    assert readable(raw_dump(engine)) == []
    schema.upgrade(engine)  # the models are the latest revision's: read through them there
    with Session(engine) as session:
        assert intakes.current_typed_texts(session, stored.intake_id) == stored.typed
        found = patients.by_name(session, "TEST PATIENT")
        assert [p.telegram_chat_id for p in found] == [CHAT_IDS[0]]
        assert [p.id for p in patients.by_name(session, "second patient")] == [
            stored.safety_patient
        ]

    schema.downgrade(engine, "0003")

    assert raw_dump(engine) == before  # every row exactly as 0003 held it
    fresh = engine_of(other_database_url)
    schema.upgrade(fresh, "0003")
    assert describe(engine) == describe(fresh)
    schema.upgrade(engine)
    with Session(engine) as session:
        assert intakes.current_answers(session, stored.intake_id) == stored.answers


def test_0004_refuses_without_a_key_and_changes_nothing(
    database_url: str, engine_of: Any, key_ring: Any
) -> None:
    engine = engine_of()
    schema.upgrade(engine, "0003")
    fill_old_schema(engine)
    crypto.reset()
    with pytest.raises(crypto.KeyRingError) as refused:
        schema.upgrade(engine)
    assert str(refused.value) == (
        "revision 0004 encrypts the data already stored: set DATA_ENCRYPTION_KEY first (make a "
        'key with "intake-bot keys new", and keep a copy apart from the database)'
    )
    assert schema.current_revision(engine) == "0003"
    assert readable(raw_dump(engine)) == list(IN_THE_CLEAR)
    assert "name_hash" not in {c["name"] for c in inspect(engine).get_columns("patient")}


def test_an_empty_database_needs_no_key_to_be_created(
    database_url: str, engine_of: Any, key_ring: Any
) -> None:
    crypto.reset()
    engine = engine_of()
    assert [arrows(schema.upgrade(engine))] == [chain(None)]
    assert schema.check(engine) is SchemaStatus.CURRENT


def test_the_export_ids_revision_gives_every_existing_row_its_own_id(
    database_url: str, engine_of: Any
) -> None:
    engine = engine_of()
    schema.upgrade(engine, "0002")
    with engine.begin() as c:
        patients = [
            insert(
                c,
                "patient",
                telegram_chat_id=chat,
                created_at=T0,
                checkin_cadence="off",
                checkins_paused=False,
            )
            for chat in CHAT_IDS[:2]
        ]
        for patient in patients:
            for _ in range(2):
                insert(c, "intake", patient_id=patient, state="consent", editing=False,
                       paused=False, version=0, started_at=T0, updated_at=T0)  # fmt: skip
    schema.upgrade(engine)
    with engine.connect() as c:
        found = {
            table: [row[0] for row in c.execute(text(f"SELECT export_id FROM {table}"))]
            for table in ("patient", "intake")
        }
    assert [len(found["patient"]), len(found["intake"])] == [2, 4]
    every = [*found["patient"], *found["intake"]]
    assert len(set(every)) == len(every)
    assert all(str(uuid.UUID(value)) == value for value in every)


# --- the command line and the start-up check --------------------------------------------


def cli_env(database_url: str, **values: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "PROVIDER_"))
    }
    env.update({"DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}, **values)
    return env


def intake_bot(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot.cli ...` in a folder without a .env, as the project's CLI tests run it."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_current_and_db_upgrade_from_the_command_line(
    database_url: str, engine_of: Any, tmp_path: Path
) -> None:
    env = cli_env(database_url)
    empty = intake_bot(tmp_path, env, "db", "current")
    assert (empty.returncode, empty.stdout) == (0, f"none: an empty database (latest is {HEAD})\n")

    schema.upgrade(engine_of(), schema.BASELINE)
    behind = intake_bot(tmp_path, env, "db", "current")
    assert behind.returncode == 0, behind.stderr
    assert behind.stdout == f"0001 (behind: latest is {HEAD}; run intake-bot db upgrade)\n"

    upgraded = intake_bot(tmp_path, env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    lines = upgraded.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == chain("0001")
    assert lines[0] == SAFETY_QUESTION_STEP
    assert lines[-1] == f"the database is at the latest revision, {HEAD}"
    assert "Traceback" not in upgraded.stderr

    current = intake_bot(tmp_path, env, "db", "current")
    assert (current.returncode, current.stdout) == (0, f"{HEAD} (latest)\n")
    again = intake_bot(tmp_path, env, "db", "upgrade")
    assert (again.returncode, again.stdout) == (
        0,
        f"the database is already at the latest revision, {HEAD}\n",
    )

    with engine_of().begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    newer = intake_bot(tmp_path, env, "db", "current")
    assert newer.stdout == f"9999 (unknown: made by a newer intake-bot; this one knows {HEAD})\n"
    refused = intake_bot(tmp_path, env, "db", "upgrade")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        f"intake-bot: the database was made by a newer intake-bot (revision 9999, this one knows "
        f"up to {HEAD}): upgrade intake-bot\n"
    )


def test_db_upgrade_of_an_empty_database_runs_every_revision(
    database_url: str, tmp_path: Path
) -> None:
    upgraded = intake_bot(tmp_path, cli_env(database_url), "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    lines = upgraded.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == chain(None)
    assert lines[-1] == f"the database is at the latest revision, {HEAD}"


def test_db_upgrade_encrypts_the_stored_data_with_the_key_and_leaves_no_plain_copy(
    database_url: str, engine_of: Any, tmp_path: Path
) -> None:
    engine = engine_of()
    schema.upgrade(engine, "0003")
    fill_old_schema(engine)
    engine.dispose()
    without_key = cli_env(database_url)
    del without_key[crypto.SETTING]
    refused = intake_bot(tmp_path, without_key, "db", "upgrade")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(
        "intake-bot: revision 0004 encrypts the data already stored: set DATA_ENCRYPTION_KEY first"
    )
    assert schema.current_revision(database_url) == "0003"

    upgraded = intake_bot(tmp_path, cli_env(database_url), "db", "upgrade")

    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.splitlines()[-1] == f"the database is at the latest revision, {HEAD}"
    assert readable(raw_dump(engine)) == []
    if engine.dialect.name == "sqlite":  # the file itself: no old copy in its free pages
        path = Path(make_url(database_url).database or "")
        on_disk = b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*")).lower()
        assert [w for w in IN_THE_CLEAR if w.lower().encode() in on_disk] == []


def test_run_refuses_a_database_that_is_behind_with_one_line_and_status_2(
    database_url: str, engine_of: Any, tmp_path: Path
) -> None:
    schema.upgrade(engine_of(), schema.BASELINE)
    env = cli_env(
        database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        PROVIDER_CHAT_IDS=str(PROVIDER_CHAT_ID),
        # Nothing listens here: a bot that got past the check would exit 1, unable to reach it.
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
    )
    refused = intake_bot(tmp_path, env, "run")
    assert refused.returncode == 2
    assert refused.stderr == (
        f"intake-bot: the database schema is behind (0001, latest {HEAD}): back it up, then run "
        '"intake-bot db upgrade"\n'
    )
    assert schema.current_revision(database_url) == "0001"  # nothing was migrated
    # the other commands that open the database say the same
    invited = intake_bot(tmp_path, env, "invite", "--name", "Jane D.", "--username", "clinic_bot")
    assert (invited.returncode, invited.stderr) == (2, refused.stderr)


def test_the_start_up_check_creates_an_empty_database_and_refuses_the_rest(
    database_url: str, engine_of: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.cli.db"):
        check_before_run(database_url)
    assert [r.getMessage() for r in caplog.records if r.name == "bot.cli.db"] == [
        f"created the database schema at revision {HEAD}"
    ]
    engine = engine_of()
    assert schema.state(engine) == (SchemaStatus.CURRENT, HEAD)
    check_before_run(database_url)  # current: nothing to do

    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    with pytest.raises(SchemaError, match=rf"behind \(made before migrations, latest {HEAD}\)"):
        check_before_run(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0042')"))
    with pytest.raises(SchemaError, match=r"^the database was made by a newer intake-bot"):
        check_before_run(database_url)
    assert schema.state(engine) == (SchemaStatus.AHEAD, "0042")


# --- start-up without Alembic ----------------------------------------------------------


def test_the_revisions_read_from_the_files_are_the_ones_alembic_reads() -> None:
    assert schema.revisions() == schema.alembic_revisions()
    assert schema.head_revision() == schema.alembic_revisions()[-1]


def test_starting_on_a_current_database_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'current.db'}"
    schema.upgrade(url)
    code = (
        "import sys\n"
        "from bot.cli.db import check_before_run\n"
        "from storage.db import make_engine\n"
        f"check_before_run({url!r})\n"
        f"make_engine({url!r}).dispose()\n"
        "print('alembic' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
