"""Statements built once, compiled once for a dialect: the SQL text and each parameter's
conversion, so that a run only converts its values and sends the text. For statements every
answer runs, where SQLAlchemy's own path (a cache key walked from the whole statement, its
look-up, the parameters' processing) costs more CPU than the database's work on them."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement


class Compiled(NamedTuple):
    """A statement compiled (its SQL, its parameters) and the conversion of each parameter that
    has one."""

    statement: Any
    converts: dict[str, Callable[[Any], Any]]

    @property
    def sql(self) -> str:
        return str(self.statement.string)


@cache
def compiled_for(statement: ClauseElement, dialect: Dialect) -> Compiled:
    """`statement` compiled for `dialect`, and its parameters' conversions (the statements
    given here are built once, so this is worked out once for each). ValueError for one whose
    SQL depends on its values (an IN of a list, say), that needs a column's default worked
    out in Python as it runs, or whose parameters' names the dialect had to change: what a run
    here leaves out."""
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("a statement compiled once must have its SQL fixed at compile time")
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("a statement compiled once must not need defaults worked out in Python")
    if compiled.escaped_bind_names:
        raise ValueError("a statement compiled once must have parameter names the dialect keeps")
    converts = {
        name: convert for name, convert in compiled._bind_processors.items() if convert is not None
    }
    return Compiled(compiled, converts)


def values_for(compiled: Compiled, parameters: dict[str, Any]) -> dict[str, Any]:
    """The values to send with the compiled statement's SQL: `parameters` and the statement's
    own constants, each converted as its type says (say, encrypted)."""
    statement, converts = compiled
    values: dict[str, Any] = statement.construct_params(parameters)
    for name, convert in converts.items():
        values[name] = convert(values[name])
    return values
