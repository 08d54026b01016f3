"""The one registry of intake sections: each section's steps, questions, step-key prefixes and
FHIR layout, and the lookups that go through it.

Branching is a pure function of the answers: `section_steps(section, answers)` lists the
steps a patient meets in a section now, so "back", editing from review and restoring after
a restart all follow from the stored answers alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.questions.base import (
    SECTION_ORDER,
    VISIT_KIND,
    Answers,
    Question,
    Section,
    SectionSpec,
)
from flows.questions.daily import SPEC as DAILY
from flows.questions.history import BACKGROUND_SPEC as BACKGROUND
from flows.questions.history import PAST_SPEC as PAST_MEDICATIONS
from flows.questions.medication_slots import PREVIOUS_MEDICATIONS
from flows.questions.medications import SPEC as MEDICATIONS
from flows.questions.patient_questions import SPEC as PATIENT_QUESTIONS
from flows.questions.reasons import SPEC as REASONS
from flows.questions.scales import ANXIETY_SPEC as ANXIETY
from flows.questions.scales import MOOD_SPEC as MOOD
from flows.questions.side_effects import SPEC as SIDE_EFFECTS
from flows.questions.sleep import PREVIOUS_SLEEP
from flows.questions.sleep import SPEC as SLEEP
from flows.questions.stressors import SPEC as STRESSORS
from flows.questions.substances import SPEC as SUBSTANCES
from flows.questions.wellbeing import PHYSICAL_SPEC as PHYSICAL
from flows.questions.wellbeing import THERAPY_SPEC as THERAPY

REGISTRY: Mapping[Section, SectionSpec] = {
    spec.section: spec
    for spec in (
        REASONS,
        MEDICATIONS,
        PAST_MEDICATIONS,
        BACKGROUND,
        MOOD,
        ANXIETY,
        SLEEP,
        DAILY,
        SIDE_EFFECTS,
        SUBSTANCES,
        THERAPY,
        PHYSICAL,
        STRESSORS,
        PATIENT_QUESTIONS,
    )
}
if tuple(REGISTRY) != SECTION_ORDER:
    raise RuntimeError("every section needs exactly one spec, in the order of the sections")

_BY_PREFIX: Mapping[str, SectionSpec] = {
    prefix: spec for spec in REGISTRY.values() for prefix in spec.prefixes
}


REPORTED_SECTIONS = (
    Section.REASONS,
    Section.PAST_MEDICATIONS,
    Section.BACKGROUND,
    Section.SUBSTANCES,
    Section.THERAPY,
    Section.PHYSICAL,
)
"""The sections the provider reads as plain answers in order (no section of their own)."""

CARRIED_KEYS = (PREVIOUS_MEDICATIONS, PREVIOUS_SLEEP, VISIT_KIND)
"""Stored when an intake opens, not answers: kept through /restart and on every path."""


def section_steps(section: Section, answers: Answers) -> list[str]:
    """The steps a patient meets in `section`, given the answers so far."""
    return REGISTRY[section].steps(answers)


def visit_sections(answers: Answers) -> list[Section]:
    """The sections this patient meets, in order: a follow-up passes over the first-visit ones
    (and a first visit with no medicine over side effects)."""
    return [section for section in SECTION_ORDER if section_steps(section, answers)]


def first_section(answers: Answers) -> Section:
    """The first section this patient meets (the ones after it are not worked out)."""
    return next(section for section in SECTION_ORDER if section_steps(section, answers))


def _spec_of(key: str) -> SectionSpec:
    return _BY_PREFIX[key.split(".", 1)[0]]


def section_of(key: str) -> Section:
    """The section a step key belongs to."""
    return _spec_of(key).section


def question_for(key: str, answers: Answers) -> Question:
    """The question at step `key`, worded with what the patient already told us."""
    return _spec_of(key).question(key, answers)


def reachable_answers(answers: Answers) -> dict[str, Any]:
    """The answers on the patient's current path: answers to steps no longer met are left out."""
    kept: dict[str, Any] = {}
    for key in CARRIED_KEYS:  # not questions, but what the steps and wording depend on
        if key in answers:
            kept[key] = answers[key]
    for section in SECTION_ORDER:
        for step in section_steps(section, answers):
            if step in answers:
                kept[step] = answers[step]
    return kept


def progress_label(section: Section, steps: list[str], step: str) -> str:
    """Where the patient is, without a finish line that moves.

    Sections that grow with the answers (another medicine, each side effect, each question)
    count questions without a total; a scored questionnaire counts its items, and a question
    after them (the PHQ-9's unscored one) is announced as the last.
    """
    spec = REGISTRY[section]
    position = steps.index(step) + 1
    if spec.instrument is not None:
        items = len(spec.instrument.items)
        if position > items:
            return f"{section.label} · last question"
        return f"{section.label} · {position} of {items}"
    if spec.grows:
        return f"{section.label} · question {position}"
    return f"{section.label} · {position} of {len(steps)}"
