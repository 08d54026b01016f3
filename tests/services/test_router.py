"""The conversation router without Telegram, on an injected clock, on SQLite and on PostgreSQL.

Joining by invitation, consent, when the pre-visit intake opens, check-ins beside an open
intake, the settings dialogue's effect on stored cadences and reminders, risk language while
no dialogue is open, stale buttons, and invitation links that must be refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from service_support import (
    CLINIC,
    CLINIC_ZONE,
    NOW,
    Chat,
    Services,
    checkins,
    count,
    finish_intake,
    intakes,
    join,
    make_services,
    past_the_reasons,
    patient,
    pending,
    rows,
    shortest_answer,
    utc,
)
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.services.deliveries import Deliveries
from bot.services.joining import JOIN_CONSENT_STEP as CONSENT_STEP
from bot.services.replies import OPEN_CHECKIN, OPEN_INTAKE, DialogueKind, DialogueRef, Reply
from bot.telegram import callbacks
from flows import messages
from flows.dialogue import Command, Typed, Unsupported
from flows.preferences import REMINDERS, TIME, TIMEZONE, WEEKDAY
from flows.safety_dialogue import CRISIS_REPLY, SAFETY_CHECK, SAFETY_CLARIFY
from flows.schedule import to_local
from flows.when import format_local
from storage.db import session_scope
from storage.models import (
    Answer,
    Checkin,
    Intake,
    Invitation,
    OutboxMessage,
    Patient,
    Reminder,
    SafetyEvent,
)

PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


def joined(
    services: Services,
    appointment_in: timedelta | None = None,
    chat_id: int = 7_100_000_001,
    name: str = "Alice A.",
) -> tuple[Chat, int]:
    """A patient invited (with an appointment if given), linked and consented."""
    at = services.clock.now + appointment_in if appointment_in is not None else None
    invited = services.invite(name, at=at)
    chat = Chat(services.patients, chat_id)
    join(services, chat, invited)
    return chat, invited.patient_id


def p_ref(patient_id: int) -> DialogueRef:
    return DialogueRef(DialogueKind.PATIENT, patient_id)


def safety_rows(engine: Engine, patient_id: int) -> list[tuple[str, bool]]:
    found = rows(engine, SafetyEvent, SafetyEvent.patient_id == patient_id)
    return [(e.kind, e.alert) for e in sorted(found, key=lambda e: e.id)]


# --- consent ----------------------------------------------------------------------------


def test_consent_by_button_links_and_plans_nothing_without_an_appointment(
    services: Services,
) -> None:
    invited = services.invite("Alice A.")
    chat = Chat(services.patients)
    reply = chat.start(invited.token)
    assert reply.ref == p_ref(invited.patient_id)
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP
    assert reply.screen.text == messages.welcome(CLINIC)
    assert [o.value for o in reply.screen.options] == ["agree", "decline"]
    linked = patient(services.engine, invited.patient_id)
    assert linked.telegram_chat_id == chat.chat_id
    assert utc(linked.linked_at) == NOW and linked.consented_at is None

    reply = chat.consent(invited.patient_id)
    assert reply.say == [messages.CONSENTED, messages.NO_APPOINTMENT_YET]
    assert reply.screen is None and reply.reminders == []
    assert utc(patient(services.engine, invited.patient_id).consented_at) == NOW
    assert count(services.engine, Reminder) == 0 and count(services.engine, Intake) == 0


def test_consent_typed_unclear_and_unreadable_ask_again(services: Services) -> None:
    invited = services.invite("Alice A.", at=NOW + timedelta(days=5))
    chat = Chat(services.patients)
    chat.start(invited.token)

    reply = chat.send(Typed("maybe later?"))
    assert reply.say == [messages.NOT_UNDERSTOOD]
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP
    reply = chat.send(Unsupported("media"))
    assert reply.say == [messages.WELCOME_BACK]
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP
    reply = chat.open("reminders")  # no settings before consent: the question again
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP
    assert patient(services.engine, invited.patient_id).consented_at is None

    reply = chat.send(Typed("ok"))
    assert reply.say[0] == messages.CONSENTED
    assert utc(patient(services.engine, invited.patient_id).consented_at) == NOW
    # the appointment's reminders are planned at consent, and only then
    assert sorted(reply.reminders) == sorted(
        r.id for r in pending(services.engine, invited.patient_id)
    )
    kinds = {r.kind for r in pending(services.engine, invited.patient_id)}
    assert kinds == {"intake_open", "intake_48h", "intake_24h", "appointment"}


def test_declining_by_typing_then_changing_ones_mind_with_the_button(services: Services) -> None:
    invited = services.invite("Alice A.", at=NOW + timedelta(days=2))
    chat = Chat(services.patients)
    chat.start(invited.token)
    reply = chat.send(Typed("no"))
    assert reply.say == [messages.DECLINED] and reply.finished
    assert chat.open("checkin").say == [messages.CHANGED_YOUR_MIND]
    assert count(services.engine, Checkin) == 0

    reply = chat.consent(invited.patient_id)  # the consent button, pressed after all
    assert reply.say == [messages.CONSENTED]
    assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit
    stored = patient(services.engine, invited.patient_id)
    assert stored.consented_at is not None and stored.declined_at is None


def test_a_patient_who_declined_still_gets_crisis_resources_and_nothing_is_stored(
    services: Services,
) -> None:
    invited = services.invite("Alice A.")
    chat = Chat(services.patients)
    chat.start(invited.token)
    chat.consent(invited.patient_id, "decline")
    reply = chat.send(Typed("I want to kill myself"))
    assert reply.say == [messages.CRISIS_RESOURCES, messages.DECLINED_NOTHING_MORE]
    assert reply.alerts == [] and reply.screen is None  # they chose not to share anything
    assert count(services.engine, SafetyEvent) == 0
    stored = patient(services.engine, invited.patient_id)
    assert stored.consented_at is None and stored.active_dialogue is None


def test_the_consent_button_pressed_again_after_consent_is_stale(services: Services) -> None:
    chat, patient_id = joined(services)
    reply = chat.consent(patient_id)
    assert reply.stale
    assert reply.say == [messages.STALE_BUTTON, messages.NO_APPOINTMENT_YET]


@pytest.mark.parametrize("answer", ["typed", "button"])
def test_risk_language_before_consent_gets_the_safety_question_not_a_consent_answer(
    services: Services, answer: str
) -> None:
    """ "No" to "Are you safe right now?" is about safety: never a refusal to take part."""
    invited = services.invite("Alice A.")
    chat = Chat(services.patients)
    chat.start(invited.token)
    reply = chat.send(Typed("I want to kill myself"))
    assert reply.say == [CRISIS_REPLY]
    assert reply.screen is not None and reply.screen.step == SAFETY_CHECK
    assert [a.patient_name for a in reply.alerts] == ["Alice A."]

    if answer == "typed":
        reply = chat.send(Typed("no"))
    else:
        reply = chat.press(p_ref(invited.patient_id), SAFETY_CHECK, "not_safe")
    assert reply.say[0] == messages.NOT_SAFE_REPLY
    assert [a.detail for a in reply.alerts] == [
        "the patient answered that they are not safe right now"
    ]
    assert not reply.finished
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP  # asked again, after
    stored = patient(services.engine, invited.patient_id)
    assert stored.declined_at is None and stored.consented_at is None
    assert stored.active_dialogue is None
    assert safety_rows(services.engine, invited.patient_id) == [
        ("risk_language", True),
        ("not_safe", True),
    ]


# --- when the intake opens --------------------------------------------------------------


def test_no_appointment_means_no_intake(services: Services) -> None:
    chat, patient_id = joined(services)
    for reply in (chat.start(), chat.send(Typed("hello")), chat.send(Command("back"))):
        assert reply.say == [messages.NO_APPOINTMENT_YET]
        assert reply.screen is None
    assert chat.open("appointment").say == [messages.NO_UPCOMING_APPOINTMENT]
    assert chat.send(Command("help")).say == [messages.IDLE_HELP]
    assert intakes(services.engine, patient_id) == []


def test_an_appointment_more_than_three_days_away_says_when_the_intake_opens(
    services: Services,
) -> None:
    # Saturday 17 January 2026, 9:00 AM CST: the intake opens Wednesday at the same time.
    chat, patient_id = joined(services, appointment_in=timedelta(days=5))
    assert chat.last is not None
    opens = "You're all set. Your pre-visit check-in opens on Wed 14 Jan 2026, 9:00 AM CST"
    assert chat.last.say[0] == messages.CONSENTED
    assert chat.last.say[1].startswith(opens)
    assert chat.start().say == [messages.intake_opens_later("Wed 14 Jan 2026, 9:00 AM CST")]
    assert chat.send(Typed("sertraline 50 mg")).say == chat.start().say
    assert chat.open("appointment").say == [
        messages.next_appointment("Sat 17 Jan 2026, 9:00 AM CST")
    ]

    # In the patient's own zone: the same moment, told on their clock.
    chat.open("timezone")
    chat.send(Typed("Eastern"))
    assert chat.start().say == [messages.intake_opens_later("Wed 14 Jan 2026, 10:00 AM EST")]
    assert intakes(services.engine, patient_id) == []
    assert count(services.engine, Answer) == 0


@pytest.mark.parametrize(
    ("starts_at", "opens_at"),
    [
        (datetime(2026, 1, 17, 15, 0, tzinfo=UTC), datetime(2026, 1, 14, 15, 0, tzinfo=UTC)),
        # across the change to daylight time (8 March): 10:00 CDT opens at 10:00 CST, 16:00 UTC
        (datetime(2026, 3, 10, 15, 0, tzinfo=UTC), datetime(2026, 3, 7, 16, 0, tzinfo=UTC)),
    ],
    ids=["same-offset", "across-dst"],
)
def test_the_intake_opens_exactly_three_local_days_before(
    services: Services, starts_at: datetime, opens_at: datetime
) -> None:
    chat, patient_id = joined(services, appointment_in=starts_at - NOW)
    local = format_local(opens_at, CLINIC_ZONE)

    services.clock.now = opens_at - timedelta(seconds=1)
    reply = chat.start()
    assert reply.say == [messages.intake_opens_later(local)] and reply.screen is None
    reply = chat.send(Typed("hello"))
    assert reply.say == [messages.intake_opens_later(local)]
    assert intakes(services.engine, patient_id) == []

    services.clock.now = opens_at
    reply = chat.start()
    assert reply.say == [messages.INTAKE_OPENING]
    assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit
    (intake,) = intakes(services.engine, patient_id)
    assert reply.ref == DialogueRef(DialogueKind.INTAKE, intake.id)
    assert utc(intake.started_at) == opens_at and intake.consented_at is not None
    assert patient(services.engine, patient_id).active_dialogue == "intake"

    reply = chat.send(Typed("Low mood since spring"))  # typed text now answers it
    assert reply.screen is not None and reply.screen.step == "reason.hopes"
    assert len(intakes(services.engine, patient_id)) == 1


def test_a_submitted_intake_leaves_the_patient_idle_with_already_submitted(
    services: Services,
) -> None:
    chat, patient_id = joined(services, appointment_in=timedelta(days=2))
    reply = finish_intake(chat)
    assert reply.say == [messages.submitted(CLINIC)]
    assert reply.submitted is not None and reply.submitted.patient_name == "Alice A."
    (intake,) = intakes(services.engine, patient_id)
    assert utc(intake.submitted_at) == NOW and intake.state == "submitted"

    after = messages.ALREADY_SUBMITTED + " " + messages.CHECKIN_HELP_HINT
    assert chat.start().say == [after]
    reply = chat.send(Typed("one more thing"))
    assert reply.say == [after] and reply.screen is None
    reply = chat.press(DialogueRef(DialogueKind.REMINDER, 1), OPEN_INTAKE, kind=callbacks.OPEN)
    assert reply.say == [after]  # a late "continue my check-in" reminder's button
    assert len(intakes(services.engine, patient_id)) == 1


# --- a check-in beside an open intake ---------------------------------------------------


def test_checkin_during_an_open_intake_then_back_to_the_intake(services: Services) -> None:
    chat, patient_id = joined(services, appointment_in=timedelta(days=2))
    past_the_reasons(chat)
    chat.send(Typed("sertraline 50 mg once a day"))
    (intake,) = intakes(services.engine, patient_id)

    reply = chat.open("checkin")
    assert reply.screen is not None and reply.screen.step == "checkin.mood"
    (checkin,) = checkins(services.engine, patient_id)
    assert reply.ref == DialogueRef(DialogueKind.CHECKIN, checkin.id)
    assert patient(services.engine, patient_id).active_dialogue == "checkin"

    chat.tap("checkin.mood", "6")
    reply = chat.send(Typed("7.5"))  # goes to the check-in, not to the intake's question
    assert reply.screen is not None and reply.screen.step == "checkin.energy"
    reply = chat.send(Typed("pause"))
    assert reply.say[-1] == messages.BACK_TO_INTAKE and reply.screen is None
    reply = chat.start()  # the paused check-in is left; the intake is where it was
    assert reply.screen is not None and reply.screen.step == "med.1.status"
    assert reply.ref == DialogueRef(DialogueKind.INTAKE, intake.id)

    reply = chat.open("checkin")  # the same check-in, where it stopped
    assert reply.screen is not None and reply.screen.step == "checkin.energy"
    assert [c.id for c in checkins(services.engine, patient_id)] == [checkin.id]
    chat.send(Typed("low"))
    chat.send(Typed("none"))
    reply = chat.send(Typed("Slept badly after a late shift"))
    assert reply.say[-1] == messages.BACK_TO_INTAKE
    assert reply.screen is None

    reply = chat.send(Typed("1"))  # typed text reaches the intake again: its first option
    assert reply.ref == DialogueRef(DialogueKind.INTAKE, intake.id)
    assert reply.screen is not None and reply.screen.step == "med.1.missed"

    (done,) = checkins(services.engine, patient_id)
    assert utc(done.completed_at) == NOW and done.step is None
    assert done.answers == {
        "checkin.mood": 6,
        "checkin.sleep": 7.5,
        "checkin.energy": "low",
        "checkin.side_effects": ["none"],
        "checkin.note": "Slept badly after a late shift",
    }
    stored = {a.question_key: a.value for a in rows(services.engine, Answer)}
    # Nothing of the check-in's: the kind of visit, the two reasons skipped, and the medicine.
    assert set(stored) == {"visit.kind", "reason.coming", "reason.hopes", "med.1.name", "med.1.status"}
    assert stored["med.1.status"] == "as_prescribed"
    assert patient(services.engine, patient_id).active_dialogue == "intake"


# --- /reminders -------------------------------------------------------------------------


def set_zone(chat: Chat, text: str) -> None:
    reply = chat.open("timezone")
    assert reply.screen is not None and reply.screen.step == TIMEZONE
    reply = chat.send(Typed(text))
    assert reply.say[0].startswith("Done: your time zone is now")


def test_daily_reminders_at_a_typed_time_in_the_patients_zone(services: Services) -> None:
    chat, patient_id = joined(services)
    set_zone(chat, "pacific")
    assert patient(services.engine, patient_id).timezone == "America/Los_Angeles"

    reply = chat.open("reminders")
    assert reply.ref == p_ref(patient_id)
    assert reply.screen is not None and reply.screen.step == REMINDERS
    assert reply.screen.text.startswith("Check-in reminders are off.")
    reply = chat.tap(REMINDERS, "daily")
    assert reply.screen is not None and reply.screen.step == TIME
    reply = chat.send(Typed("7:30 pm"))
    assert reply.say[0] == "Saved. Check-in reminders: every day at 7:30 PM."

    stored = patient(services.engine, patient_id)
    assert (stored.checkin_cadence, stored.checkin_time, stored.checkin_weekday) == (
        "daily",
        "19:30",
        None,
    )
    assert not stored.checkins_paused and stored.active_dialogue is None
    (reminder,) = pending(services.engine, patient_id, "checkin")
    # Monday 12 January, 7:30 PM PST is 03:30 UTC on the 13th
    assert utc(reminder.due_at) == datetime(2026, 1, 13, 3, 30, tzinfo=UTC)
    assert reminder.key == f"checkin:{patient_id}:2026-01-12"
    assert reply.reminders == [reminder.id]


def test_weekly_reminders_replace_the_daily_ones(services: Services) -> None:
    chat, patient_id = joined(services)
    set_zone(chat, "America/Los_Angeles")
    chat.open("reminders")
    chat.tap(REMINDERS, "daily")
    chat.tap(TIME, "20:00")
    (daily,) = pending(services.engine, patient_id, "checkin")

    chat.open("reminders")
    reply = chat.send(Typed("once a week"))
    assert reply.screen is not None and reply.screen.step == WEEKDAY
    reply = chat.send(Typed("tue"))
    assert reply.screen is not None and reply.screen.step == TIME
    reply = chat.send(Typed("7:30 pm"))
    assert reply.say[0] == "Saved. Check-in reminders: every Tuesday at 7:30 PM."

    stored = patient(services.engine, patient_id)
    assert (stored.checkin_cadence, stored.checkin_time, stored.checkin_weekday) == (
        "weekly",
        "19:30",
        1,
    )
    (weekly,) = pending(services.engine, patient_id, "checkin")
    assert utc(weekly.due_at) == datetime(2026, 1, 14, 3, 30, tzinfo=UTC)  # Tue 7:30 PM PST
    assert to_local(utc(weekly.due_at), PACIFIC).time() == time(19, 30)
    assert weekly.key == f"checkin:{patient_id}:2026-01-13"
    statuses = {r.key: r.status for r in rows(services.engine, Reminder)}
    assert statuses[daily.key] == "cancelled"
    assert reply.reminders == [weekly.id]


def test_pause_resume_and_stop(services: Services) -> None:
    chat, patient_id = joined(services)
    chat.open("reminders")
    chat.tap(REMINDERS, "daily")
    chat.send(Typed("8pm"))
    (first,) = pending(services.engine, patient_id, "checkin")
    assert utc(first.due_at) == datetime(2026, 1, 13, 2, 0, tzinfo=UTC)  # 8:00 PM CST

    reply = chat.open("reminders")
    assert reply.screen is not None
    assert [o.value for o in reply.screen.options] == ["daily", "weekly", "pause", "off", "keep"]
    reply = chat.tap(REMINDERS, "pause")
    assert reply.say[0] == "Saved. Check-in reminders: every day at 8:00 PM. (Paused.)"
    assert patient(services.engine, patient_id).checkins_paused
    assert pending(services.engine, patient_id, "checkin") == []

    reply = chat.open("reminders")
    assert reply.screen is not None
    assert [o.value for o in reply.screen.options] == ["daily", "weekly", "resume", "off", "keep"]
    reply = chat.send(Typed("resume reminders"))
    assert reply.say[0] == "Saved. Check-in reminders: every day at 8:00 PM."
    stored = patient(services.engine, patient_id)
    assert not stored.checkins_paused and stored.checkin_time == "20:00"
    (resumed,) = pending(services.engine, patient_id, "checkin")
    assert utc(resumed.due_at) == utc(first.due_at)  # tonight's, planned again
    assert reply.reminders == [resumed.id]

    chat.open("reminders")
    reply = chat.send(Typed("stop"))
    assert reply.say[0] == "Saved. Check-in reminders are off."
    assert patient(services.engine, patient_id).checkin_cadence == "off"
    assert pending(services.engine, patient_id, "checkin") == []
    reply = chat.open("reminders")
    assert reply.screen is not None
    assert [o.value for o in reply.screen.options] == ["daily", "weekly", "keep"]
    reply = chat.tap(REMINDERS, "keep")
    assert reply.say[0] == messages.SETTINGS_UNCHANGED
    assert patient(services.engine, patient_id).active_dialogue is None


# --- /timezone --------------------------------------------------------------------------


def _utc(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (
            "America/New_York",
            {
                # the visit is at 11:00 AM EST: its intake reminders stay whole days before it
                "intake_open": _utc(17, 16),
                "intake_48h": _utc(18, 16),
                "intake_24h": _utc(19, 16),
                "appointment": _utc(19, 22),  # 5:00 PM EST, was 5:00 PM CST
                "checkin": _utc(13, 1),  # 8:00 PM EST, was 8:00 PM CST
            },
        ),
        (
            "Pacific/Honolulu",
            {
                # the visit is at 6:00 AM HST: its reminders wait for the end of quiet hours
                "intake_open": _utc(17, 18),
                "intake_48h": _utc(18, 18),
                "intake_24h": _utc(19, 18),
                "appointment": _utc(20, 3),  # 5:00 PM HST
                "checkin": _utc(13, 6),  # 8:00 PM HST
            },
        ),
    ],
    ids=["eastern", "hawaii"],
)
def test_a_new_time_zone_moves_pending_reminders_to_the_new_local_wall_clock(
    services: Services, zone: str, expected: dict[str, datetime]
) -> None:
    # Tuesday 20 January 2026, 10:00 AM CST
    chat, patient_id = joined(services, appointment_in=timedelta(days=8, hours=1))
    chat.open("reminders")
    chat.tap(REMINDERS, "daily")
    chat.tap(TIME, "20:00")
    before = {r.id: r for r in pending(services.engine, patient_id)}
    assert {r.kind: utc(r.due_at) for r in before.values()} == {
        "intake_open": _utc(17, 16),  # 10:00 AM CST, three days before
        "intake_48h": _utc(18, 16),
        "intake_24h": _utc(19, 16),
        "appointment": _utc(19, 23),  # 5:00 PM CST the day before
        "checkin": _utc(13, 2),  # 8:00 PM CST tonight
    }

    reply = chat.open("timezone")
    assert reply.screen is not None and "America/Chicago" in reply.screen.text
    reply = chat.tap(TIMEZONE, zone)
    assert reply.say[0] == f"Done: your time zone is now {zone}. Reminders will follow it."
    assert patient(services.engine, patient_id).timezone == zone

    after = {r.id: r for r in pending(services.engine, patient_id)}
    assert set(after) == set(before)  # the same rows, moved: nothing new, nothing cancelled
    assert set(reply.reminders) == set(after)  # ...and handed back to be re-armed
    assert {r.kind: utc(r.due_at) for r in after.values()} == expected
    new_zone = ZoneInfo(zone)
    for reminder_id, old in before.items():
        if old.kind in ("appointment", "checkin"):  # a set local time: the same on the new clock
            old_local = to_local(utc(old.due_at), CLINIC_ZONE)
            new_local = to_local(utc(after[reminder_id].due_at), new_zone)
            assert (new_local.date(), new_local.time()) == (old_local.date(), old_local.time())


def test_an_unknown_time_zone_is_refused_and_nothing_moves(services: Services) -> None:
    chat, patient_id = joined(services, appointment_in=timedelta(days=8))
    before = [(r.id, r.due_at) for r in pending(services.engine, patient_id)]
    chat.open("timezone")
    reply = chat.send(Typed("Atlantis/Lost_City"))
    assert reply.say[0].startswith("Sorry, I don't know that time zone.")
    assert reply.screen is not None and reply.screen.step == TIMEZONE
    reply = chat.send(Command("skip"))
    assert reply.say[0] == messages.SETTINGS_UNCHANGED
    assert patient(services.engine, patient_id).timezone is None
    assert [(r.id, r.due_at) for r in pending(services.engine, patient_id)] == before


# --- risk language while idle -----------------------------------------------------------


@pytest.mark.parametrize("how", ["button", "typed"])
def test_risk_language_while_idle_shows_resources_alerts_and_asks_if_safe(
    services: Services, how: str
) -> None:
    chat, patient_id = joined(services)
    reply = chat.send(Typed("I want to kill myself"))
    assert reply.say == [CRISIS_REPLY]
    assert reply.ref == p_ref(patient_id)
    assert reply.screen is not None and reply.screen.step == SAFETY_CHECK
    assert [(a.patient_name, a.detail) for a in reply.alerts] == [
        ("Alice A.", "risk language in a typed message (suicidal thoughts)")
    ]
    (event,) = rows(services.engine, SafetyEvent)
    assert reply.alerts[0].event_id == event.id
    assert (event.intake_id, event.patient_text, event.shown) == (
        None,
        "I want to kill myself",
        "crisis_resources",
    )
    assert patient(services.engine, patient_id).active_dialogue == "safety"

    reply = chat.send(Typed("what?"))  # neither an answer nor risk: asked again
    assert reply.say == [messages.SAFETY_NOT_UNDERSTOOD]
    assert reply.screen is not None and reply.screen.step == SAFETY_CHECK

    reply = chat.tap(SAFETY_CHECK, "safe") if how == "button" else chat.send(Typed("yes, I'm safe"))
    assert reply.say == [messages.SAFE_REPLY, messages.NO_APPOINTMENT_YET]
    assert reply.alerts == [] and reply.screen is None
    assert safety_rows(services.engine, patient_id) == [("risk_language", True), ("safe", False)]
    assert patient(services.engine, patient_id).active_dialogue is None
    assert chat.send(Typed("hello")).say == [messages.NO_APPOINTMENT_YET]


def test_not_safe_typed_while_idle_alerts_again(services: Services) -> None:
    chat, patient_id = joined(services)
    chat.send(Typed("I want to end my life"))
    reply = chat.send(Typed("no"))
    assert reply.say[0] == messages.NOT_SAFE_REPLY
    assert [a.detail for a in reply.alerts] == [
        "the patient answered that they are not safe right now"
    ]
    assert safety_rows(services.engine, patient_id) == [
        ("risk_language", True),
        ("not_safe", True),
    ]


def test_unclear_wording_while_idle_asks_first_and_alerts_only_on_yes(services: Services) -> None:
    chat, patient_id = joined(services)
    reply = chat.send(Typed("I feel like a burden to everyone"))
    assert reply.alerts == [] and reply.say == []
    assert reply.screen is not None and reply.screen.step == SAFETY_CLARIFY
    reply = chat.tap(SAFETY_CLARIFY, "yes")
    assert reply.say == [CRISIS_REPLY]
    assert [a.detail for a in reply.alerts] == [
        "the patient confirmed thoughts of hurting themselves or ending their life"
    ]
    assert reply.screen is not None and reply.screen.step == SAFETY_CHECK
    reply = chat.send(Command("skip"))  # left without an answer: logged, and on it goes
    assert reply.say == [messages.NO_APPOINTMENT_YET] and reply.alerts == []
    assert safety_rows(services.engine, patient_id) == [
        ("unclear_language", False),
        ("confirmed_thoughts", True),
        ("safety_question_skipped", False),
    ]


# --- stale buttons ----------------------------------------------------------------------


def test_an_old_checkin_button_is_stale_and_changes_nothing(services: Services) -> None:
    chat, patient_id = joined(services)
    reply = chat.open("checkin")
    checkin_ref = reply.ref
    assert checkin_ref is not None
    chat.tap("checkin.mood", "5")
    for text in ("7", "ok", "none", "no notes"):
        chat.send(Typed(text))
    (done,) = checkins(services.engine, patient_id)
    assert done.completed_at is not None

    reply = chat.press(checkin_ref, "checkin.mood", "9")
    assert reply.stale
    assert reply.say == [messages.STALE_BUTTON, messages.NO_APPOINTMENT_YET]
    (still,) = checkins(services.engine, patient_id)
    assert still.answers == done.answers and still.answers["checkin.mood"] == 5


def test_a_checkin_button_during_the_intake_is_stale(services: Services) -> None:
    chat, patient_id = joined(services, appointment_in=timedelta(days=2))
    (intake,) = intakes(services.engine, patient_id)
    reply = chat.press(DialogueRef(DialogueKind.CHECKIN, 99), "checkin.mood", "5")
    assert reply.stale and reply.say[0] == messages.STALE_BUTTON
    assert reply.ref == DialogueRef(DialogueKind.INTAKE, intake.id)
    assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit
    assert checkins(services.engine, patient_id) == []


def test_an_old_intake_button_is_stale_and_records_nothing(services: Services) -> None:
    chat, patient_id = joined(services, appointment_in=timedelta(days=2))
    past_the_reasons(chat)
    chat.send(Typed("sertraline 50 mg once a day"))
    reply = chat.tap("med.1.status", "as_prescribed")
    intake_ref = reply.ref
    assert intake_ref is not None

    reply = chat.press(intake_ref, "med.1.status", "stopped")
    assert reply.stale and reply.say[0] == messages.STALE_BUTTON
    assert reply.screen is not None and reply.screen.step == "med.1.missed"
    (intake,) = intakes(services.engine, patient_id)
    statuses = [a.value for a in rows(services.engine, Answer) if a.question_key == "med.1.status"]
    assert statuses == ["as_prescribed"]
    assert intake.step == "med.1.missed"


def test_an_intake_button_of_an_earlier_visit_shows_where_the_patient_is_now(
    services: Services,
) -> None:
    chat, patient_id = joined(services, appointment_in=timedelta(days=2))
    (first,) = intakes(services.engine, patient_id)
    finish_intake(chat)
    services.clock.advance(timedelta(days=3))  # the visit has passed
    services.provider.schedule(f"#{patient_id}", services.clock.now + timedelta(days=2))
    reply = chat.start()
    assert reply.screen is not None and reply.screen.step == "med.1.name"
    second = intakes(services.engine, patient_id)[1]
    before = intakes(services.engine, patient_id)

    reply = chat.press(DialogueRef(DialogueKind.INTAKE, first.id), "review", "submit")
    assert reply.stale
    assert reply.say[0] == messages.STALE_BUTTON
    assert messages.ALREADY_SUBMITTED not in reply.say  # the old intake is not "where we are"
    assert reply.ref == DialogueRef(DialogueKind.INTAKE, second.id)
    assert reply.screen is not None and reply.screen.step == "med.1.name"
    after = intakes(services.engine, patient_id)
    assert after[0] == before[0]  # the submitted intake is not touched
    assert [(i.state, i.step, i.submitted_at) for i in after] == [
        (i.state, i.step, i.submitted_at) for i in before
    ]


def test_buttons_of_another_patient_are_stale(services: Services) -> None:
    mine, my_id = joined(services, appointment_in=timedelta(days=2), chat_id=7_100_000_011)
    theirs, their_id = joined(
        services, appointment_in=timedelta(days=2), chat_id=7_100_000_012, name="Bo B."
    )
    (their_intake,) = intakes(services.engine, their_id)
    theirs.open("checkin")
    (their_checkin,) = checkins(services.engine, their_id)

    for ref, step, value in (
        (DialogueRef(DialogueKind.INTAKE, their_intake.id), "med.1.name", "x"),
        (DialogueRef(DialogueKind.CHECKIN, their_checkin.id), "checkin.mood", "3"),
        (p_ref(their_id), REMINDERS, "daily"),
    ):
        reply = mine.press(ref, step, value)
        assert reply.stale, ref
        assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit
    # Nothing was answered: only the kind of visit each intake opened with is stored.
    assert {(a.question_key, a.value) for a in rows(services.engine, Answer)} == {
        ("visit.kind", "first")
    }
    assert checkins(services.engine, their_id)[0].answers == {}
    assert patient(services.engine, my_id).checkin_cadence == "off"


def test_a_settings_button_after_the_settings_are_done_is_stale(services: Services) -> None:
    chat, patient_id = joined(services)
    reply = chat.open("reminders")
    settings_ref = reply.ref
    assert settings_ref is not None
    chat.tap(REMINDERS, "keep")
    reply = chat.press(settings_ref, REMINDERS, "daily")
    assert reply.stale and reply.say == [messages.STALE_BUTTON, messages.NO_APPOINTMENT_YET]
    assert patient(services.engine, patient_id).checkin_cadence == "off"


def test_a_checkin_reminders_button_starts_a_checkin(services: Services) -> None:
    chat, patient_id = joined(services)
    reply = chat.press(DialogueRef(DialogueKind.REMINDER, 7), OPEN_CHECKIN, kind=callbacks.OPEN)
    assert reply.screen is not None and reply.screen.step == "checkin.mood"
    (checkin,) = checkins(services.engine, patient_id)
    assert checkin.reminder_id is None  # reminder 7 is not this patient's
    assert reply.ref == DialogueRef(DialogueKind.CHECKIN, checkin.id)


# --- invitation links -------------------------------------------------------------------


def test_a_used_link_is_refused_to_another_chat_and_resumes_its_own(services: Services) -> None:
    invited = services.invite("Alice A.", at=NOW + timedelta(days=5))
    chat = Chat(services.patients, 7_100_000_021)
    join(services, chat, invited)
    other = Chat(services.patients, 7_100_000_022)

    reply = other.start(invited.token)
    assert reply.say == [messages.invitation_not_valid(CLINIC)] and reply.screen is None
    assert patient(services.engine, invited.patient_id).telegram_chat_id == chat.chat_id
    assert count(services.engine, Patient, Patient.telegram_chat_id == other.chat_id) == 0

    reply = chat.start(invited.token)  # the patient's own link, opened again
    assert reply.say == [messages.intake_opens_later("Wed 14 Jan 2026, 9:00 AM CST")]
    reply = chat.start("some-other-unknown-token")
    assert reply.say == [messages.intake_opens_later("Wed 14 Jan 2026, 9:00 AM CST")]


@pytest.mark.parametrize(
    ("age", "works"),
    [(timedelta(days=14) - timedelta(seconds=1), True), (timedelta(days=14), False)],
    ids=["just-in-time", "expired"],
)
def test_an_invitation_expires_after_fourteen_days(
    services: Services, age: timedelta, works: bool
) -> None:
    invited = services.invite("Alice A.")
    assert utc(invited.expires_at) == NOW + timedelta(days=14)
    services.clock.now = NOW + age
    chat = Chat(services.patients)
    reply = chat.start(invited.token)
    (invitation,) = rows(services.engine, Invitation)
    if works:
        assert reply.screen is not None and reply.screen.step == CONSENT_STEP
        assert utc(invitation.used_at) == NOW + age
    else:
        assert reply.say == [messages.invitation_not_valid(CLINIC)]
        assert invitation.used_at is None
        assert patient(services.engine, invited.patient_id).telegram_chat_id is None


def test_a_linked_chat_cannot_open_another_patients_link(services: Services) -> None:
    chat, my_id = joined(services, chat_id=7_100_000_031)
    theirs = services.invite("Bo B.")
    reply = chat.start(theirs.token)
    assert reply.say == [messages.ALREADY_LINKED_ELSEWHERE]
    assert reply.screen is None
    assert patient(services.engine, theirs.patient_id).telegram_chat_id is None
    assert patient(services.engine, my_id).telegram_chat_id == chat.chat_id
    invitation = next(
        i for i in rows(services.engine, Invitation) if i.patient_id == theirs.patient_id
    )
    assert invitation.used_at is None

    # The link still works for the patient it was made for.
    reply = Chat(services.patients, 7_100_000_032).start(theirs.token)
    assert reply.screen is not None and reply.screen.step == CONSENT_STEP


def test_a_reopened_update_is_ignored_for_settings_too(services: Services) -> None:
    chat, patient_id = joined(services)
    chat.open("reminders")
    again = services.patients.open(chat.chat_id, "timezone", update_id=chat.last_update_id)
    assert again.duplicate
    assert patient(services.engine, patient_id).settings_step == REMINDERS


def test_opening_settings_while_a_safety_question_is_open_logs_it_as_unanswered(
    services: Services,
) -> None:
    chat, _patient_id = joined(services)
    chat.send(Typed("I want to end my life"))
    reply = chat.open("reminders")
    assert reply.screen is not None and reply.screen.step == "settings.reminders"
    kinds = [e.kind for e in rows(services.engine, SafetyEvent)]
    assert kinds == ["risk_language", "safety_question_skipped"]


def test_the_intake_reminders_button_opens_the_intake(services: Services) -> None:
    chat, patient_id = joined(services, appointment_in=timedelta(days=2))
    opening = next(r for r in pending(services.engine, patient_id) if r.kind == "intake_open")
    reply = chat.press(DialogueRef(DialogueKind.REMINDER, opening.id), "open.intake", kind=callbacks.OPEN)
    assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit
    assert reply.ref is not None and reply.ref.kind is DialogueKind.INTAKE


def test_the_checkin_reminders_button_starts_a_checkin_tied_to_it(services: Services) -> None:
    chat, patient_id = joined(services)
    chat.open("reminders")
    chat.send(Typed("every day"))
    chat.send(Typed("8 pm"))
    reminder = pending(services.engine, patient_id, "checkin")[0]
    reply = chat.press(DialogueRef(DialogueKind.REMINDER, reminder.id), "open.checkin", kind=callbacks.OPEN)
    assert reply.screen is not None and reply.screen.step == "checkin.mood"
    assert checkins(services.engine, patient_id)[0].reminder_id == reminder.id


def test_text_typed_before_the_question_reached_the_chat_is_not_taken_as_its_answer(
    services: Services,
) -> None:
    """Telegram numbers a chat's messages in one sequence: the patient's message 41, typed while
    the next question (message 42) was on its way, answers what they saw then, not it."""
    chat, patient_id = joined(services, appointment_in=timedelta(days=2), chat_id=7_100_000_077)
    router, updates = services.patients, iter(range(4_100_000_000, 4_100_000_100))
    deliveries = Deliveries(services.engine, CLINIC_ZONE, clock=services.clock, owner="t")

    def deliver_as(message_id: int) -> None:
        for message in deliveries.claim(10):
            deliveries.sent(message, [message_id])

    def typed(text: str, message_id: int) -> Reply:
        return router.handle(
            chat.chat_id, Typed(text), update_id=next(updates), message_id=message_id
        )

    deliver_as(39)  # the first question of a first visit: what brings them in
    typed("Trouble sleeping since spring", 40)
    deliver_as(42)  # the next question reached the chat after the patient's message 41
    reply = typed("To feel like myself", 41)  # would be a fine answer to it
    assert reply.say[0] == messages.NOT_SHOWN_YET
    assert reply.screen is not None and reply.screen.step == "reason.hopes"
    deliver_as(44)  # shown again
    keys = [a.question_key for a in rows(services.engine, Answer) if a.question_key != "visit.kind"]
    assert keys == ["reason.coming"]
    (intake,) = intakes(services.engine, patient_id)
    assert (intake.shown_step, intake.shown_message_id) == ("reason.hopes", 42)  # the first time

    typed("To feel like myself", 43)  # typed after the question first arrived: the answer
    (intake,) = intakes(services.engine, patient_id)
    keys = [a.question_key for a in rows(services.engine, Answer) if a.question_key != "visit.kind"]
    assert keys == ["reason.coming", "reason.hopes"]
    assert intake.step == "med.1.name"


def test_a_question_shown_before_message_ids_were_recorded_is_checked_in_the_outbox(
    services: Services,
) -> None:
    """An intake from before revision 0007 has no shown_message_id: which message showed the
    question is read from the chat's sent replies, as it was before."""
    chat, patient_id = joined(services, appointment_in=timedelta(days=2), chat_id=7_100_000_078)
    router, updates = services.patients, iter(range(4_300_000_000, 4_300_000_100))
    deliveries = Deliveries(services.engine, CLINIC_ZONE, clock=services.clock, owner="t")

    def typed(text: str, message_id: int) -> Reply:
        return router.handle(chat.chat_id, Typed(text), update_id=next(updates), message_id=message_id)

    typed("Trouble sleeping since spring", 2)  # the first question came as message 1
    for message in deliveries.claim(10):
        deliveries.sent(message, [52])  # the next question, in message 52
    with session_scope(services.engine) as session:
        (intake,) = session.exec(select(Intake).where(Intake.patient_id == patient_id)).all()
        assert (intake.shown_step, intake.shown_message_id) == ("reason.hopes", 52)
        intake.shown_message_id = None  # as a row written before the column existed
        session.add(intake)

    assert typed("To feel like myself", 51).say[0] == messages.NOT_SHOWN_YET
    reply = typed("To feel like myself", 53)
    assert reply.screen is not None and reply.screen.step == "med.1.name"


def test_a_reminder_button_typed_out_shows_the_question_and_is_not_an_answer(
    services: Services,
) -> None:
    """A patient who types a reminder's button label ("Start my check-in") wants the question;
    it is not why they are coming."""
    chat, _ = joined(services, appointment_in=timedelta(days=2))
    reply = chat.start()
    assert reply.screen is not None and reply.screen.step == "reason.coming"
    for typed in (messages.START_INTAKE_BUTTON, " continue my check-in "):
        reply = chat.send(Typed(typed))
        assert reply.screen is not None and reply.screen.step == "reason.coming"
    stored = {a.question_key for a in rows(services.engine, Answer) if not a.superseded}
    assert stored == {"visit.kind"}


def test_an_answered_question_keeps_its_buttons_but_a_pressed_review_loses_them(
    services: Services,
) -> None:
    """One message per answered question: the pressed question's buttons stay (pressing one
    later only re-shows the current question). The review's go, so an older review, listing
    older answers, cannot be submitted."""
    chat, patient_id = joined(services, appointment_in=timedelta(days=2), chat_id=7_100_000_079)
    (intake,) = intakes(services.engine, patient_id)
    ref = DialogueRef(DialogueKind.INTAKE, intake.id)
    reply = chat.start()
    while reply.screen is not None and reply.screen.step != "review":
        reply = chat.send(Typed(shortest_answer(reply.screen.step)))
    updates = iter(range(4_200_000_000, 4_200_000_010))

    def press(step: str, value: str, message_id: int) -> dict[str, object]:
        decoded = callbacks.decode(callbacks.encode(callbacks.ANSWER, ref, step, value))
        assert decoded is not None
        services.patients.handle(
            chat.chat_id,
            decoded.event,
            update_id=next(updates),
            ref=decoded.ref,
            button_message_id=message_id,
        )
        latest = max(rows(services.engine, OutboxMessage), key=lambda row: row.id)
        return dict(latest.payload)

    on_review = press("review", "edit_mood", 500)
    assert on_review["clear_pressed"] is True and on_review["button_message_id"] == 500
    screen = on_review["screen"]
    assert isinstance(screen, dict) and screen["step"] == "phq9.1"
    answered = press("phq9.1", "1", 501)
    assert answered["clear_pressed"] is False and answered["button_message_id"] == 501


def test_risk_words_after_a_command_bring_the_crisis_resources_and_its_answer_together(
    services: Services,
) -> None:
    chat_id, risky = 7_100_000_099, "whoami i want to kill myself"
    said = "Your chat id: 7100000099"
    reply = services.patients.screen_text(chat_id, risky, update_id=9_990_001, also_say=said)
    assert reply is not None and reply.say == [messages.CRISIS_RESOURCES, said]
    # One outbox row, written with the update's claim: a stop cannot lose the chat id.
    assert count(services.engine, OutboxMessage) == 1
    again = services.patients.screen_text(chat_id, risky, update_id=9_990_001, also_say=said)
    assert again is not None and again.duplicate
    assert count(services.engine, OutboxMessage) == 1
    assert services.patients.screen_text(chat_id, "what is my chat id", also_say=said) is None
