"""What every dialogue shares: the events a patient can send, the screen shown back, the
answers and safety signals a turn produces, and the shape of a dialogue's state, context and
own wording. Used by the intake, the between-visit check-in and the settings dialogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from flows.options import Option
from flows.questions import Section

# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Begin:
    """/start or a return to the chat: show where the patient is."""


@dataclass(frozen=True)
class Typed:
    text: str


@dataclass(frozen=True)
class Tapped:
    """A button: the step it was shown for and the option's value."""

    step: str
    value: str


@dataclass(frozen=True)
class Toggled:
    step: str
    value: str


@dataclass(frozen=True)
class DoneTapped:
    step: str


@dataclass(frozen=True)
class Command:
    """/back, /skip, /pause, /restart, /help, or an unknown command; `step` when sent by a button."""

    name: str
    step: str | None = None


@dataclass(frozen=True)
class Unsupported:
    """A sticker, photo, voice note or file: nothing the intake can read."""

    kind: str


TYPED_COMMANDS = frozenset({"back", "skip", "pause", "restart", "help"})
"""Typed without the slash, these words still work as commands."""

Event = Begin | Typed | Tapped | Toggled | DoneTapped | Command | Unsupported


# --- what comes out ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewGroup:
    section: Section
    title: str
    lines: tuple[tuple[str, str], ...]  # (question label, answer in words)


@dataclass(frozen=True)
class Screen:
    """The one question (or the review) the patient should see now."""

    step: str
    text: str
    options: tuple[Option, ...] = ()
    header: str | None = None  # "Mood · 3 of 9"
    stem: str | None = None
    hint: str | None = None
    multi: bool = False
    selected: tuple[str, ...] = ()
    current_answer: str | None = None
    can_back: bool = False
    can_skip: bool = False
    review: tuple[ReviewGroup, ...] = ()
    numbered: bool = True  # options can be answered by the number shown beside them


@dataclass(frozen=True)
class Recorded:
    key: str
    value: Any
    raw_text: str | None


@dataclass(frozen=True)
class SafetySignal:
    """A safety trigger or the patient's response to the safety check, for the audit log.

    The caller stores each one as a row of its own safety-event table. `alert` signals are
    sent at once to every provider chat; `detail` names the trigger in words fit for that
    alert and never quotes the patient.
    """

    kind: (
        str  # phq9_item9, risk_language, unclear_language, confirmed_thoughts, safe, not_safe, ...
    )
    detail: str
    alert: bool
    step: str | None
    shown: str | None = None  # what the patient was shown: crisis_resources, clarifying_question
    text: str | None = None  # the patient's own words when they triggered it (audit only)


class DialogueState(Protocol):
    """Where a patient is: the question, an interjection shown instead, a checklist's toggles."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def step(self) -> str | None: ...

    @property
    def pending(self) -> str | None: ...

    @property
    def draft(self) -> tuple[str, ...] | None: ...


class TurnContext(Protocol):
    @property
    def returning(self) -> bool: ...  # after /pause or a long silence: greet before going on

    @property
    def unseen(self) -> bool: ...  # the current question has not reached the patient yet


@dataclass(frozen=True)
class Wording:
    """What a dialogue says in its own words; everything else is flows.messages."""

    welcome_back: str
    paused: str
    help: str
    too_long: Callable[[int], str]


State = TypeVar("State")


@dataclass
class DialogueOutcome(Generic[State]):
    """What one event did to a dialogue: the answers to record, what to say, the screen to show
    and the safety signals to log and alert on. The caller stores all of it in one transaction
    before anything is sent."""

    state: State
    record: list[Recorded] = field(default_factory=list)
    say: list[str] = field(default_factory=list)
    screen: Screen | None = None
    safety: list[SafetySignal] = field(default_factory=list)
    paused: bool = False
    stale: bool = False  # a button of a question already moved past, or of nothing at all
    edit_in_place: bool = False  # a checklist toggle: redraw the same message

