"""The key ring against the stored data: whether it can read what is stored (the start-up check),
and re-encrypting every value with the newest key (`intake-bot keys rotate`).

Both find the encrypted columns from the models (storage.encrypted.encrypted_columns), so a new
table's encrypted columns are included without a change here. Both work on the raw stored
values: no JSON is parsed, no row object is made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from storage import crypto
from storage import models as _models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.encrypted import EncryptedBytes, encrypted_columns, stored_type

PAGE = 500


@dataclass
class Rotation:
    """What `rotate` did, in counts only."""

    reencrypted: Counter[str] = field(default_factory=Counter)  # by table
    already_newest: int = 0
    name_hashes: int = 0

    @property
    def total(self) -> int:
        return sum(self.reencrypted.values())


@dataclass(frozen=True)
class _Plain:
    """An encrypted table as the database stores it: its key and encrypted columns, unprocessed."""

    name: str
    key: sa.ColumnClause[Any]
    columns: tuple[sa.ColumnClause[Any], ...]
    binary: frozenset[str]
    table: sa.TableClause


def _plain_tables() -> Iterator[_Plain]:
    for table, columns in encrypted_columns(SQLModel.metadata):
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            raise TypeError(f"{table.name}: encrypted tables need a one-column primary key")
        key = sa.column(keys[0].name, keys[0].type)
        stored = tuple(sa.column(column.name, stored_type(column)) for column in columns)
        binary = frozenset(c.name for c in columns if isinstance(c.type, EncryptedBytes))
        yield _Plain(table.name, key, stored, binary, sa.table(table.name, key, *stored))


def _blob(table: _Plain, column: str, value: Any) -> bytes:
    return bytes(value) if column in table.binary else crypto.to_blob(str(value))


# --- the start-up check -----------------------------------------------------------------


def unreadable(engine: Engine) -> str | None:
    """None when the key ring reads the stored data; otherwise one line naming
    DATA_ENCRYPTION_KEY and what to do.

    It reads the oldest and the newest row of each table with encrypted columns: the newest
    shows a wrong key, the oldest a key dropped before `intake-bot keys rotate` had run."""
    crypto.ring()
    with engine.connect() as connection:
        for table in _plain_tables():
            for order in (table.key.asc(), table.key.desc()):
                row = connection.execute(sa.select(table.table).order_by(order).limit(1)).first()
                if row is None:
                    break
                for column in table.columns:
                    value = row._mapping[column.name]
                    if value is None:
                        continue
                    try:
                        crypto.decrypt(_blob(table, column.name, value))
                    except crypto.KeyRingError:
                        return (
                            f"{crypto.SETTING} cannot read the stored data ({table.name}.{column.name} "
                            "was encrypted with another key): set the key it was written with; to "
                            "change keys, list the new one first and the old one after it, then run "
                            '"intake-bot keys rotate"'
                        )
    return None


# --- rotation ---------------------------------------------------------------------------


def rotate(engine: Engine) -> Rotation:
    """Re-encrypt every stored value that is not on the newest key, and recompute each name
    hash under it. Safe while the bot runs: a value is replaced only if it is still the one
    read (compare-and-set), and one the bot wrote meanwhile is on the newest key already.
    Committed a page at a time, so an interrupted run is finished by running it again.
    KeyRingError when a value cannot be read with any key of the ring."""
    crypto.ring()
    done = Rotation()
    for table in _plain_tables():
        _rotate_table(engine, table, done)
    done.name_hashes = _rehash_names(engine)
    return done


def _pages(
    engine: Engine, statement: sa.Select[Any], key: sa.ColumnClause[Any]
) -> Iterator[Sequence[Any]]:
    last: Any = None
    while True:
        page = statement if last is None else statement.where(key > last)
        with engine.connect() as connection:
            rows = connection.execute(page.order_by(key).limit(PAGE)).all()
        if not rows:
            return
        yield rows
        last = rows[-1]._mapping[key.name]


def _rotate_table(engine: Engine, table: _Plain, done: Rotation) -> None:
    replace = {
        column.name: table.table.update()
        .where(table.key == sa.bindparam("row_key"), column == sa.bindparam("read"))
        .values({column.name: sa.bindparam("fresh")})
        for column in table.columns
    }
    for rows in _pages(engine, sa.select(table.table), table.key):
        changes: dict[str, list[dict[str, Any]]] = {column.name: [] for column in table.columns}
        for row in rows:
            for column in table.columns:
                value = row._mapping[column.name]
                if value is None:
                    continue
                fresh = _reencrypted(table, column.name, value, done)
                if fresh is None:
                    done.already_newest += 1
                    continue
                key = row._mapping[table.key.name]
                changes[column.name].append({"row_key": key, "read": value, "fresh": fresh})
        with engine.begin() as connection:
            for name, params in changes.items():
                if params:
                    done.reencrypted[table.name] += connection.execute(
                        replace[name], params
                    ).rowcount


def _reencrypted(table: _Plain, column: str, value: Any, done: Rotation) -> Any:
    """The value as stored after re-encryption with the newest key; None if it is already."""
    try:
        fresh = crypto.reencrypt(_blob(table, column, value))
    except crypto.KeyRingError:
        raise crypto.KeyRingError(
            f"{table.name}.{column} holds a value {crypto.SETTING} cannot read: list the key "
            f'it was written with after the newest one, then run "intake-bot keys rotate" again '
            f"({done.total} values were re-encrypted before it)"
        ) from None
    if fresh is None:
        return None
    return fresh if column in table.binary else crypto.to_token(fresh)


def _rehash_names(engine: Engine) -> int:
    patient = sa.table(
        "patient", sa.column("id", sa.Integer()), sa.column("display_name", sa.Text()),
        sa.column("name_hash", sa.String()),
    )  # fmt: skip
    changed = 0
    statement = sa.select(patient).where(patient.c.display_name.is_not(None))
    for rows in _pages(engine, statement, patient.c.id):
        with engine.begin() as connection:
            for row in rows:
                fresh = crypto.name_hash(crypto.decrypt_text(row.display_name))
                if fresh == row.name_hash:
                    continue
                result = connection.execute(
                    patient.update()
                    .where(patient.c.id == row.id, patient.c.display_name == row.display_name)
                    .values(name_hash=fresh)
                )
                changed += result.rowcount
    return changed
