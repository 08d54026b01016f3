"""Where one patient event goes (`Destination`, decided by the router from the patient row),
and the small facts about an event the router reads: whether it is clear risk language, and
the step a button press was shown for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from flows.dialogue import Event, Typed
from flows.safety import RiskLevel, assess_risk
from storage.models import Checkin, Intake


class Destination(Enum):
    """Where one event goes."""

    DEMO_CONSENT = auto()  # the demo's intake, which asks for consent itself
    SAFETY_QUESTION = auto()  # the safety question asked outside any dialogue
    DELETE = auto()  # "delete everything?" is open
    DECLINED = auto()  # said no: nothing more is asked
    CONSENT = auto()  # linked by an invitation, not agreed yet
    BUTTON = auto()  # a button names its dialogue row
    CHECKIN = auto()
    SETTINGS = auto()
    INTAKE = auto()  # the pre-visit intake is open
    IDLE = auto()  # nothing to fill in


@dataclass(frozen=True)
class Where:
    to: Destination
    intake: Intake | None = None
    checkin: Checkin | None = None


def is_clear_risk(event: Event) -> bool:
    return isinstance(event, Typed) and assess_risk(event.text).level is RiskLevel.RISK


def step_of(event: Event) -> str:
    """The step a button press was shown for ("" for anything else)."""
    return getattr(event, "step", None) or ""
