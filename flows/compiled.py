"""The compiled intake: what the provider receives, assembled from the answers without interpretation.

Flags follow fixed rules (safety alerts, missed doses or a stopped medicine, a side effect that
gets in the way a lot, PHQ-9 of 15 or more); scores and bands come from flows.instruments.
Everything else is the patient's answers in words, or their own text verbatim. The types
filled in here are in flows.report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.answers import describe
from flows.instruments import GAD7, PHQ9, PHQ9_FUNCTION_OPTIONS, Score
from flows.medications import recognise
from flows.options import Option
from flows.parsing import MedicationLine, normalise, parse_medication_line
from flows.questions import (
    DAILY_SAME,
    DAILY_STEPS,
    REPORTED_SECTIONS,
    SLEEP_SAME,
    SLEEP_STEPS,
    STRESS_DOMAINS,
    STRESS_LEVEL_OPTIONS,
    Answers,
    Kind,
    Section,
    checked_side_effects,
    confirmed_unchanged,
    instrument_score,
    is_choice,
    is_first_visit,
    medication_count,
    medication_entry,
    medication_status,
    option_label,
    question_for,
    reachable_answers,
    section_steps,
    side_effect_name,
)
from flows.questions.history import PREGNANCY_FLAGGED, PREGNANCY_OPTIONS
from flows.questions.patient_questions import picked_questions
from flows.questions.stressors import stress_level
from flows.questions.substances import DRUG_STEP, WHICH_STEP, audit_c_score, drug_use_positive
from flows.report import (
    AnsweredLine,
    AnsweredSection,
    CheckinSummary,
    CompiledIntake,
    Flag,
    MedicationReport,
    SideEffectReport,
)

PHQ9_FLAG_THRESHOLD = 15
SLEEP_REPORT = (SLEEP_SAME, *SLEEP_STEPS)
DAILY_REPORT = (DAILY_SAME, *DAILY_STEPS)
"""The order the provider reads them in: a section confirmed as unchanged, or its answers."""
PROVIDER_TITLES = {Section.REASONS: "Why they're coming"}
"""Section titles the provider reads where the patient's would not do ("Why you're coming")."""


def compile_intake(
    answers: Answers,
    *,
    intake_id: int,
    patient_name: str,
    submitted_at: datetime | None = None,
    appointment: str | None = None,
    safety_alerts: tuple[str, ...] = (),
    safety_responses: tuple[str, ...] = (),
    typed_texts: Mapping[str, str] | None = None,
    checkins: CheckinSummary | None = None,
    checkins_since: datetime | None = None,
    patient_id: int | None = None,
    export_ids: tuple[str, str] | None = None,
) -> CompiledIntake:
    """Assemble the provider's view of an intake from its current answers.

    `safety_alerts` are the details of the safety alerts raised while the patient answered;
    `safety_responses` what the patient said to the safety questions that raised no alert;
    `typed_texts` the patient's own words for answers read from text, by step key;
    `export_ids` the patient's and the intake's ids in exports."""
    current = reachable_answers(answers)
    typed_texts = typed_texts or {}
    medications = _medications(current)
    side_effects = _side_effects(current)
    phq9 = instrument_score(PHQ9, current)
    gad7 = instrument_score(GAD7, current)
    flags = (*_flags(safety_alerts, medications, side_effects, phq9), *_first_visit_flags(current))
    return CompiledIntake(
        intake_id=intake_id,
        patient_name=patient_name,
        submitted_at=submitted_at,
        appointment=appointment,
        flags=flags,
        phq9=phq9,
        phq9_function=_choice_label(current.get("phq9.function"), PHQ9_FUNCTION_OPTIONS),
        gad7=gad7,
        medications=medications,
        takes_no_medication=is_choice(current.get("med.1.name"), "none"),
        new_medicines=_free_text(current.get("meds.new")),
        sleep=_described(current, _met(current, Section.SLEEP, SLEEP_REPORT), typed_texts),
        daily=_described(current, _met(current, Section.DAILY, DAILY_REPORT), typed_texts),
        side_effects=side_effects,
        no_side_effects=current.get("se.checklist") == ["none"],
        stressors=_stressors(current),
        stress_notes=_free_text(current.get("stress.notes")),
        questions=tuple(v for k, v in current.items() if k.startswith("q.") and isinstance(v, str)),
        safety_responses=safety_responses,
        first_visit=is_first_visit(current),
        answered_sections=_answered_sections(current, typed_texts),
        audit_c=audit_c_score(current),
        picked_questions=picked_questions(current),
        checkins=checkins,
        checkins_since=checkins_since,
        patient_id=patient_id,
        patient_export_id=export_ids[0] if export_ids else None,
        intake_export_id=export_ids[1] if export_ids else None,
    )


def _met(answers: Answers, section: Section, steps: tuple[str, ...]) -> tuple[str, ...]:
    """The steps of `section` this patient meets (a first visit has no "since last visit")."""
    met = section_steps(section, answers)
    return tuple(step for step in steps if step in met)


def _choice_label(value: Any, options: tuple[Option, ...]) -> str | None:
    return option_label(options, value) if value is not None else None


def _free_text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _medications(answers: Answers) -> tuple[MedicationReport, ...]:
    reports = []
    for n in range(1, medication_count(answers) + 1):
        entry = medication_entry(answers, n)
        if entry is None:
            break
        dose = answers.get(f"med.{n}.dose")
        frequency = answers.get(f"med.{n}.frequency")
        reasons = answers.get(f"med.{n}.reasons")
        missed = answers.get(f"med.{n}.missed")
        line = _read_again(entry)
        reports.append(
            MedicationReport(
                name=entry["name"],
                dose=entry.get("dose") or (dose if isinstance(dose, str) else None),
                frequency=entry.get("frequency") or _frequency_text(frequency),
                status=medication_status(answers, n),
                missed_days=int(missed) if isinstance(missed, int | float) else None,
                reasons=tuple(reasons) if isinstance(reasons, list) else (),
                other_reason=_free_text(answers.get(f"med.{n}.reasons_other")),
                raw_text=entry.get("raw"),
                current_dose=_free_text(answers.get(f"med.{n}.current_dose")),
                recognised=recognise(entry["name"]).status == "exact",
                timing=line.timing if line else None,
                titration=line.titration if line else None,
                purpose=line.own_purpose if line else None,
                dose_unknown=bool(entry.get("dose_unknown")) or is_choice(dose, "unsure"),
                verbatim=line.raw if line and not line.fully_read else None,
                unchanged=confirmed_unchanged(answers, n),
            )
        )
    return tuple(reports)


def _read_again(entry: Mapping[str, Any]) -> MedicationLine | None:
    """The line the patient typed, read again: intakes stored before a part of a line was read
    (timing, titration, a purpose) report it too, and keep the words that were not."""
    raw = entry.get("raw")
    return parse_medication_line(raw) if isinstance(raw, str) and raw.strip() else None


def _frequency_text(value: Any) -> str | None:
    """A frequency button's value is already the plain wording ("at bedtime"); typed text is kept."""
    if isinstance(value, dict):
        return str(value.get("other") or "") or None
    if value is None or value == "unsure":
        return None
    return str(value)


def _side_effects(answers: Answers) -> tuple[SideEffectReport, ...]:
    reports = []
    for value in checked_side_effects(answers):

        def said(field: str, value: str = value) -> str:
            key = f"se.{value}.{field}"
            if key not in answers:
                return "not answered"
            return describe(question_for(key, answers), answers[key])

        reports.append(
            SideEffectReport(
                name=side_effect_name(answers, value),
                frequency=said("frequency"),
                severity=said("severity"),
                interference=said("interference"),
                interference_value=answers.get(f"se.{value}.interference"),
                severity_value=answers.get(f"se.{value}.severity"),
                suspected="not sure"
                if answers.get(f"se.{value}.medication") == "unsure"
                else said("medication"),
            )
        )
    return tuple(reports)


def _described(
    answers: Answers, steps: tuple[str, ...], typed: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    lines = []
    for step in steps:
        question = question_for(step, answers)
        value = describe(question, answers[step]) if step in answers else "not answered"
        raw = typed.get(step)
        if question.kind is Kind.NUMBER and raw and normalise(raw) != normalise(value):
            value = f"{value} (typed “{raw.strip()}”)"  # "5-6" was stored as 5.5: show both
        lines.append((question.label, value))
    return tuple(lines)


def _stressors(answers: Answers) -> tuple[tuple[str, str], ...]:
    """Every domain with how much it bothers the patient (unchecked on the checklist: not at
    all)."""
    lines = []
    for domain in STRESS_DOMAINS:
        value = stress_level(answers, domain.value)
        level = option_label(STRESS_LEVEL_OPTIONS, value) if value is not None else "not answered"
        lines.append((domain.label, level))
    return tuple(lines)


def _flags(
    safety_alerts: tuple[str, ...],
    medications: tuple[MedicationReport, ...],
    side_effects: tuple[SideEffectReport, ...],
    phq9: Score,
) -> tuple[Flag, ...]:
    flags = [Flag("safety", f"Safety: {detail}") for detail in safety_alerts]
    item9 = phq9.item_scores[8]
    if item9 and not any("PHQ-9 item 9" in detail for detail in safety_alerts):
        flags.insert(0, Flag("safety", f"Safety: PHQ-9 item 9 answered {item9} of 3"))
    for med in medications:
        if med.status == "stopped":
            flags.append(Flag("missed_doses", f"Stopped {med.name}"))
        elif med.missed_days:
            flags.append(
                Flag(
                    "missed_doses",
                    f"Missed doses: {med.name} on {med.missed_days} of the past 7 days",
                )
            )
    for med in medications:
        if med.status == "different":
            now = f" (now {med.current_dose})" if med.current_dose else ""
            flags.append(
                Flag("adherence", f"Taking a different dose than prescribed: {med.name}{now}")
            )
    for effect in side_effects:
        severe = effect.severity_value == "severe"
        in_the_way = effect.interference_value == "a_lot"
        if severe and in_the_way:
            flags.append(
                Flag("side_effect", f"Severe side effect that gets in the way a lot: {effect.name}")
            )
        elif severe:
            flags.append(Flag("side_effect", f"Severe side effect: {effect.name}"))
        elif in_the_way:
            flags.append(Flag("side_effect", f"Side effect gets in the way a lot: {effect.name}"))
    if phq9.total >= PHQ9_FLAG_THRESHOLD:
        flags.append(Flag("phq9", f"PHQ-9 total {phq9.total} ({phq9.band or 'incomplete'})"))
    return tuple(flags)


def _answered_sections(answers: Answers, typed: Mapping[str, str]) -> tuple[AnsweredSection, ...]:
    """The sections reported as plain answers (reasons, past medicines, allergies and health,
    substances, therapy, physical health), each answer in words, typed text verbatim."""
    sections = []
    for section in REPORTED_SECTIONS:
        lines = []
        for step in section_steps(section, answers):
            if step not in answers or step.endswith(".more"):
                continue  # not answered, or "Add another" / "That's all"
            question = question_for(step, answers)
            value = answers[step]
            own = isinstance(value, str) and question.kind is Kind.TEXT
            own = own or (isinstance(value, dict) and "other" in value)
            said = describe(question, value)
            raw = typed.get(step)
            if question.kind is Kind.NUMBER and raw and normalise(raw) != normalise(said):
                said = f"{said} (typed “{raw.strip()}”)"
            lines.append(AnsweredLine(question.label, said, own_words=own))
        if lines:
            title = PROVIDER_TITLES.get(section, section.label)
            sections.append(AnsweredSection(section.value, title, tuple(lines)))
    return tuple(sections)


def _first_visit_flags(answers: Answers) -> list[Flag]:
    """What changes what can be prescribed or needs attention: allergies, pregnancy, a positive
    AUDIT-C (both cut-offs, sex never inferred) or drug-use screen (Smith et al. 2010)."""
    flags = []
    allergies = _free_text(answers.get("bg.allergies"))
    if allergies:
        flags.append(Flag("allergy", f"Allergies to medicines: “{allergies}”"))
    pregnancy = answers.get("bg.pregnancy")
    if pregnancy in PREGNANCY_FLAGGED:
        label = option_label(PREGNANCY_OPTIONS, pregnancy)
        flags.append(Flag("pregnancy", f"Pregnancy: {label.lower()} (matters for prescribing)"))
    audit = audit_c_score(answers)
    if audit is not None and audit.positive_women:
        flags.append(Flag("alcohol", f"Alcohol: AUDIT-C {audit.total} of 12, {audit.band}"))
    if drug_use_positive(answers):
        question = question_for(DRUG_STEP, answers)
        value = answers[DRUG_STEP]
        times = describe(question, value).lower()
        if all(option.value != _number_text(value) for option in question.options):
            times = f"{times} times"  # a typed count, not a button
        which = answers.get(WHICH_STEP)
        used = f" ({describe(question_for(WHICH_STEP, answers), which).lower()})" if which else ""
        flags.append(Flag("substances", f"Other substances: used {times} in the past year{used}"))
    return flags


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else ""


def medication_rows(compiled: CompiledIntake) -> list[dict[str, Any]]:
    """The medication list as rows for storage."""
    return [
        {
            "name": med.name,
            "dose": med.dose,
            "frequency": med.frequency,
            "status": med.status,
            "missed_days": med.missed_days,
            "reasons": list(med.reasons) or None,
            "raw_text": med.raw_text,
        }
        for med in compiled.medications
    ]
