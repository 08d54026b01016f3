"""The patient's data rights: /stop, erasure's audit line, a declined patient's risk text erased.

Revision ID: 0006_data_rights
Revises: 0005
Create Date: 2026-11-30

- `patient.reminders_stopped_at`: the patient sent /stop; no reminder goes out until they
  choose /reminders again.
- `safetyevent.text_erased_at`: the patient's words and the trigger's description were erased
  (a patient who declined: kept only until the alert was acknowledged).
- `datarightslog`: what is left of an erased patient, their number, why and when; nothing else.

No data moves: existing rows get NULL in both new columns, which is what they mean.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_data_rights"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(
            sa.Column("reminders_stopped_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("safetyevent") as batch:
        batch.add_column(sa.Column("text_erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "datarightslog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("datarightslog")
    with op.batch_alter_table("safetyevent") as batch:
        batch.drop_column("text_erased_at")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("reminders_stopped_at")
