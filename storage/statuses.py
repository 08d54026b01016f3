"""The fixed words stored in status columns, and the outbox's priorities: what rows can say
about themselves, readable in the database and shared by storage and services."""

from enum import IntEnum, StrEnum


class ActiveDialogue(StrEnum):
    """Which dialogue a patient's typed text goes to (`Patient.active_dialogue`; None: routed by
    what is open, usually the intake)."""

    INTAKE = "intake"
    CHECKIN = "checkin"
    SETTINGS = "settings"
    SAFETY = "safety"
    DELETE = "delete"  # the patient asked to delete their data: yes or no?


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed: its message is going out
    SENT = "sent"
    MISSED = "missed"
    CANCELLED = "cancelled"
    UNCONFIRMED = "unconfirmed"  # the process stopped mid-send: it may or may not have arrived
    FAILED = "failed"  # Telegram refused it (a blocked bot, a deleted chat)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up: Telegram refused it for good (logged by error type)
    CANCELLED = "cancelled"  # no longer needed (an alert's repeat after it was acknowledged)


class Priority(IntEnum):
    """What goes first when there is more to send than Telegram allows."""

    URGENT = 0  # safety alerts and crisis replies
    CONVERSATION = 1  # replies to the patient (or provider) who is talking
    PROVIDER = 2  # compiled intakes and look-ups for providers
    BULK = 3  # reminders


class Erasure(StrEnum):
    """Why a patient's data was erased (`DataRightsLog.action`)."""

    DELETED = "deleted"  # the patient asked (/delete)
    PURGED = "purged"  # RETENTION_DAYS after their last visit
