"""The sleep section: five questions that do not depend on any other answer; a first visit has
no "last visit" to compare with, so it has four."""

from __future__ import annotations

from collections.abc import Mapping

from flows.options import Option
from flows.questions.base import (
    CHANGE_OPTIONS,
    Answers,
    Kind,
    Question,
    Section,
    SectionSpec,
    is_first_visit,
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


def _question(key: str, answers: Answers) -> Question:
    return SLEEP_QUESTIONS[key]


SPEC = SectionSpec(
    _SECTION,
    prefixes=("sleep",),
    steps=lambda answers: [
        s for s in SLEEP_STEPS if not (s == "sleep.change" and is_first_visit(answers))
    ],
    question=_question,
    group_id=_SECTION.value,
)
