"""Storage, and the patient service on top of it, on SQLite and on PostgreSQL (see
conftest.database_url)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from service_support import Chat, Clock, Services, config, make_services, rows
from sqlalchemy import func, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from bot.services.intake import position, position_columns
from bot.services.joining import JOIN_CONSENT_STEP as CONSENT_STEP
from bot.services.providers import Invited
from bot.services.replies import DialogueKind, DialogueRef
from bot.services.router import ConversationRouter
from flows import messages
from flows.intake import Command, IntakeState, Tapped, Typed
from flows.questions import question_for
from storage import intakes, patients, safety, updates, writes
from storage.clock import as_utc
from storage.db import make_engine
from storage.models import (
    Answer,
    Appointment,
    Checkin,
    Intake,
    Invitation,
    Medication,
    Patient,
    ProcessedUpdate,
    Reminder,
    SafetyEvent,
)

TABLES = {
    "patient",
    "intake",
    "answer",
    "medication",
    "safetyevent",
    "processedupdate",
    "invitation",
    "appointment",
    "reminder",
    "checkin",
}
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(minutes=10)

BIG_CHAT_ID = 5_000_000_000  # above 2**31: a plain INTEGER column would overflow on PostgreSQL
SUPERGROUP_CHAT_ID = -1_001_234_567_890  # provider group chats have large negative ids
FIRST_UPDATE_ID = 3_000_000_000
CLINIC = "Test Clinic"

PatientFactory = Callable[..., Patient]
IntakeFactory = Callable[..., Intake]
AnswerFactory = Callable[..., Answer]


def count(engine: Engine, model: type[SQLModel]) -> int:
    """Rows in a table, read in a session of its own (so only committed rows count)."""
    with Session(engine) as fresh:
        return fresh.exec(select(func.count()).select_from(model)).one()


def fresh_intake(engine: Engine, intake_id: int) -> Intake:
    with Session(engine) as fresh:
        intake = fresh.get(Intake, intake_id)
        assert intake is not None
        return intake


def only_patient(engine: Engine) -> Patient:
    with Session(engine) as fresh:
        patients = fresh.exec(select(Patient)).all()
    assert len(patients) == 1
    return patients[0]


# --- engine and schema ------------------------------------------------------------------


def test_tables_are_created_on_first_run(engine_factory: Callable[..., Engine]) -> None:
    bare = engine_factory(create_tables=False)
    assert TABLES.isdisjoint(inspect(bare).get_table_names())

    first = engine_factory()
    assert set(inspect(first).get_table_names()) >= TABLES
    index_names = {index["name"] for index in inspect(first).get_indexes("answer")}
    assert "ix_answer_current" in index_names
    with Session(first) as session:
        patient = patients.create(session, BIG_CHAT_ID, "Kept")
        session.commit()
        patient_id = patient.id

    # A second start on the same database keeps the tables and what is in them.
    second = engine_factory()
    with Session(second) as session:
        kept = session.get(Patient, patient_id)
        assert kept is not None
        assert kept.display_name == "Kept"


def test_sqlite_url_in_a_missing_folder_creates_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "not" / "there" / "yet"
    assert not folder.exists()
    created = make_engine(f"sqlite:///{folder / 'intake.db'}")
    try:
        assert folder.is_dir()
        assert (folder / "intake.db").is_file()
        assert set(inspect(created).get_table_names()) >= TABLES
    finally:
        created.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_engine: Engine) -> None:
    for _ in range(2):  # every new connection is configured, not just the first
        with sqlite_engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        sqlite_engine.dispose()


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(Intake(patient_id=987_654))
    with pytest.raises(IntegrityError):
        session.flush()


# --- answers ----------------------------------------------------------------------------


def test_record_answer_supersedes_the_previous_answer_and_keeps_history(
    engine: Engine, session: Session, make_intake: IntakeFactory, make_answer: AnswerFactory
) -> None:
    intake = make_intake()
    make_answer(intake, "sleep.hours", 6, "6", now=T0)
    make_answer(intake, "sleep.quality", "fair", None, now=T0)
    make_answer(intake, "sleep.hours", 7.5, "about 7.5", now=T1)
    session.commit()

    with Session(engine) as fresh:
        history = intakes.answer_history(fresh, intake.id, "sleep.hours")
        assert [(row.value, row.raw_text, row.superseded) for row in history] == [
            (6, "6", True),
            (7.5, "about 7.5", False),
        ]
        assert as_utc(history[0].superseded_at) == T1
        assert history[1].superseded_at is None
        assert intakes.current_answers(fresh, intake.id) == {
            "sleep.hours": 7.5,
            "sleep.quality": "fair",
        }
        assert len(intakes.answer_history(fresh, intake.id)) == 3


def test_answers_of_another_intake_are_not_superseded(
    session: Session, make_intake: IntakeFactory, make_answer: AnswerFactory
) -> None:
    mine, theirs = make_intake(), make_intake()
    make_answer(theirs, "mood.note", "theirs", now=T0)
    make_answer(mine, "mood.note", "mine", now=T1)
    assert intakes.current_answers(session, theirs.id) == {"mood.note": "theirs"}
    assert intakes.current_answers(session, mine.id) == {"mood.note": "mine"}


def test_supersede_all_answers(
    engine: Engine, session: Session, make_intake: IntakeFactory, make_answer: AnswerFactory
) -> None:
    intake, other = make_intake(), make_intake()
    make_answer(intake, "phq9.1", "2", now=T0)
    make_answer(intake, "phq9.2", "1", now=T0)
    make_answer(other, "phq9.1", "3", now=T0)
    intakes.supersede_all_answers(session, intake.id, T1)
    make_answer(intake, "phq9.1", "0", now=T2)  # answered again after the restart
    session.commit()

    with Session(engine) as fresh:
        assert intakes.current_answers(fresh, intake.id) == {"phq9.1": "0"}
        assert intakes.current_answers(fresh, other.id) == {"phq9.1": "3"}
        history = intakes.answer_history(fresh, intake.id)
        assert [(row.question_key, row.superseded) for row in history] == [
            ("phq9.1", True),
            ("phq9.2", True),
            ("phq9.1", False),
        ]
        assert [as_utc(row.superseded_at) for row in history] == [T1, T1, None]


@pytest.mark.parametrize(
    "value",
    [
        "sertraline 50 mg",
        "unicode: café — naïve ☕ 😀",
        "",
        0,
        7,
        -3,
        2**53,
        10**20,
        3.5,
        2.0,
        0.1,
        True,
        [],
        ["forgot", "cost"],
        [1, "two", 3.0, None, [4]],
        {"name": "sertraline", "dose": "50 mg", "frequency": None},
        {"choice": "none"},
        {"nested": {"list": [1, 2.5, "x"], "empty": {}}},
        None,
    ],
    ids=repr,
)
def test_answer_values_round_trip_json_types(
    engine: Engine,
    session: Session,
    make_intake: IntakeFactory,
    make_answer: AnswerFactory,
    value: Any,
) -> None:
    intake = make_intake()
    make_answer(intake, "any.key", value)
    session.commit()

    with Session(engine) as fresh:
        stored = intakes.current_answers(fresh, intake.id)
    assert stored == {"any.key": value}
    assert type(stored["any.key"]) is type(value)


# --- intake state -----------------------------------------------------------------------


def test_save_intake_state_is_compare_and_set(
    engine: Engine, session: Session, make_intake: IntakeFactory
) -> None:
    intake = make_intake()
    session.commit()
    assert intake.version == 0

    # Two updates read the same intake; the first to save wins.
    with Session(engine) as first, Session(engine) as second:
        seen_first = first.get(Intake, intake.id)
        seen_second = second.get(Intake, intake.id)
        assert seen_first is not None and seen_second is not None
        winner = IntakeState(state="medications", step="med.1.name")
        intakes.save_position(first, seen_first, position_columns(winner), paused=False, now=T1)
        assert seen_first.version == 1
        assert seen_first.step == "med.1.name"
        first.commit()

        loser = IntakeState(state="declined", step=None)
        with pytest.raises(writes.LostRace):  # with the commit
            intakes.save_position(second, seen_second, position_columns(loser), paused=True, now=T2)
            second.commit()
        second.rollback()
        # The stale copy does not keep values that were never stored: it reads what was.
        assert (seen_second.state, seen_second.step, seen_second.version) == (
            "medications",
            "med.1.name",
            1,
        )

    stored = fresh_intake(engine, intake.id)
    assert (stored.state, stored.step, stored.paused, stored.version) == (
        "medications",
        "med.1.name",
        False,
        1,
    )
    assert as_utc(stored.updated_at) == T1


def test_save_intake_state_stores_every_field(
    engine: Engine, session: Session, make_intake
) -> None:
    intake = make_intake()
    new = IntakeState(
        state="side_effects",
        step="se.list",
        editing=True,
        pending="safety.check",
        draft=("nausea", "headache"),
    )
    intakes.save_position(session, intake, position_columns(new), paused=True, now=T1)
    session.commit()

    stored = fresh_intake(engine, intake.id)
    assert position(stored) == new
    assert stored.paused is True
    assert stored.version == 1


# --- idempotency ------------------------------------------------------------------------


def test_claim_update_only_once(engine: Engine, session: Session) -> None:
    assert updates.claim(session, 41, T0)
    assert not updates.claim(session, 41, T1)
    session.commit()

    with Session(engine) as fresh:
        assert not updates.claim(fresh, 41, T2)
        assert updates.claim(fresh, 42, T2)
        fresh.commit()
    assert count(engine, ProcessedUpdate) == 2


# --- medications and safety events ------------------------------------------------------


SERTRALINE = {
    "name": "sertraline",
    "dose": "50 mg",
    "frequency": "once a day",
    "status": "as_prescribed",
    "missed_days": 0,
    "reasons": None,
    "raw_text": "sertraline 50 mg once a day",
}
BUPROPION = {
    "name": "bupropion",
    "dose": "150 mg",
    "frequency": "twice a day",
    "status": "different",
    "missed_days": 2,
    "reasons": ["forgot", "cost"],
    "raw_text": "bupropion 150mg twice a day",
}
LITHIUM = {"name": "lithium", "dose": None, "frequency": None, "status": "stopped"}


def test_replace_medications_writes_in_order_and_replaces(
    engine: Engine, session: Session, make_intake: IntakeFactory
) -> None:
    intake, other = make_intake(), make_intake()
    intakes.replace_medications(session, intake.patient_id, intake.id, [SERTRALINE, BUPROPION], T0)
    intakes.replace_medications(session, other.patient_id, other.id, [LITHIUM], T0)
    session.commit()

    with Session(engine) as fresh:
        rows = intakes.medications_for(fresh, intake.id)
        assert [(row.position, row.name) for row in rows] == [(1, "sertraline"), (2, "bupropion")]
        assert rows[1].reasons == ["forgot", "cost"]
        assert rows[1].missed_days == 2
        assert rows[0].reasons is None
        assert all(row.patient_id == intake.patient_id for row in rows)

    intakes.replace_medications(session, intake.patient_id, intake.id, [LITHIUM, SERTRALINE], T1)
    session.commit()

    with Session(engine) as fresh:
        rows = intakes.medications_for(fresh, intake.id)
        assert [(row.position, row.name, row.status) for row in rows] == [
            (1, "lithium", "stopped"),
            (2, "sertraline", "as_prescribed"),
        ]
        assert all(as_utc(row.created_at) == T1 for row in rows)
        assert [row.name for row in intakes.medications_for(fresh, other.id)] == ["lithium"]
    assert count(engine, Medication) == 3


def test_medication_rows_hold_the_longest_answers_the_intake_accepts(
    engine: Engine, session: Session, make_intake: IntakeFactory
) -> None:
    """A typed medication line and a free-text frequency may each be as long as the question allows."""
    entry = {"name": "x", "dose": None, "frequency": None}
    longest_line = question_for("med.1.name", {}).max_length
    longest_frequency = question_for("med.1.frequency", {"med.1.name": entry}).max_length
    long_row = {
        "name": "n" * longest_line,
        "dose": None,
        "frequency": "f" * longest_frequency,
        "status": "as_prescribed",
        "raw_text": "n" * longest_line,
    }
    intake = make_intake()
    intakes.replace_medications(session, intake.patient_id, intake.id, [long_row], T0)
    session.commit()

    with Session(engine) as fresh:
        (row,) = intakes.medications_for(fresh, intake.id)
        assert row.name == long_row["name"]
        assert row.frequency == long_row["frequency"]


def test_safety_events_are_stored_and_set_alerted_records_chat_ids(
    engine: Engine, session: Session, make_intake: IntakeFactory
) -> None:
    intake, other = make_intake(), make_intake()

    def event(owner: Intake, kind: str, alert: bool) -> SafetyEvent:
        return safety.add_event(
            session,
            SafetyEvent(
                patient_id=owner.patient_id,
                intake_id=owner.id,
                kind=kind,
                detail=f"{kind} detail",
                step="phq9.9",
                shown="crisis_resources",
                patient_text="words",
                alert=alert,
                created_at=T0,
            ),
        )

    alerting = event(intake, "phq9_item9", alert=True)
    quiet = event(intake, "safe", alert=False)
    elsewhere = event(other, "risk_language", alert=True)
    safety.set_alerted(session, [alerting.id, elsewhere.id], [BIG_CHAT_ID, SUPERGROUP_CHAT_ID])
    safety.set_alerted(session, [], [1])  # nothing to mark: a no-op
    session.commit()

    with Session(engine) as fresh:
        events = safety.for_intake(fresh, intake.id)
        assert [(e.kind, e.alert, e.detail) for e in events] == [
            ("phq9_item9", True, "phq9_item9 detail"),
            ("safe", False, "safe detail"),
        ]
        assert events[0].alerted_chat_ids == [BIG_CHAT_ID, SUPERGROUP_CHAT_ID]
        assert events[1].alerted_chat_ids is None
        assert events[0].patient_text == "words"
        assert fresh.get(SafetyEvent, elsewhere.id).alerted_chat_ids == [
            BIG_CHAT_ID,
            SUPERGROUP_CHAT_ID,
        ]
        assert quiet.id not in {alerting.id, elsewhere.id}


# --- big Telegram ids -------------------------------------------------------------------


@pytest.mark.parametrize("chat_id", [BIG_CHAT_ID, SUPERGROUP_CHAT_ID, 2**62])
def test_big_chat_ids_are_stored_and_found(
    engine: Engine, session: Session, make_patient: PatientFactory, chat_id: int
) -> None:
    make_patient(chat_id=chat_id % 1000)  # a small id that must not be confused with it
    patient = make_patient(chat_id=chat_id, display_name="Big")
    session.commit()

    with Session(engine) as fresh:
        found = patients.by_chat(fresh, chat_id)
        assert found is not None
        assert found.id == patient.id
        assert found.telegram_chat_id == chat_id


@pytest.mark.parametrize("update_id", [2**31, 2**31 + 7, 2**40])
def test_big_update_ids_are_claimed_once(engine: Engine, session: Session, update_id: int) -> None:
    assert updates.claim(session, update_id, T0)
    session.commit()
    with Session(engine) as fresh:
        assert not updates.claim(fresh, update_id, T1)
        assert fresh.get(ProcessedUpdate, update_id) is not None


# --- the patient service end to end -----------------------------------------------------
#
# Patients join by invitation: a provider invites (ProviderService.invite), the patient opens
# the link (/start <token>) and agrees; the intake opens once the appointment is within
# ReminderPolicy.intake_open_days (3) days, so these tests invite for two days from now.


def linked_chat(
    engine: Engine, chat_id: int = BIG_CHAT_ID, clock: Clock | None = None
) -> tuple[Chat, Invited, Services]:
    """An invited patient whose chat has opened the link; consent not given yet."""
    services = make_services(engine, clock)
    invited = services.invite("Alice A.", at=services.clock.now + timedelta(days=2))
    chat = Chat(services.patients, chat_id)
    reply = chat.start(invited.token)
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP
    assert reply.ref == DialogueRef(DialogueKind.PATIENT, invited.patient_id)
    return chat, invited, services


MED_1 = {
    "name": "sertraline",
    "dose": "50 mg",
    "frequency": "once a day",
    "raw": "sertraline 50 mg once a day",
}


FIRST_VISIT_OPENING = {"visit.kind": "first", "reason.coming": None, "reason.hopes": None}
"""What a first visit stores before its medicines when the reasons are skipped."""


def begin_intake_after_start(chat: Chat, patient_id: int) -> int:
    """Consent and the first medication answers, after /start; returns the intake id."""
    reply = chat.consent(patient_id)
    assert reply.say == [messages.CONSENTED]  # the intake opens at once: no "opens on ..."
    assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit
    chat.send(Typed("skip"))
    reply = chat.send(Typed("skip"))
    assert reply.screen is not None and reply.screen.step == "med.1.name"
    assert reply.ref is not None and reply.ref.kind is DialogueKind.INTAKE
    intake_id = reply.ref.id
    reply = chat.send(Typed("sertraline 50 mg once a day"))
    assert reply.screen is not None and reply.screen.step == "med.1.status"
    assert reply.say == ["Got it: sertraline · 50 mg · once a day."]
    reply = chat.tap("med.1.status", "as_prescribed")
    assert reply.screen is not None and reply.screen.step == "med.1.missed"
    assert reply.ref == DialogueRef(DialogueKind.INTAKE, intake_id)
    return intake_id


def test_service_with_big_chat_and_update_ids(engine: Engine) -> None:
    services = make_services(engine)
    invited = services.invite("Big", at=services.clock.now + timedelta(days=2))
    service = services.patients
    reply = service.start(BIG_CHAT_ID, invited.token, update_id=2**33)
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP
    press = DialogueRef(DialogueKind.PATIENT, invited.patient_id)
    agree = Tapped(CONSENT_STEP, "agree")
    reply = service.handle(BIG_CHAT_ID, agree, update_id=2**33 + 1, ref=press)
    assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit
    again = service.handle(BIG_CHAT_ID, agree, update_id=2**33 + 1, ref=press)
    assert again.duplicate and again.screen is None and again.reminders == []
    reply = service.handle(SUPERGROUP_CHAT_ID, Typed("hello"), update_id=2**40)
    assert reply.say == [messages.invitation_needed(CLINIC)]  # a stranger, however big its id

    stored = only_patient(engine)
    assert (stored.telegram_chat_id, stored.display_name) == (BIG_CHAT_ID, "Big")
    assert stored.consented_at is not None
    assert count(engine, ProcessedUpdate) == 3
    assert count(engine, Intake) == 1


def test_service_end_to_end_changing_an_answer_after_back_keeps_history(engine: Engine) -> None:
    chat, invited, services = linked_chat(engine)
    linked = only_patient(engine)
    assert linked.telegram_chat_id == BIG_CHAT_ID and linked.consented_at is None
    assert count(engine, Intake) == 0  # nothing opens before consent

    intake_id = begin_intake_after_start(chat, invited.patient_id)
    stored_patient = only_patient(engine)
    assert as_utc(stored_patient.consented_at) == services.clock.now
    intake = fresh_intake(engine, intake_id)
    assert intake.consented_at is not None
    (appointment,) = rows(engine, Appointment)
    assert intake.appointment_id == appointment.id

    reply = chat.send(Typed("2"))
    assert reply.screen is not None and reply.screen.step == "med.1.reasons"
    reply = chat.send(Command("back"))
    assert reply.screen is not None and reply.screen.step == "med.1.missed"
    assert reply.screen.current_answer == "2"
    reply = chat.tap("med.1.missed", "0")
    assert reply.screen is not None and reply.screen.step == "med.1.more"  # no reasons for 0

    with Session(engine) as fresh:
        assert intakes.current_answers(fresh, intake_id) == {
            **FIRST_VISIT_OPENING,
            "med.1.name": MED_1,
            "med.1.status": "as_prescribed",
            "med.1.missed": 0,
        }
        history = intakes.answer_history(fresh, intake_id, "med.1.missed")
        assert [(row.value, row.raw_text, row.superseded) for row in history] == [
            (2, "2", True),
            (0, None, False),
        ]
        assert history[0].superseded_at is not None
        assert len(intakes.answer_history(fresh, intake_id)) == 4 + len(FIRST_VISIT_OPENING)
    stored = fresh_intake(engine, intake_id)
    assert (stored.state, stored.step) == ("medications", "med.1.more")
    # one compare-and-set per update that reached the intake: consent (which opened it),
    # the two reasons skipped, the medication, its status, "2", back, "0"
    assert stored.version == 8
    assert count(engine, ProcessedUpdate) == 9  # and /start
    assert count(engine, Intake) == 1


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything the service may have written, to compare before and after."""
    with Session(engine) as fresh:
        return {
            name: [row.model_dump() for row in fresh.exec(select(model)).all()]
            for name, model in SERVICE_TABLES.items()
        }


SERVICE_TABLES: dict[str, type[SQLModel]] = {
    "patients": Patient,
    "invitations": Invitation,
    "appointments": Appointment,
    "intakes": Intake,
    "answers": Answer,
    "reminders": Reminder,
    "checkins": Checkin,
    "safety": SafetyEvent,
    "updates": ProcessedUpdate,
}


def test_service_same_update_delivered_twice_changes_nothing(engine: Engine) -> None:
    chat, invited, services = linked_chat(engine)
    before = snapshot(engine)
    again = services.patients.start(chat.chat_id, invited.token, update_id=chat.last_update_id)
    assert again.duplicate
    assert again.say == [] and again.screen is None
    assert snapshot(engine) == before

    reply = chat.consent(invited.patient_id)
    assert reply.reminders  # consent planned the appointment's reminders
    before = snapshot(engine)
    again = services.patients.handle(
        chat.chat_id,
        Tapped(CONSENT_STEP, "agree"),
        update_id=chat.last_update_id,
        ref=DialogueRef(DialogueKind.PATIENT, invited.patient_id),
    )
    assert again.duplicate and again.reminders == []
    assert snapshot(engine) == before

    chat.send(Typed("skip"))  # a first visit: what brings them in, and their hopes
    chat.send(Typed("skip"))
    reply = chat.send(Typed("sertraline 50 mg once a day"))
    assert reply.screen is not None and reply.screen.step == "med.1.status"
    before = snapshot(engine)
    assert len(before["answers"]) == 4  # the kind of visit, two reasons skipped, the medicine

    redelivered = services.patients.handle(
        chat.chat_id, Typed("sertraline 50 mg once a day"), update_id=chat.last_update_id
    )
    assert redelivered.duplicate
    assert redelivered.say == [] and redelivered.screen is None
    assert snapshot(engine) == before

    # The next update is handled as usual.
    reply = chat.tap("med.1.status", "as_prescribed")
    assert not reply.duplicate
    assert reply.screen is not None and reply.screen.step == "med.1.missed"
    assert len(snapshot(engine)["answers"]) == 2 + len(FIRST_VISIT_OPENING)


STRANGER_EVENTS = [
    Typed("hello"),
    Typed("I agree"),
    Tapped(CONSENT_STEP, "agree"),
    Command("back"),
]


@pytest.mark.parametrize(
    "event", STRANGER_EVENTS, ids=["text", "consent-text", "consent-button", "back"]
)
def test_service_stranger_stores_nothing(engine: Engine, event) -> None:
    services = make_services(engine)
    chat = Chat(services.patients, BIG_CHAT_ID)
    needed = [messages.invitation_needed(CLINIC)]
    ref = DialogueRef(DialogueKind.PATIENT, 1) if isinstance(event, Tapped) else None
    reply = chat.send(event, ref=ref)
    assert reply.say == needed
    assert reply.screen is None and reply.ref is None and reply.alerts == []
    assert chat.start().say == needed
    assert chat.start("not-a-real-token").say == [messages.invitation_not_valid(CLINIC)]
    for what in ("checkin", "reminders", "timezone", "appointment"):
        assert chat.open(what).say == needed
    for name, rows_stored in snapshot(engine).items():
        if name != "updates":  # only the update ids, so a re-delivery is ignored
            assert rows_stored == [], name


def test_service_stranger_in_crisis_gets_resources_but_nothing_is_stored(engine: Engine) -> None:
    services = make_services(engine)
    reply = services.patients.handle(
        BIG_CHAT_ID, Typed("I want to kill myself"), update_id=FIRST_UPDATE_ID
    )
    assert reply.say == [messages.CRISIS_RESOURCES, messages.invitation_needed(CLINIC)]
    assert reply.alerts == []
    for name, rows_stored in snapshot(engine).items():
        if name != "updates":
            assert rows_stored == [], name


def test_service_declining_consent_stores_no_consent_and_nothing_else(engine: Engine) -> None:
    chat, invited, _services = linked_chat(engine)
    before = snapshot(engine)
    reply = chat.consent(invited.patient_id, "decline")
    assert reply.finished
    assert reply.say == [messages.DECLINED]
    assert reply.screen is None and reply.reminders == []

    # Typing "I agree" afterwards changes nothing: only the consent button or /start asks again.
    reply = chat.send(Typed("I agree"))
    assert reply.say == [messages.DECLINED_NOTHING_MORE]
    reply = chat.send(Typed("hello"))
    assert reply.say == [messages.DECLINED_NOTHING_MORE]

    declined = only_patient(engine)
    assert declined.consented_at is None and declined.declined_at is not None
    after = snapshot(engine)
    assert after["patients"] != before["patients"]  # declined_at, and nothing else
    for name in ("invitations", "appointments"):
        assert after[name] == before[name], name  # the provider's rows, unchanged
    for name in ("intakes", "answers", "reminders", "checkins", "safety"):
        assert after[name] == [], name

    # /start shows the question again, for a patient who changes their mind.
    reply = chat.start()
    assert reply.say == [messages.CHANGED_YOUR_MIND]
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP


def test_service_restart_resumes_at_the_same_step_with_all_answers(
    engine: Engine, engine_factory: Callable[..., Engine]
) -> None:
    chat, invited, services = linked_chat(engine)
    intake_id = begin_intake_after_start(chat, invited.patient_id)
    reply = chat.send(Typed("2"))
    assert reply.screen is not None and reply.screen.step == "med.1.reasons"
    with Session(engine) as fresh:
        answers_before = intakes.current_answers(fresh, intake_id)
    assert set(answers_before) == {
        *FIRST_VISIT_OPENING,
        "med.1.name",
        "med.1.status",
        "med.1.missed",
    }
    engine.dispose()  # the process stops

    restarted = ConversationRouter(engine_factory(), config(), clock=services.clock)
    chat.service = restarted
    reply = chat.start()
    assert reply.ref == DialogueRef(DialogueKind.INTAKE, intake_id)
    assert messages.WELCOME_BACK in reply.say
    assert reply.screen is not None and reply.screen.step == "med.1.reasons"
    with Session(restarted.engine) as fresh:
        assert intakes.current_answers(fresh, intake_id) == answers_before

    # ...and carries on where it was.
    reply = chat.send(Command("back"))
    assert reply.screen is not None and reply.screen.step == "med.1.missed"
    assert reply.screen.current_answer == "2"
    assert count(restarted.engine, Intake) == 1
    assert count(restarted.engine, Patient) == 1


def test_old_processed_updates_are_forgotten(session: Session) -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert updates.claim(session, 1, now - timedelta(days=3))
    assert updates.claim(session, 2, now - timedelta(hours=1))
    assert updates.forget_before(session, now - timedelta(days=2)) == 1
    assert updates.claim(session, 1, now)  # forgotten, so it can be claimed again
    assert not updates.claim(session, 2, now)
