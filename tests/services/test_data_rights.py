"""The patient's data rights through the conversation router, on an injected clock, on SQLite
and PostgreSQL: /delete (asked, answered by button or typing, cancelled, stale), what is left
afterwards, /stop, /mydata's record, /privacy, and a declined patient's risk text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from erasure_checks import decrypted_dump, left_behind
from service_support import (
    CLINIC,
    CLINIC_ZONE,
    Chat,
    Clock,
    Services,
    count,
    deliver_all,
    finish_intake,
    join,
    pending,
    rows,
)
from sqlalchemy.engine import Engine

from bot.render.record import render_record
from bot.services.alerts import AlertLedger
from bot.services.config import ServiceConfig
from bot.services.lookups import ProviderLookups
from bot.services.outbox import Kind, Outbox
from bot.services.providers import ProviderService
from bot.services.reminders import ReminderService
from bot.services.replies import DialogueKind, DialogueRef
from bot.services.router import ConversationRouter
from flows import messages
from flows import rights_messages as words
from flows.dialogue import Tapped, Typed
from storage import outbox
from storage.db import session_scope
from storage.erasure import ERASED
from storage.models import (
    Answer,
    Appointment,
    Checkin,
    DataRightsLog,
    Intake,
    Invitation,
    OutboxMessage,
    Patient,
    Reminder,
    SafetyEvent,
)
from storage.statuses import OutboxStatus

PROVIDERS = (9001, 9002)
NAME = "Quentin Zebulon-Marsh"
CHAT_ID = 7_300_000_001
NOTE = "Rough week at the Xochimilco office"
RISK = "I want to kill myself"


@pytest.fixture
def services(engine: Engine) -> Services:
    clock = Clock()
    config = ServiceConfig(CLINIC, CLINIC_ZONE, provider_chat_ids=PROVIDERS, retention_days=30)
    return Services(
        ConversationRouter(engine, config, clock=clock),
        ProviderService(engine, CLINIC_ZONE, config.policy, clock=clock),
        ProviderLookups(engine, CLINIC_ZONE, clock=clock),
        clock,
        engine,
    )


def joined(services: Services, appointment_in: timedelta | None = timedelta(days=2)) -> Chat:
    at = services.clock.now + appointment_in if appointment_in is not None else None
    invited = services.invite(NAME, at=at)
    chat = Chat(services.patients, CHAT_ID)
    join(services, chat, invited)
    return chat


def with_history(services: Services) -> tuple[Chat, int]:
    """A patient with a submitted intake, a check-in with a note, and a safety event."""
    chat = joined(services)
    chat.start()
    finish_intake(chat)
    chat.open("checkin")
    for answer in ("4", "6.5", "low", "none of these", NOTE):
        chat.send(Typed(answer))
    chat.send(Typed(RISK))
    chat.send(Typed("yes"))  # safe right now
    patient_id = rows(services.engine, Patient)[0].id
    return chat, patient_id


def test_the_erasure_check_finds_whole_values_and_not_digits_inside_timestamps(
    services: Services,
) -> None:
    services.clock.now = services.clock.now.replace(microsecond=961010)
    with_history(services)
    digits = "6101"  # only inside the timestamps' microseconds: no value of its own
    assert digits in decrypted_dump(services.engine)
    found = left_behind(services.engine, (NAME.upper(), "Xochimilco", str(CHAT_ID), digits))
    assert found == [NAME.upper(), "Xochimilco", str(CHAT_ID)]
    # Inside JSON too: a time written as text hides no number; a list and a quoted line do not
    # hide what they hold.
    quoted = "it's\n\"ok\""  # repr() would have shown it escaped, and missed it
    with session_scope(services.engine) as session:
        payload = {"at": "2026-01-05T09:00:07.961010+00:00", "ids": [7_300_555], "say": [quoted]}
        outbox.add(session, 1, "html", payload, services.clock.now)
    assert left_behind(services.engine, (digits, "7300555", quoted)) == ["7300555", quoted]


def test_delete_asks_first_and_no_keeps_everything(services: Services) -> None:
    chat, patient_id = with_history(services)
    reply = chat.open("delete")
    assert reply.screen is not None and reply.screen.step == words.DELETE_STEP
    assert reply.screen.text == words.DELETE_QUESTION
    unclear = chat.send(Typed("hmm, maybe"))
    assert words.DELETE_NOT_UNDERSTOOD in unclear.say and count(services.engine, Patient) == 1
    kept = chat.tap(words.DELETE_STEP, "no")
    assert kept.say[0] == words.DELETE_CANCELLED
    assert count(services.engine, Answer) > 0 and count(services.engine, Checkin) == 1
    # The question's old "Yes" button changes nothing now.
    stale = chat.press(DialogueRef(DialogueKind.PATIENT, patient_id), words.DELETE_STEP, "yes")
    assert stale.stale and count(services.engine, Patient) == 1
    assert count(services.engine, DataRightsLog) == 0


@pytest.mark.parametrize("how", ["button", "typed"])
def test_delete_erases_every_row_and_keeps_one_line_without_personal_data(
    services: Services, how: str
) -> None:
    chat, patient_id = with_history(services)
    other = Chat(services.patients, CHAT_ID + 1)
    join(services, other, services.invite("Other Person", at=None))
    chat.open("delete")
    # Answered without the test chat's instant delivery, to read the notices before they go.
    ref = DialogueRef(DialogueKind.PATIENT, patient_id) if how == "button" else None
    event = Tapped(words.DELETE_STEP, "yes") if how == "button" else Typed("yes")
    reply = services.patients.handle(CHAT_ID, event, update_id=1, ref=ref)
    assert reply.say == [words.DELETED]

    engine = services.engine
    for table in (Intake, Answer, Checkin, Reminder, Appointment, Invitation, SafetyEvent):
        owner = getattr(table, "patient_id", None)
        if owner is not None:
            assert count(engine, table, owner == patient_id) == 0, table
    assert count(engine, Answer) == 0
    assert [(p.display_name) for p in rows(engine, Patient)] == ["Other Person"]
    [line] = rows(engine, DataRightsLog)
    assert (line.patient_number, line.action) == (patient_id, "deleted")
    # Every provider chat is told, with the invited name (to cancel the visit), nothing clinical.
    notices = [m for m in rows(engine, OutboxMessage) if m.chat_id in PROVIDERS and m.kind == "html"]
    notices = [m for m in notices if "left" in m.payload.get("html", "")]
    assert sorted(m.chat_id for m in notices) == list(PROVIDERS)
    assert NAME in notices[0].payload["html"] and "next appointment" in notices[0].payload["html"]
    assert NOTE not in notices[0].payload["html"] and "PHQ" not in notices[0].payload["html"]
    # Once sent, the notice and the goodbye keep neither words nor chat: nothing of them is left.
    deliver_all(engine, services.clock)
    secrets = (NAME, "Zebulon", NOTE, "Xochimilco", RISK, "kill myself", str(CHAT_ID))
    assert left_behind(engine, secrets) == []
    assert "Other Person" not in left_behind(engine, secrets)


def test_after_deletion_the_chat_is_a_stranger_and_old_buttons_change_nothing(
    services: Services,
) -> None:
    chat, patient_id = with_history(services)
    intake_id = rows(services.engine, Intake)[0].id
    chat.open("delete")
    chat.send(Typed("yes"))
    stranger = messages.invitation_needed(CLINIC)
    assert chat.send(Typed("hello")).say == [stranger]
    for ref, step, value in (
        (DialogueRef(DialogueKind.PATIENT, patient_id), words.DELETE_STEP, "yes"),
        (DialogueRef(DialogueKind.PATIENT, patient_id), "join.consent", "agree"),
        (DialogueRef(DialogueKind.INTAKE, intake_id), "review", "submit"),
    ):
        assert chat.press(ref, step, value).say == [stranger]
    for command in ("mydata", "delete", "stop", "checkin"):
        assert chat.open(command).say == [stranger]
    assert count(services.engine, Patient) == 0 and count(services.engine, DataRightsLog) == 1
    assert words.privacy(CLINIC, 30) in chat.open("privacy").say


def test_stop_cancels_every_reminder_until_reminders_is_chosen_again(services: Services) -> None:
    chat = joined(services, appointment_in=timedelta(days=5))
    patient_id = rows(services.engine, Patient)[0].id
    assert pending(services.engine, patient_id)  # intake and appointment reminders
    reply = chat.open("stop")
    assert reply.say == [words.stopped(words.RESTART_HINT)]
    assert pending(services.engine, patient_id) == []
    # An appointment the provider books afterwards plans reminders, but none goes out.
    later = services.clock.now + timedelta(days=9)
    services.provider.schedule(f"#{patient_id}", later)
    reminder_service = ReminderService(
        services.engine, services.patients.config, clock=services.clock, outbox=Outbox(PROVIDERS)
    )
    for row in pending(services.engine, patient_id):
        services.clock.now = row.due_at.replace(tzinfo=services.clock.now.tzinfo)
        outgoing, _ = reminder_service.claim(row.id)
        assert outgoing is None
    assert {r.status for r in rows(services.engine, Reminder)} <= {"cancelled", "missed"}
    # Choosing a cadence turns every reminder back on; nothing was deleted meanwhile.
    services.clock.now = services.clock.now - timedelta(days=20)
    chat.open("reminders")
    chat.send(Typed("daily"))
    chat.send(Typed("9:00"))
    assert rows(services.engine, Patient)[0].reminders_stopped_at is None
    assert {r.kind for r in pending(services.engine, patient_id)} >= {"checkin", "appointment"}


def test_mydata_sends_the_record_as_a_file(services: Services) -> None:
    chat, patient_id = with_history(services)
    reply = chat.open("mydata")
    assert reply.say == [words.MYDATA_SENT]
    [document] = [m for m in rows(services.engine, OutboxMessage) if m.kind == Kind.DOCUMENT]
    assert (document.chat_id, document.payload) == (CHAT_ID, {"record_of": patient_id})
    record = services.lookups.record(patient_id)
    assert record is not None and record.name == NAME and len(record.intakes) == 1
    text = render_record(record, clinic=CLINIC, made_at=services.clock.now).decode()
    assert NAME in text and NOTE in text and RISK in text
    assert "PHQ-9" in text and "Check-in log" in text and "#" + str(patient_id) in text
    assert services.lookups.record(patient_id + 1000) is None


def declined_after_risk(services: Services) -> tuple[Chat, int]:
    invited = services.invite(NAME, at=services.clock.now + timedelta(days=2))
    chat = Chat(services.patients, CHAT_ID)
    chat.start(invited.token)
    reply = chat.send(Typed(RISK))  # while the consent question is open
    assert reply.alerts
    return chat, invited.patient_id


def test_a_declined_patients_risk_text_is_kept_only_until_the_alert_is_seen(
    services: Services,
) -> None:
    chat, patient_id = declined_after_risk(services)
    chat.send(Typed("yes"))  # safe right now; the consent question comes back
    reply = chat.consent(patient_id, "decline")
    assert reply.say == [words.DECLINED_AFTER_ALERT]
    [alerted] = [e for e in rows(services.engine, SafetyEvent) if e.alert]
    assert alerted.patient_text == RISK  # safety still needs it: nobody has seen the alert
    ledger = AlertLedger(services.engine, Outbox(PROVIDERS), clock=services.clock)
    assert ledger.acknowledge(alerted.id, PROVIDERS[0], "Dr Rivera") is not None
    events = rows(services.engine, SafetyEvent)
    assert {e.patient_text for e in events} == {None}
    assert {e.detail for e in events} == {ERASED}
    assert all(e.text_erased_at is not None for e in events)
    assert left_behind(services.engine, (RISK, "kill myself")) == []


def test_a_patient_who_declines_after_the_alert_was_seen_is_told_it_is_erased(
    services: Services,
) -> None:
    chat, patient_id = declined_after_risk(services)
    [alerted] = [e for e in rows(services.engine, SafetyEvent) if e.alert]
    AlertLedger(services.engine, Outbox(PROVIDERS), clock=services.clock).acknowledge(
        alerted.id, PROVIDERS[0], "Dr Rivera"
    )
    chat.send(Typed("yes"))
    assert chat.consent(patient_id, "decline").say == [words.DECLINED_AFTER_SEEN_ALERT]
    assert left_behind(services.engine, (RISK,)) == []


def test_a_plain_decline_says_what_it_always_said(services: Services) -> None:
    invited = services.invite(NAME, at=None)
    chat = Chat(services.patients, CHAT_ID)
    chat.start(invited.token)
    assert chat.consent(invited.patient_id, "decline").say == [messages.DECLINED]


def test_help_lists_the_data_rights() -> None:
    for text in (messages.HELP, messages.IDLE_HELP):
        for command in ("/privacy", "/mydata", "/delete", "/stop"):
            assert command in text


def test_the_delivered_goodbye_and_notice_are_settled(services: Services) -> None:
    chat, _ = with_history(services)
    chat.open("delete")
    chat.send(Typed("yes"))
    statuses = {m.status for m in rows(services.engine, OutboxMessage)}
    assert statuses == {OutboxStatus.SENT}
    assert all(m.payload == {} for m in rows(services.engine, OutboxMessage, OutboxMessage.chat_id == 0))


def test_an_open_safety_question_is_asked_again_after_no(services: Services) -> None:
    chat = joined(services, appointment_in=None)
    asked = chat.send(Typed(RISK))
    assert asked.screen is not None and asked.screen.step == "safety.check"
    chat.open("delete")
    back = chat.send(Typed("no"))
    assert back.say[0] == words.DELETE_CANCELLED
    assert back.screen is not None and back.screen.step == "safety.check"
    assert count(services.engine, SafetyEvent) >= 1


def test_deleting_with_an_unseen_alert_tells_providers_and_stops_its_repeats(
    services: Services,
) -> None:
    chat = joined(services, appointment_in=None)
    chat.send(Typed(RISK))
    [event] = [e for e in rows(services.engine, SafetyEvent) if e.alert]
    patient_id = rows(services.engine, Patient)[0].id
    chat.open("delete")
    services.patients.handle(CHAT_ID, Typed("yes"), update_id=2)
    notices = [
        m.payload["html"]
        for m in rows(services.engine, OutboxMessage)
        if m.chat_id in PROVIDERS and "left" in m.payload.get("html", "")
    ]
    assert len(notices) == 2 and "had not been acknowledged" in notices[0]
    assert RISK not in notices[0] and f"#{patient_id}" in notices[0]
    ledger = AlertLedger(services.engine, Outbox(PROVIDERS), clock=services.clock)
    assert ledger.realert(event.id) is False
    assert ledger.acknowledge(event.id, PROVIDERS[0], "Dr Rivera") is None
