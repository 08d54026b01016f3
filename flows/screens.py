"""The screen of one question: its wording, its buttons, where the patient is, and the answer
given so far (with "Keep my answer")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.answers import describe, offered_options
from flows.dialogue import Screen
from flows.questions import Kind, Question


def question_screen(
    question: Question,
    answers: Mapping[str, Any],
    draft: tuple[str, ...] | None,
    *,
    header: str,
    can_back: bool,
) -> Screen:
    """`question` on screen; `draft` is a checklist's toggles not yet confirmed with Done."""
    step = question.key
    answered = step in answers
    selected: tuple[str, ...] = ()
    if question.kind is Kind.MULTI:
        selected = draft if draft is not None else tuple(answers.get(step) or ())
    return Screen(
        step=step,
        text=question.text,
        options=offered_options(question, answered),
        header=header,
        stem=question.stem,
        hint=question.hint,
        multi=question.kind is Kind.MULTI,
        selected=selected,
        current_answer=describe(question, answers[step]) if answered else None,
        can_back=can_back,
        can_skip=question.optional,
        numbered=question.kind is Kind.CHOICE,
    )
