"""What every patient-side service needs to know about the clinic."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flows.schedule import ReminderPolicy


@dataclass(frozen=True)
class ServiceConfig:
    clinic_name: str
    clinic_zone: ZoneInfo
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)
    provider_chat_ids: tuple[int, ...] = ()  # who receives alerts and compiled intakes
    # Replies go to the outbox for the Telegram dispatcher; the terminal demo shows them itself.
    replies_to_outbox: bool = True
    # RETENTION_DAYS: a patient's data is purged this long after their last visit (None: kept).
    retention_days: int | None = None
