"""Reminders: the service's decisions and the jobs that send them, on an injected clock, on
SQLite and on PostgreSQL.

The decisions (`claim`, `verdict`, `recover`, `finish`) are synchronous and are tested
directly; `fire`, `arm` and `start` run against a small stand-in for the Application that
records what would have been sent or scheduled.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import SimpleNamespace
from typing import Any, cast

import pytest
from service_support import (
    CLINIC,
    CLINIC_ZONE,
    NOW,
    Chat,
    Services,
    config,
    finish_intake,
    join,
    make_services,
    pending,
    rows,
    shortest_answer,
    utc,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram import Bot
from telegram.error import Forbidden
from telegram.ext import Application

from bot.services.alerts import AlertLedger
from bot.services.deliveries import Deliveries
from bot.services.outbox import Outbox
from bot.services.reminders import (
    ANSWERING,
    MISSED,
    POSTPONED,
    SENDING,
    SENT,
    Recovered,
    ReminderButton,
    ReminderService,
)
from bot.services.replies import OPEN_CHECKIN, OPEN_INTAKE, DialogueKind, DialogueRef
from bot.telegram import callbacks
from bot.telegram.dispatcher import Dispatcher
from bot.telegram.reminder_jobs import (
    ARM_AHEAD,
    ARMED_AT_ONCE,
    CLAIMS_AT_ONCE,
    SWEEP_EVERY,
    ReminderJobs,
)
from bot.telegram.senders import Senders
from flows import messages
from flows.dialogue import Tapped, Typed
from flows.preferences import REMINDERS
from storage.models import Patient, Reminder
from storage.statuses import ReminderStatus

UNCONFIRMED = ReminderStatus.UNCONFIRMED

VISIT = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)
"""Tuesday 20 January 2026, 9:00 AM CST: the visit most tests remind about."""

INTAKE_OPEN_DUE = datetime(2026, 1, 17, 15, 0, tzinfo=UTC)  # 9:00 AM CST, three days before
INTAKE_48H_DUE = datetime(2026, 1, 18, 15, 0, tzinfo=UTC)
INTAKE_24H_DUE = datetime(2026, 1, 19, 15, 0, tzinfo=UTC)
APPOINTMENT_DUE = datetime(2026, 1, 19, 23, 0, tzinfo=UTC)  # 5:00 PM CST the day before
CHECKIN_DUE = datetime(2026, 1, 13, 2, 0, tzinfo=UTC)  # 8:00 PM CST on Monday 12 January


# --- a stand-in for python-telegram-bot's Application -----------------------------------


@dataclass
class StandInJob:
    callback: Any
    when: datetime
    data: Any
    name: str
    removed: bool = False

    def schedule_removal(self) -> None:
        self.removed = True


@dataclass
class StandInJobQueue:
    jobs: list[StandInJob] = field(default_factory=list)
    repeating: list[str] = field(default_factory=list)

    def run_once(self, callback, when, data=None, name=None, job_kwargs=None):  # type: ignore[no-untyped-def]
        assert job_kwargs == {"misfire_grace_time": None}
        job = StandInJob(callback, when, data, name)
        self.jobs.append(job)
        return job

    def run_repeating(self, callback, interval, first=None, name=None):  # type: ignore[no-untyped-def]
        self.repeating.append(name)

    def live(self) -> dict[str, datetime]:
        return {job.name: job.when for job in self.jobs if not job.removed}


@dataclass
class StandInBot:
    sent: list[tuple[int, str, Any]] = field(default_factory=list)
    refuse: set[int] = field(default_factory=set)  # chats that blocked the bot

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> Any:
        if chat_id in self.refuse:
            raise Forbidden("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, text, reply_markup))
        return SimpleNamespace(message_id=len(self.sent))


@dataclass
class StandInApplication:
    bot: StandInBot = field(default_factory=StandInBot)
    job_queue: StandInJobQueue = field(default_factory=StandInJobQueue)
    dispatcher: Dispatcher | None = None
    reminders: ReminderJobs | None = None

    async def deliver(self) -> None:
        """What the outbox's dispatcher does: send everything due (the reminders claimed), and
        arm what their settles planned."""
        assert self.dispatcher is not None
        while await self.dispatcher.send_due():
            pass
        if self.reminders is not None:
            await self.reminders.armed()


def runner_for(
    services: Services, arm_ahead: timedelta = timedelta(days=365)
) -> tuple[ReminderJobs, StandInApplication]:
    """The reminders' jobs on a stand-in application (whose bot records what it sends), the
    outbox's real dispatcher, and their services on the test clock. Rows due within
    `arm_ahead` are armed (the bot's is ARM_AHEAD; most tests here look at every row)."""
    application = StandInApplication()
    service = ReminderService(services.engine, config(), clock=services.clock)
    runner = ReminderJobs(cast(Application, application), service, arm_ahead=arm_ahead)
    senders = Senders(
        cast(Bot, application.bot),
        services.lookups,
        AlertLedger(services.engine, Outbox()),
        CLINIC_ZONE,
        CLINIC,
        "https://clinic.example/patients",
    )
    deliveries = Deliveries(services.engine, CLINIC_ZONE, clock=services.clock)
    application.dispatcher = Dispatcher(deliveries, senders, on_settled=runner.arm_soon)
    application.reminders = runner
    return runner, application


# --- patients and their reminders -------------------------------------------------------


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


def joined(
    services: Services, visit: datetime | None = VISIT, chat_id: int = 7_200_000_001
) -> tuple[Chat, int]:
    invited = services.invite(f"Patient {chat_id}", at=visit)
    chat = Chat(services.patients, chat_id)
    join(services, chat, invited)
    return chat, invited.patient_id


def daily_checkins(chat: Chat, at: str = "8pm") -> None:
    chat.open("reminders")
    chat.tap(REMINDERS, "daily")
    reply = chat.send(Typed(at))
    assert reply.say[0].startswith("Saved.")


def reminder(engine: Engine, patient_id: int, kind: str) -> Reminder:
    (found,) = [
        r for r in rows(engine, Reminder, Reminder.patient_id == patient_id) if r.kind == kind
    ]
    return found


def status(engine: Engine, reminder_id: int) -> str:
    with Session(engine) as fresh:
        row = fresh.get(Reminder, reminder_id)
        assert row is not None
        return row.status


def verdict(runner: ReminderJobs, engine: Engine, reminder_id: int) -> str:
    """The service's verdict for one row at the runner's "now", in a session that is not committed."""
    with Session(engine) as session:
        row = session.get(Reminder, reminder_id)
        assert row is not None
        patient = session.get(Patient, row.patient_id)
        due = utc(row.due_at)
        assert due is not None
        return runner.service.verdict(session, row, patient, due, runner.service.clock())


def test_the_planned_reminders_are_the_ones_these_tests_expect(services: Services) -> None:
    chat, patient_id = joined(services)
    daily_checkins(chat)
    assert {r.kind: utc(r.due_at) for r in pending(services.engine, patient_id)} == {
        "intake_open": INTAKE_OPEN_DUE,
        "intake_48h": INTAKE_48H_DUE,
        "intake_24h": INTAKE_24H_DUE,
        "appointment": APPOINTMENT_DUE,
        "checkin": CHECKIN_DUE,
    }


# --- on time ----------------------------------------------------------------------------


def test_an_on_time_reminder_is_claimed_exactly_once(services: Services) -> None:
    chat, patient_id = joined(services)
    runner, _ = runner_for(services)
    opening = reminder(services.engine, patient_id, "intake_open")

    services.clock.now = INTAKE_OPEN_DUE - timedelta(minutes=5)
    assert runner.service.claim(opening.id) == (None, [opening.id])  # not due yet: armed again
    assert status(services.engine, opening.id) == "pending"

    services.clock.now = INTAKE_OPEN_DUE + timedelta(seconds=20)
    outgoing, follow_up = runner.service.claim(opening.id)
    assert outgoing is not None and follow_up == []
    assert (outgoing.reminder_id, outgoing.chat_id, outgoing.text) == (
        opening.id,
        chat.chat_id,
        messages.INTAKE_READY,
    )
    assert outgoing.button == ReminderButton(
        messages.START_INTAKE_BUTTON, DialogueRef(DialogueKind.REMINDER, opening.id), OPEN_INTAKE
    )
    assert status(services.engine, opening.id) == SENDING

    assert runner.service.claim(opening.id) == (None, [])  # a second firing gets nothing
    assert runner.service.finish(opening.id, SENT) == []
    assert runner.service.claim(opening.id) == (None, [])
    (sent,) = [r for r in rows(services.engine, Reminder) if r.id == opening.id]
    assert (sent.status, utc(sent.sent_at)) == (SENT, INTAKE_OPEN_DUE + timedelta(seconds=20))

    # The reminder's button opens the intake.
    reply = chat.press(DialogueRef(DialogueKind.REMINDER, opening.id), OPEN_INTAKE, kind="o")
    assert reply.say == [messages.INTAKE_OPENING]
    assert reply.screen is not None and reply.screen.step == "reason.coming"  # a first visit


def test_a_second_runner_cannot_claim_a_row_the_first_one_claimed(services: Services) -> None:
    _, patient_id = joined(services)
    first, _ = runner_for(services)
    second, _ = runner_for(services)
    row = reminder(services.engine, patient_id, "appointment")
    services.clock.now = APPOINTMENT_DUE
    claimed = [first.service.claim(row.id)[0], second.service.claim(row.id)[0]]
    assert [c is not None for c in claimed] == [True, False]
    assert claimed[0] is not None
    assert claimed[0].text == (
        "Reminder: you have an appointment with Test Clinic tomorrow, Tue 20 Jan 2026, 9:00 AM CST."
    )
    assert claimed[0].button is None


def test_a_day_before_reminder_caught_up_on_the_visit_day_says_today(services: Services) -> None:
    _, patient_id = joined(services)
    runner, _ = runner_for(services)
    row = reminder(services.engine, patient_id, "appointment")
    # The bot was down from the evening before; it is back at 1:00 AM CST on the visit day.
    services.clock.now = datetime(2026, 1, 20, 7, 0, tzinfo=UTC)
    assert runner.service.claim(row.id) == (None, [row.id])  # it waits out the quiet hours
    (postponed,) = [r for r in rows(services.engine, Reminder) if r.id == row.id]
    services.clock.now = utc(postponed.due_at)  # 8:00 AM CST, the morning of the visit
    claimed, _ = runner.service.claim(row.id)
    assert claimed is not None
    assert claimed.text == (
        "Reminder: you have an appointment with Test Clinic today, Tue 20 Jan 2026, 9:00 AM CST."
    )
    assert "tomorrow" not in claimed.text


@pytest.mark.parametrize(
    ("days_ahead", "said"), [(0, "today, "), (1, "tomorrow, "), (2, "on "), (-1, "on ")]
)
def test_the_appointment_reminder_names_the_day_it_is_sent_on(days_ahead: int, said: str) -> None:
    text = messages.appointment_reminder("Test Clinic", "Tue 20 Jan 2026, 9:00 AM CST", days_ahead)
    assert (
        text
        == f"Reminder: you have an appointment with Test Clinic {said}Tue 20 Jan 2026, 9:00 AM CST."
    )


def test_intake_reminders_stop_once_the_intake_is_submitted(services: Services) -> None:
    visit = NOW + timedelta(days=2)  # the intake is open from the start
    chat, patient_id = joined(services, visit=visit)
    finish_intake(chat)
    runner, _ = runner_for(services)
    nudge = reminder(services.engine, patient_id, "intake_24h")
    day_before = reminder(services.engine, patient_id, "appointment")

    services.clock.now = utc(nudge.due_at)  # type: ignore[assignment]
    assert runner.service.claim(nudge.id) == (None, [])
    assert status(services.engine, nudge.id) == "cancelled"

    services.clock.now = utc(day_before.due_at)  # type: ignore[assignment]
    outgoing, _ = runner.service.claim(day_before.id)  # the visit itself is still worth a reminder
    assert outgoing is not None and outgoing.text.startswith("Reminder: you have an appointment")


def test_a_nudge_waits_while_the_patient_is_answering_then_goes(services: Services) -> None:
    visit = NOW + timedelta(days=2)  # the intake is open from the start
    chat, patient_id = joined(services, visit=visit)
    nudge = reminder(services.engine, patient_id, "intake_24h")
    due = utc(nudge.due_at)
    assert due is not None
    answered_at = due - timedelta(minutes=10)
    services.clock.now = answered_at
    screen = chat.start().screen
    assert screen is not None
    chat.send(Typed(shortest_answer(screen.step)))
    runner, _ = runner_for(services)

    services.clock.now = due
    assert runner.service.claim(nudge.id) == (None, [nudge.id])  # postponed, armed again
    assert (
        utc(reminder(services.engine, patient_id, "intake_24h").due_at) == answered_at + ANSWERING
    )

    services.clock.now = answered_at + ANSWERING
    outgoing, _ = runner.service.claim(nudge.id)
    assert outgoing is not None and outgoing.text == messages.INTAKE_NUDGE


def test_reminders_of_a_paused_or_not_consented_patient_are_cancelled(services: Services) -> None:
    chat, patient_id = joined(services)
    daily_checkins(chat)
    checkin = reminder(services.engine, patient_id, "checkin")
    with Session(services.engine) as session:
        stored = session.get(Patient, patient_id)
        assert stored is not None
        stored.checkins_paused = True  # paused in another process since it was armed
        session.add(stored)
        session.commit()
    runner, _ = runner_for(services)
    services.clock.now = CHECKIN_DUE
    assert verdict(runner, services.engine, checkin.id) == "cancelled"
    assert runner.service.claim(checkin.id) == (None, [])
    assert status(services.engine, checkin.id) == "cancelled"
    assert pending(services.engine, patient_id, "checkin") == []

    invited = services.invite("Not Agreed Yet", at=VISIT)
    undecided = Chat(services.patients, 7_200_000_099)
    undecided.start(invited.token)
    with Session(services.engine) as session:  # a row for a patient who has not agreed
        session.add(
            Reminder(
                patient_id=invited.patient_id,
                kind="appointment",
                key="appt:test:undecided",
                due_at=CHECKIN_DUE,
            )
        )
        session.commit()
    (orphan,) = rows(services.engine, Reminder, Reminder.key == "appt:test:undecided")
    assert runner.service.claim(orphan.id) == (None, [])
    assert status(services.engine, orphan.id) == "cancelled"


# --- after downtime ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "now", "expected"),
    [
        # an intake reminder is still useful while the visit is ahead (2:00 PM CST)
        ("intake_48h", INTAKE_48H_DUE + timedelta(hours=5), SENDING),
        ("intake_open", VISIT - timedelta(minutes=1), SENDING),
        # ...and missed once the visit has started
        ("intake_24h", VISIT, MISSED),
        ("intake_24h", VISIT + timedelta(hours=3), MISSED),
        ("appointment", VISIT + timedelta(minutes=1), MISSED),
        # a check-in is caught up for two hours, not a minute more (9:59 PM CST is not quiet
        # for a time the patient chose)
        ("checkin", CHECKIN_DUE + timedelta(hours=1, minutes=59), SENDING),
        ("checkin", CHECKIN_DUE + timedelta(hours=2), SENDING),
        ("checkin", CHECKIN_DUE + timedelta(hours=2, minutes=1), MISSED),
    ],
    ids=[
        "intake-48h-5h-late",
        "intake-open-a-minute-before-the-visit",
        "intake-24h-at-the-visit",
        "intake-24h-after-the-visit",
        "appointment-after-the-visit",
        "checkin-1h59-late",
        "checkin-2h-late",
        "checkin-2h01-late",
    ],
)
def test_catching_up_after_downtime(
    services: Services, kind: str, now: datetime, expected: str
) -> None:
    chat, patient_id = joined(services)
    daily_checkins(chat)
    runner, _ = runner_for(services)
    row = reminder(services.engine, patient_id, kind)
    services.clock.now = now
    assert verdict(runner, services.engine, row.id) == expected

    outgoing, follow_up = runner.service.claim(row.id)
    if expected == SENDING:
        assert outgoing is not None and outgoing.chat_id == chat.chat_id
        assert status(services.engine, row.id) == SENDING
    else:
        assert outgoing is None
        assert status(services.engine, row.id) == MISSED
        if kind == "checkin":  # the next one is planned, for tomorrow evening
            (following,) = pending(services.engine, patient_id, "checkin")
            assert follow_up == [following.id]
            assert utc(following.due_at) == CHECKIN_DUE + timedelta(days=1)
        else:
            assert follow_up == []


def test_several_overdue_intake_reminders_send_only_the_latest(services: Services) -> None:
    chat, patient_id = joined(services)
    daily_checkins(chat)
    # another patient's visit has only its intake-open notice overdue
    other_chat, other_id = joined(services, visit=VISIT + timedelta(days=2), chat_id=7_200_000_002)
    other_open = reminder(services.engine, other_id, "intake_open")
    assert utc(other_open.due_at) == INTAKE_OPEN_DUE + timedelta(days=2)

    # The bot is down from Monday until Thursday 10:00 AM CST, the 24-hour reminder's moment
    # an hour past; the check-in reminders went unsent all week.
    services.clock.now = INTAKE_24H_DUE + timedelta(hours=1)
    ids = {
        kind: reminder(services.engine, patient_id, kind).id
        for kind in ("intake_open", "intake_48h", "intake_24h", "appointment")
    }
    checkin_id = reminder(services.engine, patient_id, "checkin").id
    runner, _ = runner_for(services)
    recovered = runner.service.recover()
    due_now, later = recovered.due_now, recovered.later

    assert sorted(due_now) == sorted([ids["intake_24h"], checkin_id, other_open.id])
    assert status(services.engine, ids["intake_open"]) == MISSED
    assert status(services.engine, ids["intake_48h"]) == MISSED
    mine = set(ids.values()) | {checkin_id}
    assert [(rid, utc(due)) for rid, _key, due in later if rid in mine] == [
        (ids["appointment"], APPOINTMENT_DUE)
    ]

    outgoing, _ = runner.service.claim(ids["intake_24h"])
    assert outgoing is not None and outgoing.text == messages.INTAKE_NUDGE
    assert outgoing.button is not None and outgoing.button.label == messages.CONTINUE_INTAKE_BUTTON
    outgoing, _ = runner.service.claim(other_open.id)  # another visit's: not superseded
    assert outgoing is not None and outgoing.chat_id == other_chat.chat_id
    assert outgoing.text == messages.INTAKE_READY
    outgoing, follow_up = runner.service.claim(
        checkin_id
    )  # days late: missed, the next one planned
    assert outgoing is None and status(services.engine, checkin_id) == MISSED
    (following,) = pending(services.engine, patient_id, "checkin")
    assert follow_up == [following.id]
    assert utc(following.due_at) == datetime(2026, 1, 20, 2, 0, tzinfo=UTC)  # tonight, 8 PM CST


async def test_a_reminder_claimed_before_a_crash_waits_in_the_outbox_and_goes_out_once(
    services: Services,
) -> None:
    _, patient_id = joined(services)
    row = reminder(services.engine, patient_id, "intake_open")
    services.clock.now = INTAKE_OPEN_DUE
    crashed, _ = runner_for(services)
    outgoing, _ = crashed.service.claim(row.id)
    assert outgoing is not None  # queued in the outbox... and the process died before sending

    services.clock.now = INTAKE_OPEN_DUE + timedelta(minutes=10)
    restarted, application = runner_for(services)
    recovered = restarted.service.recover()
    assert row.id not in recovered.due_now  # not claimed a second time
    assert row.id not in [rid for rid, _, _ in recovered.later]
    assert status(services.engine, row.id) == SENDING
    assert restarted.service.claim(row.id) == (None, [])
    await application.deliver()
    assert [text for _, text, _ in application.bot.sent] == [messages.INTAKE_READY]
    assert status(services.engine, row.id) == SENT
    await application.deliver()
    assert len(application.bot.sent) == 1  # sent once


def test_a_row_left_sending_by_the_build_before_the_outbox_stays_unconfirmed(
    services: Services,
) -> None:
    """Revision 0003 records a reminder that was mid-send under the old code as unconfirmed;
    nothing claims or sends such a row again."""
    _, patient_id = joined(services)
    row = reminder(services.engine, patient_id, "intake_open")
    with Session(services.engine) as session:
        stored = session.get(Reminder, row.id)
        assert stored is not None
        stored.status = UNCONFIRMED
        session.add(stored)
        session.commit()
    services.clock.now = INTAKE_OPEN_DUE + timedelta(minutes=10)
    runner, _ = runner_for(services)
    assert row.id not in runner.service.recover().due_now
    assert runner.service.claim(row.id) == (None, [])
    assert status(services.engine, row.id) == UNCONFIRMED


def test_a_late_intake_reminder_in_quiet_hours_waits_until_8_am_local(services: Services) -> None:
    chat, patient_id = joined(services, visit=VISIT + timedelta(hours=1))  # 11:00 AM EST
    chat.open("timezone")
    chat.send(Typed("Eastern"))
    nudge = reminder(services.engine, patient_id, "intake_48h")
    assert utc(nudge.due_at) == datetime(2026, 1, 18, 16, 0, tzinfo=UTC)  # 11:00 AM EST

    # back at 10:00 PM EST: still useful, but not at this hour
    services.clock.now = datetime(2026, 1, 19, 3, 0, tzinfo=UTC)
    runner, _ = runner_for(services)
    assert verdict(runner, services.engine, nudge.id) == POSTPONED
    assert runner.service.claim(nudge.id) == (None, [nudge.id])
    (postponed,) = [r for r in pending(services.engine, patient_id) if r.id == nudge.id]
    assert utc(postponed.due_at) == datetime(2026, 1, 19, 13, 0, tzinfo=UTC)  # 8:00 AM EST

    services.clock.now = datetime(2026, 1, 19, 13, 0, tzinfo=UTC)
    outgoing, _ = runner.service.claim(nudge.id)
    assert outgoing is not None and outgoing.text == messages.INTAKE_NUDGE


def test_a_settled_checkin_reminder_plans_the_next_one(services: Services) -> None:
    chat, patient_id = joined(services, visit=None)
    daily_checkins(chat)
    runner, _ = runner_for(services)
    first = reminder(services.engine, patient_id, "checkin")
    assert first.key == f"checkin:{patient_id}:2026-01-12"

    services.clock.now = CHECKIN_DUE
    outgoing, follow_up = runner.service.claim(first.id)
    assert outgoing is not None and follow_up == []
    assert outgoing.text == messages.CHECKIN_DUE
    assert outgoing.button == ReminderButton(
        messages.START_CHECKIN_BUTTON, DialogueRef(DialogueKind.REMINDER, first.id), OPEN_CHECKIN
    )
    assert pending(services.engine, patient_id, "checkin") == []  # claimed: none pending

    services.clock.now = CHECKIN_DUE + timedelta(seconds=2)
    follow_up = runner.service.finish(first.id, SENT)
    (following,) = pending(services.engine, patient_id, "checkin")
    assert follow_up == [following.id]
    assert following.key == f"checkin:{patient_id}:2026-01-13"
    assert utc(following.due_at) == CHECKIN_DUE + timedelta(days=1)
    keys = [r.key for r in rows(services.engine, Reminder, Reminder.patient_id == patient_id)]
    assert len(keys) == len(set(keys)) == 2

    # A check-in started from that reminder remembers it.
    reply = chat.press(DialogueRef(DialogueKind.REMINDER, first.id), OPEN_CHECKIN, kind="o")
    assert reply.screen is not None and reply.screen.step == "checkin.mood"


# --- firing, arming and starting, with the stand-in -------------------------------------


async def test_fire_sends_once_and_a_blocked_chat_is_recorded_failed(services: Services) -> None:
    chat, patient_id = joined(services, visit=None)
    daily_checkins(chat)
    blocked_chat, blocked_id = joined(services, visit=None, chat_id=7_200_000_003)
    daily_checkins(blocked_chat)
    runner, application = runner_for(services)
    application.bot.refuse.add(blocked_chat.chat_id)
    mine = reminder(services.engine, patient_id, "checkin")
    theirs = reminder(services.engine, blocked_id, "checkin")

    services.clock.now = CHECKIN_DUE
    await runner.fire(mine.id)
    await runner.fire(mine.id)  # fired twice (a sweep and the job): sent once
    await runner.fire(theirs.id)
    await application.deliver()
    assert [(chat_id, text) for chat_id, text, _ in application.bot.sent] == [
        (chat.chat_id, messages.CHECKIN_DUE)
    ]
    markup = application.bot.sent[0][2]
    (button,) = markup.inline_keyboard[0]
    assert button.text == messages.START_CHECKIN_BUTTON
    press = callbacks.decode(button.callback_data)
    assert press is not None and press.ref == DialogueRef(DialogueKind.REMINDER, mine.id)
    assert press.event == Tapped(OPEN_CHECKIN, "")
    assert status(services.engine, mine.id) == SENT
    assert status(services.engine, theirs.id) == "failed"
    # both settled, so both patients have tomorrow's reminder armed
    armed = application.job_queue.live()
    for patient in (patient_id, blocked_id):
        (following,) = pending(services.engine, patient, "checkin")
        assert armed[following.key] == utc(following.due_at)


async def test_arm_schedules_each_pending_row_once_and_moves_it(services: Services) -> None:
    chat, patient_id = joined(services)
    runner, application = runner_for(services)
    ids = [r.id for r in pending(services.engine, patient_id)]
    await runner.arm(ids)
    await runner.arm(ids)  # already armed for the same moments: nothing new
    assert len(application.job_queue.jobs) == 4
    assert application.job_queue.live() == {
        r.key: utc(r.due_at) for r in pending(services.engine, patient_id)
    }

    chat.open("timezone")
    reply = chat.send(Typed("Eastern"))  # the day-before reminder moves to 5:00 PM EST
    await runner.arm(reply.reminders)
    moved = reminder(services.engine, patient_id, "appointment")
    assert application.job_queue.live()[moved.key] == datetime(2026, 1, 19, 22, 0, tzinfo=UTC)
    assert len(application.job_queue.jobs) == 5  # one job replaced, the old one removed
    assert sum(job.removed for job in application.job_queue.jobs) == 1


async def test_arm_soon_reads_the_rows_in_a_worker_thread_then_arms_them(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the event loop (a reply, a settle, a provider's command) arming never waits on
    the database there."""
    _, patient_id = joined(services)
    runner, application = runner_for(services)
    read_in: list[threading.Thread] = []
    rows = runner.service.rows

    def reading(reminder_ids: list[int]) -> Any:
        read_in.append(threading.current_thread())
        return rows(reminder_ids)

    monkeypatch.setattr(runner.service, "rows", reading)
    planned = pending(services.engine, patient_id)
    runner.arm_soon([r.id for r in planned])
    assert application.job_queue.live() == {}  # not on the loop: a moment later
    deadline = time.monotonic() + 10
    while not application.job_queue.live() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert application.job_queue.live() == {r.key: utc(r.due_at) for r in planned}
    assert read_in and threading.main_thread() not in read_in


async def test_start_after_downtime_sends_what_is_useful_and_arms_the_rest(
    services: Services,
) -> None:
    chat, patient_id = joined(services)
    services.clock.now = INTAKE_48H_DUE + timedelta(hours=2)  # 11:00 AM CST
    runner, application = runner_for(services)
    await runner.start()
    await runner.caught_up()  # in the background, so patients are answered meanwhile
    await application.deliver()
    assert [(c, t) for c, t, _ in application.bot.sent] == [(chat.chat_id, messages.INTAKE_NUDGE)]
    assert (
        status(services.engine, reminder(services.engine, patient_id, "intake_open").id) == MISSED
    )
    assert status(services.engine, reminder(services.engine, patient_id, "intake_48h").id) == SENT
    assert set(application.job_queue.live()) == {
        reminder(services.engine, patient_id, kind).key for kind in ("intake_24h", "appointment")
    }
    assert application.job_queue.repeating == ["reminder-sweep"]


async def test_only_what_falls_due_soon_is_armed_and_the_sweep_arms_each_row_in_time(
    services: Services,
) -> None:
    """With tens of thousands of patients, arming every future reminder at start would hold
    hundreds of thousands of jobs in memory; the bot arms ARM_AHEAD ahead and sweeps."""
    _, patient_id = joined(services)
    runner, application = runner_for(services, arm_ahead=ARM_AHEAD)
    services.clock.now = INTAKE_OPEN_DUE - timedelta(hours=3)
    await runner.start()
    assert application.job_queue.live() == {}  # nothing falls due within ARM_AHEAD
    await runner.arm([r.id for r in pending(services.engine, patient_id)])
    assert application.job_queue.live() == {}
    services.clock.now = INTAKE_OPEN_DUE - ARM_AHEAD + SWEEP_EVERY / 2
    await runner.sweep()
    opening = reminder(services.engine, patient_id, "intake_open")
    assert application.job_queue.live() == {opening.key: utc(opening.due_at)}
    await runner.sweep()  # armed once, however often the sweep looks
    assert len(application.job_queue.jobs) == 1


async def test_a_catch_up_of_many_claims_a_few_at_a_time(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each claim is a database thread's work: hundreds overdue must not start dozens of
    threads at once (each keeps memory of its own for the life of the process)."""
    runner, _application = runner_for(services)
    at_once, most = 0, 0
    guard = threading.Lock()

    def claim(_reminder_id: int) -> tuple[None, list[int]]:
        nonlocal at_once, most
        with guard:
            at_once += 1
            most = max(most, at_once)
        time.sleep(0.005)
        with guard:
            at_once -= 1
        return None, []

    overdue = Recovered(due_now=list(range(1, 201)), later=[])
    monkeypatch.setattr(runner.service, "recover", lambda _horizon: overdue)
    monkeypatch.setattr(runner.service, "claim", claim)
    await runner.start()
    await runner.caught_up()
    assert most == CLAIMS_AT_ONCE


async def test_a_sweep_lets_other_chats_through_every_few_dozen_rows(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arming a job costs the event loop about half a millisecond: a sweep arming thousands
    gives the loop back every ARMED_AT_ONCE rows (bench/stalls.py measures the stall)."""
    runner, application = runner_for(services)
    due = services.clock() + timedelta(minutes=5)
    rows = [(number, f"reminder-{number}", due) for number in range(1, 201)]
    monkeypatch.setattr(runner.service, "pending", lambda _horizon: rows)
    seen: list[int] = []
    sweeping = True

    async def another_chat() -> None:  # what the loop's other work sees, turn by turn
        while sweeping:
            seen.append(len(application.job_queue.jobs))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(another_chat())
    await asyncio.sleep(0)
    await runner.sweep()
    sweeping = False
    await watcher
    steps = [later - earlier for earlier, later in pairwise(seen)]
    assert len(application.job_queue.jobs) == 200
    assert max(steps) == ARMED_AT_ONCE


async def test_between_its_chunks_a_sweep_leaves_other_work_as_long_as_a_chunk_took(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply takes several passes of the loop (received, handled, sent, recorded): one
    pass per chunk held it up by several chunks; now it gets as long as a chunk took."""
    runner, application = runner_for(services)
    due = services.clock() + timedelta(minutes=5)
    rows = [(number, f"reminder-{number}", due) for number in range(1, 4 * ARMED_AT_ONCE + 1)]
    monkeypatch.setattr(runner.service, "pending", lambda _horizon: rows)
    run_once = application.job_queue.run_once

    def slow_run_once(*arguments: Any, **keywords: Any) -> StandInJob:
        time.sleep(0.0005)  # as APScheduler's costs the loop: a chunk takes about 20 ms
        return run_once(*arguments, **keywords)

    monkeypatch.setattr(application.job_queue, "run_once", slow_run_once)
    armed_when_done: list[int] = []

    async def a_reply() -> None:  # ten passes of the loop
        for _ in range(10):
            await asyncio.sleep(0)
        armed_when_done.append(len(application.job_queue.jobs))

    sweep = asyncio.create_task(runner.sweep())
    while not application.job_queue.jobs:  # until its first chunk is armed
        await asyncio.sleep(0)
    await a_reply()
    await sweep
    assert armed_when_done and armed_when_done[0] <= 2 * ARMED_AT_ONCE  # not ten chunks later


async def test_a_reminder_moved_while_a_sweep_arms_keeps_its_new_moment(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, application = runner_for(services)
    old, new = services.clock() + timedelta(minutes=10), services.clock() + timedelta(minutes=2)
    read = threading.Event()
    release = threading.Event()

    def pending(_horizon: datetime) -> list[tuple[int, str, datetime]]:
        read.set()
        assert release.wait(5)
        return [(1, "reminder-1", old)]  # read before the reminder was moved

    monkeypatch.setattr(runner.service, "pending", pending)
    monkeypatch.setattr(runner.service, "rows", lambda _ids: [(1, "reminder-1", new)])
    sweep = asyncio.create_task(runner.sweep())
    assert await asyncio.to_thread(read.wait, 5)
    await runner.arm([1])  # moved earlier meanwhile: read after the sweep's read
    release.set()
    await sweep
    assert application.job_queue.live() == {"reminder-1": new}
