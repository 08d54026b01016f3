"""Who may call the Bot API next: one queue for every call the bot makes, most urgent first,
within Telegram's limits (about 30 messages a second overall and about one a second per chat).

Pure bookkeeping with an injected clock, so the order and the pacing can be tested without
waiting: `bot.telegram.limiter` puts it in front of python-telegram-bot's requests.

Limits are sliding windows (at most N calls in any window of W seconds), the way Telegram counts,
so bursts never go over. Each also holds at the same rate over a shorter window (at most 5 calls
in any 0.173 s overall, 4 in 0.168 s for reminders, and replies to people talking 10 in 0.347 s
of their own), so a backlog goes out evenly rather than 30 at
once and then nothing for a second: calls sent at once reach Telegram spread over the time the
machine takes to write them, and a burst's late arrivals then fall into the next second's
window (429); and every call in a burst needs a connection of its own, which the HTTP client
then keeps. Bulk messages (reminders) have a lower ceiling of their own, so the capacity that
is left is always there for a patient who is talking or a safety reply.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from storage.statuses import Priority

OVERALL = (30, 1.04)
"""At most 30 calls in any 1.04 s: Telegram's ~30 messages a second, with a margin for the
time a request takes from the bot's socket to Telegram's count. Calls count from when their
request is written (bot.telegram.http.ON_WRITE; not through a proxy named in the environment,
where python-telegram-bot's own connections are used and calls count from their start). While
they counted from when they were let go, a busy event loop wrote some a tenth of a second
later, and 1.05 s was not margin enough. Through runs of bench/answering.py the fake Bot API
read a request 0.5-0.7 ms after it was written (median), 6-7 ms (99th percentile), 19-26 ms at
most (the fake shares the bot's event loop there); with 1.03 s, a 429 came in some runs."""
BULK = (25, 1.05)
"""Reminders use at most this much of it."""
BURST = 5
"""At most this many calls at once (reminders: their share of it, 4), at the same rate: 5 in
0.173 s (4 in 0.168 s). Measured with bench/answering.py (sets of three runs): bursts of 3 and
of 6 drew a median of one 429 a run from the fake Bot API's flood control, bursts of 5 none."""
REPLIES_BURST = 10
"""Replies to people talking keep to a burst's window of their own, this many in 0.347 s (the
same rate as the rest): see SendQueue._overall_free_at."""
LATE_CREDIT = 0.01
"""How far a call's count may be from when it really went. A wake-up that comes late (the event
loop was busy) lets the calls that were due count from when they were due, up to this much
before now: else each late wake-up would push back every call after it, and a backlog would go
out a few percent slower than the limits allow. And a call that starts later than this after
it was let go (the loop stalled in between) counts from its start, less this: else the calls
let go before a stall would reach Telegram together with those let go after it, and more than
30 would arrive within a second (429). The calls keep to 30 in any 1.03 s, 5 in any 0.163 s,
but for calls held up longer than that between being let go and their start: those may start
together with calls let go after them."""
PER_CHAT = (3, 3.0)
"""About one a second per chat, for bulk messages (reminders). Everything else is never held
back for its chat: a safety message must not wait, a reply answers what the person just did
(they set the pace), and a provider's delivery is a few parts they are waiting for; should
Telegram still object, its 429 pauses every call for the time it asks."""


class Window:
    """At most `limit` events in any `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.times: deque[float] = deque()

    def _forget(self, now: float) -> None:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()

    def free_at(self, now: float) -> float:
        """When the next event may happen (now, or later)."""
        self._forget(now)
        if len(self.times) < self.limit:
            return now
        # The limit may have just been lowered (SendQueue.share): more than one must go first.
        return self.times[len(self.times) - self.limit] + self.seconds

    def take(self, now: float) -> None:
        self.times.append(now)

    def retime(self, old: float, new: float) -> None:
        """An event counted at `old` counts at `new` (later) instead (if `old` had left the
        window already, it counts again at `new`)."""
        for index in range(len(self.times) - 1, -1, -1):
            if self.times[index] == old:
                del self.times[index]
                break
        bisect.insort(self.times, new)

    def idle(self, now: float) -> bool:
        self._forget(now)
        return not self.times


class Rate:
    """At most `limit` events in any `seconds`, and at most `burst` over the part of `seconds`
    that holds them at the same rate: a backlog goes out evenly."""

    def __init__(self, limit: int, seconds: float, burst: int | None) -> None:
        self._limit, self._seconds, self._burst = limit, seconds, burst or limit
        self.full = Window(limit, seconds)
        self.short = Window(limit, seconds)
        self.share(1)

    def share(self, processes: int) -> None:
        """This process's part when `processes` send for the bot: its share of the calls
        (at least one) over a window stretched so the rate is exactly its share, and its
        share of the burst (at least one) over the part of it that holds the same rate."""
        limit = max(1, self._limit // processes)
        seconds = self._seconds * limit * processes / self._limit
        burst = min(limit, -(-self._burst // processes))  # rounded up
        self.full.limit, self.full.seconds = limit, seconds
        self.short.limit, self.short.seconds = burst, seconds * burst / limit

    def free_at(self, now: float, *, evenly: bool = True) -> float:
        """When the next event may happen; `evenly=False`: within the full window only."""
        if not evenly:
            return self.full.free_at(now)
        return max(self.full.free_at(now), self.short.free_at(now))

    def windows(self) -> tuple[Window, Window]:
        return self.full, self.short


@dataclass(order=True)
class Ticket:
    """One call waiting for its turn."""

    priority: int
    number: int
    chat_id: int | None = field(compare=False, default=None)
    granted: bool = field(compare=False, default=False)
    cancelled: bool = field(compare=False, default=False)
    evenly: bool = field(compare=False, default=True)  # it went within the burst's window
    counted_at: float = field(compare=False, default=0.0)
    windows: list[Window] = field(compare=False, default_factory=list)  # it counts in these


class SendQueue:
    """Tickets in, tickets out in the order they may go: by priority, then first come."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        overall: tuple[int, float] = OVERALL,
        bulk: tuple[int, float] = BULK,
        per_chat: tuple[int, float] = PER_CHAT,
        burst: int | None = BURST,
    ) -> None:
        self.clock = clock
        bulk_burst = None if burst is None else max(1, burst * bulk[0] // overall[0])
        self.overall, self.bulk = Rate(*overall, burst), Rate(*bulk, bulk_burst)
        replies_burst = None if burst is None else REPLIES_BURST
        self.replies = Rate(*overall, replies_burst)  # only its burst's window: _overall_free_at
        self.per_chat_limit = per_chat
        self.chats: dict[int, Window] = {}
        self.waiting: list[Ticket] = []
        self.paused_until = 0.0
        self._numbers = itertools.count()
        self._replies_waiting = 0  # conversation tickets neither granted nor cancelled

    def share(self, processes: int) -> None:
        """`processes` bot processes send for this bot (replicas): Telegram's limits are the
        bot's, so this one keeps to its share of the overall, bulk and replies' rates and bursts."""
        processes = max(1, processes)
        self.overall.share(processes)
        self.bulk.share(processes)
        self.replies.share(processes)

    def push(self, priority: int, chat_id: int | None) -> Ticket:
        ticket = Ticket(int(priority), next(self._numbers), chat_id)
        heapq.heappush(self.waiting, ticket)
        if ticket.priority == Priority.CONVERSATION:
            self._replies_waiting += 1
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        if not (ticket.granted or ticket.cancelled) and ticket.priority == Priority.CONVERSATION:
            self._replies_waiting -= 1
        ticket.cancelled = True  # dropped when it reaches the top

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody goes until it said to try again."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def release(self, due: float | None = None) -> list[Ticket]:
        """Every ticket that may go now, in order; their calls count from now, or, when the
        caller was woken for `due` (the time `next_release` gave) and came late, those that
        could go then count from then (up to LATE_CREDIT before now)."""
        now = self.clock()
        if now < self.paused_until:
            return []
        granted = []
        if due is not None:
            then = max(min(now, due), now - LATE_CREDIT, self.paused_until)
            if then < now:
                granted = self._release_at(then)
        return granted + self._release_at(now)

    def _release_at(self, now: float) -> list[Ticket]:
        granted: list[Ticket] = []
        held: list[Ticket] = []
        while self.waiting:
            ticket = heapq.heappop(self.waiting)
            if ticket.cancelled:
                continue
            if self._overall_free_at(ticket, now) > now:
                held.append(ticket)
                if ticket.priority == Priority.CONVERSATION and self.overall.free_at(now) <= now:
                    continue  # held by the replies' own window only: what follows may go
                break  # the rest of the heap waits for the same window
            if ticket.priority >= Priority.BULK and self.bulk.free_at(now) > now:
                held.append(ticket)  # the rest of the heap is bulk too: none of it may go
                break
            if self._held_back(ticket, now):
                held.append(ticket)
                continue
            self._take(ticket, now)
            granted.append(ticket)
        for ticket in held:
            heapq.heappush(self.waiting, ticket)
        self._forget_idle_chats(now)
        return granted

    def next_release(self) -> float | None:
        """Seconds until `release` may give out a ticket again (None: nobody is waiting)."""
        live = [t for t in self.waiting if not t.cancelled]
        if not live:
            self.waiting.clear()
            return None
        now = self.clock()
        soonest = min(self._free_at(ticket, now) for ticket in live)
        return max(0.0, soonest - now)

    def _free_at(self, ticket: Ticket, now: float) -> float:
        times = [self.paused_until, self._overall_free_at(ticket, now)]
        if ticket.priority >= Priority.BULK:
            times.append(self.bulk.free_at(now))
        if _paced(ticket) and ticket.chat_id in self.chats:
            times.append(self.chats[ticket.chat_id].free_at(now))
        return max(times)

    def _overall_free_at(self, ticket: Ticket, now: float) -> float:
        """A crisis reply or safety alert is never spread out behind others: it goes as soon
        as the full window allows (and still counts in the burst's). Nor is a reply to someone
        talking while no other reply waits: the burst's window spreads a backlog of replies,
        and held a lone reply up to 0.17 s behind a provider's delivery (bench/stalls.py).
        Replies keep to a burst's window of their own, though (REPLIES_BURST): with many people
        talking, one lone reply after another went 16 within 18 ms, reached the fake Bot API
        over 0.2 s (each needs a connection of its own, written in turn), and the next second's
        calls then arrived within Telegram's second of the burst's last (429s,
        bench/answering.py). It is twice the overall burst: with 5, a few people talking while
        a patient submitted got their replies up to 0.12 s late, the window filled by the
        patient's two replies and the others' (bench/stalls.py)."""
        free_at = self.overall.free_at(now, evenly=self._evenly(ticket))
        if ticket.priority == Priority.CONVERSATION:
            return max(free_at, self.replies.short.free_at(now))
        return free_at

    def _evenly(self, ticket: Ticket) -> bool:
        lone_reply = ticket.priority == Priority.CONVERSATION and self._replies_waiting == 1
        return ticket.priority > Priority.URGENT and not lone_reply

    def _held_back(self, ticket: Ticket, now: float) -> bool:
        return self._free_at(ticket, now) > now

    def started(self, ticket: Ticket) -> None:
        """The ticket's call starts now: if that is more than LATE_CREDIT after it was let go,
        it counts from now less LATE_CREDIT."""
        self._retime(ticket, self.clock() - LATE_CREDIT)

    def written(self, ticket: Ticket) -> None:
        """The ticket's request is being written now: it counts from now, if that is later."""
        self._retime(ticket, self.clock())

    def _retime(self, ticket: Ticket, at: float) -> None:
        if at > ticket.counted_at:
            for window in ticket.windows:
                window.retime(ticket.counted_at, at)
            ticket.counted_at = at

    def _take(self, ticket: Ticket, now: float) -> None:
        ticket.granted, ticket.counted_at, ticket.evenly = True, now, self._evenly(ticket)
        if ticket.priority == Priority.CONVERSATION:
            self._replies_waiting -= 1
        ticket.windows.extend(self.overall.windows())
        if ticket.priority == Priority.CONVERSATION:
            ticket.windows.append(self.replies.short)
        if ticket.priority >= Priority.BULK:
            ticket.windows.extend(self.bulk.windows())
        if _paced(ticket) and ticket.chat_id is not None:
            if ticket.chat_id not in self.chats:
                self.chats[ticket.chat_id] = Window(*self.per_chat_limit)
            ticket.windows.append(self.chats[ticket.chat_id])
        for window in ticket.windows:
            window.take(now)

    def _forget_idle_chats(self, now: float) -> None:
        """Keep memory flat with many chats: a chat with nothing in its window needs no entry."""
        if len(self.chats) < 256:
            return
        for chat_id in [c for c, window in self.chats.items() if window.idle(now)]:
            del self.chats[chat_id]


def _paced(ticket: Ticket) -> bool:
    return ticket.chat_id is not None and ticket.priority >= Priority.BULK
