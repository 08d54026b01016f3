"""Claims by owner across the inbox and the outbox, on SQLite and PostgreSQL: who holds live
claims, and ending a stopped owner's claims at once. What was ended is claimed again by the
next process that looks, an outbox message marked uncertain (it may have gone out); the claims
of the owners still running, and claims already over, are left as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage import claims, inbox, outbox
from storage.models import InboxUpdate, OutboxMessage

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
NOW = T0 + timedelta(seconds=5)


def held(engine: Engine) -> None:
    """Updates 1 (chat 100) and 2 (chat 200) claimed by "stopped" and "running". Messages to
    chat 100, whose claim by "stopped" ran out already; to chat 200, claimed by "stopped"; to
    chat 300, claimed by "running"."""
    with Session(engine) as session:
        inbox.store(session, [(1, 100, {"update_id": 1}), (2, 200, {"update_id": 2})], T0)
        for chat in (100, 200, 300):
            outbox.add(session, chat, "reply", {"text": "x"}, T0)
        session.commit()
    with Session(engine) as session:
        assert [r.update_id for r in inbox.claim(session, "stopped", T0, T0 + LEASE, 1)] == [1]
        assert [r.update_id for r in inbox.claim(session, "running", T0, T0 + LEASE, 1)] == [2]
        assert len(outbox.claim(session, "stopped", T0, T0 + timedelta(seconds=1), 1)) == 1
        assert len(outbox.claim(session, "stopped", T0, T0 + LEASE, 1)) == 1
        assert len(outbox.claim(session, "running", T0, T0 + LEASE, 1)) == 1
        session.commit()


def test_the_owners_of_live_claims_are_known(engine: Engine) -> None:
    held(engine)
    with Session(engine) as session:
        assert claims.holders(session, NOW) == {"stopped", "running"}
        assert claims.holders(session, T0 + LEASE + timedelta(seconds=1)) == set()


def test_a_stopped_owners_claims_end_now_and_are_claimed_again(engine: Engine) -> None:
    held(engine)
    with Session(engine) as session:
        assert claims.end(session, ["stopped"], NOW) == 2  # its update and its live message
        assert claims.end(session, [], NOW) == 0
        session.commit()
    later = NOW + timedelta(milliseconds=1)
    with Session(engine) as session:
        assert claims.holders(session, later) == {"running"}
        updates = inbox.claim(session, "other", later, later + LEASE, 10)
        messages = outbox.claim(session, "other", later, later + LEASE, 10)
        session.commit()
    assert [row.update_id for row in updates] == [1]  # update 2 is still "running"'s
    assert [(row.chat_id, row.uncertain) for row in messages] == [(100, True), (200, True)]
    with Session(engine) as session:
        running = session.get(InboxUpdate, 2)
        assert running is not None and running.claimed_by == "running"
        kept = session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == 300)).all()
        assert [(m.claimed_by, m.uncertain) for m in kept] == [("running", False)]
