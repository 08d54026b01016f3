"""SQLite's one statement for a transaction's writes (storage.sqlite_batch): the writes run in
order in a temporary trigger, each gives back what it would have given alone, their values
are stored as they would have been alone, and a connection without the trigger makes it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sql_seen import statements_run
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    exists,
    insert,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import sqlite_batch

T0 = datetime(2026, 12, 1, 9, 30, 15, 250_000, tzinfo=UTC)

NOTES = Table(
    "batchnote",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("chat", Integer, nullable=False),
    Column("body", String, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
)
OTHER = NOTES.alias("other")
VALUES = {"chat": bindparam("chat"), "body": bindparam("body"), "at": bindparam("at")}
ADD = insert(NOTES).values(VALUES).returning(NOTES.c.id)
ADD_ONCE = (
    sqlite_insert(NOTES)
    .values(id=bindparam("id"), **VALUES)
    .on_conflict_do_nothing()
    .returning(NOTES.c.id)
)
BUMP = update(NOTES).where(NOTES.c.chat == bindparam("p_chat")).values(version=NOTES.c.version + 1)
MARK_SEEN = (  # a constant of its own ("seen"), and a RETURNING that reads other rows
    update(NOTES)
    .where(NOTES.c.id == bindparam("p_id"))
    .values(body="seen")
    .returning(exists().where(OTHER.c.chat == bindparam("p_chat"), OTHER.c.id != bindparam("p_id")))
)


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    NOTES.create(sqlite_engine)
    return sqlite_engine


def note(body: str, chat: int = 1) -> dict[str, Any]:
    return {"chat": chat, "body": body, "at": T0}


WRITES = [
    (ADD, note("first"), True),
    (ADD, note("second"), True),
    (ADD_ONCE, {"id": 2, **note("again")}, True),  # id 2 is there: inserts nothing
    (ADD_ONCE, {"id": 7, **note("seventh")}, True),
    (BUMP, {"p_chat": 1}, False),
    (MARK_SEEN, {"p_id": 1, "p_chat": 1}, True),
]


def test_each_write_gives_back_what_it_would_alone(engine: Engine) -> None:
    with Session(engine) as session, statements_run(engine) as seen:
        results = sqlite_batch.run_together(session, WRITES)
        session.commit()
    assert tuple(results) == (1, 2, None, 7, 3, True)
    with engine.connect() as connection:
        rows = connection.execute(NOTES.select().order_by(NOTES.c.id)).all()
    stored_at = T0.replace(tzinfo=None)  # SQLite keeps UTC without its zone
    assert [(row.id, row.body, row.version, row.at) for row in rows] == [
        (1, "seen", 1, stored_at),
        (2, "second", 1, stored_at),
        (7, "seventh", 1, stored_at),
    ]
    # The connection had no trigger for these writes: it was made, and the INSERT run again.
    assert [sql.split()[:3] for sql in seen[1:4]] == [["CREATE", "TEMP", "TABLE"]] + [
        ["CREATE", "TEMP", kind] for kind in ("VIEW", "TRIGGER")
    ]
    assert seen[0] == seen[4] and seen[0].startswith("INSERT INTO batch_") and len(seen) == 5


def test_a_trigger_once_made_is_one_statement(engine: Engine) -> None:
    with Session(engine) as session:
        sqlite_batch.run_together(session, WRITES)
        session.commit()
        with statements_run(engine) as seen:
            results = sqlite_batch.run_together(session, WRITES)
            session.commit()
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO batch_")
    assert tuple(results) == (8, 9, None, None, 5, True)


def test_values_are_stored_as_the_statement_alone_stores_them(engine: Engine) -> None:
    with Session(engine) as session:
        session.execute(ADD_ONCE, {"id": 1, **note("alone")})
        sqlite_batch.run_together(
            session, [(ADD_ONCE, {"id": 2, **note("together")}, True), (BUMP, {"p_chat": 9}, False)]
        )
        session.commit()
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT chat, at, version FROM batchnote").all()
    assert stored[0] == stored[1]  # the datetime's text too: comparisons in SQL depend on it


def test_a_connection_without_the_trigger_makes_it(engine: Engine) -> None:
    """Temporary objects belong to one connection, and a rollback drops those it made."""
    with engine.connect() as first, engine.connect() as second:
        with Session(first) as session:
            session.execute(BUMP, {"p_chat": 1})  # so the trigger is made in the transaction
            sqlite_batch.run_together(session, WRITES)
            assert made_here(session)
            session.rollback()
            assert not made_here(session)
            assert tuple(sqlite_batch.run_together(session, WRITES)) == (1, 2, None, 7, 3, True)
            session.commit()
        with Session(second) as session:
            assert not made_here(session)
            results = sqlite_batch.run_together(session, WRITES)
            assert tuple(results) == (8, 9, None, None, 5, True)
            session.commit()


def made_here(session: Session) -> bool:
    names = session.execute(text("SELECT name FROM sqlite_temp_master WHERE type = 'trigger'"))
    return any(name.startswith("batch_") for name in names.scalars())


def test_an_update_may_not_return_its_own_rows(engine: Engine) -> None:
    """Its changed rows cannot be found again after it: only an INSERT's can (its rowid)."""
    returning_own = BUMP.returning(NOTES.c.body)
    with pytest.raises(ValueError, match="may not return its own"):
        sqlite_batch.built(((returning_own, True),))


def test_writes_it_cannot_run_as_written_are_refused(engine: Engine) -> None:
    """An IN of a list (its length known only when run), and an upsert that returns a value
    (its update moves no last_insert_rowid()): refused when built, not run wrongly."""
    in_a_list = BUMP.where(NOTES.c.id.in_(bindparam("ids", expanding=True)))
    upsert = (
        sqlite_insert(NOTES)
        .values(id=bindparam("id"), **VALUES)
        .on_conflict_do_update(index_elements=["id"], set_={"body": "again"})
        .returning(NOTES.c.id)
    )
    with pytest.raises(ValueError, match="expanding"):
        sqlite_batch.built(((in_a_list, False),))
    with pytest.raises(ValueError, match="upsert"):
        sqlite_batch.built(((upsert, True),))
