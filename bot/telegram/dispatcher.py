"""The outbox's dispatcher: sends what services wrote to the outbox, most urgent first, each
chat's messages in order, part by part, recording each part Telegram accepted.

Failures: a 429 waits the time Telegram asks; a lost answer (a timeout, a dropped connection)
is retried within seconds and the retry says it is a re-send; a part Telegram refuses for good
(a bad request) is skipped and logged; a chat that blocked the bot fails the message. Urgent
alerts are never given up: they are retried until they go. Nothing here logs message text.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.services.deliveries import (
    LEASE,
    NOTHING,
    Claimed,
    Deliveries,
    Settled,
    unavailable_for_now,
)
from bot.telegram.limiter import SENDING_PRIORITY, retry_after
from bot.telegram.senders import Senders
from bot.telegram.tasks import cancel_and_wait, wait_for_wake
from storage.statuses import Priority

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Lane:
    """Outbox rows one loop claims: a batch at a time, within a range of priorities."""

    name: str
    priorities: tuple[int, int]
    batch: int


CONVERSATION = Lane("conversation", (Priority.URGENT, Priority.CONVERSATION), 50)
LANES = (CONVERSATION, Lane("bulk", (Priority.PROVIDER, Priority.BULK), 50))
"""Two loops, so a crisis reply is claimed the moment it is written, not after the batch of
reminders in flight; the rate limiter then lets it go before them."""
IDLE_POLL = 1.0
"""Seconds between looks at the outbox when nothing woke the dispatcher (retries falling due,
rows written by another process)."""
MAX_ATTEMPTS = 12
RECORD_RETRY_FIRST, RECORD_RETRY_MOST = 0.25, 4.0
"""Seconds before recording a sent message is tried again while the database refuses, doubling
each time up to the most."""
CLAIM_MARGIN = timedelta(seconds=10)
"""Recording is given up this long before the message's claim runs out, not after another
process may have taken it over."""
HARMLESS = ("message is not modified", "message to edit not found", "message can't be edited")
"""Edits Telegram refuses because there is nothing left to do."""


def _by_chat(batch: Sequence[Claimed]) -> dict[int, list[Claimed]]:
    by_chat: dict[int, list[Claimed]] = defaultdict(list)
    for message in batch:
        by_chat[message.chat_id].append(message)
    return by_chat


def backoff(message: Claimed) -> timedelta:
    """The first retry within seconds; urgent ones never wait more than 30 s."""
    cap = 30 if message.priority == Priority.URGENT else 300
    return timedelta(seconds=min(cap, 2 ** min(message.attempts, 10)))


class Dispatcher:
    """One per process; `wake()` after writing to the outbox."""

    def __init__(
        self,
        deliveries: Deliveries,
        senders: Senders,
        on_settled: Callable[[list[int]], None] | None = None,
        after_alert: Callable[[int], None] | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.senders = senders
        self.on_settled = on_settled  # reminder rows planned when a reminder settles: arm them
        self.after_alert = after_alert  # an alert's copy went out: plan its repeat
        self._wakes = {lane.name: asyncio.Event() for lane in LANES}
        self._tasks: list[asyncio.Task[None]] = []
        self._sending: dict[str, dict[asyncio.Task[None], list[int]]] = {
            lane.name: {} for lane in LANES
        }  # each lane's tasks, and the outbox rows each is sending
        self._full = {lane.name: False for lane in LANES}  # its last claim took all its room
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self, *, conversation_only: bool = False) -> None:
        """Look at the outbox now: in every lane, or only in the one of replies and alerts."""
        for lane in LANES:
            if not conversation_only or lane is CONVERSATION:
                self._wakes[lane.name].set()

    def hand_over(self, message: Claimed) -> None:
        """From any thread: a reply stored claimed for this process (its transaction committed),
        to send now. Before start or after stop, it is left to a claim once its lease runs out."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._take, message)

    def _take(self, message: Claimed) -> None:
        if self._loop is None:
            return  # stopped meanwhile: claimed again once its lease runs out (or at a start)
        sending = self._sending[CONVERSATION.name]
        task = asyncio.create_task(self._send_chat([message], CONVERSATION))
        sending[task] = [message.id]
        task.add_done_callback(partial(self._settled, CONVERSATION, sending))

    async def start(self, *, only_sender: bool) -> None:
        self._loop = asyncio.get_running_loop()
        if only_sender:
            await asyncio.to_thread(self.deliveries.take_over)
        self._tasks = [
            asyncio.create_task(self._run(lane), name=f"outbox-{lane.name}") for lane in LANES
        ]

    async def stop(self) -> None:
        self._loop = None
        for task in self._tasks:
            await cancel_and_wait(task)
        for sending in self._sending.values():
            for task in list(sending):
                await cancel_and_wait(task)
        try:
            await asyncio.to_thread(self.deliveries.release)
        finally:
            await self.deliveries.close_loop()

    async def _run(self, lane: Lane) -> None:
        """A pipeline: whenever a message settles, what it held back is claimed at once, so a
        message waiting for its turn in the rate limiter never holds back the lane."""
        wake = self._wakes[lane.name]
        while True:
            wake.clear()
            try:
                claimed = await self._claim_more(lane)
            except Exception as error:  # the database: log, keep the loop alive
                log.error("the outbox dispatcher failed: %s", type(error).__name__)
                claimed = False
            if not claimed:
                await wait_for_wake(wake, IDLE_POLL)

    async def _claim_more(self, lane: Lane) -> bool:
        """Claim as many due messages as the lane has room for, and start sending them."""
        sending = self._sending[lane.name]
        room = lane.batch - sum(len(ids) for ids in sending.values())
        if room <= 0:
            self._full[lane.name] = True
            return False
        # Never what this process is still sending, though its claim may have run out (a
        # message held by 429 pauses); another process takes it only if this one stopped.
        batch = await asyncio.to_thread(
            self.deliveries.claim, room, lane.priorities, self._in_flight()
        )
        self._full[lane.name] = len(batch) >= room  # more may be due than there was room for
        for messages in _by_chat(batch).values():
            task = asyncio.create_task(self._send_chat(messages, lane))
            sending[task] = [message.id for message in messages]
            task.add_done_callback(partial(self._settled, lane, sending))
        return bool(batch)

    def _in_flight(self) -> set[int]:
        return {i for tasks in self._sending.values() for ids in tasks.values() for i in ids}

    def _settled(
        self, lane: Lane, tasks: dict[asyncio.Task[None], list[int]], task: asyncio.Task[None]
    ) -> None:
        tasks.pop(task, None)
        if self._full[lane.name]:  # room again for what did not fit
            self._wakes[lane.name].set()

    async def send_due(self, lane: Lane | None = None) -> bool:
        """Send one batch of what is due (in `lane`, or of any priority); False when nothing
        was."""
        limit, priorities = (lane.batch, lane.priorities) if lane else (100, (0, 99))
        batch = await asyncio.to_thread(self.deliveries.claim, limit, priorities)
        chats = _by_chat(batch).values()
        await asyncio.gather(*(self._send_chat(messages, lane) for messages in chats))
        if batch:
            self.wake()  # what settled may free a chat's next message in the other lane
        return bool(batch)

    async def _send_chat(self, messages: Sequence[Claimed], lane: Lane | None) -> None:
        """Send one chat's claimed messages in order; then, if the chat has another message
        they held back, look at the outbox again. (Not after every message: waking for each
        made most claims empty ones.) A message of a less urgent lane that was held back is
        found by that lane's next look, within IDLE_POLL."""
        waiting = False
        for message in sorted(messages, key=lambda m: (m.priority, m.id)):
            try:
                waiting = await self.send(message) or waiting
            except Exception as error:  # the database: the claim runs out and it is tried again
                log.error("outbox message %s failed: %s", message.id, type(error).__name__)
                break
        if waiting and lane is not None:
            self._wakes[lane.name].set()
        elif waiting:
            self.wake()

    async def send(self, message: Claimed) -> bool:
        """Send every part not yet accepted, with the message's priority; record the result.
        True when the chat has another message waiting."""
        token = SENDING_PRIORITY.set(message.priority)
        try:
            return await self._send(message)
        finally:
            SENDING_PRIORITY.reset(token)

    async def _send(self, message: Claimed) -> bool:
        try:
            parts = await self.senders.parts(message)
        except Exception as error:
            log.error(
                "outbox message %s could not be rendered: %s", message.id, type(error).__name__
            )
            # Still pending it holds the chat's next message back; given up, it may free it.
            return await self._retry(message, error, uncertain=False)
        ids = list(message.message_ids)
        for number in range(message.parts_sent, len(parts)):
            try:
                made = await parts[number]()
            except BadRequest as error:
                if not any(text in str(error).lower() for text in HARMLESS):
                    log.error(
                        "outbox message %s part %d refused: %s",
                        message.id,
                        number + 1,
                        type(error).__name__,
                    )
                made = None
            except TelegramError as error:
                return await self._failed_part(message, error)
            ids.append(made or 0)
            if number + 1 < len(parts):
                progress = partial(self.deliveries.progress, message, number + 1, list(ids))
                await self._recorded(message, progress)
        # On SQLite, settled here when the database is free (as a patient's turn is, see
        # bot.telegram.turns; one statement, so it does not wait for a pass of its own), else
        # elsewhere.
        settled = self.deliveries.sent_at_once(message, ids)
        if settled is None:
            settled = await self._sent_elsewhere(message, ids)
        self._after_sent(message, settled.planned)
        return settled.chat_waiting

    async def _sent_elsewhere(self, message: Claimed, ids: list[int]) -> Settled:
        """On PostgreSQL, a reply's settle on the loop's own connection; any other in a worker
        thread; tried again while the database refuses."""
        try:
            settled = await self.deliveries.sent_on_loop(message, ids)
            if settled is None:
                settled = await asyncio.to_thread(self.deliveries.sent, message, ids)
            return settled
        except Exception as error:
            if not unavailable_for_now(error):
                raise
            sent = partial(self.deliveries.sent, message, ids)
            settled = await self._recorded(message, sent, error)
        # Settled already, perhaps by an attempt whose answer was lost, which may have found
        # another message of the chat waiting: say there may be one.
        return Settled([], chat_waiting=True) if settled is NOTHING else settled

    async def _recorded(
        self, message: Claimed, record: Callable[[], T], failed: Exception | None = None
    ) -> T:
        """`record` (what Telegram accepted, written down) in a worker thread; while the database
        cannot (a restart, a failover), tried again until CLAIM_MARGIN before the message's
        claim runs out: given up, the message would go a second time once it did, and after
        that another process may have taken it over. An attempt begun within the margin may
        end after the claim (waiting for the pool, the connection, a lock, each retried once):
        its record then says the message went, which is true, though a second copy may go."""
        ends = message.claimed_until or self.deliveries.clock() + LEASE
        delay = RECORD_RETRY_FIRST
        while True:
            if failed is not None:
                left = (ends - CLAIM_MARGIN - self.deliveries.clock()).total_seconds()
                if left <= 0:
                    raise failed
                log.warning(
                    "outbox message %s went out but is not yet on record, trying again: %s",
                    message.id,
                    type(failed).__name__,
                )
                await asyncio.sleep(min(delay, left))
                delay = min(delay * 2, RECORD_RETRY_MOST)
            try:
                return await asyncio.to_thread(record)
            except Exception as error:
                if not unavailable_for_now(error):
                    raise
                failed = error

    def _after_sent(self, message: Claimed, planned: list[int]) -> None:
        if planned and self.on_settled is not None:
            self.on_settled(planned)
        if message.kind == "alert" and self.after_alert is not None:
            self.after_alert(int(message.payload["event_id"]))

    async def _failed_part(self, message: Claimed, error: TelegramError) -> bool:
        """A part was refused: settled as failed, or tried again later. True when the chat has
        another message waiting that may go now."""
        if isinstance(error, Forbidden) and message.priority != Priority.URGENT:
            log.warning("outbox message %s not delivered: the chat blocked the bot", message.id)
            settled = await asyncio.to_thread(self.deliveries.failed, message, type(error).__name__)
            if settled.planned and self.on_settled is not None:
                self.on_settled(settled.planned)
            return settled.chat_waiting
        uncertain = isinstance(error, NetworkError) and not isinstance(error, RetryAfter)
        return await self._retry(message, error, uncertain=uncertain)

    async def _retry(self, message: Claimed, error: Exception, *, uncertain: bool) -> bool:
        name = type(error).__name__
        if message.attempts >= MAX_ATTEMPTS and message.priority != Priority.URGENT:
            log.error(
                "outbox message %s given up after %d attempts: %s",
                message.id,
                message.attempts,
                name,
            )
            settled = await asyncio.to_thread(self.deliveries.failed, message, name)
            return settled.chat_waiting
        delay = retry_after(error) if isinstance(error, RetryAfter) else backoff(message)
        log.warning("outbox message %s will be retried: %s", message.id, name)
        await asyncio.to_thread(self.deliveries.retry, message, delay, name, uncertain=uncertain)
        return False  # still pending, due later: the lane's regular look finds it
