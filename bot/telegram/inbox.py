"""Receiving updates crash-safely: each update is stored in the inbox before Telegram is told it
arrived, and handled from there.

Polling: fetch a batch with getUpdates, store it, and only then ask for the next batch with a
higher offset — the request that tells Telegram the batch arrived. A crash before the store
makes Telegram send the batch again; after it, the stored updates are handled at start.

Handling: a worker claims stored updates (one per chat at a time, so each chat's updates are
handled in order, several chats at once) and runs them through the Application's handlers. Each
handler's own transaction claims the update id and takes the update out of the inbox, so an
update replayed after a crash changes nothing twice; the chat's next update may start as soon
as that transaction commits (what the handler does after it, such as stopping a button's
spinner, may overlap it). An update no transaction claimed is deleted once its handler returns.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.services.inbox import Inbox
from bot.telegram.limiter import retry_after
from bot.telegram.tasks import cancel_and_wait, wait_for_wake

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds of long polling per getUpdates
READ_MARGIN = 5.0
"""Seconds a getUpdates answer may take beyond its long poll (python-telegram-bot's default)."""
BATCH = 32
CONCURRENT_CHATS = 16
CLAIM_WHEN_FREE = 4
"""While chats are being handled, updates left waiting are claimed once this many slots are
free: one claim for every few updates handled through a backlog, not one for each (a claim
costs about a third of a turn's CPU, bench/backlog.py)."""
IDLE_POLL = 1.0
ALLOWED_UPDATES = Update.ALL_TYPES
"""What Telegram is asked to send, by getUpdates and by setWebhook alike."""
MAX_KEPT = 1_000
"""Received updates kept decoded until handled (more wait as JSON in the inbox)."""

# The Poller asks for getUpdates by name on purpose (see Poller.poll_once), which
# python-telegram-bot would otherwise warn about on every poll.
warnings.filterwarnings("ignore", r"Please use 'Bot\.getUpdates'", PTBUserWarning)


def chat_of(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None else None


class InboxWorker:
    """Handles stored updates through the Application; `wake()` when new ones were stored.

    A pipeline, not batches: whenever a chat's update is handled, the next waiting update (of
    any chat) is claimed at once, so one slow update never holds back the others."""

    def __init__(self, application: Application, inbox: Inbox) -> None:
        self.application = application
        self.inbox = inbox
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._handling: dict[asyncio.Task[None], int] = {}  # tasks, and the update each handles
        self._received: dict[int, Update] = {}  # stored by this process, not yet handled
        self._left_waiting = 0  # stored by this process unclaimed, as far as it knows

    def wake(self) -> None:
        self._wake.set()

    async def store(self, received: list[dict[str, Any]]) -> None:
        """Store received updates, as Telegram sent them (committed when this returns): the
        poller's, the only process receiving, which claims them as it stores them."""
        decoded = [(int(p["update_id"]), self._decoded(p), p) for p in received]
        await self.store_decoded(decoded, claim=True)

    async def store_decoded(
        self, received: list[tuple[int, Update | None, dict[str, Any]]], *, claim: bool
    ) -> None:
        """Store (update id, update, payload) rows. With `claim`, as many as there are free
        slots are claimed as they are stored, and handled at once (no separate claim): only
        for the one process receiving. Webhook deliveries may come at once, to one process or
        to several, and two stores of one chat cannot see each other: both would be claimed,
        and handled out of order."""
        rows = [(i, chat_of(update) if update else None, p) for i, update, p in received]
        room = max(0, CONCURRENT_CHATS - len(self._handling)) if claim else 0
        claimed = await asyncio.to_thread(self.inbox.store, rows, room)
        if len(self._received) >= MAX_KEPT:  # handled elsewhere (a replica), or set aside
            self._received.clear()
        self._received.update((i, update) for i, update, _ in received if update)  # decoded once
        payloads = {update_id: payload for update_id, _, payload in received}
        for update_id in claimed:
            self._start(update_id, payloads[update_id])
        if len(claimed) < len(rows):
            self._left_waiting += len(rows) - len(claimed)
            self.wake()

    def _decoded(self, payload: dict[str, Any]) -> Update | None:
        """The update, or None when python-telegram-bot cannot read it: it is stored all the
        same (never blocking the updates after it), and set aside by the inbox once decoding
        it on each try has failed (bot.services.inbox.MAX_ATTEMPTS)."""
        try:
            return Update.de_json(payload, self.application.bot)
        except Exception as error:
            log.error("update %s could not be read: %s", payload["update_id"], type(error).__name__)
            return None

    async def start(self, *, only_receiver: bool) -> None:
        if only_receiver:
            await asyncio.to_thread(self.inbox.take_over)
        self._task = asyncio.create_task(self._run(), name="inbox-worker")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        for task in list(self._handling):
            await cancel_and_wait(task)
        await asyncio.to_thread(self.inbox.release)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                claimed = await self._claim_more()
            except Exception as error:
                log.error("the inbox worker failed: %s", type(error).__name__)
                claimed = 0
            if not claimed:
                await wait_for_wake(self._wake, IDLE_POLL)

    async def _claim_more(self) -> int:
        """Claim as many waiting updates as there are free slots (while others are handled,
        once CLAIM_WHEN_FREE are), and start handling them."""
        free = self._room_to_claim()
        if not free:
            return 0
        # Never what is still being handled here, though its claim may have run out.
        handling = set(self._handling.values())
        limit = min(free, BATCH)
        batch = await asyncio.to_thread(self.inbox.claim, limit, handling)
        if len(batch) < limit and not handling:  # none held back for a chat handled here
            self._left_waiting = 0
        else:  # a chat's next update waits for its turn to end, and is counted until claimed
            self._left_waiting = max(0, self._left_waiting - len(batch))
        for update_id, payload in batch:
            self._start(update_id, payload)
        return len(batch)

    def _start(self, update_id: int, payload: dict[str, Any]) -> None:
        task = asyncio.create_task(self._handle(update_id, payload))
        self._handling[task] = update_id
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._handling.pop(task, None)
        # A slot is free, and the chat's next update may now be claimed (with others'). Updates
        # another process stored are found by the next poll of the inbox (IDLE_POLL).
        if self._left_waiting and self._room_to_claim():
            self.wake()

    def _room_to_claim(self) -> int:
        """The free slots to claim for now: 0 unless one is free while nothing is handled, or
        CLAIM_WHEN_FREE are."""
        free = CONCURRENT_CHATS - len(self._handling)
        return free if free >= (CLAIM_WHEN_FREE if self._handling else 1) else 0

    async def _handle(self, update_id: int, payload: dict[str, Any]) -> None:
        try:
            update = self._received.pop(update_id, None) or Update.de_json(
                payload, self.application.bot
            )
            await self.application.process_update(update)  # errors go to the error handler
            if not self.inbox.left_already(update_id):
                await asyncio.to_thread(self.inbox.done, update_id)
        except Exception as error:  # the database: the claim runs out and it is tried again
            log.error("update %s could not be handled: %s", update_id, type(error).__name__)


class Poller:
    """Long polling that stores before it confirms (see the module docstring)."""

    def __init__(self, application: Application, worker: InboxWorker) -> None:
        self.application = application
        self.worker = worker
        self._task: asyncio.Task[None] | None = None
        self.offset: int | None = None

    async def start(self) -> None:
        await self.application.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="inbox-poller")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.poll_once()
                delay = 1.0
            except RetryAfter as error:
                await asyncio.sleep(retry_after(error).total_seconds())
            except Exception as error:  # Telegram, or the database: nothing was confirmed,
                # so Telegram sends the same updates again
                telegram = isinstance(error, TelegramError)
                failed = "getUpdates failed" if telegram else "updates could not be stored"
                log.warning("%s (%s); trying again in %.0f s", failed, type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def poll_once(self) -> None:
        """One getUpdates, its updates stored as Telegram sent them: get_updates would decode
        them only for the inbox to encode them again (5 % of the bot's CPU per answer)."""
        received = await self.application.bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": self.offset,
                "timeout": POLL_TIMEOUT,
                "allowed_updates": ALLOWED_UPDATES,
            },
            read_timeout=POLL_TIMEOUT + READ_MARGIN,
        )
        if received:
            await self.worker.store(list(received))
            self.offset = received[-1]["update_id"] + 1  # the next getUpdates confirms these
