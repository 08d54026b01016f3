"""Statements compiled once for a dialect (storage.compiled): the SQL, and each value converted
as its column's type says, as SQLAlchemy would send them."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, update
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
    assert "%(p_value)s" in compiled[0].string


def test_a_statement_whose_sql_depends_on_its_values_is_refused() -> None:
    intakes = table_of(Intake)
    statement = select(intakes.c.id).where(intakes.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="fixed at compile time"):
        compiled_for(statement, postgresql.dialect())  # type: ignore[no-untyped-call]
