"""The inbox's queries, on SQLite and PostgreSQL: an update already stored or already handled is
not stored again; a claim hands out one update per chat, oldest first; and on PostgreSQL two
processes claiming at the same moment never get the same update, nor two of one chat. Neither
the inbox nor the outbox hands a process back what it is still working on; settling an outbox
message tells whether its chat has another waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import handed, inbox, outbox

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=2)


def payload(update_id: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {"text": "x"}}


def store(engine: Engine, *updates: tuple[int, int | None]) -> None:
    with Session(engine) as session:
        inbox.store(session, [(u, c, payload(u)) for u, c in updates], T0)
        session.commit()


def claim(session: Session, owner: str, limit: int = 10) -> list[int]:
    return [row.update_id for row in inbox.claim(session, owner, T0, LATER, limit)]


def test_a_stored_or_handled_update_is_not_stored_again(engine: Engine) -> None:
    store(engine, (1, 100), (2, 100))
    store(engine, (1, 100))  # delivered again while waiting
    with Session(engine) as session:
        assert inbox.waiting(session) == 2
        inbox.done(session, 1, T0)
        session.commit()
    store(engine, (1, 100))  # delivered again after it was handled
    with Session(engine) as session:
        assert inbox.waiting(session) == 1


def test_a_claim_hands_out_one_update_per_chat_oldest_first(engine: Engine) -> None:
    store(engine, (1, 100), (2, 100), (3, 200), (4, None))
    with Session(engine) as session:
        assert claim(session, "a") == [1, 3, 4]
        session.commit()
    with Session(engine) as session:
        assert claim(session, "b") == []  # chat 100's next waits for its first
        inbox.done(session, 1, T0)
        session.commit()
    with Session(engine) as session:
        assert claim(session, "b") == [2]


def test_an_update_still_being_handled_is_not_claimed_again_when_its_claim_runs_out(
    engine: Engine,
) -> None:
    store(engine, (1, 100), (2, 200))
    with Session(engine) as session:
        assert claim(session, "a") == [1, 2]
        session.commit()
    much_later = LATER + timedelta(minutes=5)  # both claims ran out; update 1 is still handled
    with Session(engine) as session:
        again = inbox.claim(session, "a", much_later, much_later + timedelta(minutes=2), 10, {1})
        assert [row.update_id for row in again] == [2]


def store_claiming(engine: Engine, limit: int, *updates: tuple[int, int | None]) -> list[int]:
    with Session(engine) as session:
        rows = [(u, c, payload(u)) for u, c in updates]
        claimed = inbox.store(session, rows, T0, inbox.ClaimFor("a", LATER, limit))
        session.commit()
    return claimed


def test_updates_are_stored_claimed_as_a_claim_would_claim_them(engine: Engine) -> None:
    """One per chat, up to the limit, never one without a chat (the worker's claim takes it,
    and sets it aside when it cannot be read); the rest stored as they always were."""
    updates = ((1, 100), (2, 100), (3, 200), (4, None), (5, 300), (6, 400))
    assert store_claiming(engine, 3, *updates) == [1, 3, 5]
    with Session(engine) as session:
        assert inbox.waiting(session) == 6
        assert claim(session, "b") == [4, 6]  # chat 100's next still waits for its first
        session.commit()
    much_later = LATER + timedelta(minutes=5)  # every claim ran out: each was an attempt
    with Session(engine) as session:
        again = inbox.claim(session, "c", much_later, much_later + timedelta(minutes=2), 10)
        assert {row.update_id: row.attempts for row in again} == {1: 2, 3: 2, 4: 2, 5: 2, 6: 2}


def test_an_update_stored_or_handled_before_is_not_claimed_as_it_is_stored(
    engine: Engine,
) -> None:
    assert store_claiming(engine, 5, (1, 100)) == [1]
    assert store_claiming(engine, 5, (1, 100)) == []  # delivered again while handled
    with Session(engine) as session:
        inbox.done(session, 1, T0)
        session.commit()
    assert store_claiming(engine, 5, (1, 100)) == []  # delivered again after it was handled
    with Session(engine) as session:
        assert inbox.waiting(session) == 0


@pytest.mark.postgres
def test_two_processes_claiming_at_once_never_share_an_update(postgres_schema_url: str) -> None:
    from storage.db import make_engine

    engine = make_engine(postgres_schema_url)
    store(engine, (1, 100), (2, 100), (3, 200), (4, 300))
    with Session(engine) as first, Session(engine) as second:
        mine = claim(first, "first", limit=1)  # row 1 locked until `first` commits
        theirs = claim(second, "second")  # skips it, and chat 100's next waits for it
        assert mine == [1] and theirs == [3, 4]
        first.commit()
        second.commit()
    engine.dispose()


def test_an_outbox_message_still_being_sent_is_not_claimed_again_when_its_claim_runs_out(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        for chat_id in (100, 200):
            outbox.add(session, chat_id, "html", {}, T0)
        session.commit()
    with Session(engine) as session:
        first = [row.id for row in outbox.claim(session, "a", T0, LATER, 10)]
        session.commit()
    much_later = LATER + timedelta(minutes=5)  # both claims ran out; the first is still sending
    with Session(engine) as session:
        again = outbox.claim(session, "a", much_later, much_later, 10, sending={first[0]})
        assert [row.id for row in again] == first[1:]


def test_settling_a_message_says_whether_its_chat_has_another_waiting(engine: Engine) -> None:
    """The dispatcher looks at the outbox again only then: the message it held back may go."""
    with Session(engine) as session:
        first, second = (outbox.add(session, 300, "html", {}, T0) for _ in range(2))
        alone = outbox.add(session, 400, "html", {}, T0)
        session.commit()
    assert first is not None and second is not None and alone is not None
    with Session(engine) as session:
        assert [row.id for row in outbox.claim(session, "a", T0, LATER, 10)] == [first, alone]
        assert outbox.settle(session, first, "sent", T0, chat_id=300) is True  # second waits
        assert outbox.settle(session, alone, "sent", T0, chat_id=400) is False
        assert outbox.settle(session, alone, "sent", T0, chat_id=400) is None  # settled before
        assert [row.id for row in outbox.claim(session, "a", T0, LATER, 10)] == [second]
        assert outbox.settle(session, second, "failed", T0, chat_id=300) is False
        session.commit()


def test_cancelling_a_group_leaves_the_message_a_sender_holds(engine: Engine) -> None:
    """An acknowledged alert's repeat already on its way still settles, and so is recorded."""
    group = "alert:1:r2"
    with Session(engine) as session:
        ids = [outbox.add(session, chat_id, "alert", {}, T0, group_key=group) for chat_id in (1, 2)]
        session.commit()
    with Session(engine) as session:
        (held,) = outbox.claim(session, "a", T0, LATER, 1)
        outbox.cancel_pending(session, group, T0)
        assert [row.status for row in outbox.in_group(session, group)] == ["pending", "cancelled"]
        assert held.id == ids[0]
        much_later = LATER + timedelta(minutes=5)  # its sender stopped: nobody holds it now
        outbox.cancel_pending(session, group, much_later)
        assert [row.status for row in outbox.in_group(session, group)] == ["cancelled"] * 2
        session.commit()


def add_claimed(engine: Engine, chat_id: int, priority: int = 20) -> int | None:
    """A message stored claimed for "a", if its chat let it be: its id then."""
    ids: list[int] = []
    with Session(engine) as session:
        claim = handed.Claim("a", LATER)
        handed.add_claimed_later(
            session, chat_id, "reply", {"say": ["hi"]}, T0, priority, claim, ids.append
        )
        session.commit()
    return ids[0] if ids else None


def test_a_message_is_stored_claimed_only_when_its_chat_has_nothing_earlier_waiting(
    engine: Engine,
) -> None:
    first = add_claimed(engine, 500)
    assert first is not None
    assert add_claimed(engine, 500) is None  # waits behind the first: a claim takes it later
    assert add_claimed(engine, 500, priority=0) is not None  # an urgent one never waits
    with Session(engine) as session:
        assert [row.id for row in outbox.claim(session, "b", T0, LATER, 10)] == []
        outbox.settle(session, first, "sent", T0, chat_id=500)
        (waited,) = outbox.claim(session, "b", T0, LATER, 10)
        assert (waited.id, waited.attempts, waited.uncertain) == (first + 1, 1, False)
        session.commit()
    much_later = LATER + timedelta(minutes=5)  # the stored claims ran out: their sender stopped
    with Session(engine) as session:
        again = outbox.claim(session, "c", much_later, much_later, 10)
        assert [(row.attempts, row.uncertain) for row in again] == [(2, True), (2, True)]


def test_a_message_written_earlier_in_the_transaction_holds_a_handed_one_back(
    engine: Engine,
) -> None:
    """On PostgreSQL the writes of a transaction run as the parts of one WITH, which do not see
    each other's rows: the handed insert looks for the chat's earlier messages, so a message
    the same transaction wrote before it is written first, and holds it back."""
    ids: list[int] = []
    with Session(engine) as session:
        outbox.add_later(session, 600, "document", {"record_of": 1}, T0)
        handed.add_claimed_later(
            session, 600, "reply", {"say": ["sent"]}, T0, 20, handed.Claim("a", LATER), ids.append
        )
        session.commit()
    assert ids == []  # not claimed: it waits behind the document
    with Session(engine) as session:
        (first,) = outbox.claim(session, "b", T0, LATER, 10)
        assert first.kind == "document"
        session.commit()
