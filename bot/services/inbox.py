"""The inbox, without Telegram: store each received update before Telegram is told it arrived,
hand updates out for handling (each chat's in order, across processes), forget them once
handled."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.services.deliveries import process_name
from storage import inbox
from storage.clock import utcnow
from storage.db import autocommitted, session_scope

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
"""How long a claimed update stays with its process before another may handle it."""
MAX_ATTEMPTS = 3
"""An update handed out for handling this many times without its handling ever ending (the
process stopped each time) is set aside (and logged) at its next claim. Each claim counts:
the worker starts every update it claims at once, so a claim is a start (a separate "started"
write per update cost a statement and a thread hop, for the microseconds between the two)."""
MAX_REMEMBERED = 10_000
"""Update ids a handler took out of the inbox, kept until the worker is done with them."""


class Inbox:
    """Received updates, as plain data (update id, chat id, the update as JSON)."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = utcnow, owner: str | None = None
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.owner = owner or process_name()
        self._left: set[int] = set()

    def store(
        self, received: Sequence[tuple[int, int | None, dict[str, Any]]], claim: int = 0
    ) -> list[int]:
        """Store received updates; up to `claim` of them (of chats with nothing else waiting)
        claimed for this process in the same statements: their ids, to handle now."""
        now = self.clock()
        claim_for = inbox.ClaimFor(self.owner, now + LEASE, claim) if claim else None
        try:
            with autocommitted(self.engine) as session:  # each update's statement stands alone
                return inbox.store(session, received, now, claim_for)
        except Exception:
            if claim_for is not None:  # those stored before the failure: never handed out
                self.release([update_id for update_id, _, _ in received])
            raise

    def claim(self, limit: int, handling: Collection[int] = ()) -> list[tuple[int, dict[str, Any]]]:
        """Updates to handle now: one per chat at most, oldest first, none of `handling`
        (still being handled by this process)."""
        now = self.clock()
        with autocommitted(self.engine) as session:
            rows = inbox.claim(session, self.owner, now, now + LEASE, limit, handling)
        poison = [row.update_id for row in rows if row.attempts > MAX_ATTEMPTS]
        for update_id in poison:
            log.error(
                "update %s was set aside: handling it failed %d times", update_id, MAX_ATTEMPTS
            )
            with session_scope(self.engine) as session:
                inbox.done(session, update_id, now)
        return [(row.update_id, dict(row.payload)) for row in rows if row.update_id not in poison]

    def left_in_transaction(self, update_id: int) -> None:
        """A handler's committed transaction claimed the update, which took it out of the
        inbox (storage.updates.claim): `done` has nothing left to do for it. Called from the
        handler's worker thread; `done` runs after the handler returned."""
        if len(self._left) >= MAX_REMEMBERED:  # never done (the handler failed after): harmless
            self._left.clear()
        self._left.add(update_id)

    def left_already(self, update_id: int) -> bool:
        """Whether a handler's transaction took the update out of the inbox: then `done` has
        nothing to do (and the caller need not hop to a thread for it)."""
        if update_id in self._left:
            self._left.discard(update_id)
            return True
        return False

    def done(self, update_id: int) -> None:
        if self.left_already(update_id):
            return  # no second transaction for an update handled in one
        with session_scope(self.engine) as session:
            inbox.done(session, update_id, self.clock())

    def release(self, update_ids: Collection[int] | None = None) -> None:
        """Give back this process's claims: every one, or those of `update_ids`."""
        with session_scope(self.engine) as session:
            inbox.release(session, self.owner, update_ids)

    def take_over(self) -> None:
        """At start, when this is the only process (polling): every claim is this one's now."""
        with session_scope(self.engine) as session:
            inbox.release_all(session)

    def waiting(self) -> int:
        with session_scope(self.engine) as session:
            return inbox.waiting(session)
