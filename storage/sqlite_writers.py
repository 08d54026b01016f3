"""SQLite: this process's writers take the database's one write lock in the order they asked.

SQLite lets one connection write at a time, and a connection that finds the lock taken sleeps
and looks again, longer each time (up to 100 ms a look). With a dozen threads writing — a
reminder fan-out settling its messages — one that is unlucky keeps waking to find the lock
taken again: a crisis reply's claim once waited 2 s that way. Here each connection of the
engine that is about to write first queues, in this process, behind the others that asked
before it, and is handed the turn when the one before it has committed or rolled back; SQLite's
own wait then only covers other processes (a command run beside the bot).

A connection queues at the first statement that may write (pysqlite begins its transaction
there) and leaves the queue when its transaction ends. `queue_writers(engine)` installs it;
`try_to_write(connection)` takes the turn only if no one holds or awaits it (the event loop,
which must never wait).
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections import deque
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

HOLDS = "holds_write_turn"
"""In a pooled SQLite connection's info: it holds its engine's write turn."""
READING = ("SELECT", "PRAGMA", "COMMIT", "ROLLBACK", "RELEASE", "END", "EXPLAIN")
"""First words of statements that never begin a write transaction (a PRAGMA that writes runs
inside an explicit BEGIN IMMEDIATE, which queues)."""
KEEPS_TURN = ("SELECT", "PRAGMA", "EXPLAIN")
"""Statements that neither write nor end a transaction: a connection that took the turn before
its BEGIN (the event loop's, with `try_to_write`) keeps it across them."""
_TURNS: weakref.WeakKeyDictionary[Engine, WriteTurns] = weakref.WeakKeyDictionary()


class WriteTurns:
    """A first-come, first-served lock that the thread which took it need not be the one that
    gives it back (it is held by a connection, which may change threads)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    @property
    def held(self) -> bool:
        return self._held

    @property
    def waiting(self) -> int:
        """How many wait for the turn."""
        return len(self._waiting)

    def take(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the turn; whether it was given."""
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            if timeout <= 0:
                return False
            handed = threading.Lock()
            handed.acquire()
            self._waiting.append(handed)
        if handed.acquire(timeout=timeout):
            return True
        with self._mutex:
            if handed in self._waiting:
                self._waiting.remove(handed)
                return False
        return True  # handed the turn just as the wait ran out: it is ours

    def give_back(self) -> None:
        """The next in line has the turn now (it stays held), or no one has it."""
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


def queue_writers(engine: Engine, wait_seconds: float) -> WriteTurns:
    """Make `engine`'s connections queue for the write turn; a connection that waited
    `wait_seconds` in vain fails its statement as SQLite does ("database is locked")."""
    turns = WriteTurns()
    _give_back_as_transactions_end(engine, turns)

    @event.listens_for(engine, "before_cursor_execute")
    def _queue(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        info = _info(connection.connection)
        if info.get(HOLDS) or _reads(statement):
            return
        if not turns.take(wait_seconds):
            raise sqlite3.OperationalError("database is locked")
        info[HOLDS] = True

    @event.listens_for(engine, "after_cursor_execute")
    def _ended(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if _first_word(statement) not in KEEPS_TURN:
            _end_if_done(connection)

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        if context.connection is not None:
            _end_if_done(context.connection)

    def _end_if_done(connection: Connection) -> None:
        fairy = connection.connection
        if not getattr(fairy.dbapi_connection, "in_transaction", False):
            _give_back(_info(fairy), turns)  # a statement that committed itself, or a COMMIT

    _TURNS[engine] = turns
    return turns


def _give_back_as_transactions_end(engine: Engine, turns: WriteTurns) -> None:
    """A connection holding the turn gives it back once its transaction ended, and never goes
    back to the pool (or out of it) holding it."""
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(fairy: Any) -> None:
        try:
            commit(fairy)
        finally:
            _give_back(_info(fairy), turns)

    def do_rollback(fairy: Any) -> None:
        try:
            rollback(fairy)
        finally:
            _give_back(_info(fairy), turns)

    # The dialect is where a transaction's end reaches the driver (a Connection's commit and
    # the pool's rollback on return both call it); SQLAlchemy's commit event fires before it.
    dialect.do_commit = do_commit  # type: ignore[method-assign,assignment]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign,assignment]

    def _returned(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        if record is not None:
            _give_back(record.info, turns)

    # Not "detach": a detached connection keeps a copy of its info, and gives back from it.
    for name in ("checkin", "invalidate", "close", "close_detached"):
        event.listen(engine.pool, name, _returned)


def _give_back(info: dict[str, Any], turns: WriteTurns) -> None:
    if info.pop(HOLDS, False):
        turns.give_back()


def turns_of(engine: Engine) -> WriteTurns | None:
    """The write turns `engine`'s connections queue for (None: they do not queue)."""
    return _TURNS.get(engine)


def try_to_write(connection: Connection) -> bool:
    """Take the write turn for `connection` only if it is free and no one awaits it (True,
    too, on an engine whose writers do not queue)."""
    info = connection.connection.info
    turns = _TURNS.get(connection.engine)
    if turns is None or info.get(HOLDS):
        return True
    if not turns.take(0):
        return False
    info[HOLDS] = True
    return True


def _info(fairy: Any) -> dict[str, Any]:
    """A pooled connection's info; an empty one for the connection SQLAlchemy makes to learn
    the server's version, which is outside the pool and never writes."""
    try:
        info: dict[str, Any] = fairy.info
        return info
    except NotImplementedError:
        return {}


def _reads(statement: str) -> bool:
    return _first_word(statement) in READING


def _first_word(statement: str) -> str:
    first = statement.lstrip()[:8].split(None, 1)
    return first[0].upper() if first else ""
