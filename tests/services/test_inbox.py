"""The inbox sets aside only an update whose handling keeps stopping the process, never one
that was merely claimed (in a batch) when the process was killed."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.services.inbox import MAX_ATTEMPTS, Inbox


def test_an_update_claimed_through_many_kills_is_still_handled(engine: Engine) -> None:
    inbox = Inbox(engine, owner="bot")
    inbox.store([(101, 5001, {"update_id": 101})])
    for _ in range(MAX_ATTEMPTS + 3):  # claimed, then the process was killed before handling it
        assert [update_id for update_id, _ in inbox.claim(10)] == [101]
        inbox.take_over()
    assert inbox.waiting() == 1


def test_an_update_whose_handling_stops_the_process_every_time_is_set_aside(
    engine: Engine,
) -> None:
    inbox = Inbox(engine, owner="bot")
    inbox.store([(102, 5002, {"update_id": 102}), (103, 5003, {"update_id": 103})])
    for _ in range(MAX_ATTEMPTS):
        claimed = [update_id for update_id, _ in inbox.claim(10)]
        assert claimed == [102, 103]
        inbox.started(102)  # its handler began, and the process died in it
        inbox.take_over()
    assert [update_id for update_id, _ in inbox.claim(10)] == [103]
    assert inbox.waiting() == 1
