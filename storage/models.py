"""The database tables, all in one place.

Everything a patient types or chooses, and every person's name, is stored encrypted
(storage.encrypted's column types; the key ring in storage.crypto): answers, names, time zone,
notes, medications, check-ins, drafts and safety text. Codes the bot itself writes (states,
question keys, statuses of rows, times) stay readable, so queries can use them.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Table, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from storage import crypto
from storage.clock import utcnow
from storage.encrypted import EncryptedJSON, EncryptedText
from storage.statuses import OutboxStatus, Priority


@compiles(JSON, "sqlite")
def _sqlite_json_as_text(_type: JSON, _compiler: Any, **_kw: Any) -> str:
    """SQLite JSON columns are declared TEXT: a column declared JSON gets NUMERIC affinity,
    which stores the JSON text "2.0" as the integer 2 (and 10**20 as a float)."""
    return "TEXT"


def new_export_id() -> str:
    """A random UUID naming a patient or an intake in exports (FHIR): unique across databases."""
    return str(uuid.uuid4())


# Every table's `id` is typed `int`: it is None only until the row is flushed, and every row
# storage hands out has been flushed.


class Patient(SQLModel, table=True):
    """A person using the bot. The display name is stored only once they agree to take part.

    `name_hash` is a keyed hash of the normalised display name (storage.crypto.name_hash), set
    whenever the row is written: patients are found by name through it."""

    id: int = Field(default=None, primary_key=True)
    telegram_chat_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, index=True, nullable=True)
    )
    display_name: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    name_hash: str | None = Field(default=None, max_length=64, index=True)
    # None: the clinic's time zone
    timezone: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    linked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    consented_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    declined_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # An ActiveDialogue value, or None.
    active_dialogue: str | None = Field(default=None, max_length=16)
    # The open settings question (active_dialogue == "settings"), and only that.
    settings_step: str | None = Field(default=None, max_length=40)
    # The open safety question (active_dialogue == "safety"), e.g. "safety.check".
    safety_question: str | None = Field(default=None, max_length=40)
    settings_draft: dict[str, Any] | None = Field(
        default=None, sa_column=Column(EncryptedJSON(), nullable=True)
    )
    checkin_cadence: str = Field(default="off", max_length=8)  # off, daily, weekly
    # The Patient resource's id in exports: random, given once, never reused by another database.
    # Every row has one (the migration gave the old rows theirs); see storage.records.export_ids.
    export_id: str | None = Field(default_factory=new_export_id, max_length=36)
    checkin_time: str | None = Field(default=None, max_length=5)  # HH:MM, patient's local time
    checkin_weekday: int | None = None  # 0 = Monday
    checkins_paused: bool = False
    # The patient sent /stop: no reminder of any kind goes out until they choose /reminders again.
    reminders_stopped_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class Invitation(SQLModel, table=True):
    """A single-use link a provider made for one patient. Only a hash of the token is kept."""

    id: int = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by: str = Field(max_length=40)  # "chat:<id>" or "cli"
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class Appointment(SQLModel, table=True):
    """A patient's visit. Each intake belongs to one; moving it moves its reminders."""

    id: int = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    status: str = Field(default="scheduled", max_length=16)  # scheduled, cancelled
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Intake(SQLModel, table=True):
    """One pre-visit intake: where the patient is in the dialogue, and when it started and ended."""

    id: int = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    state: str = Field(default="consent", max_length=32)
    step: str | None = Field(default="consent", max_length=64)
    editing: bool = False
    pending: str | None = Field(default=None, max_length=32)
    draft: list[str] | None = Field(default=None, sa_column=Column(EncryptedJSON(), nullable=True))
    # The step of the last question the patient was shown (its message reached Telegram): a
    # typed answer is taken only for that question. None: not shown yet.
    shown_step: str | None = Field(default=None, max_length=64)
    # The Telegram message that first showed `shown_step` (the last part's id): text the
    # patient sent before it (a lower id in the chat's one sequence) answered something else.
    shown_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    paused: bool = False
    version: int = 0
    started_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    consented_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # The namespace of the intake's resource ids in exports (FHIR): random, given once.
    export_id: str | None = Field(default_factory=new_export_id, max_length=36)


class Answer(SQLModel, table=True):
    """One answer as given. A changed answer supersedes the earlier row instead of overwriting it."""

    __table_args__ = (Index("ix_answer_current", "intake_id", "superseded", "question_key"),)

    id: int = Field(default=None, primary_key=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    question_key: str = Field(max_length=64)
    value: Any = Field(default=None, sa_column=Column(EncryptedJSON(), nullable=True))
    raw_text: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    superseded: bool = Field(default=False)
    superseded_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class Medication(SQLModel, table=True):
    """A medication as reported in a submitted intake, with how the patient has been taking it."""

    id: int = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    position: int
    name: str = Field(sa_column=Column(EncryptedText(), nullable=False))
    dose: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    frequency: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    status: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    missed_days: int | None = Field(default=None, sa_column=Column(EncryptedJSON(), nullable=True))
    reasons: list[str] | None = Field(
        default=None, sa_column=Column(EncryptedJSON(), nullable=True)
    )
    raw_text: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class SafetyEvent(SQLModel, table=True):
    """A safety trigger, what the patient was shown, their response, and which chats were alerted."""

    id: int = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    intake_id: int | None = Field(default=None, foreign_key="intake.id", index=True)
    kind: str = Field(max_length=40)
    detail: str = Field(sa_column=Column(EncryptedText(), nullable=False))
    step: str | None = Field(default=None, max_length=64)
    shown: str | None = Field(default=None, max_length=40)
    patient_text: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    alert: bool = False
    alerted_chat_ids: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The alert messages in provider chats, as [chat_id, message_id] pairs, to mark them acknowledged.
    alert_messages: list[list[int]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    times_alerted: int = 0
    last_alerted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    acknowledged_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # The acknowledging provider's Telegram name.
    acknowledged_by: str | None = Field(
        default=None, sa_column=Column(EncryptedText(), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    # The patient's words and the trigger's description were erased (a patient who declined:
    # kept only until the alert was acknowledged). The kind and the audit trail stay.
    text_erased_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids already handled, so a re-delivered update changes nothing."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Reminder(SQLModel, table=True):
    """One reminder occurrence: the source of truth the scheduler is armed from.

    `key` is unique per occurrence, so planning twice never makes two, and a row moves from
    pending to sent (or missed, or cancelled) exactly once.
    """

    id: int = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    kind: str = Field(max_length=24)
    key: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    status: str = Field(
        default="pending", max_length=16
    )  # pending, sending, sent, missed, cancelled
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Checkin(SQLModel, table=True):
    """A between-visit check-in: mood, sleep, energy, side effects today and a note."""

    id: int = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id")
    step: str | None = Field(default=None, max_length=40)
    pending: str | None = Field(default=None, max_length=32)
    draft: list[str] | None = Field(default=None, sa_column=Column(EncryptedJSON(), nullable=True))
    shown_step: str | None = Field(default=None, max_length=40)  # as Intake.shown_step
    shown_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )  # as Intake.shown_message_id
    answers: dict[str, Any] | None = Field(
        default=None, sa_column=Column(EncryptedJSON(), nullable=True)
    )
    started_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True, index=True)
    )
    late: bool = False


class SafetyAudit(SQLModel, table=True):
    """Every step of a safety event's handling: shown to the patient, alerted, re-alerted, acknowledged."""

    id: int = Field(default=None, primary_key=True)
    safety_event_id: int = Field(foreign_key="safetyevent.id", index=True)
    action: str = Field(max_length=24)  # shown, alerted, realerted, acknowledged, alert_failed
    # A provider chat and name, or "bot".
    actor: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    detail: str | None = Field(default=None, sa_column=Column(EncryptedText(), nullable=True))
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _hash_the_name(_mapper: Mapper[Patient], _connection: Connection, patient: Patient) -> None:
    """The name's keyed hash follows the name, under the newest key, whoever wrote the row."""
    patient.name_hash = crypto.name_hash(patient.display_name)


class InboxUpdate(SQLModel, table=True):
    """A Telegram update as it arrived, stored before Telegram is told it was received.

    Processing works from here: a row is deleted once its update was handled, so a crash
    mid-handler is replayed at start. The handler's own transaction claims the update id
    (ProcessedUpdate), so a replayed update changes nothing twice.
    """

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True, index=True)
    )
    payload: dict[str, Any] = Field(sa_column=Column(EncryptedJSON(), nullable=False))
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    attempts: int = 0  # handling started this many times (a crash loop stops at a limit)
    claimed_by: str | None = Field(default=None, max_length=64)  # the process handling it
    claimed_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OutboxMessage(SQLModel, table=True):
    """One message (or edit) to send, written in the transaction of the change that causes it.

    A dispatcher sends rows in order per chat, records each part Telegram accepted
    (`parts_sent`), and retries with backoff; a row is never marked sent before Telegram
    accepted it. `uncertain` is set when an attempt's answer was lost: the next attempt says
    it is a re-send.
    """

    __table_args__ = (Index("ix_outbox_due", "status", "priority", "due_at"),)

    id: int = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    kind: str = Field(max_length=24)
    payload: dict[str, Any] = Field(sa_column=Column(EncryptedJSON(), nullable=False))
    priority: int = Field(default=Priority.CONVERSATION)
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    dedupe_key: str | None = Field(default=None, max_length=120, sa_column_kwargs={"unique": True})
    group_key: str | None = Field(default=None, max_length=60, index=True)  # e.g. "intake:12"
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    due_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    attempts: int = 0
    parts_sent: int = 0
    uncertain: bool = False
    last_error: str | None = Field(default=None, max_length=60)  # an error type, never text
    message_ids: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class DataRightsLog(SQLModel, table=True):
    """What is left of a patient who was erased: their number, why, and when. No name, no chat,
    nothing they said: "patient #12 deleted at <time> by request" (or by the retention rule)."""

    id: int = Field(default=None, primary_key=True)
    patient_number: int  # the erased Patient row's id; no foreign key, the row is gone
    action: str = Field(max_length=16)  # statuses.Erasure: deleted (by request), purged (retention)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, for the Core statements on hot paths (no ORM objects, no flush)."""
    table: Table = getattr(model, "__table__")  # noqa: B009  (SQLModel declares no type for it)
    return table
