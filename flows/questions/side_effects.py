"""The side-effects section: a checklist, then four follow-ups on each side effect checked.

Follow-up steps are "se.<value>.<field>" for each `SE_FIELDS` field; their wording names the
side effect ({title} at the start of a sentence, {name} in a label), in the patient's own
words for "Something else".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from flows.options import Option
from flows.questions.base import (
    UNSURE_OPTION,
    Answers,
    Kind,
    Layout,
    Question,
    Section,
    SectionSpec,
    is_first_visit,
    option_label,
)
from flows.questions.medication_slots import medication_count, medication_entry

SIDE_EFFECT_OPTIONS = (
    Option("nausea", "Nausea or upset stomach", aliases=("nausea",)),
    Option("sleepy", "Sleepiness", aliases=("drowsy", "sleepy")),
    Option("insomnia", "Trouble sleeping", aliases=("insomnia",)),
    Option("weight", "Weight or appetite change", aliases=("weight", "appetite")),
    Option("sexual", "Sexual problems", aliases=("sexual",)),
    Option("dizzy", "Dizziness", aliases=("dizzy",)),
    Option("tremor", "Shaking or tremor", aliases=("tremor", "shaking")),
    Option("restless", "Restlessness", aliases=("restless",)),
    Option("headache", "Headache"),
    Option("dry_mouth", "Dry mouth"),
    Option("other", "Something else", aliases=("other",)),
    Option("none", "None of these", aliases=("none", "no"), exclusive=True),
)
SE_FREQUENCY_OPTIONS = (
    Option("rarely", "Rarely"),
    Option("some_days", "Some days"),
    Option("most_days", "Most days"),
    Option("every_day", "Every day", aliases=("daily", "always")),
)
SE_SEVERITY_OPTIONS = (
    Option("mild", "Mild"),
    Option("moderate", "Moderate"),
    Option("severe", "Severe"),
)
SE_INTERFERENCE_OPTIONS = (
    Option("not_at_all", "Not at all"),
    Option("a_little", "A little"),
    Option("a_lot", "A lot"),
)
SE_FIELDS = ("frequency", "severity", "interference", "medication")
SUSPECTED_MEDICINE = "medication"
"""The follow-up whose options are this intake's medicines ("m1", "m2", ...)."""

_SECTION = Section.SIDE_EFFECTS

_CHECKLIST_QUESTIONS: Mapping[str, Question] = {
    "se.checklist": Question(
        "se.checklist",
        _SECTION,
        "Have you noticed any of these since your last visit? Tap all that apply, then Done.",
        Kind.MULTI,
        "Side effects noticed",
        options=SIDE_EFFECT_OPTIONS,
    ),
    "se.other": Question(
        "se.other",
        _SECTION,
        "What else have you noticed?",
        Kind.TEXT,
        "Other side effect",
        max_length=200,
    ),
}


def checked_side_effects(answers: Answers) -> list[str]:
    """The side-effect values the patient checked, in checklist order, without "none"."""
    checked = answers.get("se.checklist")
    if not isinstance(checked, list):
        return []
    return [o.value for o in SIDE_EFFECT_OPTIONS if o.value in checked and not o.exclusive]


def side_effect_name(answers: Answers, value: str) -> str:
    if value == "other":
        other = answers.get("se.other")
        if isinstance(other, str) and other.strip():
            return f"“{other.strip()}”"  # the patient's own words, marked as such
        return "the other side effect"
    return option_label(SIDE_EFFECT_OPTIONS, value).lower()


def medication_options(answers: Answers) -> tuple[Option, ...]:
    """One option per medication the patient listed, for "which one do you suspect?"."""
    options = []
    for n in range(1, medication_count(answers) + 1):
        entry = medication_entry(answers, n)
        if entry is None:
            break  # the list ends here, as in the medication steps: later slots are not reachable
        options.append(Option(f"m{n}", entry["name"]))
    return tuple(options)


def _steps(answers: Answers) -> list[str]:
    if is_first_visit(answers):
        return []  # not part of a first visit (the list); past medicines say how they went
    steps = ["se.checklist"]
    checked = checked_side_effects(answers)
    if "other" in checked:
        steps.append("se.other")
    for value in checked:
        steps.extend(f"se.{value}.{field}" for field in SE_FIELDS)
    return steps


_Builder = Callable[[str, str, Answers], Question]
"""Builds the question at step key, for the side effect `value`, given the answers."""


def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _about(text: str, label: str, options: tuple[Option, ...]) -> _Builder:
    """An optional choice about one side effect, named where the wording says {title}/{name}."""
    template = Question("", _SECTION, text, Kind.CHOICE, label, options=options, optional=True)

    def build(key: str, value: str, answers: Answers) -> Question:
        name = side_effect_name(answers, value)
        return replace(
            template, key=key, text=text.format(title=_title(name)), label=label.format(name=name)
        )

    return build


def _suspected(key: str, value: str, answers: Answers) -> Question:
    name = side_effect_name(answers, value)
    return Question(
        key,
        _SECTION,
        f"{_title(name)}: which medicine do you think might be causing it? Tap one, or type its name.",
        Kind.CHOICE,
        f"{name}: suspected medicine",
        options=(*medication_options(answers), UNSURE_OPTION),
        optional=True,
        free_text=True,
    )


_FIELDS: Mapping[str, _Builder] = {
    "frequency": _about(
        "{title}: how often do you notice it?", "{name}: how often", SE_FREQUENCY_OPTIONS
    ),
    "severity": _about("{title}: how strong is it?", "{name}: how strong", SE_SEVERITY_OPTIONS),
    "interference": _about(
        "{title}: how much does it get in the way of your daily life?",
        "{name}: gets in the way",
        SE_INTERFERENCE_OPTIONS,
    ),
    SUSPECTED_MEDICINE: _suspected,
}


def side_effect_question(key: str, answers: Answers) -> Question:
    """The question at a side-effects step ("se.checklist", "se.nausea.severity")."""
    if key in _CHECKLIST_QUESTIONS:
        return _CHECKLIST_QUESTIONS[key]
    _, value, field = key.split(".")
    build = _FIELDS.get(field)
    if build is None:
        raise KeyError(key)
    return build(key, value, answers)


def is_suspected_medicine(key: str) -> bool:
    """Whether `key` asks which of this intake's medicines may cause a side effect."""
    return key.startswith("se.") and key.endswith(f".{SUSPECTED_MEDICINE}")


SPEC = SectionSpec(
    _SECTION,
    prefixes=("se",),
    steps=_steps,
    question=side_effect_question,
    group_id=_SECTION.value,
    layout=Layout.SIDE_EFFECTS,
    grows=True,
)
