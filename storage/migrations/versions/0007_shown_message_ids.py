"""Which message showed the patient their current question.

Revision ID: 0007
Revises: 0006_data_rights
Create Date: 2026-11-30

- `intake.shown_message_id`, `checkin.shown_message_id`: the Telegram message that first showed
  `shown_step`. A typed answer with a lower message id was written before the question reached
  the chat. Until now the bot found it by reading and decrypting the chat's last ten sent
  replies in the outbox for every typed answer.

No data moves: existing rows get NULL, and for them the bot reads the outbox as before until
their next question is shown.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006_data_rights"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("checkin", "intake"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("shown_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table in ("intake", "checkin"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("shown_message_id")
