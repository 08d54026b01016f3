"""End to end on PostgreSQL: the database closes every connection the bot holds (as a restart or
a failover does) between two answers. Connections are tested only after they rested
(storage.engine), so the next use of one that was busy a moment ago fails; the patient's
answer is still taken once, the next question comes, and nothing is sent twice."""

from __future__ import annotations

import uuid

import pytest
from conftest import PostgresServer
from e2e_support import (
    current_question,
    invite,
    join,
    running_bot,
    say,
    settings_for,
    skip_to_the_medicines,
    tap,
    texts,
)
from fake_bot_api import FakeBotAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Answer

pytestmark = pytest.mark.postgres


def drop_connections(server: PostgresServer, application_name: str) -> int:
    """Close every connection of the bot's, as the server does when it restarts."""
    assert server.admin is not None
    with server.admin.connect() as connection:
        closed = connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": application_name},
        )
        return int(closed.scalar_one())


async def test_connections_closed_between_two_answers_lose_and_double_nothing(
    fake: FakeBotAPI, postgres_schema_url: str, postgres_server: PostgresServer
) -> None:
    name = f"intake-e2e-{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_schema_url).update_query_dict({"application_name": name})
    database_url = url.render_as_string(hide_password=False)
    patient = fake.private_chat(chat_id=1301, first_name="Eve")
    settings = settings_for(fake, database_url)
    token = invite(settings, "Eve")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        await skip_to_the_medicines(patient)
        asked = current_question(patient)
        assert drop_connections(postgres_server, name) > 0
        reply = await say(patient, "I don't take any")
        assert current_question(patient) != asked, texts(reply)
        assert drop_connections(postgres_server, name) > 0
        await say(patient, "none before")
        assert "Re-sent" not in texts(patient.messages)

    engine = make_engine(database_url)
    with Session(engine) as session:
        answers = session.exec(select(Answer).where(Answer.superseded == False)).all()  # noqa: E712
    engine.dispose()
    by_key = {answer.question_key: answer.value for answer in answers}
    assert by_key["med.1.name"] == {"choice": "none"}
    assert len(answers) == len(by_key)  # each answer once
