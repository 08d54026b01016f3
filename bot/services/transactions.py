"""One patient event, one database transaction: the update is claimed (a re-delivered update
changes nothing), the work runs, and everything it decided is committed together, or retried
on fresh state when another update changed the same rows first or the database connection was
lost before the commit (the claim makes a retry after a commit that did land change nothing)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from bot.services.committed import AFTER_COMMIT
from bot.services.outbox import Outbox, mark_shown
from bot.services.replies import Reply, Target
from bot.services.seen import WAITED, QuestionOnItsWay
from storage import updates, writes
from storage.clock import utcnow
from storage.db import (
    WouldWait,
    connection_free,
    locked,
    session_scope,
    writing_from_the_start,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
KEEP_UPDATE_IDS = timedelta(days=2)
WAIT_FOR_QUESTION = 2.0
"""Seconds a patient's text waits for the question it may answer, while that is being sent
(its settle is a round trip behind Telegram's answer); then it is taken as typed before."""
QUESTION_POLL = 0.02
Work = Callable[[Session, datetime], Reply]
"""What a turn does in its transaction: given the session and the time, the reply."""


class UnitOfWork:
    """Runs each event's work in its own transaction, at most once per Telegram update."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utcnow,
        outbox: Outbox | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.outbox = outbox  # None: the caller shows replies itself (the terminal demo)
        self.on_claimed: Callable[[int], None] = no_inbox
        """Told each update id whose transaction claimed it and committed (the inbox then has
        nothing left to do for it: the claim took it out, see storage.updates.claim)."""

    def run(
        self,
        update_id: int | None,
        work: Work,
        target: Target | None = None,
        *,
        waited: bool = False,
        wait_here: bool = True,
    ) -> Reply:
        """Do `work` in one transaction, with the reply to `target` written to the outbox in it.
        Text typed while the question it may answer is being sent waits for that question's
        record (QuestionOnItsWay): here, sleeping; or, without `wait_here`, in the caller,
        which is raised QuestionOnItsWay and calls again, with `waited` once it waited
        WAIT_FOR_QUESTION (the text is then taken as typed before the question)."""
        attempt, wait_until = 1, None
        while True:
            try:
                return self._once(update_id, work, target, waited=waited)
            except QuestionOnItsWay:  # its settle commits in a moment: then it is on record
                if not wait_here:
                    raise
                wait_until = wait_until or time.monotonic() + WAIT_FOR_QUESTION
                time.sleep(QUESTION_POLL)
                waited = time.monotonic() >= wait_until
                continue
            except updates.AlreadyHandled:
                return Reply(duplicate=True)  # found by the claim that ran with the first read
            except writes.LostRace:  # another update moved the same dialogue first
                log.info("a dialogue changed concurrently; retrying (attempt %d)", attempt)
            except IntegrityError as error:
                if "processedupdate" in str(error.orig).lower():
                    return Reply(duplicate=True)  # the same update, handled in parallel
                if attempt == MAX_ATTEMPTS:
                    raise
                log.info("a unique row was written concurrently; retrying (attempt %d)", attempt)
            except DBAPIError as error:  # nothing was committed: the transaction died with it
                lost = error.connection_invalidated
                if not (lost or locked(error)) or attempt == MAX_ATTEMPTS:
                    raise
                why = "connection was lost" if lost else "stayed locked by another writer"
                log.warning("the database %s; retrying (attempt %d)", why, attempt)
            if attempt == MAX_ATTEMPTS:
                raise RuntimeError("the dialogue kept changing under concurrent updates")
            attempt += 1

    @property
    def on_loop_possible(self) -> bool:
        """Whether `run_at_once` may run anything (SQLite)."""
        return self.engine.dialect.name == "sqlite"

    def run_at_once(
        self,
        update_id: int | None,
        work: Work,
        target: Target | None = None,
    ) -> Reply | None:
        """`run`, for a caller that must not wait (the event loop), on SQLite only: one attempt
        when a pooled connection is free, begun only if no other connection is writing. None
        when it did not start, or would have waited or retried: nothing was committed, and
        `run` (in a thread) does it then."""
        if not self.on_loop_possible or not connection_free(self.engine):
            return None
        try:
            return self._once(update_id, work, target, waited=False, wait=False)
        except updates.AlreadyHandled:
            return Reply(duplicate=True)
        except (WouldWait, QuestionOnItsWay, writes.LostRace, DBAPIError):
            return None  # DBAPIError: IntegrityError too; `run` tells a duplicate from a race

    def _once(
        self,
        update_id: int | None,
        work: Work,
        target: Target | None,
        *,
        waited: bool,
        wait: bool = True,
    ) -> Reply:
        """One attempt: the transaction, and what waits for its commit."""
        with session_scope(self.engine) as session:
            writing_from_the_start(session, wait=wait)
            committed = session.info.setdefault(AFTER_COMMIT, [])
            session.info[WAITED] = waited
            now = self.clock()
            if update_id is not None:
                updates.claim_with_first_read(session, update_id, now)
            reply = work(session, now)
            updates.claim_left(session)  # if the work read no patient
            if self.outbox is None:  # shown by the caller as it returns
                mark_shown(session, reply.ref, reply.screen)
            elif target is not None:
                self.outbox.reply(
                    session,
                    target.chat_id,
                    reply,
                    now,
                    button_message_id=target.button_message_id,
                    clear_pressed=target.clear_pressed,
                )
        for action in committed:
            action()
        if update_id is not None:
            self.on_claimed(update_id)
        return reply

    def forget_old_updates(self, keep: timedelta = KEEP_UPDATE_IDS) -> int:
        with session_scope(self.engine) as session:
            return updates.forget_before(session, self.clock() - keep)


def no_inbox(update_id: int) -> None:
    """No inbox to tell (the terminal demo, tests of the services alone)."""
