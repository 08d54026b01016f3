"""The mood and anxiety sections: the PHQ-9 and GAD-7 items as questions, and their scores.

The PHQ-9's unscored functional question ("phq9.function") follows only when an item was
answered above 0.
"""

from __future__ import annotations

from typing import Any

from flows.instruments import (
    ANSWER_OPTIONS,
    GAD7,
    PHQ9,
    PHQ9_FUNCTION_OPTIONS,
    PHQ9_FUNCTION_QUESTION,
    Instrument,
    Score,
    score,
)
from flows.questions.base import Answers, Kind, Layout, Question, Section, SectionSpec

FUNCTION_STEP = "phq9.function"


def instrument_score(instrument: Instrument, answers: Answers) -> Score:
    """The instrument's score from the answers to its items (a skipped item is unanswered)."""
    items: dict[int, int | None] = {}
    for item in instrument.items:
        value = answers.get(f"{instrument.key}.{item.number}")
        items[item.number] = int(value) if value is not None else None
    return score(instrument, items)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _spec(instrument: Instrument, section: Section) -> SectionSpec:
    def steps(answers: Answers) -> list[str]:
        steps = [f"{instrument.key}.{item.number}" for item in instrument.items]
        if instrument is PHQ9 and any(_as_int(answers.get(s)) not in (None, 0) for s in steps):
            steps.append(FUNCTION_STEP)
        return steps

    def question(key: str, answers: Answers) -> Question:
        suffix = key.split(".", 1)[1]
        if suffix == "function":
            return Question(
                key,
                section,
                PHQ9_FUNCTION_QUESTION,
                Kind.CHOICE,
                "How difficult these problems made life",
                options=PHQ9_FUNCTION_OPTIONS,
                optional=True,  # not part of the score
            )
        item = instrument.items[int(suffix) - 1]
        return Question(
            key,
            section,
            item.text,
            Kind.CHOICE,
            item.text,
            options=ANSWER_OPTIONS,
            stem=instrument.stem,
        )

    return SectionSpec(
        section,
        prefixes=(instrument.key,),
        steps=steps,
        question=question,
        group_id=instrument.key,
        layout=Layout.INSTRUMENT,
        instrument=instrument,
    )


MOOD_SPEC = _spec(PHQ9, Section.MOOD)
ANXIETY_SPEC = _spec(GAD7, Section.ANXIETY)
