"""Which database errors are worth trying again in a while (storage.db.unavailable_for_now): a
connection refused, lost or not to be had, a server shutting down, a lock held too long; not a
fault that trying again cannot mend."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage.db import unavailable_for_now


def wrapped(orig: Exception) -> OperationalError:
    return OperationalError("UPDATE outbox", {}, orig)


@pytest.mark.parametrize(
    "orig",
    [
        psycopg.OperationalError("connection failed: Connection refused"),  # no server answered
        errors.AdminShutdown("terminating connection due to administrator command"),
        errors.CannotConnectNow("the database system is starting up"),
        errors.LockNotAvailable("canceling statement due to lock timeout"),
        errors.SerializationFailure("could not serialize access"),
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("unable to open database file"),
    ],
)
def test_for_now(orig: Exception) -> None:
    assert unavailable_for_now(wrapped(orig))


@pytest.mark.parametrize(
    "orig",
    [
        errors.DiskFull("could not extend file"),
        errors.QueryCanceled("canceling statement due to statement timeout"),
        sqlite3.OperationalError("no such table: outbox"),
        sqlite3.OperationalError("attempt to write a readonly database"),
    ],
)
def test_not_for_now(orig: Exception) -> None:
    assert not unavailable_for_now(wrapped(orig))


def test_the_pool_having_no_connection_to_give_is_for_now_other_errors_are_not() -> None:
    assert unavailable_for_now(PoolTimeout("QueuePool limit of size 5 overflow 10 reached"))
    assert not unavailable_for_now(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not unavailable_for_now(ValueError("a bug"))
