"""Check-ins reach the provider in an intake: one made after an intake was submitted (before
its visit) is in the next intake's summary, and the chart sent with an intake covers the same
check-ins as its summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_support import Chat, Services, finish_intake, join, make_services
from sqlalchemy.engine import Engine

from bot.render.chart import NO_CHECKINS, checkin_chart_figure
from bot.render.html import to_plain
from bot.render.summary import render_summary
from flows.dialogue import Typed
from flows.report import CompiledIntake


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


def check_in(chat: Chat, mood: str, note: str) -> None:
    chat.open("checkin")
    chat.tap("checkin.mood", mood)
    for answer in ("7", "ok", "none", note):
        chat.send(Typed(answer))


def figure_texts(compiled: CompiledIntake, services: Services) -> list[str]:
    """The words drawn on the chart the delivery sends with `compiled` (its period's check-ins)."""
    log = services.lookups.checkin_log(f"#{compiled.patient_id}")
    figure = checkin_chart_figure(
        log.checkins_from(compiled.checkins_since),
        log.visits_from(compiled.checkins_since),
        services.lookups.clinic_zone,
        title="Check-ins",
    )
    return [text.get_text() for axes in figure.axes for text in axes.texts]


def test_a_checkin_after_an_intake_was_submitted_is_in_the_next_intake(
    services: Services,
) -> None:
    invited = services.invite("Kim L.", at=services.clock.now + timedelta(days=2))
    chat = Chat(services.patients, 7_300_000_001)
    join(services, chat, invited)
    first = finish_intake(chat).submitted
    assert first is not None

    services.clock.advance(timedelta(hours=20))  # after the intake, before its visit
    check_in(chat, "3", "Bad night before the visit")
    services.clock.advance(timedelta(days=3))  # the visit has happened
    services.provider.schedule("Kim L.", services.clock.now + timedelta(days=20))
    services.clock.advance(timedelta(days=18))
    chat.start()
    second = finish_intake(chat).submitted
    assert second is not None and second.checkins is not None

    assert second.checkins.count == 1
    assert second.checkins_since is not None and first.submitted_at is not None
    assert second.checkins_since <= first.submitted_at + timedelta(hours=20)
    summary = "\n".join(to_plain(page) for page in render_summary(second, "America/Chicago"))
    assert "Bad night before the visit" in summary and "1 check-in" in summary
    assert NO_CHECKINS not in figure_texts(second, services)


def test_a_chart_of_a_period_without_checkins_says_that_period_not_yet(
    services: Services,
) -> None:
    invited = services.invite("Lee M.", at=services.clock.now + timedelta(days=2))
    chat = Chat(services.patients, 7_300_000_002)
    join(services, chat, invited)
    check_in(chat, "5", "fine")
    services.clock.advance(timedelta(hours=1))
    first = finish_intake(chat).submitted
    assert first is not None and first.checkins is not None and first.checkins.count == 1
    assert NO_CHECKINS not in figure_texts(first, services)

    services.clock.advance(timedelta(days=3))
    services.provider.schedule("Lee M.", services.clock.now + timedelta(days=20))
    services.clock.advance(timedelta(days=18))
    chat.start()
    second = finish_intake(chat).submitted
    assert second is not None and second.checkins is not None and second.checkins.count == 0
    drawn = figure_texts(second, services)
    assert "No check-ins in this period" in drawn and "No check-ins yet" not in drawn
    assert [text for text in drawn if text.startswith("visit")] == ["visit 14 Jan", "visit 4 Feb"]
