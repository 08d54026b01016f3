"""What every intake question is made of: the sections, how an answer is given, one question,
one section's entry in the registry, and the option lists more than one section uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flows.instruments import Instrument
from flows.options import Option

Answers = Mapping[str, Any]
"""Current (not superseded) answers of an intake, by step key. None means skipped."""


class Section(StrEnum):
    """The parts of the intake, in the order a patient meets them.

    A section with no steps for this patient (the first-visit sections of a follow-up) is
    passed over: see `visit_sections`.
    """

    REASONS = "reasons"
    MEDICATIONS = "medications"
    PAST_MEDICATIONS = "past_medications"
    BACKGROUND = "background"
    MOOD = "mood"
    ANXIETY = "anxiety"
    SLEEP = "sleep"
    DAILY = "daily"
    SIDE_EFFECTS = "side_effects"
    SUBSTANCES = "substances"
    THERAPY = "therapy"
    PHYSICAL = "physical"
    STRESSORS = "stressors"
    QUESTIONS = "questions"

    @property
    def label(self) -> str:
        """The section's name as the patient reads it ("Energy, appetite, focus")."""
        return SECTION_LABELS[self]


SECTION_LABELS: Mapping[Section, str] = {
    Section.REASONS: "Why you're coming",
    Section.MEDICATIONS: "Medications",
    Section.PAST_MEDICATIONS: "Past medicines",
    Section.BACKGROUND: "Allergies and health",
    Section.MOOD: "Mood",
    Section.ANXIETY: "Anxiety",
    Section.SLEEP: "Sleep",
    Section.DAILY: "Energy, appetite, focus",
    Section.SIDE_EFFECTS: "Side effects",
    Section.SUBSTANCES: "Alcohol and other substances",
    Section.THERAPY: "Therapy",
    Section.PHYSICAL: "Physical health",
    Section.STRESSORS: "Life stressors",
    Section.QUESTIONS: "Your questions",
}

SECTION_ORDER: tuple[Section, ...] = tuple(Section)

VISIT_KIND = "visit.kind"
"""Stored when an intake opens, like last visit's medicines: "first" for a patient with no
earlier submitted intake, "follow_up" otherwise. Not a question. An intake without it (one
opened before first visits existed) is a follow-up, as every intake was then."""
FIRST_VISIT = "first"
FOLLOW_UP = "follow_up"


def is_first_visit(answers: Answers) -> bool:
    """Whether this intake prepares the patient's first visit."""
    return answers.get(VISIT_KIND) == FIRST_VISIT


def has_earlier_intake(answers: Answers) -> bool:
    """Whether the patient submitted an intake before this one (stored as "follow_up" when the
    intake opened): only then can a section be confirmed as unchanged in one tap."""
    return answers.get(VISIT_KIND) == FOLLOW_UP


def since(answers: Answers) -> str:
    """ "since your last visit" on a follow-up; "lately" wording on a first visit."""
    return "lately" if is_first_visit(answers) else "since your last visit"


class Kind(StrEnum):
    """How an answer is given and stored."""

    CHOICE = "choice"  # one option; stored as the option's value
    MULTI = "multi"  # toggles and Done; stored as a list of option values
    NUMBER = "number"  # stored as int or float
    TEXT = "text"  # stored as the text, or {"choice": value} for a quick-reply button
    MEDICATION = "medication"  # stored as {"name", "dose", "frequency", "raw"} or {"choice": ...}


@dataclass(frozen=True)
class Question:
    """One question as the patient meets it."""

    key: str
    section: Section
    text: str
    kind: Kind
    label: str  # short wording for the review screen and the provider's summary
    options: tuple[Option, ...] = ()
    optional: bool = False
    stem: str | None = None
    hint: str | None = None
    free_text: bool = False  # a CHOICE that also keeps any other typed text as the answer
    minimum: float = 0
    maximum: float = 0
    integer: bool = False
    max_length: int = 1000
    structured: bool = False  # typed text that must be a value (a dose), not a free note


class Layout(StrEnum):
    """How a section's answers are laid out as one group of a FHIR QuestionnaireResponse."""

    PLAIN = "plain"  # an item per answered step
    INSTRUMENT = "instrument"  # LOINC-coded items, then the total when complete
    MEDICATIONS = "medications"  # a group per medicine, then the new ones
    SIDE_EFFECTS = "side_effects"  # each side effect's follow-ups nested under its checklist answer
    SUBSTANCES = "substances"  # the AUDIT-C's LOINC-coded items and total, then the drug question


@dataclass(frozen=True)
class SectionSpec:
    """One section in the registry: everything the dialogue, review and FHIR need to know."""

    section: Section
    prefixes: tuple[str, ...]  # a step key is "<prefix>.<rest>"
    steps: Callable[[Answers], list[str]]  # the steps met now, given the answers
    question: Callable[[str, Answers], Question]  # the question at a step, worded for the patient
    group_id: str  # the linkId of the section's FHIR group
    layout: Layout = Layout.PLAIN
    instrument: Instrument | None = None  # a scored questionnaire: progress counts its items
    grows: bool = False  # the steps grow with the answers: progress counts without a total


# --- options and helpers more than one section uses -------------------------------------

UNSURE_OPTION = Option("unsure", "Not sure", aliases=("don't know", "dont know", "not sure", "idk"))
CHANGE_OPTIONS = (
    Option("better", "Better"),
    Option("same", "About the same", aliases=("same", "no change")),
    Option("worse", "Worse"),
)


def is_choice(value: Any, choice: str) -> bool:
    """True when a TEXT or MEDICATION answer was the quick-reply button `choice`."""
    return isinstance(value, dict) and value.get("choice") == choice


def option_label(options: tuple[Option, ...], value: Any) -> str:
    """The label of the option with `value`, or the value itself as text."""
    for option in options:
        if option.value == str(value):
            return option.label
    return str(value)
