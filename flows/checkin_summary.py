"""Between-visit check-ins summarised for the provider: counts, mood and sleep figures, side effects, notes.

Figures only, computed by fixed rules; nothing is interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CheckinRecord:
    """One completed check-in."""

    at: datetime  # when it was completed (UTC)
    mood: int | None  # 0–10
    sleep_hours: float | None
    energy: str | None  # low, ok, high
    side_effects: tuple[str, ...]  # labels as the patient chose them; empty for none
    note: str | None
    late: bool = False


@dataclass(frozen=True)
class CheckinSummary:
    """The check-ins since the previous visit, in figures."""

    count: int
    late: int
    missed: int
    mood_average: float | None
    mood_lowest: int | None
    mood_highest: int | None
    mood_direction: str | None  # "rising", "falling", "steady", or None when too few to tell
    sleep_average: float | None
    side_effects: tuple[tuple[str, int], ...]  # (label, how many check-ins reported it), most first
    notes: tuple[tuple[datetime, str], ...]  # the patient's notes, verbatim, oldest first
