"""The daily-life section: energy, appetite and focus compared with before the last visit, or on
a first visit, how they have been over the past two weeks. A patient with an earlier intake is
first asked whether all three are about the same ("daily.same"): one tap when nothing changed;
otherwise, or skipped, the three questions follow."""

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
    has_earlier_intake,
    is_first_visit,
)

# "Better" or "worse" appetite says nothing about which way it changed.
APPETITE_OPTIONS = (
    Option("more", "More than before", aliases=("more", "bigger", "increased")),
    Option("same", "About the same", aliases=("same", "no change")),
    Option("less", "Less than before", aliases=("less", "smaller", "decreased")),
)

DAILY_ITEMS = (
    ("energy", "Energy", "How is your energy compared with before your last visit?"),
    ("appetite", "Appetite", "How is your appetite compared with before your last visit?"),
    ("focus", "Focus", "How is your focus or concentration compared with before your last visit?"),
)

DAILY_QUESTIONS: Mapping[str, Question] = {
    f"daily.{name}": Question(
        f"daily.{name}",
        Section.DAILY,
        text,
        Kind.CHOICE,
        label,
        options=APPETITE_OPTIONS if name == "appetite" else CHANGE_OPTIONS,
        optional=True,
    )
    for name, label, text in DAILY_ITEMS
}
DAILY_STEPS = tuple(DAILY_QUESTIONS)

# A first visit has no "before": how things have been over the past two weeks.
LEVEL_OPTIONS = (
    Option("good", "Good"),
    Option("fair", "So-so", aliases=("fair", "ok", "okay")),
    Option("poor", "Poor", aliases=("bad", "low")),
)
USUAL_APPETITE_OPTIONS = (
    Option("more", "More than usual", aliases=("more", "bigger", "increased")),
    Option("same", "About as usual", aliases=("same", "usual", "normal")),
    Option("less", "Less than usual", aliases=("less", "smaller", "decreased")),
)
FIRST_VISIT_DAILY: Mapping[str, Question] = {
    f"daily.{name}": Question(
        f"daily.{name}",
        Section.DAILY,
        f"Over the past two weeks, how has your {words} been?",
        Kind.CHOICE,
        label,
        options=USUAL_APPETITE_OPTIONS if name == "appetite" else LEVEL_OPTIONS,
        optional=True,
    )
    for name, label, words in (
        ("energy", "Energy", "energy"),
        ("appetite", "Appetite", "appetite"),
        ("focus", "Focus", "focus or concentration"),
    )
}


DAILY_SAME = "daily.same"
ALL_THE_SAME = Question(
    DAILY_SAME,
    Section.DAILY,
    "Compared with before your last visit, are your energy, appetite and focus all about the "
    "same?",
    Kind.CHOICE,
    "Energy, appetite and focus",
    options=(
        Option("same", "Yes, all about the same", aliases=("yes", "same", "no change")),
        Option("changed", "Something changed", aliases=("no", "changed", "different")),
    ),
    optional=True,
)


def _question(key: str, answers: Answers) -> Question:
    if key == DAILY_SAME:
        return ALL_THE_SAME
    return (FIRST_VISIT_DAILY if is_first_visit(answers) else DAILY_QUESTIONS)[key]


def daily_steps(answers: Answers) -> list[str]:
    if not has_earlier_intake(answers):
        return list(DAILY_STEPS)
    if answers.get(DAILY_SAME) == "same":
        return [DAILY_SAME]
    return [DAILY_SAME, *DAILY_STEPS]


SPEC = SectionSpec(
    Section.DAILY,
    prefixes=("daily",),
    steps=daily_steps,
    question=_question,
    group_id=Section.DAILY.value,
)
