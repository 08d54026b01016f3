"""The first-visit opening: what brings the patient in, and what they hope to get from
treatment, in their own words (relayed verbatim). A follow-up has no such section."""

from __future__ import annotations

from collections.abc import Mapping

from flows.options import Option
from flows.questions.base import Answers, Kind, Question, Section, SectionSpec, is_first_visit

NOT_SURE_YET = Option("unsure", "I'm not sure yet", aliases=("not sure", "don't know", "idk"))

_SECTION = Section.REASONS

REASON_QUESTIONS: Mapping[str, Question] = {
    question.key: question
    for question in (
        Question(
            "reason.coming",
            _SECTION,
            "What brings you in? In your own words, tell your provider what's been going on.",
            Kind.TEXT,
            "What brings them in",
            optional=True,
            max_length=2000,
        ),
        Question(
            "reason.hopes",
            _SECTION,
            "What do you hope to get from treatment? Type it, or tap the button.",
            Kind.TEXT,
            "What they hope to get from treatment",
            options=(NOT_SURE_YET,),
            optional=True,
            max_length=2000,
        ),
    )
}
REASON_STEPS = tuple(REASON_QUESTIONS)


def _steps(answers: Answers) -> list[str]:
    return list(REASON_STEPS) if is_first_visit(answers) else []


SPEC = SectionSpec(
    _SECTION,
    prefixes=("reason",),
    steps=_steps,
    question=lambda key, answers: REASON_QUESTIONS[key],
    group_id=_SECTION.value,
)
