"""Baseline: the tables exactly as create_all made them before migrations existed.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

Written by autogenerate against an empty database, then tidied so it no longer depends on
the models: plain String(n) for SQLModel's AutoString, and JSON declared TEXT on SQLite (as
storage.models' @compiles hook does; a column declared JSON there gets NUMERIC affinity).

Clinics made their tables with SQLModel.metadata.create_all, so this revision must create the
same schema: `intake-bot db upgrade` stamps such a database at 0001 (storage.schema) and runs
only the later revisions on it. The constraints carry the names PostgreSQL gave create_all's
unnamed ones (<table>_pkey, <table>_<column>_fkey, <table>_<column>_key), so on PostgreSQL a
migrated database and one from the field are the same. SQLite keeps no names for unnamed
constraints: a later revision that drops one on SQLite passes
storage.schema.NAMING_CONVENTION to op.batch_alter_table, which names them the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.Text(), "sqlite")
"""JSON on PostgreSQL, TEXT on SQLite."""


def _timestamp(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("linked_at", nullable=True),
        _timestamp("consented_at", nullable=True),
        _timestamp("declined_at", nullable=True),
        sa.Column("active_dialogue", sa.String(length=16), nullable=True),
        sa.Column("settings_step", sa.String(length=40), nullable=True),
        sa.Column("settings_draft", JSON, nullable=True),
        sa.Column("checkin_cadence", sa.String(length=8), nullable=False),
        sa.Column("checkin_time", sa.String(length=5), nullable=True),
        sa.Column("checkin_weekday", sa.Integer(), nullable=True),
        sa.Column("checkins_paused", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="patient_pkey"),
    )
    op.create_index("ix_patient_telegram_chat_id", "patient", ["telegram_chat_id"], unique=True)

    op.create_table(
        "processedupdate",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        _timestamp("processed_at", nullable=False),
        sa.PrimaryKeyConstraint("update_id", name="processedupdate_pkey"),
    )

    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        _timestamp("starts_at", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name="appointment_patient_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="appointment_pkey"),
    )
    op.create_index("ix_appointment_patient_id", "appointment", ["patient_id"])

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("expires_at", nullable=False),
        _timestamp("used_at", nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name="invitation_patient_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="invitation_pkey"),
        sa.UniqueConstraint("token_hash", name="invitation_token_hash_key"),
    )
    op.create_index("ix_invitation_patient_id", "invitation", ["patient_id"])

    op.create_table(
        "intake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("editing", sa.Boolean(), nullable=False),
        sa.Column("pending", sa.String(length=32), nullable=True),
        sa.Column("draft", JSON, nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("started_at", nullable=False),
        _timestamp("updated_at", nullable=False),
        _timestamp("consented_at", nullable=True),
        _timestamp("submitted_at", nullable=True),
        _timestamp("delivered_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"], ["appointment.id"], name="intake_appointment_id_fkey"
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name="intake_patient_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="intake_pkey"),
    )
    op.create_index("ix_intake_appointment_id", "intake", ["appointment_id"])
    op.create_index("ix_intake_patient_id", "intake", ["patient_id"])

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        _timestamp("due_at", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _timestamp("sent_at", nullable=True),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"], ["appointment.id"], name="reminder_appointment_id_fkey"
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name="reminder_patient_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="reminder_pkey"),
        sa.UniqueConstraint("key", name="reminder_key_key"),
    )
    op.create_index("ix_reminder_appointment_id", "reminder", ["appointment_id"])
    op.create_index("ix_reminder_due_at", "reminder", ["due_at"])
    op.create_index("ix_reminder_patient_id", "reminder", ["patient_id"])

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("raw_text", sa.Text(), nullable=True),
        _timestamp("created_at", nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        _timestamp("superseded_at", nullable=True),
        sa.ForeignKeyConstraint(["intake_id"], ["intake.id"], name="answer_intake_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="answer_pkey"),
    )
    op.create_index("ix_answer_current", "answer", ["intake_id", "superseded", "question_key"])
    op.create_index("ix_answer_intake_id", "answer", ["intake_id"])

    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=40), nullable=True),
        sa.Column("pending", sa.String(length=32), nullable=True),
        sa.Column("draft", JSON, nullable=True),
        sa.Column("answers", JSON, nullable=True),
        _timestamp("started_at", nullable=False),
        _timestamp("completed_at", nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name="checkin_patient_id_fkey"),
        sa.ForeignKeyConstraint(["reminder_id"], ["reminder.id"], name="checkin_reminder_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="checkin_pkey"),
    )
    op.create_index("ix_checkin_completed_at", "checkin", ["completed_at"])
    op.create_index("ix_checkin_patient_id", "checkin", ["patient_id"])

    op.create_table(
        "medication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("dose", sa.Text(), nullable=True),
        sa.Column("frequency", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("missed_days", sa.Integer(), nullable=True),
        sa.Column("reasons", JSON, nullable=True),
        sa.Column("raw_text", sa.Text(), nullable=True),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(["intake_id"], ["intake.id"], name="medication_intake_id_fkey"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name="medication_patient_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="medication_pkey"),
    )
    op.create_index("ix_medication_intake_id", "medication", ["intake_id"])
    op.create_index("ix_medication_patient_id", "medication", ["patient_id"])

    op.create_table(
        "safetyevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("shown", sa.String(length=40), nullable=True),
        sa.Column("patient_text", sa.Text(), nullable=True),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("alerted_chat_ids", JSON, nullable=True),
        sa.Column("alert_messages", JSON, nullable=True),
        sa.Column("times_alerted", sa.Integer(), nullable=False),
        _timestamp("last_alerted_at", nullable=True),
        _timestamp("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(["intake_id"], ["intake.id"], name="safetyevent_intake_id_fkey"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name="safetyevent_patient_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="safetyevent_pkey"),
    )
    op.create_index("ix_safetyevent_intake_id", "safetyevent", ["intake_id"])
    op.create_index("ix_safetyevent_patient_id", "safetyevent", ["patient_id"])

    op.create_table(
        "safetyaudit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("safety_event_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        _timestamp("at", nullable=False),
        sa.ForeignKeyConstraint(
            ["safety_event_id"], ["safetyevent.id"], name="safetyaudit_safety_event_id_fkey"
        ),
        sa.PrimaryKeyConstraint("id", name="safetyaudit_pkey"),
    )
    op.create_index("ix_safetyaudit_safety_event_id", "safetyaudit", ["safety_event_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children first, because of the foreign keys.
    for table in (
        "safetyaudit",
        "safetyevent",
        "medication",
        "checkin",
        "answer",
        "reminder",
        "intake",
        "invitation",
        "appointment",
        "processedupdate",
        "patient",
    ):
        op.drop_table(table)
