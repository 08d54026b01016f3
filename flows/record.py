"""Everything stored about one patient, as plain data: what /mydata sends them as a file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.report import CheckinRecord, CompiledIntake


@dataclass(frozen=True)
class SafetyNote:
    """One safety event as the patient may see it: when, what they wrote (unless erased), and
    whether their care team was alerted and has seen it."""

    at: datetime
    text: str | None
    alerted: bool
    acknowledged: bool


@dataclass(frozen=True)
class PatientRecord:
    patient_id: int
    name: str | None  # as the provider wrote it at /invite
    timezone: str
    linked_at: datetime | None
    consented_at: datetime | None
    reminders: str  # in words: "daily at 09:00", "off", "stopped (/stop)"
    appointments: tuple[datetime, ...]
    intakes: tuple[CompiledIntake, ...]  # submitted, oldest first
    in_progress: tuple[tuple[str, str], ...]  # (question key, answer) of an intake not sent yet
    checkins: tuple[CheckinRecord, ...]
    safety: tuple[SafetyNote, ...]
