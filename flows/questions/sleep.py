"""The sleep section: five questions that do not depend on any other answer; a first visit has
no "last visit" to compare with, so it has four. A returning patient whose last intake answered
the four about their nights is first shown those answers ("sleep.same"): "Yes, about the same"
confirms them in one tap; otherwise, or skipped, the five questions follow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.options import Option
from flows.questions.base import (
    CHANGE_OPTIONS,
    Answers,
    Kind,
    Question,
    Section,
    SectionSpec,
    has_earlier_intake,
    is_first_visit,
    option_label,
)

LATENCY_OPTIONS = (
    Option("under_15", "Less than 15 minutes"),
    Option("15_30", "15–30 minutes"),
    Option("30_60", "30–60 minutes"),
    Option("over_60", "More than an hour"),
)
WAKING_OPTIONS = (
    Option("0", "0"),
    Option("1", "1"),
    Option("2", "2"),
    Option("3", "3"),
    Option("4", "4 or more"),
)
QUALITY_OPTIONS = (
    Option("very_poor", "Very poor"),
    Option("poor", "Poor"),
    Option("fair", "Fair", aliases=("ok", "okay")),
    Option("good", "Good"),
    Option("very_good", "Very good"),
)

_SECTION = Section.SLEEP

SLEEP_QUESTIONS: Mapping[str, Question] = {
    question.key: question
    for question in (
        Question(
            "sleep.hours",
            _SECTION,
            "On a usual night lately, about how many hours do you sleep?",
            Kind.NUMBER,
            "Usual hours of sleep",
            optional=True,
            minimum=0,
            maximum=24,
            hint="Type a number, like 7 or 6.5.",
        ),
        Question(
            "sleep.latency",
            _SECTION,
            "How long does it usually take you to fall asleep?",
            Kind.CHOICE,
            "Time to fall asleep",
            options=LATENCY_OPTIONS,
            optional=True,
        ),
        Question(
            "sleep.wakings",
            _SECTION,
            "On a usual night, how many times do you wake up?",
            Kind.NUMBER,
            "Times woken at night",
            options=WAKING_OPTIONS,
            optional=True,
            minimum=0,
            maximum=30,
            integer=True,
        ),
        Question(
            "sleep.quality",
            _SECTION,
            "Overall, how would you rate your sleep lately?",
            Kind.CHOICE,
            "Sleep quality",
            options=QUALITY_OPTIONS,
            optional=True,
        ),
        Question(
            "sleep.change",
            _SECTION,
            "Compared with before your last visit, is your sleep…",
            Kind.CHOICE,
            "Sleep since last visit",
            options=CHANGE_OPTIONS,
            optional=True,
        ),
    )
}
SLEEP_STEPS = tuple(SLEEP_QUESTIONS)


NIGHT_STEPS = SLEEP_STEPS[:4]
"""The four about a usual night, carried to the next intake (not "compared with before")."""
PREVIOUS_SLEEP = "sleep.previous"
"""Stored when a returning patient's intake opens: the four answers about their nights from
their last intake (confirmed or given), when it had all four."""
SLEEP_SAME = "sleep.same"
SAME_OPTIONS = (
    Option("same", "Yes, about the same", aliases=("yes", "same", "no change")),
    Option("changed", "It has changed", aliases=("no", "changed", "different")),
)


def previous_sleep(answers: Answers) -> dict[str, Any] | None:
    """Last intake's four answers about a usual night, or None when there are not all four."""
    value = answers.get(PREVIOUS_SLEEP)
    if not isinstance(value, Mapping) or any(value.get(k) is None for k in NIGHT_STEPS):
        return None
    return {k: value[k] for k in NIGHT_STEPS}


def nights_of(answers: Answers) -> dict[str, Any] | None:
    """The four answers about a usual night that this intake holds, to carry to the next one:
    the ones given, or last intake's when the patient confirmed them as the same."""
    if answers.get(SLEEP_SAME) == "same":
        return previous_sleep(answers)
    if any(answers.get(k) is None for k in NIGHT_STEPS):
        return None
    return {k: answers[k] for k in NIGHT_STEPS}


def _nights_described(nights: Mapping[str, Any]) -> str:
    hours = nights["sleep.hours"]
    if isinstance(hours, float) and hours.is_integer():
        hours = int(hours)
    latency, wakings, quality = (
        option_label(SLEEP_QUESTIONS[k].options, nights[k]) for k in NIGHT_STEPS[1:]
    )
    return (
        f"about {hours} hours a night, {latency.lower()} to fall asleep, woken {wakings} times, "
        f"sleep quality {quality.lower()}"
    )


def _same_question(answers: Answers) -> Question:
    """Last intake's nights, to confirm; worded without them where there are none (the FHIR
    Questionnaire's definition of the item)."""
    nights = previous_sleep(answers)
    if nights is None:
        told, label = "Last time you told us about your sleep.", "Sleep as at the last intake"
    else:
        described = _nights_described(nights)
        told = f"Last time you told us: {described}."
        label = f"Sleep as at the last intake ({described})"
    return Question(
        SLEEP_SAME,
        _SECTION,
        f"{told}\nIs your sleep about the same now?",
        Kind.CHOICE,
        label,
        options=SAME_OPTIONS,
        optional=True,
    )


def _question(key: str, answers: Answers) -> Question:
    if key == SLEEP_SAME:
        return _same_question(answers)
    return SLEEP_QUESTIONS[key]


def sleep_steps(answers: Answers) -> list[str]:
    if is_first_visit(answers):
        return list(NIGHT_STEPS)
    if not (has_earlier_intake(answers) and previous_sleep(answers)):
        return list(SLEEP_STEPS)
    if answers.get(SLEEP_SAME) == "same":
        return [SLEEP_SAME]
    return [SLEEP_SAME, *SLEEP_STEPS]


SPEC = SectionSpec(
    _SECTION,
    prefixes=("sleep",),
    steps=sleep_steps,
    question=_question,
    group_id=_SECTION.value,
)
