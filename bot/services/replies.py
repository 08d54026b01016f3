"""What services hand back to the adapters (Telegram, the terminal demo): plain reply objects
with typed references to the dialogue a screen belongs to, never Telegram callback strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from flows.dialogue import Screen
from flows.report import CompiledIntake

OPEN_INTAKE = "open.intake"
OPEN_CHECKIN = "open.checkin"
"""The steps of a reminder's button: open the intake, or start a check-in."""


class DialogueKind(StrEnum):
    """What a screen's buttons act on."""

    INTAKE = "intake"  # an intake row
    CHECKIN = "checkin"  # a check-in row
    PATIENT = "patient"  # the patient row: consent, settings, a safety question outside dialogues
    REMINDER = "reminder"  # a reminder row: its "start" button
    SAFETY_ALERT = "safety_alert"  # a safety event: the Acknowledge button in provider chats


@dataclass(frozen=True)
class DialogueRef:
    kind: DialogueKind
    id: int


@dataclass(frozen=True)
class Target:
    """Where a reply goes: the chat, and the message whose button was pressed (if any)."""

    chat_id: int
    button_message_id: int | None = None
    # The pressed buttons act on the whole intake (the review's Submit): they go once pressed,
    # so an older review, showing older answers, cannot be submitted.
    clear_pressed: bool = False


@dataclass(frozen=True)
class Alert:
    """An urgent safety alert for every provider chat: who, and what triggered it."""

    event_id: int
    patient_name: str
    detail: str


@dataclass
class Reply:
    """What the patient should see, and what must go to providers after the transaction."""

    ref: DialogueRef | None = None  # the dialogue row the screen's buttons belong to
    say: list[str] = field(default_factory=list)
    screen: Screen | None = None
    stale: bool = False
    edit_in_place: bool = False
    duplicate: bool = False
    finished: bool = False  # the intake is submitted or declined
    alerts: list[Alert] = field(default_factory=list)
    reminders: list[int] = field(default_factory=list)  # reminder rows planned or moved: re-arm
    submitted: CompiledIntake | None = None
    forget: bool = False  # the patient's data was erased: the reply is forgotten once sent
    handed_over: bool = False  # stored claimed for this process's dispatcher, and given to it

    @property
    def wrote_for_providers(self) -> bool:
        """Whether the turn also wrote messages for providers (a submitted intake's copies, the
        notice that a patient left), beside the patient's reply and any alert."""
        return self.finished or self.forget or self.submitted is not None

    def then(self, following: Reply) -> Reply:
        """One reply that says this one's notices, then shows `following`."""
        following.say = [*self.say, *following.say]
        following.alerts = [*self.alerts, *following.alerts]
        following.reminders = [*self.reminders, *following.reminders]
        following.stale = self.stale or following.stale
        return following

    def mark_stale(self, notice: str) -> Reply:
        self.stale = True
        self.say.insert(0, notice)
        return self
