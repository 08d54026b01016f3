"""Column types that store their values encrypted (storage.crypto), so queries and services
read and write plain Python values and never see ciphertext.

Marking a column encrypted is one line in storage/models.py:

    note: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    payload: Any = Field(default=None, sa_column=Column(EncryptedJSON(), nullable=True))
    document: bytes | None = Field(default=None, sa_column=Column(EncryptedBytes(), nullable=True))

The database sees TEXT (base64 of the encrypted value) or, for EncryptedBytes, a binary column;
a revision declares the column `sa.Text()` / `sa.LargeBinary()` (see storage/migrations/README.md).
`intake-bot keys rotate` and the start-up key check find every such column themselves
(`encrypted_columns()`), so a new table needs nothing more.

An encrypted column cannot be searched or sorted in SQL: the same value encrypts differently
every time. Comparing one raises TypeError, except `IS NULL` / `IS NOT NULL`; to find rows by
a value, store a keyed hash of it in a column of its own (as `patient.name_hash`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, LargeBinary, MetaData, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator, TypeEngine

from storage import crypto

_NULL_TESTS = {operators.is_, operators.is_not}


class _NoComparison(TypeDecorator[Any]):
    """Refuses SQL comparisons on the ciphertext, which could never match."""

    impl: Any = Text
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[Any]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op in _NULL_TESTS or (op in (operators.eq, operators.ne) and other == (None,)):
                return super().operate(op, *other, **kwargs)
            raise TypeError(
                f"{self.expr} is encrypted and cannot be compared or sorted in SQL; "
                "compare a keyed hash column instead"
            )

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            raise TypeError(f"{self.expr} is encrypted and cannot be compared in SQL")

    comparator_factory = Comparator


class EncryptedText(_NoComparison):
    """A str, stored encrypted as base64 TEXT."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else crypto.encrypt_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else crypto.decrypt_text(value)


class EncryptedJSON(_NoComparison):
    """Any JSON value (dict, list, str, number, bool), stored encrypted as base64 TEXT.

    Python None is SQL NULL. As with sqlalchemy's JSON, changes made inside a dict or list are
    not noticed: assign a new value."""

    impl = Text
    cache_ok = True
    hashable = False

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return crypto.encrypt_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(crypto.decrypt_text(value))


class EncryptedBytes(_NoComparison):
    """bytes, stored encrypted in a binary column (BLOB, bytea): no base64 growth."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else crypto.encrypt(bytes(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else crypto.decrypt(bytes(value))


ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON, EncryptedBytes)


def is_encrypted(column: Column[Any]) -> bool:
    return isinstance(column.type, ENCRYPTED_TYPES)


def stored_type(column: Column[Any]) -> TypeEngine[Any]:
    """The type of what the database holds for an encrypted column: text or bytes."""
    return LargeBinary() if isinstance(column.type, EncryptedBytes) else Text()


def encrypted_columns(metadata: MetaData) -> Iterator[tuple[Table, list[Column[Any]]]]:
    """Each table that has encrypted columns, with them, in dependency order."""
    for table in metadata.sorted_tables:
        columns = [column for column in table.columns if is_encrypted(column)]
        if columns:
            yield table, columns
