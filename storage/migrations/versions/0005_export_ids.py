"""Patients and intakes get a random export id, given once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

FHIR exports named their resources by the intake number alone, so intake #1 of every clinic
and of every fresh database got the same ids. `patient.export_id` is the Patient resource's
id; `intake.export_id` the namespace of an intake's resource ids (flows.fhir.ExportIds). Both
are random UUIDs: every existing row gets its own here, new rows get one when they are made,
and a re-export of the same intake gives the same ids. The columns stay nullable, so a row
written without one (by hand, or by code older than this revision during a rolling upgrade)
is still accepted; storage.records.export_ids gives such a row its id the first time it is
exported.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("patient", "intake")


def _table(name: str) -> sa.TableClause:
    """Only the columns this revision reads and writes, as they are at this revision."""
    return sa.table(name, sa.column("id", sa.Integer), sa.column("export_id", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("export_id", sa.String(length=36), nullable=True))
        table = _table(name)
        for (row_id,) in bind.execute(sa.select(table.c.id)).all():
            bind.execute(
                table.update().where(table.c.id == row_id).values(export_id=str(uuid.uuid4()))
            )


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("export_id")
