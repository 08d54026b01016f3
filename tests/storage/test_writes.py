"""A transaction's writes run together (storage.writes): on PostgreSQL an answer, the patient's
new place and the reply are one statement; whatever the database, they are all stored or none,
and anything read or written after them sees them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sql_seen import statements_run
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.services.intake import position_columns
from flows.intake import IntakeState
from storage import intakes, outbox, writes
from storage.db import autocommitted, session_scope
from storage.models import Answer, Intake, OutboxMessage

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CHAT = 4_200


@pytest.fixture
def intake_id(engine: Engine, make_intake: Callable[..., Intake], session: Session) -> int:
    intake = make_intake()
    session.commit()
    assert intake.id is not None
    return intake.id


def answer_move_and_reply(session: Session, intake: Intake, value: str) -> None:
    """What a turn of the intake writes: the answer, where the patient now is, the reply."""
    intakes.record_answer(session, intake.id, "mood.note", value, value, T0)
    moved = position_columns(IntakeState(state="mood", step="mood.next"))
    intakes.save_position(session, intake, moved, paused=False, now=T0)
    outbox.add_later(session, CHAT, "reply", {"say": [value]}, T0)


def stored(engine: Engine, intake_id: int) -> tuple[list[Any], int, int]:
    """The intake's current answers, its version, and the messages waiting for its chat."""
    with Session(engine) as session:
        answers = list(intakes.current_answers(session, intake_id).values())
        intake = session.get(Intake, intake_id)
        assert intake is not None
        waiting = session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == CHAT)).all()
        return answers, intake.version, len(waiting)


def test_a_turns_writes_are_stored_together(engine: Engine, intake_id: int) -> None:
    for value in ("low", "steady"):  # SQLite: the first makes the trigger, on its connection
        with statements_run(engine) as seen, session_scope(engine) as session:
            intake = session.get(Intake, intake_id)
            assert intake is not None
            answer_move_and_reply(session, intake, value)
    writing = [sql for sql in seen if not sql.lstrip().upper().startswith("SELECT")]
    assert len(writing) == 1  # superseding, the answer, the place, the reply
    if engine.dialect.name == "postgresql":
        assert writing[0].lstrip().startswith("WITH w0 AS")
    else:
        assert writing[0].startswith("INSERT INTO batch_")
    assert stored(engine, intake_id) == (["steady"], 2, 2)


def test_a_lost_compare_and_set_stores_none_of_the_turn(engine: Engine, intake_id: int) -> None:
    with Session(engine) as first, Session(engine) as second:
        seen_first, seen_second = first.get(Intake, intake_id), second.get(Intake, intake_id)
        assert seen_first is not None and seen_second is not None
        answer_move_and_reply(first, seen_first, "first")
        first.commit()
        with pytest.raises(writes.LostRace):  # as it commits
            answer_move_and_reply(second, seen_second, "second")
            second.commit()
        second.rollback()
    assert stored(engine, intake_id) == (["first"], 1, 1)


def test_a_second_write_of_a_kind_sees_the_first(engine: Engine, intake_id: int) -> None:
    """Superseding runs after the answer it supersedes was inserted, not beside it."""
    with session_scope(engine) as session:
        for value in ("low", "better", "steady"):
            intakes.record_answer(session, intake_id, "mood.note", value, None, T0)
    history = [(row.value, row.superseded) for row in answer_history(engine, intake_id)]
    assert history == [("low", True), ("better", True), ("steady", False)]


def test_a_read_after_a_write_sees_it(engine: Engine, intake_id: int) -> None:
    with session_scope(engine) as session:
        intakes.record_answer(session, intake_id, "mood.note", "steady", None, T0)
        assert intakes.current_answers(session, intake_id) == {"mood.note": "steady"}


def test_writes_of_a_rolled_back_transaction_are_dropped(engine: Engine, intake_id: int) -> None:
    with Session(engine) as session:
        intakes.record_answer(session, intake_id, "mood.note", "never", None, T0)
        session.rollback()
        session.commit()
    assert stored(engine, intake_id) == ([], 0, 0)


def test_a_session_committing_each_statement_writes_at_once(engine: Engine, intake_id: int) -> None:
    with statements_run(engine) as seen, autocommitted(engine) as session:
        outbox.add_later(session, CHAT, "reply", {"say": ["hello"]}, T0)
        ran_at_once = list(seen)
    if engine.dialect.name == "postgresql":
        assert len(ran_at_once) == 1 and "INSERT INTO outboxmessage" in ran_at_once[0]
    else:  # a transaction as any other (storage.db.autocommitted): the write goes as it commits
        assert ran_at_once == [] and "INSERT INTO outboxmessage" in seen[0]
    assert stored(engine, intake_id)[2] == 1


def answer_history(engine: Engine, intake_id: int) -> list[Answer]:
    with Session(engine) as session:
        return list(intakes.answer_history(session, intake_id))
