"""Every question of the pre-visit intake, and which ones a patient meets given the answers so far.

A question is identified by a step key ("phq9.3", "med.2.status", "se.nausea.severity"). Each
section is one module (reasons, medications, history for past medicines and allergies and
health, scales for mood and anxiety, sleep, daily, side_effects, substances, wellbeing for
therapy and physical health, stressors, patient_questions); `registry` maps every section to
its spec, and every lookup by section or step key goes through it. This package re-exports
what the rest of flows and its callers use.
"""

from flows.questions.base import (
    CHANGE_OPTIONS,
    FIRST_VISIT,
    FOLLOW_UP,
    SECTION_LABELS,
    SECTION_ORDER,
    UNSURE_OPTION,
    VISIT_KIND,
    Answers,
    Kind,
    Layout,
    Question,
    Section,
    SectionSpec,
    is_choice,
    is_first_visit,
    option_label,
    since,
)
from flows.questions.daily import DAILY_ITEMS, DAILY_SAME, DAILY_STEPS
from flows.questions.medication_slots import (
    MEDS_SAME,
    PREVIOUS_MEDICATIONS,
    confirmed_unchanged,
    medication_count,
    medication_entry,
    medication_name,
    medication_status,
    previous_medications,
)
from flows.questions.registry import (
    CARRIED_KEYS,
    REGISTRY,
    REPORTED_SECTIONS,
    first_section,
    progress_label,
    question_for,
    reachable_answers,
    section_of,
    section_steps,
    visit_sections,
)
from flows.questions.scales import instrument_score
from flows.questions.side_effects import (
    SE_FIELDS,
    SIDE_EFFECT_OPTIONS,
    checked_side_effects,
    is_suspected_medicine,
    medication_options,
    side_effect_name,
)
from flows.questions.sleep import PREVIOUS_SLEEP, SLEEP_SAME, SLEEP_STEPS, nights_of
from flows.questions.stressors import NO_NOTES_OPTION, STRESS_DOMAINS, STRESS_LEVEL_OPTIONS

__all__ = [
    "CARRIED_KEYS",
    "CHANGE_OPTIONS",
    "DAILY_ITEMS",
    "DAILY_SAME",
    "DAILY_STEPS",
    "FIRST_VISIT",
    "FOLLOW_UP",
    "MEDS_SAME",
    "NO_NOTES_OPTION",
    "PREVIOUS_MEDICATIONS",
    "PREVIOUS_SLEEP",
    "REGISTRY",
    "REPORTED_SECTIONS",
    "SECTION_LABELS",
    "SECTION_ORDER",
    "SE_FIELDS",
    "SIDE_EFFECT_OPTIONS",
    "SLEEP_SAME",
    "SLEEP_STEPS",
    "STRESS_DOMAINS",
    "STRESS_LEVEL_OPTIONS",
    "UNSURE_OPTION",
    "VISIT_KIND",
    "Answers",
    "Kind",
    "Layout",
    "Question",
    "Section",
    "SectionSpec",
    "checked_side_effects",
    "confirmed_unchanged",
    "first_section",
    "instrument_score",
    "is_choice",
    "is_first_visit",
    "is_suspected_medicine",
    "medication_count",
    "medication_entry",
    "medication_name",
    "medication_options",
    "medication_status",
    "nights_of",
    "option_label",
    "previous_medications",
    "progress_label",
    "question_for",
    "reachable_answers",
    "section_of",
    "section_steps",
    "side_effect_name",
    "since",
    "visit_sections",
]
