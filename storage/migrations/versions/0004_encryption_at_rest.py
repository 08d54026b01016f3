"""Encryption at rest: what patients type or choose, and names, are stored encrypted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Every column below becomes TEXT holding base64 of an AES-256-GCM value (storage.crypto); the
values already stored are encrypted in place, and `patient.name_hash` (a keyed hash of the
normalised name, indexed) is added and filled. The downgrade decrypts them back.

A data migration needs the key: this revision uses the key ring storage.crypto holds, which
`intake-bot db upgrade` configures from DATA_ENCRYPTION_KEY. With rows to change and no key
configured it refuses, changing nothing (KeyRingError, one line naming the setting). An empty
database needs no key. It imports storage.crypto, not the models: the models change later,
the stored format of an encrypted value does not without a revision of its own.

On SQLite, `intake-bot db upgrade` then rewrites the file (VACUUM), so the plaintext the old
rows held does not stay behind in free pages.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage import crypto

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.Text(), "sqlite")
"""JSON on PostgreSQL, TEXT on SQLite, as in 0001."""

ENCRYPTED: dict[str, dict[str, tuple[sa.types.TypeEngine[Any], bool]]] = {
    "patient": {
        "display_name": (sa.String(length=200), True),
        "timezone": (sa.String(length=64), True),
        "settings_draft": (JSON, True),
    },
    "intake": {"draft": (JSON, True)},
    "answer": {"value": (JSON, True), "raw_text": (sa.Text(), True)},
    "medication": {
        "name": (sa.Text(), False),
        "dose": (sa.Text(), True),
        "frequency": (sa.Text(), True),
        "status": (sa.String(length=32), True),
        "missed_days": (sa.Integer(), True),
        "reasons": (JSON, True),
        "raw_text": (sa.Text(), True),
    },
    "checkin": {"draft": (JSON, True), "answers": (JSON, True)},
    "safetyevent": {
        "detail": (sa.Text(), False),
        "patient_text": (sa.Text(), True),
        "acknowledged_by": (sa.String(length=200), True),
    },
    "safetyaudit": {"actor": (sa.String(length=200), True), "detail": (sa.Text(), True)},
}
"""Each table's columns that become encrypted, with their type and nullability before."""

PAGE = 500


def _table(name: str, *extra: str) -> sa.TableClause:
    columns = [sa.column(column, sa.Text()) for column in (*ENCRYPTED[name], *extra)]
    return sa.table(name, sa.column("id", sa.Integer()), *columns)


def _pages(connection: sa.Connection, table: sa.TableClause) -> Iterator[Sequence[sa.Row[Any]]]:
    """Every row, by id, a page at a time (a page is rewritten before the next is read)."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(PAGE)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _rewrite(name: str, change: Any, *, hash_names: bool = False) -> None:
    """Each stored value of the table's encrypted columns replaced by change(value); with
    `hash_names`, patient.name_hash filled from the display name."""
    connection = op.get_bind()
    table = _table(name, *(["name_hash"] if hash_names else []))
    columns = list(ENCRYPTED[name])
    targets = [*columns, *(["name_hash"] if hash_names else [])]
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({column: sa.bindparam(f"new_{column}") for column in targets})
    )
    for rows in _pages(connection, table):
        updates = []
        for row in rows:
            stored = row._mapping
            values = {
                f"new_{column}": None if stored[column] is None else change(stored[column])
                for column in columns
            }
            if hash_names:
                name_text = stored["display_name"]
                values["new_name_hash"] = None if name_text is None else crypto.name_hash(name_text)
            updates.append({"row_id": row.id, **values})
        connection.execute(statement, updates)


def _encrypt(value: Any) -> str:
    # SQLite may hand back an INTEGER (missed_days) as a number; its text is its JSON.
    return crypto.encrypt_text(value if isinstance(value, str) else str(value))


def _decrypt(value: Any) -> str:
    return crypto.decrypt_text(str(value))


def _has_values(connection: sa.Connection) -> bool:
    for name, columns in ENCRYPTED.items():
        table = _table(name)
        present = sa.or_(*(table.c[column].is_not(None) for column in columns))
        if connection.execute(sa.select(table.c.id).where(present).limit(1)).first():
            return True
    return False


def _require_key(connection: sa.Connection, doing: str) -> None:
    if _has_values(connection) and not crypto.is_configured():
        raise crypto.KeyRingError(
            f"revision 0004 {doing} the data already stored: set {crypto.SETTING} first (make "
            f'a key with "intake-bot keys new", and keep a copy apart from the database)'
        )


def _retype(to_text: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, columns in ENCRYPTED.items():
        with op.batch_alter_table(name) as batch:
            for column, (before, nullable) in columns.items():
                after: sa.types.TypeEngine[Any] = sa.Text() if to_text else before
                extra: dict[str, Any] = {}
                if postgres and not isinstance(after, sa.String):  # TEXT is a String
                    extra["postgresql_using"] = f"{column}::{after.compile(op.get_bind().dialect)}"
                batch.alter_column(
                    column,
                    type_=after,
                    existing_type=before if to_text else sa.Text(),
                    existing_nullable=nullable,
                    **extra,
                )


def upgrade() -> None:
    _require_key(op.get_bind(), "encrypts")
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("name_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_patient_name_hash", "patient", ["name_hash"])
    _retype(to_text=True)
    for name in ENCRYPTED:
        _rewrite(name, _encrypt, hash_names=name == "patient")


def downgrade() -> None:
    _require_key(op.get_bind(), "decrypts")
    for name in ENCRYPTED:
        _rewrite(name, _decrypt)
    _retype(to_text=False)
    op.drop_index("ix_patient_name_hash", table_name="patient")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("name_hash")
