"""Reading a typed or tapped answer for a question, and describing a stored answer in words:
the buttons a question offers, "keep my answer", and what a typed word was read as."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flows import messages
from flows.options import Option
from flows.parsing import (
    MedicationLine,
    match_option,
    match_options,
    normalise,
    parse_number,
    sentence_kind,
)
from flows.parsing import parse_medication_line as parse_line
from flows.questions import Kind, Question, option_label
from flows.safety import mentions_risk

KEEP_OPTION = Option("@keep", "Keep my answer", aliases=("keep", "same", "keep it"))
"""Offered when a question already has an answer (after Back, or editing from review)."""


@dataclass(frozen=True)
class Parsed:
    """The outcome of reading an answer: a value to store, or why it could not be read."""

    value: Any = None
    ok: bool = True
    problem: str | None = None

    @staticmethod
    def failed(problem: str) -> Parsed:
        return Parsed(ok=False, problem=problem)


def option_value(question: Question, option: Option) -> Any:
    """The stored value when the patient taps or names `option` of `question`."""
    if question.kind in (Kind.TEXT, Kind.MEDICATION):
        return {"choice": option.value}
    if question.kind is Kind.NUMBER:
        return int(option.value) if question.integer else float(option.value)
    return option.value


def parse_typed(question: Question, text: str) -> Parsed:
    """Read `text` typed as the answer to `question`."""
    text = text.strip()
    if not text:
        return Parsed.failed("empty")
    if len(text) > question.max_length:
        return Parsed.failed("too_long")
    match question.kind:
        case Kind.CHOICE:
            return _parse_choice(question, text)
        case Kind.MULTI:
            chosen = match_options(text, question.options)
            if not chosen:
                return Parsed.failed("not_an_option")
            return Parsed(_multi_value(question, [o.value for o in chosen]))
        case Kind.NUMBER:
            number = parse_number(
                text, question.minimum, question.maximum, integer=question.integer
            )
            if number is None:
                return Parsed.failed("not_a_number")
            return Parsed(number)
        case Kind.TEXT:
            option = _exact_option(question, text) or _unsure_dose(question, text)
            return Parsed(option_value(question, option) if option else text)
        case Kind.MEDICATION:
            return _parse_medication(question, text)
    raise ValueError(question.kind)


def _exact_option(question: Question, text: str) -> Option | None:
    """A quick-reply option named in full: free text must not be mistaken for a button."""
    typed = normalise(text)
    for option in question.options:
        names = (option.label, *option.aliases)
        if any(normalise(name) == typed for name in names):
            return option
    return None


def _unsure_dose(question: Question, text: str) -> Option | None:
    """ "Not sure of the dose" at a dose question is its "Not sure" button."""
    if question.structured and sentence_kind(text) == "unsure_dose":
        return next((o for o in question.options if o.value == "unsure"), None)
    return None


def _parse_choice(question: Question, text: str) -> Parsed:
    option = match_option(text, question.options)
    if option is not None:
        return Parsed(option.value)
    if question.free_text:
        return Parsed({"other": text})
    return Parsed.failed("not_an_option")


def _parse_medication(question: Question, text: str) -> Parsed:
    """A medication line; a sentence instead of a medicine ("I stopped taking it") is answered."""
    option = _exact_option(question, text)
    if option is not None:
        return Parsed(option_value(question, option))
    line = parse_line(text)
    if line is not None:
        return Parsed(medication_value(line))
    kind = sentence_kind(text)
    stopped = next((o for o in question.options if o.value == STOPPED), None)
    if kind == "stopped" and stopped is not None:
        return Parsed(option_value(question, stopped))
    return Parsed.failed(_SENTENCE_PROBLEMS.get(kind or "", "not_a_medication"))


STOPPED = "stopped"
"""The option value of "I stopped it", where a medication question offers it."""
_SENTENCE_PROBLEMS = {"stopped": "stopped_which", "unsure_dose": "dose_without_name"}


def medication_value(line: MedicationLine) -> dict[str, Any]:
    """A medication line as stored: name, dose, schedule and the typed line, then only the
    other parts that were read ("timing", "titration", "purpose", "dose_unknown") and the
    words that were not ("note")."""
    value: dict[str, Any] = {
        "name": line.name,
        "dose": line.dose,
        "frequency": line.schedule,
        "raw": line.raw,
    }
    extras = {
        "timing": line.timing,
        "titration": line.titration,
        "purpose": line.own_purpose,
        "dose_unknown": line.dose_unknown or None,
        "note": line.note,
    }
    value.update({key: part for key, part in extras.items() if part})
    return value


def _multi_value(question: Question, values: list[str]) -> list[str]:
    """Keep checklist order; an exclusive option ("None of these") stands alone."""
    exclusive = [o.value for o in question.options if o.exclusive and o.value in values]
    if exclusive:
        return exclusive[-1:]
    return [o.value for o in question.options if o.value in values]


def toggle(question: Question, selected: list[str], value: str) -> list[str]:
    """The selection after tapping `value` on a multi-select."""
    option = next(o for o in question.options if o.value == value)
    if value in selected:
        return [v for v in selected if v != value]
    if option.exclusive:
        return [value]
    kept = [v for v in selected if not _is_exclusive(question, v)]
    return _multi_value(question, [*kept, value])


def _is_exclusive(question: Question, value: str) -> bool:
    return any(o.value == value and o.exclusive for o in question.options)


def describe(question: Question, value: Any) -> str:
    """A stored answer in plain words, for the review screen and the provider's summary."""
    if value is None:
        return "skipped"
    if isinstance(value, dict):
        if "choice" in value:
            return option_label(question.options, value["choice"])
        if "other" in value:
            return str(value["other"])
        if "name" in value:
            return medication_text(value)
    if isinstance(value, list):
        return ", ".join(option_label(question.options, v) for v in value) or "none"
    if question.kind is Kind.NUMBER:
        if question.options and question.integer:
            return option_label(question.options, value)
        return _number_text(value)
    if question.kind is Kind.CHOICE:
        return option_label(question.options, value)
    return str(value)


def medication_text(entry: dict[str, Any]) -> str:
    parts = [entry.get("name") or "", entry.get("dose") or "", entry.get("frequency") or ""]
    return " ".join(part for part in parts if part)


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- a question on screen ------------------------------------------------------------


def offered_options(question: Question, answered: bool) -> tuple[Option, ...]:
    """The buttons for a question: its options, plus "Keep my answer" when it has one."""
    if answered and question.kind is not Kind.MULTI:
        return (*question.options, KEEP_OPTION)
    return question.options


def parse_answer(question: Question, answers: Mapping[str, Any], text: str) -> Parsed:
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
    return mentions_risk(text)


def loose_match_echo(question: Question, value: Any, raw_text: str | None) -> str | None:
    """Say which option a typed word was read as, unless it was the option's label or number."""
    if raw_text is None or question.kind is not Kind.CHOICE or not isinstance(value, str):
        return None
    for number, option in enumerate(question.options, start=1):
        if option.value == value:
            typed = normalise(raw_text)
            if typed in (normalise(option.label), str(number), f"{number}."):
                return None
            return messages.choice_understood(option.label)
    return None


def problem_text(parsed: Parsed, question: Question | None, too_long: Callable[[int], str]) -> str:
    """What to say when a typed answer could not be read; `too_long` words the length limit."""
    match parsed.problem:
        case "too_long":
            return too_long(question.max_length if question else 1000)
        case "not_a_number" if question is not None:
            return messages.not_a_number(question.minimum, question.maximum)
        case "not_a_medication":
            return messages.NOT_A_MEDICATION
        case "stopped_which":
            return messages.STOPPED_WHICH_MEDICINE
        case "dose_without_name":
            return messages.DOSE_WITHOUT_NAME
        case "empty":
            return messages.EMPTY_ANSWER
    return messages.NOT_UNDERSTOOD
