"""storage.erasure on SQLite and PostgreSQL: erasing one patient takes every row about them and
nothing of anyone else's; provider messages about them go, others stay; an outbox row flagged
"forget" keeps neither words nor chat once settled; the retention query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from erasure_checks import left_behind
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage import erasure, outbox
from storage.models import (
    Appointment,
    Checkin,
    DataRightsLog,
    InboxUpdate,
    OutboxMessage,
    Patient,
    Reminder,
    SafetyAudit,
    SafetyEvent,
)
from storage.statuses import Erasure, OutboxStatus

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
Factory = Callable[..., Any]


def a_patient_with_everything(
    session: Session, make_answer: Factory, make_intake: Factory, name: str, chat: int
) -> Patient:
    patient = Patient(telegram_chat_id=chat, display_name=name, created_at=NOW)
    session.add(patient)
    session.flush()
    appointment = Appointment(patient_id=patient.id, starts_at=NOW + timedelta(days=2))
    session.add(appointment)
    session.flush()
    intake = make_intake(patient, appointment_id=appointment.id)
    make_answer(intake, "patient_questions", f"{name}'s question", raw_text=f"{name} typed")
    session.add(Checkin(patient_id=patient.id, answers={"note": f"{name}'s note"}))
    session.add(
        Reminder(patient_id=patient.id, kind="checkin", key=f"checkin:{patient.id}", due_at=NOW)
    )
    event = SafetyEvent(
        patient_id=patient.id, kind="risk", detail="risk", patient_text=f"{name} at risk", alert=True
    )
    session.add(event)
    session.flush()
    session.add(SafetyAudit(safety_event_id=event.id, action="shown", actor="bot"))
    session.add(InboxUpdate(update_id=chat, chat_id=chat, payload={"text": f"{name} wrote"}))
    for chat_id, payload in (
        (chat, {"say": [f"hello {name}"]}),
        (9001, {"intake_id": intake.id}),
        (9001, {"event_id": event.id, "round": 1}),
        (9001, {"html": f"<b>{name}</b> (#{patient.id}): Intakes"}),
    ):
        outbox.add(session, chat_id, "html", payload, NOW)
    session.flush()
    return patient


def test_erasing_one_patient_takes_all_of_theirs_and_nothing_of_anyone_elses(
    session: Session, engine: Engine, make_answer: Factory, make_intake: Factory
) -> None:
    gone = a_patient_with_everything(session, make_answer, make_intake, "Gwendolyn Gone", 7001)
    kept = a_patient_with_everything(session, make_answer, make_intake, "Kasimir Kept", 7002)
    outbox.add(session, 9001, "html", {"html": "/today"}, NOW)
    session.commit()
    gone_id = gone.id
    erasure.erase_patient(session, gone, Erasure.DELETED, NOW)
    session.commit()

    assert left_behind(engine, ("Gwendolyn", "7001")) == []
    theirs = ("Kasimir Kept typed", "Kasimir Kept at risk", "Kasimir Kept's note", "7002")
    assert left_behind(engine, theirs) == list(theirs)
    assert [p.id for p in session.exec(select(Patient)).all()] == [kept.id]
    assert len(session.exec(select(OutboxMessage)).all()) == 5  # Kasimir's four and /today
    [line] = session.exec(select(DataRightsLog)).all()
    assert (line.patient_number, line.action, line.at.replace(tzinfo=UTC)) == (
        gone_id,
        "deleted",
        NOW,
    )


def test_a_forget_row_keeps_neither_words_nor_chat_once_settled(session: Session) -> None:
    gone = outbox.add(session, 7003, "reply", {"say": ["bye"], outbox.FORGET: True}, NOW)
    kept = outbox.add(session, 7004, "reply", {"say": ["hi"]}, NOW)
    assert gone is not None and kept is not None
    assert outbox.settle(session, gone, OutboxStatus.SENT, NOW, forget=True, chat_id=7003) is False
    assert outbox.settle(session, kept, OutboxStatus.SENT, NOW, chat_id=7004) is False
    assert outbox.settle(session, kept, OutboxStatus.SENT, NOW) is None  # settled already
    session.commit()
    row, plain = session.get(OutboxMessage, gone), session.get(OutboxMessage, kept)
    assert row is not None and plain is not None
    assert (row.chat_id, row.payload, row.status) == (0, {}, OutboxStatus.SENT)
    assert (plain.chat_id, plain.payload) == (7004, {"say": ["hi"]})


def test_last_seen_before_counts_every_trace_of_the_patient(session: Session) -> None:
    old = Patient(display_name="Old", created_at=NOW - timedelta(days=90))
    booked = Patient(display_name="Booked", created_at=NOW - timedelta(days=90))
    alerted = Patient(display_name="Alerted", created_at=NOW - timedelta(days=90))
    session.add_all([old, booked, alerted])
    session.flush()
    session.add(Appointment(patient_id=booked.id, starts_at=NOW + timedelta(days=3)))
    session.add(
        SafetyEvent(
            patient_id=alerted.id,
            kind="risk",
            detail="d",
            alert=True,
            created_at=NOW - timedelta(days=80),
        )
    )
    session.commit()
    assert erasure.last_seen_before(session, NOW - timedelta(days=30)) == [old.id]
    assert erasure.last_seen_before(session, NOW - timedelta(days=100)) == []
