"""python-telegram-bot's rate limiter for this bot: every Bot API call waits its turn in one
priority queue (bot.telegram.send_queue) instead of python-telegram-bot's first-come
AIORateLimiter, so a crisis reply or a safety alert goes out next even while a thousand
reminders are queued.

The outbox dispatcher says how urgent the message it is sending is through `SENDING_PRIORITY`
(a context variable, so every call a message makes carries it without threading it through each
sender); calls made outside the dispatcher (answering a button press) count as conversation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from datetime import timedelta
from functools import partial
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.http import ON_WRITE
from bot.telegram.send_queue import SendQueue, Ticket
from storage.statuses import Priority

log = logging.getLogger(__name__)

SENDING_PRIORITY: ContextVar[int] = ContextVar("sending_priority", default=Priority.CONVERSATION)
"""The priority of the outbox message whose calls are being made in this task."""

MESSAGE_CALLS = ("send", "edit", "copy", "forward")
"""The calls that make or change a message: Telegram's limits are on these. Answering a
button press, getUpdates or getMe go at once (they are not messages, and a button's spinner
should stop as soon as the press is handled)."""

Result = bool | dict[str, Any] | list[dict[str, Any]]


class PriorityLimiter(BaseRateLimiter[int]):
    """Calls in priority order within Telegram's limits; a 429 pauses every call for the time
    Telegram asks, then the call is tried again (up to `max_retries` times)."""

    def __init__(self, max_retries: int = 5, queue: SendQueue | None = None) -> None:
        self.max_retries = max_retries
        self.queue = queue or SendQueue(time.monotonic)
        self._waiters: dict[int, asyncio.Future[None]] = {}
        self._timer: asyncio.TimerHandle | None = None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        priority = SENDING_PRIORITY.get() if rate_limit_args is None else rate_limit_args
        chat_id = _chat_of(data)
        counted = endpoint.lower().startswith(MESSAGE_CALLS)
        for attempt in range(self.max_retries + 1):
            ticket = await self._turn(priority, chat_id) if counted else None
            # Telegram counts a message when it arrives: on a busy event loop the request may
            # be written a tenth of a second after the call started.
            writing = None if ticket is None else ON_WRITE.set(partial(self.queue.written, ticket))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self.max_retries:
                    raise
                self.queue.pause(_seconds(error) + 0.1)
                log.info("Telegram asked to slow down: every call waits %.1f s", _seconds(error))
                if not counted:  # not in the queue, so the pause does not hold it back
                    await asyncio.sleep(_seconds(error) + 0.1)
            finally:
                if writing is not None:
                    ON_WRITE.reset(writing)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _turn(self, priority: int, chat_id: int | None) -> Ticket:
        """Wait until the queue lets this call go, and tell it when the call starts."""
        ticket = self.queue.push(priority, chat_id)
        waiter = asyncio.get_running_loop().create_future()
        self._waiters[ticket.number] = waiter
        self._release()
        try:
            await waiter
        except asyncio.CancelledError:
            self.queue.cancel(ticket)
            raise
        finally:
            self._waiters.pop(ticket.number, None)
        self.queue.started(ticket)
        return ticket

    def _release(self, due: float | None = None) -> None:
        """Let go of every call whose turn it is (`due`: the queue's time this wake-up was set
        for); look again when the next one may go."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for ticket in self.queue.release(due):
            self._wake(ticket)
        delay = self.queue.next_release()
        if delay is not None:
            loop = asyncio.get_running_loop()
            due = self.queue.clock() + delay
            self._timer = loop.call_later(max(delay, 0.001), self._release, due)

    def _wake(self, ticket: Ticket) -> None:
        waiter = self._waiters.get(ticket.number)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _chat_of(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def retry_after(error: RetryAfter) -> timedelta:
    """The wait Telegram asked for (an int of seconds, or a timedelta, by PTB's settings)."""
    wait = error.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))


def _seconds(error: RetryAfter) -> float:
    return retry_after(error).total_seconds()
