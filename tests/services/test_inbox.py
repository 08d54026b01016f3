"""The inbox sets aside an update whose handling keeps stopping the process, and only that one:
an update handled to the end is never set aside, however often the process stopped before."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.services.inbox import MAX_ATTEMPTS, Inbox


def test_an_update_whose_handling_stops_the_process_every_time_is_set_aside(
    engine: Engine,
) -> None:
    inbox = Inbox(engine, owner="bot")
    inbox.store([(102, 5002, {"update_id": 102})])
    for _ in range(MAX_ATTEMPTS):
        assert [update_id for update_id, _ in inbox.claim(10)] == [102]
        inbox.take_over()  # its handler began, and the process died in it: started again
    assert inbox.claim(10) == []  # set aside, and out of the inbox
    assert inbox.waiting() == 0


def test_other_chats_updates_handled_meanwhile_are_never_set_aside(engine: Engine) -> None:
    inbox = Inbox(engine, owner="bot")
    inbox.store([(102, 5002, {"update_id": 102})])
    for n in range(MAX_ATTEMPTS):
        other = 200 + n  # another chat's update, claimed with it and handled to the end
        inbox.store([(other, 6000 + n, {"update_id": other})])
        assert sorted(update_id for update_id, _ in inbox.claim(10)) == [102, other]
        inbox.done(other)
        inbox.take_over()
    inbox.store([(300, 7000, {"update_id": 300})])
    assert [update_id for update_id, _ in inbox.claim(10)] == [300]


def test_an_update_handled_after_stops_is_not_set_aside(engine: Engine) -> None:
    inbox = Inbox(engine, owner="bot")
    inbox.store([(103, 5003, {"update_id": 103})])
    for _ in range(MAX_ATTEMPTS - 1):  # two starts cut short by the process stopping
        assert [update_id for update_id, _ in inbox.claim(10)] == [103]
        inbox.take_over()
    assert [update_id for update_id, _ in inbox.claim(10)] == [103]  # the third runs to the end
    inbox.done(103)
    assert inbox.waiting() == 0


def test_a_store_that_fails_part_way_gives_back_the_claims_it_made(engine: Engine) -> None:
    """The updates stored claimed before the failure were never handed to the worker: they are
    claimable again at once, not after the claim's lease. (On SQLite the failed store kept
    nothing.)"""
    inbox = Inbox(engine, owner="bot")
    assert inbox.store([(399, 5399, {"update_id": 399})], claim=1) == [399]  # being handled
    unstorable = {"update_id": 401, "not json": object()}
    with pytest.raises(Exception):  # noqa: B017  (whatever the database layer raises)
        inbox.store([(400, 5400, {"update_id": 400}), (401, 5401, unstorable)], claim=5)
    stored = inbox.waiting() - 1  # 400 on PostgreSQL, where each statement commits on its own
    assert [update_id for update_id, _ in inbox.claim(10)] == [400][:stored]
    assert stored == (engine.dialect.name == "postgresql")
    assert inbox.claim(10) == []  # the update being handled keeps its claim
