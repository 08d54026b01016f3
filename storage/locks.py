"""Which bot processes share a database, how many there are, and which one of them leads.

PostgreSQL: each bot process holds, on a connection of its own, a shared advisory lock for as
long as it runs ("a bot runs here"); a process that can take that lock exclusively at start is
the only one, and may take over every claim a crashed predecessor left behind. One process at
a time holds the leader's advisory lock and runs the periodic sweeps (reminders, alert
repeats); when it stops or its connection dies, the server frees the lock and another process
takes it on its next try. Locks are the server's own (pg_try_advisory_lock): nothing is
written, nothing is left behind by a crash.

Each process also holds, for each name it claims inbox and outbox rows under, an exclusive lock
keyed by that name. The server frees it when the process ends, however it ends: another process
that can take it knows the claims under that name are a stopped process's (`stopped`), and need
not wait for their leases to run out. A process whose lock connection failed takes its locks
again at its next check; until then it may be taken for stopped, as it would be once its leases
ran out (`rejoined_at` lets a caller wait after a database restart, when every process lost
its locks at once).

SQLite: one bot process per database file (bot.cli.running refuses a second), so that process
is alone and leads.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

RUNNING_KEY = 0x1A7A_0001
"""The advisory lock every running bot process holds shared."""
LEADER_KEY = 0x1A7A_0002
"""The advisory lock the sweep leader holds."""
SCHEMA = "hashtext(current_schema())"
"""The second half of each lock's key: advisory locks are per database, and two bots whose
tables live in two schemas of one database must not share them."""

RUNNING_COUNT = f"""
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 2
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND classid::bigint = :key AND objid::bigint = ({SCHEMA}::bigint & 4294967295)
"""
"""The holders of the running lock on this database and schema (pg_locks shows the two halves
of the key as unsigned numbers)."""

OWNER_KEY = "hashtextextended(current_schema() || '/' || :owner, 0)"
"""The key of the lock a process holds for a name it claims rows under: one 64-bit key (the
running and leader locks use two 32-bit halves, a separate space of keys)."""


Result = TypeVar("Result")


def _one_at_a_time(method: Callable[..., Result]) -> Callable[..., Result]:
    """The locks' one connection is used by one thread at a time: a check still running in
    its thread when the process stops finishes before `close` ends the connection."""

    @functools.wraps(method)
    def guarded(self: ProcessLocks, *args: Any, **kwargs: Any) -> Result:
        with self._mutex:
            return method(self, *args, **kwargs)

    return guarded


class ProcessLocks:
    """This process's place among the bot processes on one database."""

    def __init__(self, engine: Engine, owners: Collection[str] = ()) -> None:
        """`owners`: the names this process claims inbox and outbox rows under."""
        self.engine = engine
        self.owners = frozenset(owners)
        self.postgres = engine.dialect.name == "postgresql"
        self._connection: Connection | None = None
        self._mutex = threading.RLock()
        self.leading = False
        self._joined = False  # from join() on, the locks are kept (taken again when lost)
        self._running_held = False
        self._owners_held: set[str] = set()
        self._lost = False
        self.rejoined_at: float | None = None
        """When (time.monotonic()) this process last took its locks again on a new connection
        after losing them. If the database restarted, every process lost its locks at once and
        takes them again at its next check: until then they look stopped."""

    def _connect(self) -> Connection:
        if self._connection is None:
            # Autocommit: session-level locks, and no transaction left open on the server.
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def _scalar(self, function: str, key: int) -> bool:
        """`function`(key, this schema's hash), e.g. pg_try_advisory_lock: whether it says
        yes (a function that returns nothing, such as a blocking lock, says yes)."""
        statement = text(f"SELECT {function}(:key, {SCHEMA})::text")
        answer = self._connect().execute(statement, {"key": key}).scalar()
        return answer in ("true", "")

    @_one_at_a_time
    def join(self) -> bool:
        """Register this process as running; True when no other bot process runs on the
        database (so claims left by an earlier process are a crashed one's)."""
        if not self.postgres:
            return True
        alone = self._scalar("pg_try_advisory_lock", RUNNING_KEY)
        self._joined = True
        self._hold()
        if alone:
            self._scalar("pg_advisory_unlock", RUNNING_KEY)
        return alone

    def _hold(self) -> None:
        """Take the locks this process keeps and does not hold now (the running lock, shared,
        and one for each name it claims under): at join, and after a lost connection. A name's
        lock that someone holds (this process's old session, which the server frees once it
        has ended, or another process looking) is tried again at the next call."""
        if not self._running_held:
            self._scalar("pg_advisory_lock_shared", RUNNING_KEY)
            self._running_held = True
            if self._lost:
                self._lost, self.rejoined_at = False, time.monotonic()
        for owner in sorted(self.owners - self._owners_held):
            if self._owner("pg_try_advisory_lock", owner):
                self._owners_held.add(owner)
            else:
                log.warning("a lock of this process is held elsewhere for now: tried again later")

    def _owner(self, function: str, owner: str) -> bool:
        statement = text(f"SELECT {function}({OWNER_KEY})")
        return bool(self._connect().execute(statement, {"owner": owner}).scalar())

    @_one_at_a_time
    def stopped(self, owners: Iterable[str]) -> list[str]:
        """Those of `owners` (names claims are held under) whose process has stopped: nobody
        holds their lock. Never this process's own; none on SQLite (one process, which takes
        over every claim at its start)."""
        if not self.postgres:
            return []
        gone = []
        for owner in sorted(set(owners) - self.owners):
            if self._owner("pg_try_advisory_lock", owner):
                self._owner("pg_advisory_unlock", owner)
                gone.append(owner)
        return gone

    @_one_at_a_time
    def running(self) -> int:
        """How many bot processes run on the database now, this one included (each holds the
        running lock shared while it runs: see `join`); 1 on SQLite."""
        if not self.postgres:
            return 1
        found = self._connect().execute(text(RUNNING_COUNT), {"key": RUNNING_KEY}).scalar()
        return max(1, int(found or 0))

    @_one_at_a_time
    def lead(self) -> bool:
        """Whether this process leads now: keeps the lead while its connection lives, takes it
        when nobody holds it. A lost connection loses the lead (and the running lock, taken
        again at once)."""
        if not self.postgres:
            self.leading = True
            return True
        try:
            if self._joined:
                self._hold()
            if self.leading:
                self._connect().execute(text("SELECT 1"))
            else:
                self.leading = self._scalar("pg_try_advisory_lock", LEADER_KEY)
        except SQLAlchemyError as error:
            log.error("the database connection holding the locks failed: %s", type(error).__name__)
            self._drop()
            self.leading = False
            try:
                if self._joined:
                    self._hold()
            except SQLAlchemyError:
                self._drop()
        return self.leading

    def _drop(self) -> None:
        """End the connection for real (a pooled one would keep its session, and its locks)."""
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except SQLAlchemyError:
                pass
            self._connection = None
            self._lost = self._running_held or bool(self._owners_held)
        self._running_held = False
        self._owners_held.clear()

    @_one_at_a_time
    def close(self) -> None:
        """Give up every lock (at shutdown): released at once, before the connection ends (a
        server frees a closed session's locks only once its backend has exited)."""
        if self._connection is not None and self.postgres:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            except SQLAlchemyError:
                pass
        self._joined = False
        self._drop()
        self.leading = False
