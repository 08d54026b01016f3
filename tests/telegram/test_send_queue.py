"""The send queue and the rate limiter built on it: most urgent first, within Telegram's limits
overall, for reminders and per chat; a 429 pauses everything."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest
from hanging_up_server import HangingUpServer
from telegram.error import RetryAfter

from bot.telegram.http import api_request
from bot.telegram.limiter import SENDING_PRIORITY, PriorityLimiter
from bot.telegram.send_queue import (
    BURST,
    LATE_CREDIT,
    OVERALL,
    REPLIES_BURST,
    SendQueue,
    Ticket,
)
from storage.statuses import Priority

SECONDS = OVERALL[1]
"""The bot's own limit: 30 calls in any SECONDS."""
EVERY = SECONDS * BURST / OVERALL[0]
"""And 5 at once, the next 5 after EVERY: the same rate."""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_an_urgent_call_goes_before_reminders_queued_earlier(clock: Clock) -> None:
    queue = SendQueue(clock, overall=(2, 1.0), bulk=(2, 1.0))
    reminders = [queue.push(Priority.BULK, chat) for chat in range(10)]
    crisis = queue.push(Priority.URGENT, 99)
    assert queue.release() == [crisis, reminders[0]]
    clock.now += 1.0
    assert queue.release() == reminders[1:3]


def test_never_more_than_the_overall_limit_in_any_window(clock: Clock) -> None:
    queue = SendQueue(clock, overall=(30, 1.0), bulk=(30, 1.0), burst=None)
    for chat in range(100):
        queue.push(Priority.CONVERSATION, chat)
    assert len(queue.release()) == 30
    assert queue.release() == []
    assert queue.next_release() == pytest.approx(1.0)
    clock.now += 0.5
    assert queue.release() == []
    clock.now += 0.5
    assert len(queue.release()) == 30


def test_two_replicas_each_keep_to_half_of_the_limits(clock: Clock) -> None:
    queue = SendQueue(clock, overall=(30, 1.0), bulk=(25, 1.0), burst=None)
    for chat in range(100):
        queue.push(Priority.CONVERSATION, chat)
    assert len(queue.release()) == 30
    queue.share(2)  # a second replica started: the window just used counts against this share
    clock.now += 0.5
    assert queue.release() == []
    clock.now += 0.5
    assert len(queue.release()) == 15
    for chat in range(100):
        queue.push(Priority.BULK, 1000 + chat)
    clock.now += 1.0
    granted = queue.release()
    assert len(granted) == 15 and sum(t.priority == Priority.BULK for t in granted) <= 12
    queue.share(1)  # the other stopped
    clock.now += 1.0
    assert len(queue.release()) == 30


def test_reminders_leave_room_for_everyone_else(clock: Clock) -> None:
    queue = SendQueue(clock, overall=(30, 1.0), bulk=(25, 1.0), burst=None)
    for chat in range(100):
        queue.push(Priority.BULK, chat)
    assert len(queue.release()) == 25
    replies = [queue.push(Priority.CONVERSATION, 1000 + n) for n in range(10)]
    assert queue.release() == replies[:5]  # the five the reminders left, at once


def drain(queue: SendQueue, clock: Clock, count: int) -> list[tuple[float, Ticket]]:
    """Release until `count` calls went, moving the clock as the queue asks: (when, ticket)."""
    sent: list[tuple[float, Ticket]] = []
    while len(sent) < count:
        sent += [(clock.now, ticket) for ticket in queue.release()]
        delay = queue.next_release()
        assert delay is not None and (delay > 0 or len(sent) >= count)
        clock.now += delay
    return sent


def spans(times: list[float], calls: int) -> float:
    """The shortest time in which `calls` of these went."""
    return min(times[n + calls - 1] - times[n] for n in range(len(times) - calls + 1))


def test_a_backlog_goes_out_evenly_never_more_than_the_overall_limit(clock: Clock) -> None:
    queue = SendQueue(clock)  # the bot's own limits
    for chat in range(100):
        queue.push(Priority.CONVERSATION, chat)
    times = [at for at, _ in drain(queue, clock, 60)]
    assert times[:6] == [1000.0] * 5 + [pytest.approx(1000 + EVERY)]  # 5, then 5 more
    assert spans(times, 6) >= EVERY - 1e-9  # never 6 in less than EVERY
    assert spans(times, 31) >= SECONDS - 1e-9  # never 31 in less than SECONDS
    assert times[59] - times[0] == pytest.approx(11 * EVERY)  # the full rate


def late_drain(
    queue: SendQueue, clock: Clock, count: int, late: float, *, say_due: bool = True
) -> list[float]:
    """`drain`, each wake-up `late` seconds after the time the queue asked for (the event loop
    was busy); `say_due`: telling the queue when it was due, as the limiter does."""
    sent: list[float] = []
    due: float | None = None
    while len(sent) < count:
        sent += [clock.now for _ in queue.release(due if say_due else None)]
        delay = queue.next_release()
        assert delay is not None
        due = clock.now + delay
        clock.now = due + late
    return sent


@pytest.mark.parametrize("late", [0.001, 0.004, 0.009])
def test_late_wake_ups_do_not_slow_a_backlog_and_the_limits_hold(clock: Clock, late: float) -> None:
    queue = SendQueue(clock)
    for chat in range(400):
        queue.push(Priority.CONVERSATION, chat)
    times = late_drain(queue, clock, 300, late)
    # 60 bursts of 5 in the time they take on time: the lateness does not add up.
    assert times[-1] - times[0] == pytest.approx(59 * EVERY, abs=late + 1e-9)
    assert spans(times, 6) >= EVERY - LATE_CREDIT - 1e-9
    assert spans(times, 31) >= SECONDS - LATE_CREDIT - 1e-9
    clock.now += 2.0
    for chat in range(400):
        queue.push(Priority.CONVERSATION, chat)
    unsaid = late_drain(queue, clock, 300, late, say_due=False)
    assert unsaid[-1] - unsaid[0] == pytest.approx(59 * (EVERY + late))  # as it was: it adds up


def test_a_wake_up_later_than_the_credit_counts_from_the_credit(clock: Clock) -> None:
    queue = SendQueue(clock)
    for chat in range(100):
        queue.push(Priority.CONVERSATION, chat)
    times = late_drain(queue, clock, 60, 0.05)
    gaps = {round(times[n + 5] - times[n], 9) for n in range(5, 55, 5)}
    assert gaps == {round(EVERY + 0.05 - LATE_CREDIT, 9)}


def test_a_call_that_starts_late_counts_from_its_start(clock: Clock) -> None:
    queue = SendQueue(clock)
    burst = [queue.push(Priority.CONVERSATION, chat) for chat in range(5)]
    assert queue.release() == burst
    clock.now += 0.004
    for ticket in burst[:2]:
        queue.started(ticket)  # within LATE_CREDIT: they count from when they were let go
    clock.now += 0.046  # the loop stalled: the other three start 50 ms after they were let go
    for ticket in burst[2:]:
        queue.started(ticket)  # they count from 1000.04
    more = [queue.push(Priority.CONVERSATION, chat) for chat in range(5, 10)]
    clock.now = 1000 + EVERY
    assert queue.release() == more[:2]  # the two that kept their count make room
    assert queue.next_release() == pytest.approx(0.04)
    clock.now += queue.next_release() or 0.0
    assert queue.release() == more[2:]


def test_reminders_leave_room_in_every_burst(clock: Clock) -> None:
    queue = SendQueue(clock)
    for chat in range(200):
        queue.push(Priority.BULK, chat)
    times = [at for at, _ in drain(queue, clock, 40)]
    assert spans(times, 5) >= 0.168 - 1e-9  # never 5 reminders in less than 0.168 s
    assert spans(times, 26) >= 1.05 - 1e-9  # never 26 in less than 1.05 s
    for _ in range(12):  # a reply, at any moment of the fan-out, goes within one burst
        reply = queue.push(Priority.CONVERSATION, 1000)
        if reply not in queue.release():
            delay = queue.next_release()
            assert delay is not None and delay <= EVERY + 1e-9
            clock.now += delay
            assert queue.release()[0] == reply
        clock.now += 0.05


def test_safety_calls_skip_the_burst_but_count_in_it_and_in_the_full_window(clock: Clock) -> None:
    queue = SendQueue(clock)
    for chat in range(100):
        queue.push(Priority.BULK, chat)
    assert len(queue.release()) == 4
    crisis, alert = queue.push(Priority.URGENT, 1000), queue.push(Priority.URGENT, 1002)
    later = [queue.push(Priority.CONVERSATION, 1003 + n) for n in range(2)]  # replies backlogged
    assert queue.release() == [crisis, alert]  # safety is never spread out behind the rest
    assert queue.next_release() == pytest.approx(EVERY)  # the 6 of this burst count for later
    clock.now += EVERY
    assert queue.release()[0] == later[0]
    clock.now += SECONDS
    urgent = [queue.push(Priority.URGENT, 2000 + n) for n in range(31)]
    assert queue.release() == urgent[:30]  # all at once: only the full window holds them
    assert queue.next_release() == pytest.approx(SECONDS)


def test_a_lone_reply_skips_the_burst_a_backlog_of_replies_does_not(clock: Clock) -> None:
    queue = SendQueue(clock)
    for _ in range(8):
        queue.push(Priority.PROVIDER, 7)  # a provider's delivery: an intake's pages, chart, PDF
    assert len(queue.release()) == 5
    reply = queue.push(Priority.CONVERSATION, 1000)  # someone talking, no other reply waiting
    assert queue.release() == [reply]  # at once, not after the burst's EVERY
    replies = [queue.push(Priority.CONVERSATION, 2000 + n) for n in range(3)]
    assert queue.release() == []  # a backlog of replies is spread like the rest
    clock.now += EVERY
    assert queue.release()[:3] == replies  # first, before the rest of the delivery


def test_lone_replies_one_after_another_keep_to_a_burst_of_their_own(clock: Clock) -> None:
    queue = SendQueue(clock)
    for _ in range(3):
        queue.push(Priority.PROVIDER, 7)
    assert len(queue.release()) == 3  # the delivery's burst does not hold the replies up
    for chat in range(REPLIES_BURST):  # many people talking, each reply alone when it is written
        reply = queue.push(Priority.CONVERSATION, 1000 + chat)
        assert queue.release() == [reply]
    one_more = queue.push(Priority.CONVERSATION, 2000)
    assert queue.release() == []  # more in one instant would reach Telegram bunched
    replies_every = SECONDS * REPLIES_BURST / OVERALL[0]  # the same rate as everyone's
    assert queue.next_release() == pytest.approx(replies_every)
    clock.now += replies_every
    assert queue.release() == [one_more]


def test_replies_held_by_their_own_window_let_less_urgent_calls_go(clock: Clock) -> None:
    queue = SendQueue(clock)
    for chat in range(REPLIES_BURST):  # lone replies, one after another
        queue.push(Priority.CONVERSATION, chat)
        assert len(queue.release()) == 1
    clock.now += EVERY + 0.01  # the overall burst's window has room again; the replies' has not
    held = queue.push(Priority.CONVERSATION, 100)
    delivery = queue.push(Priority.PROVIDER, 7)
    assert queue.release() == [delivery]
    replies_every = SECONDS * REPLIES_BURST / OVERALL[0]
    assert queue.next_release() == pytest.approx(replies_every - EVERY - 0.01)
    clock.now += queue.next_release() or 0.0
    assert queue.release() == [held]


def test_a_few_people_talking_while_a_patient_submits_are_not_held_up(clock: Clock) -> None:
    queue = SendQueue(clock)
    submitted = [queue.push(Priority.CONVERSATION, 1) for _ in range(2)]  # the patient's two
    assert queue.release() == submitted
    assert len([queue.push(Priority.PROVIDER, 7) for _ in range(3)]) == 3  # the intake's parts
    assert len(queue.release()) == 3
    for chat in range(5):  # five others talking, a few milliseconds apart
        clock.now += 0.007
        reply = queue.push(Priority.CONVERSATION, 100 + chat)
        assert queue.release() == [reply]


@pytest.mark.parametrize(
    ("replicas", "burst", "part"),  # part: of SECONDS, between one burst and the next
    [(1, 5, 1 / 6), (2, 3, 0.2), (3, 2, 0.2), (7, 1, 7 / 30), (40, 1, 4 / 3)],
)
def test_each_replica_keeps_to_its_share_of_the_rate_and_the_burst(
    clock: Clock, replicas: int, burst: int, part: float
) -> None:
    every = part * SECONDS
    queue = SendQueue(clock)
    queue.share(replicas)
    for chat in range(200):
        queue.push(Priority.CONVERSATION, chat)
    sent = drain(queue, clock, 40)
    times = [at for at, _ in sent]
    assert times.count(times[0]) == burst
    assert times[burst] - times[0] == pytest.approx(every)
    for bursts in range(1, len(times) // burst):  # n bursts (and one more call) take n periods
        assert spans(times, bursts * burst + 1) >= bursts * every - 1e-9
    assert burst / every == pytest.approx(30 / SECONDS / replicas)  # together, the bot's


def test_with_many_replicas_reminders_still_leave_room(clock: Clock) -> None:
    queue = SendQueue(clock)
    queue.share(16)  # 30 // 16 and 25 // 16 are both 1: the windows keep the rates apart
    assert queue.bulk.full.seconds > queue.overall.full.seconds
    for chat in range(50):
        queue.push(Priority.BULK, chat)
    reminders = drain(queue, clock, 5)
    assert reminders[1][0] - reminders[0][0] == pytest.approx(1.05 * 16 / 25)


def test_bulk_to_one_chat_goes_three_at_once_then_about_one_a_second(clock: Clock) -> None:
    queue = SendQueue(clock, per_chat=(3, 3.0))
    pages = [queue.push(Priority.BULK, 7) for _ in range(5)]
    other = queue.push(Priority.BULK, 8)
    assert queue.release() == [*pages[:3], other]  # chat 7's wait holds nobody else up
    assert queue.next_release() == pytest.approx(3.0)
    clock.now += 3.0
    assert queue.release() == pages[3:]


def test_a_reply_to_someone_talking_is_never_held_back_for_its_chat(clock: Clock) -> None:
    queue = SendQueue(clock, per_chat=(3, 3.0), burst=None)
    reminders = [queue.push(Priority.BULK, 7) for _ in range(4)]
    delivery = [queue.push(Priority.PROVIDER, 7) for _ in range(4)]
    turn = [queue.push(Priority.CONVERSATION, 7) for _ in range(4)]
    crisis = queue.push(Priority.URGENT, 7)
    assert queue.release() == [crisis, *turn, *delivery, *reminders[:3]]


def test_a_429_pauses_every_call(clock: Clock) -> None:
    queue = SendQueue(clock)
    queue.pause(2.0)
    crisis = queue.push(Priority.URGENT, 1)
    assert queue.release() == []
    assert queue.next_release() == pytest.approx(2.0)
    clock.now += 2.0
    assert queue.release() == [crisis]


def test_a_cancelled_call_is_dropped_and_calls_without_a_chat_count_overall(clock: Clock) -> None:
    queue = SendQueue(clock, overall=(2, 1.0))
    gone = queue.push(Priority.CONVERSATION, 1)
    queue.cancel(gone)
    menu = queue.push(Priority.CONVERSATION, None)
    assert queue.release() == [menu]
    assert queue.next_release() is None


def test_memory_stays_flat_with_many_chats(clock: Clock) -> None:
    queue = SendQueue(
        clock, overall=(10_000, 1.0), bulk=(10_000, 1.0), per_chat=(3, 3.0), burst=None
    )
    for chat in range(5000):
        queue.push(Priority.BULK, chat)
    assert len(queue.release()) == 5000
    clock.now += 10
    queue.push(Priority.BULK, 1)
    queue.release()
    assert len(queue.chats) == 1


async def test_the_limiter_lets_a_crisis_reply_overtake_queued_reminders() -> None:
    limiter = PriorityLimiter(queue=SendQueue(time.monotonic, overall=(1, 0.05)))
    order: list[str] = []

    async def call(name: str) -> bool:
        order.append(name)
        return True

    async def send(name: str, priority: int, chat: int) -> Any:
        token = SENDING_PRIORITY.set(priority)
        try:
            return await limiter.process_request(
                call, (name,), {}, "sendMessage", {"chat_id": chat}, None
            )
        finally:
            SENDING_PRIORITY.reset(token)

    reminders = [asyncio.create_task(send(f"reminder {n}", Priority.BULK, n)) for n in range(6)]
    await asyncio.sleep(0.06)  # the first reminder or two have gone
    await send("crisis", Priority.URGENT, 99)
    await asyncio.gather(*reminders)
    assert order.index("crisis") <= 3
    assert order[order.index("crisis") + 1 :] == sorted(order[order.index("crisis") + 1 :])
    assert sorted(order) == sorted(["crisis", *(f"reminder {n}" for n in range(6))])


async def test_the_limiter_waits_out_a_429_then_tries_again() -> None:
    limiter = PriorityLimiter(max_retries=2)
    tries: list[float] = []

    async def busy_once() -> bool:
        tries.append(time.monotonic())
        if len(tries) == 1:
            raise RetryAfter(1)
        return True

    assert await limiter.process_request(busy_once, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert len(tries) == 2 and tries[1] - tries[0] >= 1.0


class StallingQueue(SendQueue):
    """The loop stalls for 50 ms between letting calls go and their start."""

    def release(self, due: float | None = None) -> list[Ticket]:
        granted = super().release(due)
        if granted:
            assert isinstance(self.clock, Clock)
            self.clock.now += 0.05
        return granted


async def test_the_limiter_counts_a_call_from_when_it_starts() -> None:
    queue = StallingQueue(Clock())
    limiter = PriorityLimiter(queue=queue)

    async def send() -> bool:
        return True

    assert await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert list(queue.overall.full.times) == [pytest.approx(1000.05 - LATE_CREDIT)]


async def test_the_limiter_counts_a_call_from_when_its_request_is_written() -> None:
    """On a busy event loop a call's request can leave a tenth of a second after the call
    started; Telegram counts it when it arrives."""
    limiter = PriorityLimiter()
    request = api_request()
    await request.initialize()

    async def send(url: str) -> bool:
        await asyncio.sleep(0.1)  # the loop runs other work before the request is written
        return bool(await request.post(url))

    try:
        async with HangingUpServer().running() as server:
            url = f"http://127.0.0.1:{server.port}/botTOKEN/sendMessage"
            began = time.monotonic()
            await limiter.process_request(send, (url,), {}, "sendMessage", {"chat_id": 1}, None)
    finally:
        await request.shutdown()
    [counted_at] = limiter.queue.overall.full.times
    assert counted_at >= began + 0.1  # from when it was written


async def test_the_limiter_gives_up_after_its_retries() -> None:
    limiter = PriorityLimiter(max_retries=1)

    async def always_busy() -> bool:
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await limiter.process_request(always_busy, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_calls_that_are_not_messages_do_not_wait_for_the_message_window() -> None:
    limiter = PriorityLimiter(queue=SendQueue(time.monotonic, overall=(1, 10.0)))
    made: list[str] = []

    async def call(name: str) -> bool:
        made.append(name)
        return True

    async def request(endpoint: str) -> Any:
        return await limiter.process_request(call, (endpoint,), {}, endpoint, {"chat_id": 1}, None)

    await request("sendMessage")  # the window (one message in ten seconds) is now full
    waiting = asyncio.create_task(request("editMessageText"))
    await asyncio.wait_for(request("answerCallbackQuery"), timeout=1.0)
    await asyncio.wait_for(request("getUpdates"), timeout=1.0)
    assert made == ["sendMessage", "answerCallbackQuery", "getUpdates"]
    assert not waiting.done()  # an edit changes a message: it waits its turn
    waiting.cancel()


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("say_due", [False, True])
def test_random_traffic_keeps_every_limit_and_never_stalls(seed: int, say_due: bool) -> None:
    """`say_due`: each look tells the queue when the last one asked to be woken (as the
    limiter does), which comes late here, and each call let go starts only at the next look
    (the loop was busy): the limits then hold within LATE_CREDIT, for when the calls start."""
    clock, rng = Clock(), random.Random(seed)
    due: float | None = None
    slack = LATE_CREDIT if say_due else 0.0
    queue = SendQueue(clock)
    queue.share(rng.choice([1, 2]))  # about 11 calls a second: the queue keeps up
    live: list[Ticket] = []
    sent: list[tuple[float, Ticket]] = []  # when each call started
    starting: list[Ticket] = []
    for _ in range(400):
        for ticket in starting:
            queue.started(ticket)
            sent.append((clock.now, ticket))
        for _ in range(rng.choice([0, 0, 0, 0, 0, 1, 1, 6])):  # now and then a burst of calls
            live.append(queue.push(rng.choice(list(Priority)), rng.randrange(40)))
        if live and rng.random() < 0.1:
            queue.cancel(live.pop(rng.randrange(len(live))))
        granted = queue.release(due if say_due else None)
        starting = granted if say_due else []
        for ticket in [] if say_due else granted:
            queue.started(ticket)
            sent.append((clock.now, ticket))
        live = [ticket for ticket in live if ticket not in granted]
        delay = queue.next_release()
        assert (delay is None) == (not live)  # asked to wait exactly while someone does
        assert delay is None or delay > 0  # and release gave out everything that could go
        due = None if delay is None else clock.now + delay
        clock.now += rng.choice([0.01, 0.05, 0.2])
    assert not any(ticket.cancelled for _, ticket in sent)
    full, short = queue.overall.full, queue.overall.short
    urgent = [at for at, t in sent if t.priority == Priority.URGENT]
    everything = [at for at, _ in sent]
    bulk = [at for at, t in sent if t.priority == Priority.BULK]
    assert len(everything) <= full.limit or (
        spans(everything, full.limit + 1) >= full.seconds - slack - 1e-9
    )
    assert len(bulk) <= queue.bulk.full.limit or (
        spans(bulk, queue.bulk.full.limit + 1) >= queue.bulk.full.seconds - slack - 1e-9
    )
    # Urgent calls, and a reply while no other waits, skip the burst (never all of them here).
    replies = [at for at, t in sent if t.priority == Priority.CONVERSATION]
    own = queue.replies.short  # lone replies skip the burst, but not one of their own
    if len(replies) > own.limit:
        assert spans(replies, own.limit + 1) >= own.seconds - slack - 1e-9
    others = [at for at, t in sent if t.evenly]
    assert len(others) < len(sent) - len(urgent)
    if len(others) > short.limit:
        assert spans(others, short.limit + 1) >= short.seconds - slack - 1e-9
    assert urgent and others and bulk  # the traffic had all of them
