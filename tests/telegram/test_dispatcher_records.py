"""The outbox's dispatcher when the database refuses for a while (a restart, a failover) just
after Telegram accepted a message: what went out is recorded once the database answers again,
as long as the message's claim lasts, so the message never goes a second time; given up before
its claim runs out, not after; a fault of the code's own is not tried again.

The database is real (SQLite and PostgreSQL); Telegram's side is a stand-in for the calls that
send a message, which counts them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, cast

import pytest
from service_support import (
    CLINIC_ZONE,
    Chat,
    Services,
    handed_reply,
    join,
    make_services,
    outbox_row,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.services.deliveries import LEASE, Claimed, Deliveries, handed_claim
from bot.services.outbox import Handed
from bot.telegram import dispatcher as dispatcher_module
from bot.telegram.dispatcher import CLAIM_MARGIN, Dispatcher
from bot.telegram.senders import Senders
from storage import outbox
from storage.clock import as_utc

OWNER = "this-process"


@dataclass
class StandInSenders:
    """Each message goes in `parts` calls, each answered with the next message id."""

    parts_per_message: int = 1
    calls: int = 0

    async def parts(self, _message: Claimed) -> list[Callable[[], Any]]:
        async def part() -> int:
            self.calls += 1
            return 500 + self.calls

        return [part] * self.parts_per_message


class Refusing:
    """Stands in for a Deliveries method: raises `error` the first `times` calls, then does
    what the method does."""

    def __init__(self, method: Callable[..., Any], times: int, error: Exception) -> None:
        self.method, self.times, self.error, self.calls = method, times, error, 0

    def __call__(self, *arguments: Any) -> Any:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return self.method(*arguments)


def refused() -> OperationalError:
    return OperationalError("UPDATE outbox", {}, Exception("connection refused"))


def reply_claimed(engine: Engine, chat_id: int) -> tuple[Services, Handed]:
    """A joined patient answers; the reply is stored claimed for this process."""
    services = make_services(engine)
    chat = Chat(services.patients, chat_id)
    join(services, chat, services.invite("Records.", at=services.clock() + timedelta(days=2)))
    return services, handed_reply(services, chat, OWNER)


def refusing_database(
    deliveries: Deliveries, monkeypatch: pytest.MonkeyPatch, sent: Refusing
) -> None:
    """Every way a settle is tried fails: on the loop (SQLite's at once, PostgreSQL's own
    connection) and, `sent.times` times, in a thread."""
    monkeypatch.setattr(deliveries, "sent_at_once", lambda *_arguments: None)

    async def loop_refuses(*_arguments: Any) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(outbox, "settle_on_loop", loop_refuses)
    monkeypatch.setattr(deliveries, "sent", sent)
    monkeypatch.setattr(dispatcher_module, "RECORD_RETRY_FIRST", 0.01)


def dispatcher_for(deliveries: Deliveries, senders: StandInSenders) -> Dispatcher:
    return Dispatcher(deliveries, cast(Senders, senders))


async def test_what_went_out_is_recorded_once_the_database_answers_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services, message = reply_claimed(engine, 7401)
    deliveries = Deliveries(engine, CLINIC_ZONE, clock=services.clock, owner=OWNER)
    sent = Refusing(deliveries.sent, 2, refused())
    progress = Refusing(deliveries.progress, 1, refused())
    refusing_database(deliveries, monkeypatch, sent)
    monkeypatch.setattr(deliveries, "progress", progress)
    senders = StandInSenders(parts_per_message=2)
    try:
        await dispatcher_for(deliveries, senders).send(handed_claim(message))
    finally:
        await deliveries.close_loop()
    assert senders.calls == 2  # each part once
    assert (progress.calls, sent.calls) == (2, 3)
    row = outbox_row(engine, message.message_id)
    assert (row.status, row.message_ids, row.parts_sent) == ("sent", [501, 502], 2)
    assert row.claimed_by is None
    assert "went out but is not yet on record, trying again: OperationalError" in caplog.text
    assert "skip" not in caplog.text.lower()  # nothing the patient typed


async def test_recording_is_given_up_before_the_claim_runs_out(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _services, message = reply_claimed(engine, 7402)
    deliveries = Deliveries(engine, CLINIC_ZONE, owner=OWNER)  # on the real clock: time passes
    sent = Refusing(deliveries.sent, 1_000, refused())
    refusing_database(deliveries, monkeypatch, sent)
    monkeypatch.setattr(dispatcher_module, "RECORD_RETRY_FIRST", 0.5)  # longer than what is left
    # Claimed long enough ago that only a moment of its claim is left before the margin.
    ends = deliveries.clock() + CLAIM_MARGIN + timedelta(seconds=0.1)
    claimed = replace(handed_claim(message), claimed_until=ends)
    senders = StandInSenders()
    began = time.monotonic()
    try:
        with pytest.raises(OperationalError):
            await dispatcher_for(deliveries, senders).send(claimed)
    finally:
        await deliveries.close_loop()
    assert time.monotonic() - began < 0.4  # the last wait cut to what was left
    assert senders.calls == 1 and sent.calls >= 2  # tried again within what was left
    row = outbox_row(engine, message.message_id)
    assert (row.status, row.claimed_by) == ("pending", OWNER)  # still this process's claim


async def test_a_fault_of_the_codes_own_is_not_tried_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, message = reply_claimed(engine, 7403)
    deliveries = Deliveries(engine, CLINIC_ZONE, clock=services.clock, owner=OWNER)
    sent = Refusing(deliveries.sent, 1, ValueError("a bug"))
    refusing_database(deliveries, monkeypatch, sent)
    try:
        with pytest.raises(ValueError):
            await dispatcher_for(deliveries, StandInSenders()).send(handed_claim(message))
    finally:
        await deliveries.close_loop()
    assert sent.calls == 1


async def test_a_record_whose_answer_was_lost_after_its_commit_says_the_chat_may_have_more(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, message = reply_claimed(engine, 7404)
    deliveries = Deliveries(engine, CLINIC_ZONE, clock=services.clock, owner=OWNER)
    record = deliveries.sent

    def committed_then_lost(*arguments: Any) -> Any:
        sent.calls += 1
        settled = record(*arguments)
        if sent.calls == 1:
            raise refused()  # the commit landed; its answer did not
        return settled

    sent = Refusing(record, 0, refused())
    refusing_database(deliveries, monkeypatch, sent)
    monkeypatch.setattr(deliveries, "sent", committed_then_lost)
    try:
        waiting = await dispatcher_for(deliveries, StandInSenders()).send(handed_claim(message))
    finally:
        await deliveries.close_loop()
    assert sent.calls == 2
    assert waiting  # settled already when tried again: the lane looks once more, at worst
    row = outbox_row(engine, message.message_id)
    assert (row.status, row.message_ids) == ("sent", [501])


def test_a_claimed_message_carries_when_its_claim_ends(engine: Engine) -> None:
    services, message = reply_claimed(engine, 7405)  # a reply stored claimed, handed over
    row = outbox_row(engine, message.message_id)
    assert handed_claim(message).claimed_until == as_utc(row.claimed_until)
    deliveries = Deliveries(engine, CLINIC_ZONE, clock=services.clock, owner="another")
    services.clock.now += LEASE + timedelta(seconds=1)  # it ran out: another process claims it
    (claimed,) = deliveries.claim(10)
    again = outbox_row(engine, message.message_id)
    assert claimed.claimed_until == as_utc(again.claimed_until) == services.clock() + LEASE
