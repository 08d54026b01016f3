"""Writes a transaction decided, run together just before it next reads, writes or commits, as
one statement (an answer, the patient's new place in the intake and the reply to send: one
round trip, not three). On PostgreSQL each write is a part of its WITH; on SQLite, which has
no writes in a WITH, a statement of a trigger (storage.sqlite_batch). In a session that
commits each statement on its own, each runs at once.

A write may be a compare-and-set: one that must change exactly one row raises LostRace when it
changed none, at the latest as the transaction commits, which then rolls back as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import BindParameter, event, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.sql import visitors
from sqlmodel import Session

from storage import sqlite_batch
from storage.compiled import compiled_for, values_for

PENDING = "deferred_writes"
"""Where a session keeps the writes waiting to run (Session.info)."""
AT_ONCE = "writes_at_once"
"""Set in Session.info of a session that commits each statement on its own: its writes run at once."""


class LostRace(Exception):
    """A write that had to change one row changed none: another transaction changed it first."""


@dataclass(frozen=True)
class _Write:
    statement: Any  # a Core INSERT or UPDATE, built once (its bind parameters named)
    parameters: dict[str, Any]
    changes_one: bool
    returned: Callable[[Any], None] | None


def later(
    session: Session,
    statement: Any,
    parameters: dict[str, Any],
    *,
    changes_one: bool = False,
    returned: Callable[[Any], None] | None = None,
    sees: Any = None,
) -> None:
    """Run `statement` with `parameters` before the session's next statement or its commit.
    `changes_one`: it must change exactly one row (LostRace otherwise). `returned` is given the
    first column its RETURNING gave (the largest, for several rows; None for none). `sees`: a
    table the statement reads, whose pending writes it must see (they run first)."""
    write = _Write(statement, parameters, changes_one, returned)
    if session.info.get(AT_ONCE):
        _run_alone(session, write)
        return
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still drops the writes
    pending: list[_Write] = session.info.setdefault(PENDING, [])
    if any(_seen_by(earlier, statement, sees) for earlier in pending):
        # The parts of one WITH do not see each other's rows: a second write of the same kind
        # (say, superseding the answer the first one inserted), or one that reads what an
        # earlier one writes, needs the earlier one done. (A trigger's statements would, but
        # the same rule keeps SQLite's batches few and small: each statement once.)
        run_pending(session)
        pending = session.info.setdefault(PENDING, [])
    pending.append(write)


def _seen_by(write: _Write, statement: Any, table: Any) -> bool:
    """Whether `statement` (reading `table`) must see what `write` does."""
    if write.statement is statement:
        return True
    return table is not None and getattr(write.statement, "table", None) is table


def run_pending(session: Session) -> None:
    """Run the writes waiting in `session`, all in one statement (LostRace: see the module)."""
    pending: list[_Write] | None = session.info.pop(PENDING, None)
    if not pending:
        return
    if len(pending) == 1:
        _run_alone(session, pending[0])
        return
    if session.get_bind().dialect.name != "postgresql":
        writes = [
            (write.statement, write.parameters, write.returned is not None) for write in pending
        ]
        _settle(pending, sqlite_batch.run_together(session, writes))
        return
    statement = _together(tuple((write.statement, write.returned is not None) for write in pending))
    parameters = {
        f"w{index}_{name}": value
        for index, write in enumerate(pending)
        for name, value in write.parameters.items()
    }
    # Its SQL text, compiled once (every answer runs one: storage.compiled), on the session's
    # connection, with SQLAlchemy's errors and events.
    connection = session.connection()
    compiled = compiled_for(statement, connection.dialect)
    sent = connection.exec_driver_sql(compiled.sql, values_for(compiled, parameters))
    _settle(pending, sent.one())


def _settle(pending: list[_Write], values: Any) -> None:
    """Check the compare-and-sets and hand out returned values (the rows each write changed,
    or its RETURNING's first column, in `values`)."""
    results = list(zip(pending, values, strict=True))
    if any(write.changes_one and count != 1 for write, count in results):
        raise LostRace
    for write, value in results:
        if write.returned is not None:
            write.returned(value)


def _run_alone(session: Session, write: _Write) -> None:
    result = cast(CursorResult[Any], session.execute(write.statement, write.parameters))
    rows = result.all() if result.returns_rows else None
    if write.changes_one and (result.rowcount if rows is None else len(rows)) != 1:
        raise LostRace
    if write.returned is not None:
        write.returned(max((row[0] for row in rows or ()), default=None))


@cache
def _together(writes: tuple[tuple[Any, bool], ...]) -> Any:
    """`SELECT`, for each write, the number of rows it changed or (if it returns a value) the
    largest value of its RETURNING's first column; the writes in its WITH, their bind
    parameters renamed w<n>_<name>. Built once for each sequence of writes."""
    columns = []
    for index, (statement, returns) in enumerate(writes):
        renamed = _renamed(statement, f"w{index}_")
        if not renamed._returning:
            renamed = renamed.returning(*renamed.table.primary_key.columns)
        part = renamed.cte(f"w{index}")
        value = func.max(next(iter(part.c))) if returns else func.count()
        columns.append(select(value).select_from(part).scalar_subquery())
    return select(*columns)


def _renamed(statement: Any, prefix: str) -> Any:
    """`statement` with each named bind parameter's name prefixed (anonymous ones stay)."""

    def rename(element: Any, **_kw: Any) -> Any:
        if isinstance(element, BindParameter) and not element.unique:
            return BindParameter(prefix + str(element.key), type_=element.type)
        return None

    return visitors.replacement_traverse(statement, {}, rename)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    run_pending(cast(Session, state.session))


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, *_args: Any) -> None:
    run_pending(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    run_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _transaction: Any) -> None:
    session.info.pop(PENDING, None)
