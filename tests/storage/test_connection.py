"""storage.db.probe and storage.connection.describe: a database that cannot be used is one line
saying what is wrong and what to do, never a password."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from storage.connection import DatabaseUnavailable, describe
from storage.db import make_engine, probe


def test_a_sqlite_file_that_can_be_read_but_not_written_is_named(tmp_path: Path) -> None:
    database = tmp_path / "intake.db"
    make_engine(f"sqlite:///{database}").dispose()
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    with pytest.raises(DatabaseUnavailable) as refused:
        probe(read_only)
    assert str(refused.value).endswith(
        "cannot be written (attempt to write a readonly database): let the bot's user write to "
        "the file and its folder"
    )
    assert probe(f"sqlite:///{database}") is True


def test_a_missing_sqlite_file_is_not_made_when_only_looking(tmp_path: Path) -> None:
    database = tmp_path / "data" / "intake.db"
    assert probe(f"sqlite:///{database}", create=False) is False
    assert not (tmp_path / "data").exists()
    (tmp_path / "blocked").write_text("a file where a folder should be")
    with pytest.raises(DatabaseUnavailable, match=r"\(Not a directory\)"):
        probe(f"sqlite:///{tmp_path / 'blocked' / 'x' / 'intake.db'}", create=False)


@pytest.mark.parametrize(
    ("message", "advice"),
    [
        (
            'connection to server at "db", port 5432 failed: FATAL:  password authentication '
            'failed for user "intake"',
            "the server refused the password: correct the user name and password",
        ),
        (
            'FATAL:  role "intake" does not exist',
            'the user "intake" does not exist on that server: create it or correct the user name',
        ),
        (
            'no pg_hba.conf entry for host "10.0.0.5", user "intake", database "intake"',
            "add a pg_hba.conf entry",
        ),
        ("connection timeout expired", "no answer within the time allowed"),
    ],
)
def test_postgresql_refusals_say_what_to_do_without_the_password(message: str, advice: str) -> None:
    url = "postgresql+psycopg://intake:SECRET@db.example.internal:6543/intake"
    line = describe(url, OperationalError("SELECT 1", {}, Exception(message)))
    assert line.startswith("cannot open PostgreSQL at db.example.internal:6543: ")
    assert advice in line and "SECRET" not in line and "\n" not in line
