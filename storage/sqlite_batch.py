"""SQLite's way to run a transaction's writes as one statement. storage.writes does it on
PostgreSQL with a WITH; SQLite has no INSERT, UPDATE or DELETE inside a WITH.

Here the writes become the body of a temporary INSTEAD OF INSERT trigger on a temporary
view that has one column for each of their bind parameters. One INSERT into the view runs
them in order. After each, the trigger stores in a temporary table the number of rows it
changed, or what the first column of its RETURNING would have given. The INSERT's own
RETURNING reads those values back.

View and trigger are built once for each sequence of statements, from the same Core
statements PostgreSQL runs. They are created on a connection the first time it runs them:
temporary objects belong to one connection, and a rollback drops the ones its transaction
created (they are created again on the next use).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ClauseElement,
    Delete,
    Insert,
    Integer,
    Update,
    literal_column,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import visitors
from sqlmodel import Session

RESULTS = "batch_results"
"""The temporary table where the trigger leaves each write's count or value."""

_numbers = itertools.count()


@cache
def _dialect() -> Any:
    """SQLite's dialect, imported only by a bot on SQLite (storage.engine.dialect_insert)."""
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


Processor = Callable[[Any], Any] | None
"""A type's conversion of a value for SQLite or back (None: the value as it is)."""


@dataclass(frozen=True)
class Batch:
    """A sequence of writes as one INSERT: its view's name, the statements that create view
    and trigger, the INSERT's SQL, each of its parameters (the view's columns, in order) with
    the conversion its type makes, the conversion of each value it returns, and the values of
    the statements' own constants."""

    name: str
    create: tuple[str, ...]
    insert: str
    parameters: tuple[tuple[str, Processor], ...]
    results: tuple[Processor, ...]
    constants: dict[str, Any]


def run_together(session: Session, writes: Sequence[tuple[Any, dict[str, Any], bool]]) -> Any:
    """Run `writes` (statement, parameters, whether its RETURNING's value is wanted) as one
    statement in `session`'s transaction. A row with, for each write, the rows it changed,
    or the first column of its RETURNING (None when it changed no row).

    The INSERT's SQL and its parameters' conversions were worked out once (`built`): it runs
    as SQL text with positional values, without SQLAlchemy compiling or converting anything
    for each run (a fifth of a patient's turn, bench/backlog.py)."""
    batch = built(tuple((statement, returns) for statement, _, returns in writes))
    values = dict(batch.constants)
    for index, (_, parameters, _) in enumerate(writes):
        values.update((f"w{index}_{name}", value) for name, value in parameters.items())
    positional = tuple(
        values[name] if convert is None else convert(values[name])
        for name, convert in batch.parameters
    )
    connection = session.connection()
    try:
        row = connection.exec_driver_sql(batch.insert, positional).one()
    except OperationalError as error:
        if str(error.orig) != f"no such table: {batch.name}":
            raise
        for statement in batch.create:
            connection.exec_driver_sql(statement)
        row = connection.exec_driver_sql(batch.insert, positional).one()
    return tuple(
        value if convert is None else convert(value)
        for value, convert in zip(row, batch.results, strict=True)
    )


@cache
def built(writes: tuple[tuple[Any, bool], ...]) -> Batch:
    """The batch for a sequence of (statement, returns), built once."""
    name = f"batch_{next(_numbers)}"
    parameters = _Parameters()
    body, types = [f"DELETE FROM {RESULTS};"], []
    for index, (statement, returns) in enumerate(writes):
        first = statement._returning[0] if returns else None
        body.append(parameters.compiled(statement, f"w{index}_") + ";")
        result = parameters.compiled(_result(index, statement, first), f"w{index}_")
        body.append(f"INSERT INTO {RESULTS} (n, value) {result};")
        types.append(first.type if first is not None else Integer())
    view = ", ".join(f"NULL AS {column_name}" for column_name in parameters.types) or "NULL AS x"
    trigger = "\n".join(body)
    create = (
        f"CREATE TEMP TABLE IF NOT EXISTS {RESULTS} (n INTEGER PRIMARY KEY, value)",
        f"CREATE TEMP VIEW IF NOT EXISTS {name} AS SELECT {view}",
        f"CREATE TEMP TRIGGER IF NOT EXISTS {name}_runs INSTEAD OF INSERT ON {name}\n"
        f"BEGIN\n{trigger}\nEND",
    )
    dialect = _dialect()
    return Batch(
        name,
        create,
        _insert(name, parameters, len(types)),
        tuple(
            (key, type_.dialect_impl(dialect).bind_processor(dialect))
            for key, type_ in parameters.types.items()
        )
        or (("x", None),),  # the one column of a view of no parameters
        tuple(type_.dialect_impl(dialect).result_processor(dialect, None) for type_ in types),
        {**parameters.constants, "x": None},
    )


def _result(index: int, statement: Any, first: Any) -> Any:
    """The row stored in the results after write `index` in the trigger: the rows it changed,
    or its RETURNING's first column (an INSERT's read from the row it inserted; an UPDATE's or
    DELETE's may not read its own table, whose changed rows it cannot find)."""
    target = statement.table
    value: Any
    if first is None:
        value = select(literal_column(str(index)), literal_column("changes()"))
    elif isinstance(statement, Insert):
        from sqlalchemy.dialects.sqlite.dml import OnConflictDoNothing

        if getattr(statement, "_post_values_clause", None) is not None and not isinstance(
            statement._post_values_clause, OnConflictDoNothing
        ):  # an upsert's update moves no last_insert_rowid(): its row cannot be found
            raise ValueError("a batched upsert may not return a value")
        value = (
            select(literal_column(str(index)), first)
            .select_from(target)
            .where(literal_column("rowid = last_insert_rowid() AND changes() > 0"))
        )
    else:
        assert isinstance(statement, Update | Delete)
        value = select(literal_column(str(index)), first).where(literal_column("changes() > 0"))
        if target in value.get_final_froms():
            raise ValueError("a batched UPDATE or DELETE may not return its own rows' columns")
    return value


class _Parameters:
    """The view's columns, in order, with their types: each bind parameter of the statements,
    renamed w<index>_<name> (anonymous ones w<index>_c<n>, their values kept as constants)."""

    def __init__(self) -> None:
        self.types: dict[str, Any] = {}
        self.constants: dict[str, Any] = {}
        self._anonymous = itertools.count()

    def compiled(self, statement: ClauseElement, prefix: str) -> str:
        """`statement` as SQL for the trigger, each bind parameter read from NEW (a write's
        RETURNING dropped: its value is read by the statement after it)."""
        typed = _value_types(statement)

        def to_column(element: Any, **_kw: Any) -> Any:
            if not isinstance(element, BindParameter):
                return None
            if element.expanding:  # IN (…) of a list: its length is known only when run
                raise ValueError("a batched write may not have an expanding bind parameter")
            if element.unique:
                name = f"{prefix}c{next(self._anonymous)}"
                self.constants[name] = element.effective_value
            else:
                name = prefix + str(element.key)
            self.types[name] = typed.get(id(element), element.type)
            return literal_column(f"NEW.{name}", type_=self.types[name])

        renamed: Any = visitors.replacement_traverse(statement, {}, to_column)
        if isinstance(renamed, Insert | Update | Delete):  # no RETURNING in a trigger
            renamed = renamed._generate()
            renamed._returning = ()
            if isinstance(renamed, Insert):  # nor the one a key's value from NEW would add
                renamed = renamed.inline()
        compiled = renamed.compile(dialect=_dialect())
        if compiled.binds:
            raise ValueError(f"bind parameters left in a batched write: {sorted(compiled.binds)}")
        return str(compiled)


def _value_types(statement: Any) -> dict[int, Any]:
    """The types of the untyped bind parameters an INSERT or UPDATE writes to a column: its
    column's (which compiling the statement alone would have given them)."""
    values = getattr(statement, "_values", None) or {}
    found = {}
    for key, value in values.items():
        if isinstance(value, BindParameter) and value.type._isnull:
            found[id(value)] = statement.table.c[key if isinstance(key, str) else key.key].type
    return found


def _insert(name: str, parameters: _Parameters, results: int) -> str:
    """INSERT INTO the view, RETURNING each write's result."""
    names = list(parameters.types) or ["x"]  # a view needs a column
    returned = ", ".join(
        f"(SELECT value FROM {RESULTS} WHERE n = {index}) AS r{index}" for index in range(results)
    )
    listed, given = ", ".join(names), ", ".join("?" for _ in names)
    return f"INSERT INTO {name} ({listed}) VALUES ({given}) RETURNING {returned}"
