"""Statements compiled once for a dialect (storage.compiled): the SQL, and each value converted
as its column's type says, as SQLAlchemy would send them; statements a run of the compiled text
would get wrong are refused. (Values written so and read back: tests/storage/test_writes.py,
whose batches on PostgreSQL run this way.)"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql

from storage.compiled import compiled_for, values_for
from storage.models import Answer, Intake, table_of


def test_a_statement_is_compiled_once_and_its_values_converted() -> None:
    answers = table_of(Answer)
    statement = (
        update(answers).where(answers.c.id == bindparam("p_id")).values(value=bindparam("p_value"))
    )
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    compiled = compiled_for(statement, dialect)

    assert compiled_for(statement, dialect) is compiled
    values = values_for(compiled, {"p_id": 7, "p_value": "low"})
    assert values["p_id"] == 7
    assert values["p_value"] != "low", "an answer's value is sent encrypted"
    assert "%(p_value)s" in compiled.sql


def test_a_statement_whose_sql_depends_on_its_values_is_refused() -> None:
    intakes = table_of(Intake)
    statement = select(intakes.c.id).where(intakes.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="fixed at compile time"):
        compiled_for(statement, postgresql.dialect())  # type: ignore[no-untyped-call]


def test_a_statement_needing_a_default_worked_out_in_python_is_refused() -> None:
    """A run would send no value for it, where SQLAlchemy's own path works one out."""
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("n", Integer, default=lambda: 1),
    )
    with pytest.raises(ValueError, match="defaults"):
        compiled_for(insert(table).values(id=bindparam("p_id")), postgresql.dialect())  # type: ignore[no-untyped-call]


def test_a_statement_whose_parameter_names_the_dialect_changes_is_refused() -> None:
    intakes = table_of(Intake)
    statement = select(intakes.c.id).where(intakes.c.id == bindparam("p.id"))
    with pytest.raises(ValueError, match="parameter names"):
        compiled_for(statement, postgresql.dialect())  # type: ignore[no-untyped-call]
