"""What every question-by-question dialogue does with one question: read a typed answer (or
"keep my answer"), take a tapped option, toggle a checklist, finish it with Done.

The intake and the check-in each keep their own turn object; these functions need only the
small part both have (`QuestionTurn`).
"""

from __future__ import annotations

from typing import Any, Protocol

from flows import messages
from flows.answers import KEEP_OPTION, Parsed, option_value, parse_typed, toggle
from flows.dialogue import Screen
from flows.options import Option
from flows.parsing import match_option, normalise
from flows.questions import Kind, Question
from flows.safety import RiskLevel, assess_risk


class QuestionTurn(Protocol):
    answers: dict[str, Any]

    def accept(self, question: Question, value: Any, raw_text: str | None) -> None: ...
    def question_screen(self) -> Screen: ...
    def move(self, **changes: Any) -> None: ...
    def stale(self) -> None: ...
    def edit_in_place(self) -> None: ...
    def say(self, text: str) -> None: ...


def offered_options(question: Question, answered: bool) -> tuple[Option, ...]:
    """The buttons for a question: its options, plus "Keep my answer" when it has one."""
    if answered and question.kind is not Kind.MULTI:
        return (*question.options, KEEP_OPTION)
    return question.options


def parse_answer(question: Question, answers: dict[str, Any], text: str) -> Parsed:
    """A typed answer; "keep" (or the Keep option's number) keeps the answer already given."""
    answered = question.key in answers
    keep_words = {normalise(n) for n in (KEEP_OPTION.label, *KEEP_OPTION.aliases)}
    if answered and normalise(text) in keep_words:
        return Parsed(answers[question.key])
    keep_number = question.kind is Kind.CHOICE and answered
    if keep_number and match_option(text, offered_options(question, answered)) is KEEP_OPTION:
        return Parsed(answers[question.key])
    return parse_typed(question, text)


def risky_non_text_answer(question: Question | None, text: str) -> bool:
    """Words about death or harm are a note to keep, never a medicine, a dose, a score or a choice."""
    if question is None or (question.kind is Kind.TEXT and not question.structured):
        return False
    return assess_risk(text).level is not RiskLevel.NONE


def tap(turn: QuestionTurn, question: Question, value: str) -> None:
    """An option button of `question`: its value, or the answer kept."""
    answered = question.key in turn.answers
    option = next((o for o in offered_options(question, answered) if o.value == value), None)
    if option is None or question.kind is Kind.MULTI:
        turn.stale()
    elif option is KEEP_OPTION:
        turn.accept(question, turn.answers[question.key], None)
    else:
        turn.accept(question, option_value(question, option), None)


def toggle_option(turn: QuestionTurn, question: Question | None, value: str) -> None:
    """A checklist toggle: redraw the same message with the new selection."""
    if (
        question is None
        or question.kind is not Kind.MULTI
        or all(o.value != value for o in question.options)
    ):
        turn.stale()
        return
    selected = list(turn.question_screen().selected)
    turn.move(draft=tuple(toggle(question, selected, value)))
    turn.edit_in_place()


def done(turn: QuestionTurn, question: Question | None) -> None:
    """Done on a checklist: the selection is the answer (at least one option)."""
    if question is None or question.kind is not Kind.MULTI:
        turn.stale()
        return
    selected = list(turn.question_screen().selected)
    if not selected:
        turn.say(messages.PICK_AT_LEAST_ONE)
        return
    turn.accept(question, selected, None)
