"""bot.services.transactions on PostgreSQL: a patient event whose connection the database closed
before its commit (a restart between two uses of a pooled connection) is applied again on a new
connection, and only once."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.services.replies import Reply
from bot.services.transactions import UnitOfWork
from storage.db import make_engine
from storage.models import ProcessedUpdate

pytestmark = pytest.mark.postgres


def test_an_event_whose_connection_was_closed_is_applied_again_once(
    postgres_schema_url: str,
) -> None:
    engine = make_engine(postgres_schema_url)
    attempts: list[datetime] = []

    def event(session: Session, now: datetime) -> Reply:
        attempts.append(now)
        if len(attempts) == 1:  # the database closes this connection mid-transaction
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return Reply(say=["done"])

    try:
        reply = UnitOfWork(engine).run(41, event)
        assert reply.say == ["done"] and not reply.duplicate
        assert len(attempts) == 2
        with Session(engine) as session:
            claimed = session.exec(select(ProcessedUpdate.update_id)).all()
        assert claimed == [41]
        assert UnitOfWork(engine).run(41, event).duplicate  # handled: never again
        with Session(engine) as session:  # (the work, reading no patient, ran and was undone)
            assert session.exec(select(ProcessedUpdate.update_id)).all() == [41]
    finally:
        engine.dispose()
