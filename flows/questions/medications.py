"""The medications section: the medicines a patient takes, how they take them, and new ones.

Each field of a medication slot ("med.<n>.<field>") has one small builder in `_FIELDS`; most
are a template whose wording names the medicine ({name}). Which steps are met is in
`flows.questions.medication_slots`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from flows.medications import recognise
from flows.options import Option
from flows.parsing import FREQUENCY_OPTIONS
from flows.questions.base import (
    UNSURE_OPTION,
    Answers,
    Kind,
    Layout,
    Question,
    Section,
    SectionSpec,
    is_first_visit,
)
from flows.questions.medication_slots import (
    MEDS_SAME,
    medication_name,
    medication_steps,
    previous_medications,
)

NONE_OPTION = Option("none", "I don't take any", aliases=("none", "no", "nothing", "i take none"))
STILL_OPTIONS = (
    Option("yes", "Yes, the same", aliases=("yes", "same", "still")),
    Option("changed", "Yes, but it changed", aliases=("changed", "different")),
    Option("stopped", "I stopped it", aliases=("stopped", "no", "stop")),
)
STOPPED_NOW_OPTION = Option(
    "stopped", "I stopped it", aliases=("stopped", "i stopped taking it", "i stopped")
)
"""At "what do you take now instead?": the medicine was stopped, not changed."""
MORE_OPTIONS = (
    Option("another", "Add another medication", aliases=("another", "add", "yes", "more")),
    Option("done", "That's all", aliases=("done", "no", "that's it", "thats all", "finished")),
)
ENOUGH_OPTION = Option("done", "Actually, that's all", aliases=("done", "that's all", "none"))
STATUS_OPTIONS = (
    Option("as_prescribed", "Taking it as prescribed", aliases=("as prescribed", "yes")),
    Option("different", "Taking a different dose", aliases=("different dose", "different")),
    Option("stopped", "I stopped taking it", aliases=("stopped", "stop")),
)
REASON_OPTIONS = (
    Option("forgot", "I forgot"),
    Option("side_effects", "Side effects"),
    Option("cost", "Cost"),
    Option("ran_out", "Ran out"),
    Option("felt_better", "Felt better"),
    Option("felt_worse", "Felt worse"),
    Option("other", "Another reason", aliases=("other",)),
)
DAY_OPTIONS = tuple(Option(str(n), str(n)) for n in range(8))
NO_NEW_OPTION = Option("none", "Nothing new", aliases=("none", "no", "nothing"))
SAME_OPTIONS = (
    Option(
        "same",
        "Yes, same as last time",
        aliases=("yes", "same", "all the same", "same as last time", "no change"),
    ),
    Option("changed", "Something changed", aliases=("no", "changed", "different")),
)
"""Last visit's medicines as a list: all unchanged in one tap, or medicine by medicine."""
CONFIRM_OPTIONS = (
    Option("yes", "Yes"),
    Option("no", "No, keep what I typed", aliases=("no", "keep")),
)

_SECTION = Section.MEDICATIONS

# Asked once for the whole list rather than per medicine.
_LIST_QUESTIONS: Mapping[str, Question] = {
    "meds.new": Question(
        "meds.new",
        _SECTION,
        "Have you started any new medicines or supplements since your last visit, including "
        "ones from other doctors or from the store? If so, type them here.",
        Kind.TEXT,
        "New medicines or supplements",
        options=(NO_NEW_OPTION,),
        optional=True,
    ),
    "meds.other": Question(
        "meds.other",
        _SECTION,
        "Have you started any other medicine for your mental health since your last visit?",
        Kind.CHOICE,
        "Other medicines started",
        options=(Option("yes", "Yes", aliases=("yes, one more",)), Option("no", "No")),
    ),
}

_Builder = Callable[[str, int, Answers], Question]
"""Builds the question at step key, for slot n, given the answers."""


def _named(text: str, kind: Kind, label: str, **details: Any) -> _Builder:
    """A question whose text and label name the slot's medicine where they say {name}."""
    template = Question("", _SECTION, text, kind, label, **details)

    def build(key: str, n: int, answers: Answers) -> Question:
        name = medication_name(answers, n)
        return replace(
            template, key=key, text=text.format(name=name), label=label.format(name=name)
        )

    return build


def _described(medicine: Mapping[str, Any]) -> str:
    return " ".join(
        p for p in (medicine["name"], medicine.get("dose"), medicine.get("frequency")) if p
    )


def _same_list(answers: Answers) -> Question:
    """Last visit's medicines, all at once: "Yes, same as last time" keeps every one unchanged."""
    listed = [_described(m) for m in previous_medications(answers)]
    if not listed:  # the FHIR Questionnaire's definition of the item
        told = "Last time you told us which medicines you take."
    elif len(listed) == 1:
        told = f"Last time you told us you take {listed[0]}."
    else:
        told = "Last time you told us you take:\n" + "\n".join(f"• {m}" for m in listed)
    return Question(
        MEDS_SAME,
        _SECTION,
        f"{told}\nIs that still everything you take for your mental health, at the same dose "
        "and times?",
        Kind.CHOICE,
        "Medicines as at the last intake",
        options=SAME_OPTIONS,
        optional=True,
        stem="Medicines from your last visit",
    )


def _still(key: str, n: int, answers: Answers) -> Question:
    previous = previous_medications(answers)[n - 1]
    described = _described(previous)
    return Question(
        key,
        _SECTION,
        f"Last time you told us you take {described}. Are you still taking it?",
        Kind.CHOICE,
        f"{previous['name']}: still taking",
        options=STILL_OPTIONS,
        stem="Medicines from your last visit",
    )


def _confirm(key: str, n: int, answers: Answers) -> Question:
    typed = answers.get(f"med.{n}.name") or {}
    suggestion = recognise(typed.get("name", ""))
    return Question(
        key,
        _SECTION,
        f"Did you mean {suggestion.display}?",
        Kind.CHOICE,
        f"Medication {n}: name confirmed",
        options=CONFIRM_OPTIONS,
    )


def _name(key: str, n: int, answers: Answers) -> Question:
    previous = previous_medications(answers)
    if n <= len(previous):
        return Question(
            key,
            _SECTION,
            f"What do you take now instead of {previous[n - 1]['name']}? "
            'Name, dose and how often, for example "sertraline 100 mg once a day".',
            Kind.MEDICATION,
            f"Medication {n} now",
            options=(STOPPED_NOW_OPTION,),
        )
    if n == 1:
        text = (
            "Let's start with your medications. What is the first medicine you take for your "
            "mental health? Type its name, dose and how often, for example "
            '"sertraline 50 mg once a day".'
        )
        options: tuple[Option, ...] = (NONE_OPTION,)
    else:
        text = "What is the next medicine? Name, dose and how often, if you know them."
        options = (ENOUGH_OPTION,)
    return Question(key, _SECTION, text, Kind.MEDICATION, f"Medication {n}", options=options)


_REASONS_STOPPED = _named(
    "What led you to stop {name}? Tap all that apply, then Done.",
    Kind.MULTI,
    "{name}: reasons",
    options=REASON_OPTIONS,
    optional=True,
)
_REASONS_MISSED = _named(
    "What got in the way of taking {name}? Tap all that apply, then Done.",
    Kind.MULTI,
    "{name}: reasons",
    options=REASON_OPTIONS,
    optional=True,
)


def _reasons(key: str, n: int, answers: Answers) -> Question:
    stopped = answers.get(f"med.{n}.status") == "stopped"
    return (_REASONS_STOPPED if stopped else _REASONS_MISSED)(key, n, answers)


_FIELDS: Mapping[str, _Builder] = {
    "still": _still,
    "confirm": _confirm,
    "name": _name,
    "dose": _named(
        'What dose of {name} do you take? For example "50 mg".',
        Kind.TEXT,
        "Dose of {name}",
        options=(UNSURE_OPTION,),
        optional=True,
        max_length=60,
        structured=True,
    ),
    "frequency": _named(
        "How often do you take {name}?",
        Kind.CHOICE,
        "How often {name}",
        options=(*FREQUENCY_OPTIONS, UNSURE_OPTION),
        optional=True,
        free_text=True,
    ),
    "status": _named(
        "How have you been taking {name}?", Kind.CHOICE, "{name}: taking", options=STATUS_OPTIONS
    ),
    "current_dose": _named(
        'What dose of {name} are you taking now? For example "25 mg".',
        Kind.TEXT,
        "{name}: dose taken now",
        options=(UNSURE_OPTION,),
        optional=True,
        max_length=60,
        structured=True,
    ),
    "missed": _named(
        "In the past 7 days, on how many days did you miss a dose of {name}?",
        Kind.NUMBER,
        "{name}: days with a missed dose (past 7)",
        options=DAY_OPTIONS,
        minimum=0,
        maximum=7,
        integer=True,
        hint="Tap a number from 0 to 7, or type it.",
    ),
    "reasons": _reasons,
    "reasons_other": _named(
        "What was the other reason?",
        Kind.TEXT,
        "{name}: other reason",
        optional=True,
        max_length=500,
    ),
    "more": _named(
        "Do you take any other medicine for your mental health?",
        Kind.CHOICE,
        "More medications",
        options=MORE_OPTIONS,
    ),
}


FIRST_VISIT_OTHER_MEDICINES = replace(
    _LIST_QUESTIONS["meds.new"],
    text="Do you take any other medicines or supplements, including ones from other doctors "
    "or from the store? If so, type them here.",
    label="Other medicines or supplements",
)


def medication_question(key: str, answers: Answers) -> Question:
    """The question at a medications step ("meds.new", "med.2.status")."""
    if key == "meds.new" and is_first_visit(answers):
        return FIRST_VISIT_OTHER_MEDICINES
    if key == MEDS_SAME:
        return _same_list(answers)
    if key in _LIST_QUESTIONS:
        return _LIST_QUESTIONS[key]
    _, number, field = key.split(".")
    build = _FIELDS.get(field)
    if build is None:
        raise KeyError(key)
    return build(key, int(number), answers)


SPEC = SectionSpec(
    Section.MEDICATIONS,
    prefixes=("med", "meds"),
    steps=medication_steps,
    question=medication_question,
    group_id=Section.MEDICATIONS.value,
    layout=Layout.MEDICATIONS,
    grows=True,
)
