"""The between-visit check-in's questions: mood, sleep, energy, side effects and a note.

The check-in reuses the intake's Question; `section` only says which part of the intake a
question resembles and is not shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.options import Option
from flows.questions import NO_NOTES_OPTION, SIDE_EFFECT_OPTIONS, Kind, Question, Section

MOOD = "checkin.mood"
SLEEP = "checkin.sleep"
ENERGY = "checkin.energy"
SIDE_EFFECTS = "checkin.side_effects"
SIDE_EFFECTS_OTHER = "checkin.side_effects_other"
NOTE = "checkin.note"

MAIN_STEPS = (MOOD, SLEEP, ENERGY, SIDE_EFFECTS, NOTE)
"""The five questions every check-in asks; "what else?" after "Something else" is part of the
side-effects question and does not change the count."""

MOOD_OPTIONS = tuple(Option(str(n), str(n)) for n in range(11))
ENERGY_OPTIONS = (
    Option("low", "Low", aliases=("low energy", "tired", "exhausted")),
    Option("ok", "OK", aliases=("okay", "fine", "normal", "alright", "all right", "medium")),
    Option("high", "High", aliases=("high energy", "energetic")),
)

QUESTIONS: Mapping[str, Question] = {
    MOOD: Question(
        MOOD,
        Section.MOOD,
        "How has your mood been today, from 0 (worst) to 10 (best)?",
        Kind.NUMBER,
        "Mood today (0–10)",
        options=MOOD_OPTIONS,
        optional=True,
        minimum=0,
        maximum=10,
        integer=True,
        hint="Tap a number from 0 to 10, or type it.",
    ),
    SLEEP: Question(
        SLEEP,
        Section.SLEEP,
        "About how many hours did you sleep last night?",
        Kind.NUMBER,
        "Hours slept last night",
        optional=True,
        minimum=0,
        maximum=24,
        hint="Type a number, like 7 or 6.5.",
    ),
    ENERGY: Question(
        ENERGY,
        Section.DAILY,
        "How is your energy today?",
        Kind.CHOICE,
        "Energy today",
        options=ENERGY_OPTIONS,
        optional=True,
    ),
    SIDE_EFFECTS: Question(
        SIDE_EFFECTS,
        Section.SIDE_EFFECTS,
        "Have you noticed any of these today? Tap all that apply, then Done.",
        Kind.MULTI,
        "Side effects today",
        options=SIDE_EFFECT_OPTIONS,
    ),
    SIDE_EFFECTS_OTHER: Question(
        SIDE_EFFECTS_OTHER,
        Section.SIDE_EFFECTS,
        "What else have you noticed?",
        Kind.TEXT,
        "Other side effect",
        max_length=200,
    ),
    NOTE: Question(
        NOTE,
        Section.STRESSORS,
        "Anything else you'd like your care team to know? Type it, or tap the button.",
        Kind.TEXT,
        "Note",
        options=(NO_NOTES_OPTION,),
        optional=True,
        max_length=1000,
    ),
}


def checkin_steps(answers: Mapping[str, Any]) -> list[str]:
    """The steps a patient meets, given the answers so far."""
    steps = [MOOD, SLEEP, ENERGY, SIDE_EFFECTS]
    checked = answers.get(SIDE_EFFECTS)
    if isinstance(checked, list) and "other" in checked:
        steps.append(SIDE_EFFECTS_OTHER)
    steps.append(NOTE)
    return steps


def progress_label(step: str) -> str:
    position = MAIN_STEPS.index(SIDE_EFFECTS if step == SIDE_EFFECTS_OTHER else step) + 1
    return f"Check-in · {position} of {len(MAIN_STEPS)}"
