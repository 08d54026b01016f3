"""The safety question gets its own column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Until now `patient.settings_step` held the open settings question while
active_dialogue = 'settings', and the open safety question ("Are you safe right now?",
flows.safety_dialogue) while active_dialogue = 'safety'. The safety question moves to
`patient.safety_question`; settings_step keeps only the open settings question.

Release this revision together with the code that reads and writes safety_question
(bot/services): code that still looks in settings_step would find no open safety question on
an upgraded database and would not ask it again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAFETY_DIALOGUE = "safety"

patient = sa.table(
    "patient",
    sa.column("active_dialogue", sa.String),
    sa.column("settings_step", sa.String),
    sa.column("safety_question", sa.String),
)
"""Only the columns this revision reads and writes, as they are at this revision."""


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("safety_question", sa.String(length=40), nullable=True))
    # One UPDATE: both right-hand sides read the row as it was before it.
    op.execute(
        patient.update()
        .where(patient.c.active_dialogue == SAFETY_DIALOGUE)
        .values(safety_question=patient.c.settings_step, settings_step=None)
    )


def downgrade() -> None:
    op.execute(
        patient.update()
        .where(
            patient.c.active_dialogue == SAFETY_DIALOGUE,
            patient.c.safety_question.is_not(None),
        )
        .values(settings_step=patient.c.safety_question)
    )
    # SQLite: batch mode copies the table without the column (storage.schema turns SQLite's
    # foreign-key enforcement off for the copy, and checks the keys afterwards).
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("safety_question")
