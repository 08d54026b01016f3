"""Risk language is caught wherever a patient types it, and alerts are never lost between visits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_support import Chat, Services, finish_intake, join, make_services, pending, rows
from sqlalchemy.engine import Engine

from flows import messages
from flows.dialogue import Typed
from storage.models import Reminder, SafetyEvent


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


def joined(services: Services, appointment_in: timedelta | None = None) -> tuple[Chat, int]:
    at = services.clock.now + appointment_in if appointment_in is not None else None
    invited = services.invite("Alice A.", at=at)
    chat = Chat(services.patients, 7_200_000_001)
    join(services, chat, invited)
    return chat, invited.patient_id


@pytest.mark.parametrize("what", ["reminders", "timezone"])
def test_risk_language_typed_in_the_settings_dialogue_alerts(services: Services, what: str) -> None:
    chat, _ = joined(services)
    chat.open(what)
    reply = chat.send(Typed("I am going to end my life tonight"))
    assert "988" in reply.say[0]
    assert reply.screen is not None and reply.screen.step == "safety.check"
    assert [(a.detail) for a in reply.alerts] == [
        "risk language in a typed message (suicidal thoughts)"
    ]


def test_text_that_answers_nothing_is_still_screened(services: Services) -> None:
    chat, _ = joined(services)
    assert services.patients.screen_text(chat.chat_id, "fine, thanks") is None
    reply = services.patients.screen_text(chat.chat_id, "I want to kill myself")
    assert reply is not None and "988" in reply.say[0] and len(reply.alerts) == 1
    stranger = services.patients.screen_text(1234, "I want to kill myself")
    assert (
        stranger is not None and stranger.say == [messages.CRISIS_RESOURCES] and not stranger.alerts
    )


def test_an_alert_from_a_checkin_is_flagged_in_the_next_intake(services: Services) -> None:
    chat, _ = joined(services, appointment_in=timedelta(days=2))
    chat.open("checkin")
    chat.send(Typed("I want to kill myself"))
    chat.send(Typed("no"))  # not safe
    chat.send(Typed("pause"))  # leave the check-in; the intake is open
    chat.start()
    reply = finish_intake(chat)
    assert reply.submitted is not None
    flags = [flag.text for flag in reply.submitted.flags]
    assert "Safety: between visits: risk language in a typed message (suicidal thoughts)" in flags
    assert "Safety: between visits: the patient answered that they are not safe right now" in flags


def test_a_moved_appointment_gets_its_reminders_again(services: Services) -> None:
    _chat, patient_id = joined(services, appointment_in=timedelta(days=2))
    with_sent = rows(services.engine, Reminder, Reminder.patient_id == patient_id)
    from sqlmodel import Session

    with Session(services.engine) as session:
        for row in with_sent:
            row.status = "sent"
            session.add(session.merge(row))
        session.commit()
    services.provider.schedule(f"#{patient_id}", services.clock.now + timedelta(days=10))
    kinds = {r.kind for r in pending(services.engine, patient_id)}
    assert {"intake_open", "intake_24h", "appointment"} <= kinds
    retired = [
        r
        for r in rows(services.engine, Reminder, Reminder.patient_id == patient_id)
        if "@" in r.key
    ]
    assert retired and all(r.status == "sent" for r in retired)


def test_restarting_keeps_last_visits_medicines(services: Services) -> None:
    chat, _ = joined(services, appointment_in=timedelta(days=2))
    chat.start()
    finish_intake_with_medicine(chat)
    services.clock.advance(timedelta(days=3))  # the first visit has happened
    services.provider.schedule("Alice A.", services.clock.now + timedelta(days=20))
    services.clock.advance(timedelta(days=18))
    reply = chat.start()
    assert reply.screen is not None and reply.screen.step == "meds.same"
    assert "sertraline 50 mg once a day" in reply.screen.text
    chat.send(Typed("something changed"))
    reply = chat.send(Typed("yes, the same"))
    assert reply.screen is not None and reply.screen.step == "med.1.missed"
    chat.send(Typed("restart"))
    reply = chat.send(Typed("yes"))
    assert reply.screen is not None and reply.screen.step == "meds.same"
    assert "sertraline 50 mg once a day" in reply.screen.text


def finish_intake_with_medicine(chat: Chat) -> None:
    """A first visit with one medicine, taken as prescribed; nothing else of note."""
    finish_intake(
        chat,
        {
            "med.1.name": "sertraline 50 mg once a day",
            "med.1.status": "as prescribed",
            "med.1.missed": "0",
            "med.1.more": "that's all",
        },
    )
    assert rows(chat.service.engine, SafetyEvent) == []


def test_today_flags_an_alert_from_a_checkin_before_the_intake_opened(services: Services) -> None:
    chat, _ = joined(services, appointment_in=timedelta(days=10))
    chat.open("checkin")
    chat.send(Typed("I want to kill myself"))
    services.clock.advance(timedelta(days=9, hours=12))  # the day of the visit's eve
    agenda = services.lookups.agenda()
    assert [row.safety_flag for row in agenda] == [True]


@pytest.mark.parametrize("place", ["Death Valley", "Kill Devil Hills"])
def test_a_place_name_in_settings_does_not_interrupt_them(services: Services, place: str) -> None:
    chat, _ = joined(services)
    chat.open("timezone")
    reply = chat.send(Typed(place))
    assert not reply.alerts and (reply.screen is None or reply.screen.step == "settings.timezone")


def test_undelivered_intakes_are_found_once_their_delivery_had_time(services: Services) -> None:
    chat, _ = joined(services, appointment_in=timedelta(days=2))
    chat.start()
    reply = finish_intake(chat)
    assert reply.submitted is not None
    records = services.lookups
    assert records.undelivered_intake_ids() == []  # just submitted: its delivery is under way
    services.clock.advance(timedelta(minutes=3))
    assert records.undelivered_intake_ids() == [reply.submitted.intake_id]
    records.record_delivered(reply.submitted.intake_id)
    assert records.undelivered_intake_ids() == []
