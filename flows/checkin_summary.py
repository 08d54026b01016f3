"""Between-visit check-ins summarised for the provider: counts, mood and sleep figures, side effects, notes.

Figures only, computed by fixed rules; nothing is interpreted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flows.checkin_questions import (
    ENERGY,
    ENERGY_OPTIONS,
    MOOD,
    NOTE,
    SIDE_EFFECTS,
    SIDE_EFFECTS_OTHER,
    SLEEP,
)
from flows.questions import SIDE_EFFECT_OPTIONS
from flows.report import CheckinRecord, CheckinSummary

ENERGY_VALUES = frozenset(option.value for option in ENERGY_OPTIONS)


def summarise_checkins(records: Sequence[CheckinRecord], missed: int) -> CheckinSummary:
    """The figures for `records` (any order) and `missed` reminders that got no check-in."""
    in_order = sorted(records, key=lambda record: record.at)
    moods = [r.mood for r in in_order if r.mood is not None]
    sleep = [r.sleep_hours for r in in_order if r.sleep_hours is not None]
    reported = Counter(label for r in in_order for label in dict.fromkeys(r.side_effects))
    return CheckinSummary(
        count=len(in_order),
        late=sum(1 for r in in_order if r.late),
        missed=missed,
        mood_average=sum(moods) / len(moods) if moods else None,
        mood_lowest=min(moods) if moods else None,
        mood_highest=max(moods) if moods else None,
        mood_direction=mood_direction(moods),
        sleep_average=sum(sleep) / len(sleep) if sleep else None,
        side_effects=tuple(sorted(reported.items(), key=lambda item: (-item[1], item[0]))),
        notes=tuple((r.at, r.note) for r in in_order if r.note is not None and r.note.strip()),
    )


DIRECTION_MIN_MOODS = 4
DIRECTION_STEP = 1.0
"""How far apart the two halves' mean moods must be (0–10 scale) to call it rising or falling."""


def mood_direction(moods: Sequence[int]) -> str | None:
    """Compare the mean of the earlier half with the later half (time order).

    With an odd count the middle check-in belongs to neither half. Fewer than four moods tell
    nothing. The comparison is made on sums, so a difference of exactly 1.0 is never lost to
    rounding: (later sum − earlier sum) / half ≥ 1.0  ⇔  later sum − earlier sum ≥ half.
    """
    if len(moods) < DIRECTION_MIN_MOODS:
        return None
    half = len(moods) // 2
    difference = sum(moods[-half:]) - sum(moods[:half])
    if difference >= DIRECTION_STEP * half:
        return "rising"
    if difference <= -DIRECTION_STEP * half:
        return "falling"
    return "steady"


def records_from_answers(at: datetime, answers: Mapping[str, Any], late: bool) -> CheckinRecord:
    """A completed check-in's answers (by step key, as `handle_checkin` records them) as a record.

    Skipped or missing answers become None; side effects are the checklist's labels in
    checklist order, "Something else" replaced by the patient's own words in quotes, and
    "None of these" an empty tuple. "Nothing to add" is no note.
    """
    return CheckinRecord(
        at=at,
        mood=_mood(answers.get(MOOD)),
        sleep_hours=_hours(answers.get(SLEEP)),
        energy=_energy(answers.get(ENERGY)),
        side_effects=_side_effects(answers.get(SIDE_EFFECTS), answers.get(SIDE_EFFECTS_OTHER)),
        note=_note(answers.get(NOTE)),
        late=late,
    )


def _mood(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value == int(value) else None


def _hours(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _energy(value: Any) -> str | None:
    return value if value in ENERGY_VALUES else None


def _side_effects(checked: Any, other: Any) -> tuple[str, ...]:
    if not isinstance(checked, list):
        return ()
    labels = []
    for option in SIDE_EFFECT_OPTIONS:
        if option.value not in checked or option.exclusive:
            continue
        if option.value == "other" and isinstance(other, str) and other.strip():
            labels.append(f"“{other.strip()}”")  # the patient's own words, marked as such
        else:
            labels.append(option.label)
    return tuple(labels)


def _note(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None  # skipped, "Nothing to add", or empty
