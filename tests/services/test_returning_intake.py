"""A returning patient's intake, through the service and storage: it opens with last visit's
medicines and last intake's sleep carried, so each can be confirmed in one tap; what the
provider receives marks the medicines as confirmed unchanged and shows the sleep confirmed, and
the confirmed sleep is carried again to the intake after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_support import Chat, Services, finish_intake, join, make_services
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.dialogue import Typed
from flows.questions import PREVIOUS_SLEEP
from storage import intakes

FIRST_VISIT = {
    "med.1.name": "sertraline 50 mg once a day",
    "med.1.status": "as prescribed",
    "med.1.missed": "0",
    "med.1.more": "that's all",
    "sleep.hours": "6.5",
    "sleep.latency": "30-60 minutes",
    "sleep.wakings": "2",
    "sleep.quality": "fair",
}
NIGHTS = {"sleep.hours": 6.5, "sleep.latency": "30_60", "sleep.wakings": 2, "sleep.quality": "fair"}


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


def next_visit(services: Services, chat: Chat) -> None:
    services.clock.advance(timedelta(days=3))  # the visit has happened
    services.provider.schedule("Alice A.", services.clock.now + timedelta(days=20))
    services.clock.advance(timedelta(days=18))


def carried_sleep(services: Services, patient_id: int) -> object:
    with Session(services.engine) as session:
        latest = intakes.latest(session, patient_id)
        assert latest is not None
        return intakes.current_answers(session, latest.id).get(PREVIOUS_SLEEP)


def test_a_returning_patient_confirms_medicines_and_sleep_in_one_tap_each(
    services: Services,
) -> None:
    invited = services.invite("Alice A.", at=services.clock.now + timedelta(days=2))
    chat = Chat(services.patients, 7_200_000_011)
    join(services, chat, invited)
    chat.start()
    finish_intake(chat, FIRST_VISIT)
    next_visit(services, chat)

    reply = chat.start()
    assert reply.screen is not None and reply.screen.step == "meds.same"
    assert "sertraline 50 mg once a day" in reply.screen.text
    assert carried_sleep(services, invited.patient_id) == NIGHTS
    reply = chat.send(Typed("yes, same as last time"))
    assert reply.screen is not None and reply.screen.step == "med.1.missed"
    done = finish_intake(chat, {"med.1.missed": "0", "sleep.same": "yes", "daily.same": "yes"})

    compiled = done.submitted
    assert compiled is not None and not compiled.first_visit
    [med] = compiled.medications
    assert (med.name, med.dose, med.frequency, med.unchanged) == (
        "sertraline", "50 mg", "once a day", True
    )
    [(label, value)] = compiled.sleep
    assert "about 6.5 hours a night" in label and value == "Yes, about the same"

    # The intake after that: the sleep confirmed last time is offered again.
    next_visit(services, chat)
    reply = chat.start()
    assert reply.screen is not None and reply.screen.step == "meds.same"
    assert carried_sleep(services, invited.patient_id) == NIGHTS
