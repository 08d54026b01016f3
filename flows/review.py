"""The intake's review screen: every current answer by section, a button to change each
section, and Submit."""

from __future__ import annotations

from typing import Any

from flows import messages
from flows.answers import describe
from flows.dialogue import ReviewGroup, Screen
from flows.options import Option
from flows.questions import (
    Answers,
    question_for,
    reachable_answers,
    section_steps,
    visit_sections,
)

REVIEW_STEP = "review"


def review_screen(answers: Answers) -> Screen:
    return Screen(
        REVIEW_STEP,
        messages.REVIEW_INTRO,
        options=review_options(answers),
        review=review_groups(answers),
        can_back=True,
        header="Review",
    )


def review_options(answers: Answers) -> tuple[Option, ...]:
    """A button to change each section this patient met, then Submit."""
    edits = tuple(
        Option(
            f"edit_{section.value}",
            f"Change {section.label.lower()}",
            aliases=(section.label.lower(), section.value),
        )
        for section in visit_sections(answers)
    )
    return (*edits, messages.SUBMIT_OPTION)


def review_groups(answers: Answers) -> tuple[ReviewGroup, ...]:
    """Every current answer, grouped by section, in the order asked."""
    current = reachable_answers(answers)
    groups = []
    for section in visit_sections(current):
        lines = []
        for step in section_steps(section, current):
            if step in current and not _is_navigation(step, current[step]):
                question = question_for(step, current)
                lines.append((question.label, describe(question, current[step])))
        groups.append(ReviewGroup(section, section.label, tuple(lines)))
    return tuple(groups)


def _is_navigation(step: str, value: Any) -> bool:
    """ "Add another", "That's all" and the like steer the dialogue; they are not answers to show."""
    return step.endswith(".more") or (isinstance(value, dict) and value.get("choice") == "done")
