"""The sending side of the outbox, without Telegram: claim what is due, record each part Telegram
accepted, and, once a message has gone, what its going changes (the question the patient has
now seen, a reminder sent, an alert recorded against the provider chat, an intake delivered).

Every method is one short transaction, safe to call from a worker thread, and safe to repeat.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.services.outbox import Handed, Kind, Outbox, ref_from_data, shown_step
from bot.services.reminders import settle
from storage import intakes, outbox, safety
from storage import loop as loop_statements
from storage.clock import utcnow
from storage.db import (
    WouldWait,
    again_if_connection_lost,
    autocommitted,
    connection_free,
    session_scope,
    writing_from_the_start,
)
from storage.db import unavailable_for_now as unavailable_for_now  # the dispatcher's retries
from storage.statuses import OutboxStatus, Priority

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
"""How long a claimed message stays with its sender before another may take it over."""


def process_name() -> str:
    """Who claims rows: unique per process, so replicas and restarts never share a claim."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Claimed:
    """A message to send now, as plain data."""

    id: int
    chat_id: int
    kind: Kind
    payload: dict[str, Any]
    priority: int
    attempts: int
    parts_sent: int
    message_ids: list[int]
    uncertain: bool  # an earlier attempt's answer was lost: say it is a re-send
    group_key: str | None = None
    claimed_until: datetime | None = None  # when another process may take it over

    @property
    def forget(self) -> bool:
        """Settled, it keeps neither its words nor its chat (see storage.outbox.settle)."""
        return bool(self.payload.get(outbox.FORGET))


def _claimed(row: Row[Any], until: datetime) -> Claimed:
    return Claimed(
        row.id,
        row.chat_id,
        Kind(row.kind),
        dict(row.payload),
        row.priority,
        row.attempts,
        row.parts_sent,
        list(row.message_ids or []),
        bool(row.uncertain),
        row.group_key,
        until,
    )


def handed_claim(handed: Handed) -> Claimed:
    """A reply stored claimed for this process (bot.services.outbox.Handoff), as its claim
    would have read it."""
    payload, priority = handed.payload, handed.priority
    return Claimed(
        handed.message_id,
        handed.chat_id,
        Kind.REPLY,
        payload,
        priority,
        1,
        0,
        [],
        False,
        claimed_until=handed.claimed_until,
    )


@dataclass(frozen=True)
class Settled:
    """What settling a message changed, for the dispatcher."""

    planned: list[int]  # reminder rows planned as a result (to arm)
    chat_waiting: bool  # the chat has another message pending, which this one held back


NOTHING = Settled([], chat_waiting=False)


class Deliveries:
    """The dispatcher's view of the outbox."""

    def __init__(
        self,
        engine: Engine,
        clinic_zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
        owner: str | None = None,
    ) -> None:
        self.engine = engine
        self.clinic_zone = clinic_zone
        self.clock = clock
        self.owner = owner or process_name()
        self.loop = loop_statements.for_engine(engine)

    def claim(
        self, limit: int, priorities: tuple[int, int] = (0, 99), sending: Collection[int] = ()
    ) -> list[Claimed]:
        """Up to `limit` messages due now, with a priority within `priorities`, none of
        `sending` (still being sent by this process)."""
        now = self.clock()
        with autocommitted(self.engine) as session:
            until = now + LEASE
            rows = outbox.claim(session, self.owner, now, until, limit, priorities, sending)
            return [_claimed(row, until) for row in rows]

    def progress(self, message: Claimed, parts_sent: int, message_ids: list[int]) -> None:
        """Parts Telegram accepted so far: a crash resumes after them."""
        with session_scope(self.engine) as session:
            outbox.save_progress(session, message.id, parts_sent, message_ids, message.uncertain)

    def retry(self, message: Claimed, delay: timedelta, error: str, *, uncertain: bool) -> None:
        with session_scope(self.engine) as session:
            outbox.retry_later(session, message.id, self.clock() + delay, error, uncertain)

    def failed(self, message: Claimed, error: str) -> Settled:
        """Telegram refused the message for good; what it was for is settled as failed."""
        return self._finish(message, OutboxStatus.FAILED, None, error)

    def sent(self, message: Claimed, message_ids: list[int]) -> Settled:
        """Every part went out: mark it sent and apply what its going changes."""
        return self._finish(message, OutboxStatus.SENT, message_ids, None)

    def sent_at_once(self, message: Claimed, message_ids: list[int]) -> Settled | None:
        """`sent`, for the event loop, on SQLite only: when a pooled connection is free and no
        other connection is writing. None when it did not happen (nothing was committed):
        then call `sent` in a thread (see bot.services.transactions.UnitOfWork.run_at_once)."""
        if self.engine.dialect.name != "sqlite" or not connection_free(self.engine):
            return None
        try:
            return self._finish_once(message, OutboxStatus.SENT, message_ids, None, wait=False)
        except (WouldWait, DBAPIError):
            return None

    async def sent_on_loop(self, message: Claimed, message_ids: list[int]) -> Settled | None:
        """`sent`, for the event loop, on PostgreSQL, for a reply: its settle is one statement
        (storage.outbox.settle), run on the loop's own connection (storage.loop) instead of in
        a worker thread. If it fails, `sent` does it in a thread (it may have been committed
        first). None for any other message, or any other database: call `sent` then."""
        if self.loop is None or message.kind != Kind.REPLY:
            return None
        settling = outbox.Settle(
            message.id,
            OutboxStatus.SENT,
            self.clock(),
            message_ids,
            forget=message.forget,
            chat_id=message.chat_id,
            shown=_shown_by(message, message_ids),
        )
        try:
            waiting = await outbox.settle_on_loop(self.loop, settling)
        except Exception as error:  # the database's or the network's: a thread does it
            log.warning("a settle on the event loop failed: %s", type(error).__name__)
            settled = await asyncio.to_thread(self.sent, message, message_ids)
            # Settled already: by the failed run, which may have found another message of the
            # chat waiting: say there may be one (at worst the lane looks once for nothing).
            return Settled([], chat_waiting=True) if settled is NOTHING else settled
        return NOTHING if waiting is None else Settled([], waiting)

    async def close_loop(self) -> None:
        """Close the loop's own connection (when the loop stops)."""
        if self.loop is not None:
            await self.loop.close()

    def _finish(
        self, message: Claimed, status: str, message_ids: list[int] | None, error: str | None
    ) -> Settled:
        # What Telegram accepted is recorded even if the database closed the connection just
        # then (a restart): else the message would go again once its claim ran out.
        return again_if_connection_lost(
            lambda: self._finish_once(message, status, message_ids, error)
        )

    def _finish_once(
        self,
        message: Claimed,
        status: str,
        message_ids: list[int] | None,
        error: str | None,
        *,
        wait: bool = True,
    ) -> Settled:
        sent = status == OutboxStatus.SENT
        ids = message.message_ids if message_ids is None else message_ids
        # A sent reply, the most common settle, is one statement that also marks its question
        # shown (storage.outbox.settle): no transaction's two round trips on PostgreSQL.
        reply = message.kind == Kind.REPLY and sent
        with (autocommitted if reply else session_scope)(self.engine) as session:
            if not wait:
                writing_from_the_start(session, wait=False)
            waiting = outbox.settle(
                session,
                message.id,
                status,
                self.clock(),
                message_ids=message_ids,
                error=error,
                forget=message.forget,
                chat_id=message.chat_id,
                shown=_shown_by(message, ids) if reply else None,
            )
            if waiting is None:
                return NOTHING  # settled already (by another sender, or a repeated call)
            return Settled(self._settle(session, message, ids, sent=sent), waiting)

    def release(self) -> None:
        """At shutdown: give back what this process claimed but did not start."""
        with session_scope(self.engine) as session:
            outbox.release(session, self.owner)

    def take_over(self) -> None:
        """At start, when this is the only sender (polling): take every claim at once, so a
        message that was in flight when the process stopped goes out now, marked re-sent."""
        with session_scope(self.engine) as session:
            outbox.take_over_claims(session)

    # --- what a message's going changes ----------------------------------------------------

    def _settle(
        self, session: Session, message: Claimed, message_ids: list[int], *, sent: bool
    ) -> list[int]:
        now = self.clock()
        payload = {} if message.forget else message.payload
        match message.kind:
            case Kind.ALERT if sent:
                event_id, message_id = int(payload["event_id"]), (message_ids or [0])[0]
                _record_alert(session, event_id, message.chat_id, message_id, payload, now)
            case Kind.INTAKE if message.group_key:
                _settle_intake(session, message.group_key, now)
            case Kind.REMINDER:
                reminder_id = int(payload["reminder_id"])
                return settle(session, reminder_id, sent, now, self.clinic_zone)
        return []


def _shown_by(message: Claimed, message_ids: list[int]) -> intakes.Shown | None:
    """The question a sent reply showed (none kept for one that forgets what it was)."""
    return None if message.forget else _shown(message.payload, message_ids)


def _shown(payload: dict[str, Any], message_ids: list[int]) -> intakes.Shown | None:
    """The question a reply showed, in the message that holds it (its last part)."""
    screen = payload.get("screen")
    if not screen:
        return None
    shown = [number for number in message_ids if number]
    return shown_step(
        ref_from_data(payload.get("ref")), screen["step"], shown[-1] if shown else None
    )


def _record_alert(
    session: Session,
    event_id: int,
    chat_id: int,
    message_id: int,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """The alert's copy reached a provider chat: recorded, so acknowledging marks it."""
    event = safety.get_locked(session, event_id)
    if event is None:
        return
    if event.acknowledged_at is not None:  # acknowledged while this copy was on its way
        clear = {"clear": [message_id]}
        Outbox().add(session, chat_id, Kind.EDIT, clear, Priority.URGENT, now)
    event.alert_messages = [*(event.alert_messages or []), [chat_id, message_id]]
    event.alerted_chat_ids = sorted({*(event.alerted_chat_ids or []), chat_id})
    event.times_alerted = max(event.times_alerted, int(payload.get("round", 1)))
    event.last_alerted_at = now
    session.add(event)
    action = "realerted" if int(payload.get("round", 1)) > 1 else "alerted"
    safety.add_audit(session, event_id, action, "bot", f"provider chat {chat_id}", now)


def _settle_intake(session: Session, group_key: str, now: datetime) -> None:
    """Once every provider chat's copy is settled, the intake counts as delivered."""
    rows = outbox.in_group(session, group_key)
    if any(r.status == OutboxStatus.PENDING for r in rows):
        return
    if any(r.status == OutboxStatus.SENT for r in rows):
        intakes.mark_delivered(session, int(group_key.split(":")[1]), now)
    else:
        log.error("%s was submitted but reached no provider chat", group_key)
