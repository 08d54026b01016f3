"""bot.services.outbox: a reply's screen is stored as plain data and read back as the same
screen, for every screen of a whole intake (choices, checklists, typed questions, the review)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service_support import Chat, Clock, join, make_services, shortest_answer

from bot.services.outbox import screen_from_data, screen_to_data
from flows.dialogue import Screen, Typed
from storage.db import make_engine


def every_screen_of_an_intake(database_url: str) -> list[Screen]:
    engine = make_engine(database_url)
    try:
        services = make_services(engine, Clock(datetime.now(UTC)))
        invited = services.invite("Payload P.", at=datetime.now(UTC) + timedelta(days=2))
        chat = Chat(services.patients, 4401)
        reply = join(services, chat, invited)
        screens = []
        for _ in range(80):
            assert reply.screen is not None
            screens.append(reply.screen)
            if reply.screen.step == "review":
                return screens
            reply = chat.send(Typed(shortest_answer(reply.screen.step)))
    finally:
        engine.dispose()
    raise AssertionError("the intake never reached its review")


def test_every_screen_is_stored_as_asdict_would_store_it_and_read_back_the_same(
    tmp_path: Path,
) -> None:
    screens = every_screen_of_an_intake(f"sqlite:///{tmp_path / 'payloads.db'}")
    assert any(s.options for s in screens) and any(s.multi for s in screens)
    assert screens[-1].review and all(group.lines for group in screens[-1].review)
    for screen in screens:
        stored = json.loads(json.dumps(screen_to_data(screen)))
        assert stored == json.loads(json.dumps(dataclasses.asdict(screen)))
        assert screen_from_data(stored) == screen
