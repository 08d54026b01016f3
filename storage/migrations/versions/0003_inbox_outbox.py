"""The inbox, the outbox, and the question a patient was last shown.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

Both payloads hold what patients wrote and are encrypted (storage.encrypted.EncryptedJSON:
base64 text), so they are TEXT here.

- inboxupdate: each Telegram update is stored before Telegram is told it arrived, and deleted
  once handled.
- outboxmessage: every message to a patient or provider, written in the transaction of the
  change that causes it, sent (and retried) by a dispatcher.
- intake.shown_step, checkin.shown_step: the question whose message reached Telegram; a typed
  answer is taken only for it. Dialogues open at upgrade time were shown their current
  question by the code before this revision (it sent the question after every commit), so
  their shown_step starts as their step.
- A reminder the code before this revision left "sending" (the process stopped mid-send)
  becomes "unconfirmed", as that code did at start-up; from now on a claimed reminder waits in
  the outbox instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inboxupdate",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("inboxupdate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inboxupdate_chat_id"), ["chat_id"], unique=False)

    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "priority", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outboxmessage_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outboxmessage_group_key"), ["group_key"], unique=False)

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shown_step", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )

    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shown_step", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    for name in ("intake", "checkin"):
        table = sa.table(name, sa.column("step", sa.String), sa.column("shown_step", sa.String))
        op.execute(table.update().values(shown_step=table.c.step))
    # A reminder left "sending" by the code before the outbox has no outbox row: it may or
    # may not have arrived, and is never sent again.
    reminder = sa.table("reminder", sa.column("status", sa.String))
    op.execute(reminder.update().where(reminder.c.status == "sending").values(status="unconfirmed"))


def downgrade() -> None:
    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.drop_column("shown_step")

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_column("shown_step")

    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboxmessage_group_key"))
        batch_op.drop_index(batch_op.f("ix_outboxmessage_chat_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outboxmessage")
    with op.batch_alter_table("inboxupdate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboxupdate_chat_id"))

    op.drop_table("inboxupdate")
