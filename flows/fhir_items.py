"""The intake's answers as FHIR QuestionnaireResponse items: one group per section.

The layout of each section's group comes from its spec in the questions registry (see
flows.fhir for the whole layout and what is left out). Plain dicts, ready for `json.dumps`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flows.audit_c import AUDIT_C_ITEMS, AUDIT_C_NAME
from flows.audit_c import TOTAL_LOINC as AUDIT_C_TOTAL_LOINC
from flows.instruments import (
    ANSWER_OPTIONS,
    LOINC_ANSWER_CODES,
    PHQ9,
    PHQ9_FUNCTION_LOINC,
    PHQ9_FUNCTION_OPTIONS,
)
from flows.options import Option
from flows.parsing import parse_medication_line
from flows.questions import (
    CARRIED_KEYS,
    MEDS_SAME,
    REGISTRY,
    SE_FIELDS,
    UNSURE_OPTION,
    Answers,
    Kind,
    Layout,
    Question,
    Section,
    SectionSpec,
    checked_side_effects,
    instrument_score,
    is_choice,
    is_suspected_medicine,
    medication_count,
    medication_entry,
    medication_options,
    option_label,
    question_for,
    section_of,
    section_steps,
)
from flows.questions.substances import audit_c_score

LOINC = "http://loinc.org"
ANSWER_SYSTEM = "https://intake-bot.example/fhir/CodeSystem/intake-answers"

PHQ9_FUNCTION_LOINC_ANSWERS: Mapping[str, str] = {
    # LOINC answer list for 69722-7, as in LOINC's own PHQ-9 form (note 0 before 4 in the codes).
    "not": "LA6572-7",  # Not difficult at all
    "somewhat": "LA6573-5",  # Somewhat difficult
    "very": "LA6575-0",  # Very difficult
    "extremely": "LA6574-3",  # Extremely difficult
}

Item = dict[str, Any]
"""A QuestionnaireResponse item: linkId, text, and answers or nested items."""
Answer = dict[str, Any]
"""One answer of an item: valueCoding, valueString, valueInteger or valueDecimal."""


# --- answers ----------------------------------------------------------------------------


def _coding(system: str, code: str, display: str) -> Answer:
    return {"valueCoding": {"system": system, "code": code, "display": display}}


def _clinic_coding(options: tuple[Option, ...], value: Any) -> Answer:
    """An option answer in the clinic's code system, or the text when it is not an option."""
    for option in options:
        if option.value == str(value):
            return _coding(ANSWER_SYSTEM, option.value, option.label)
    return {"valueString": str(value)}


def text_answer(value: Any) -> Answer | None:
    """Typed text as an answer, or None when there is no text."""
    text = value.strip() if isinstance(value, str) else ""
    return {"valueString": text} if text else None


def _as_list(answer: Answer | None) -> list[Answer]:
    return [answer] if answer else []


def _answers(key: str, question: Question, value: Any, answers: Answers) -> list[Answer]:
    """The FHIR answers for a stored value ([] when there is nothing to report)."""
    if value is None:
        return []
    if isinstance(value, dict):
        if "choice" in value:
            return [_clinic_coding(question.options, value["choice"])]
        if "other" in value:  # typed text on a choice question
            return _as_list(text_answer(value["other"]))
        return []
    if isinstance(value, list):
        return [_clinic_coding(question.options, v) for v in value]
    if question.kind is Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _as_list(text_answer(str(value)))
        if question.integer:
            return [{"valueInteger": int(value)}]
        return [{"valueDecimal": float(value)}]
    if question.kind is Kind.CHOICE:
        if is_suspected_medicine(key) and value != UNSURE_OPTION.value:
            # "m1", "m2" name a slot of this intake: give the medicine's name, not the slot.
            return [{"valueString": option_label(medication_options(answers), value)}]
        return [_clinic_coding(question.options, value)]
    return _as_list(text_answer(value))


def item(link_id: str, text: str, answers: list[Answer]) -> Item | None:
    if not answers:
        return None
    return {"linkId": link_id, "text": text, "answer": answers}


def _step_item(key: str, answers: Answers) -> Item | None:
    if key not in answers:
        return None
    question = question_for(key, answers)
    return item(key, question.label, _answers(key, question, answers[key], answers))


def _group(link_id: str, text: str, items: list[Item | None]) -> Item | None:
    kept = [item for item in items if item]
    return {"linkId": link_id, "text": text, "item": kept} if kept else None


# --- one group per section ------------------------------------------------------------------


def _instrument_group(spec: SectionSpec, answers: Answers) -> Item | None:
    instrument = spec.instrument
    assert instrument is not None
    items: list[Item | None] = []
    for entry in instrument.items:
        value = answers.get(f"{instrument.key}.{entry.number}")
        if value is None:
            continue
        label = option_label(ANSWER_OPTIONS, value)
        items.append(
            item(
                f"/{entry.loinc}",
                entry.text,
                [_coding(LOINC, LOINC_ANSWER_CODES[str(value)], label)],
            )
        )
    function = answers.get("phq9.function") if instrument is PHQ9 else None
    if function is not None:
        code = PHQ9_FUNCTION_LOINC_ANSWERS.get(str(function))
        answer = (
            _coding(LOINC, code, option_label(PHQ9_FUNCTION_OPTIONS, function))
            if code
            else {"valueString": str(function)}
        )
        text = question_for("phq9.function", answers).text
        items.append(item(f"/{PHQ9_FUNCTION_LOINC}", text, [answer]))
    total = instrument_score(instrument, answers)
    if total.complete:
        text = f"{instrument.name} total score"
        items.append(item(f"/{instrument.total_loinc}", text, [{"valueInteger": total.total}]))
    return _group(spec.group_id, instrument.name, items)


def template_link_id(key: str) -> str:
    """The linkId of a step in the Questionnaire: slot numbers dropped ("med.2.dose" is
    "med.dose", "q.3" is "q"), since a repeating group or item has one linkId."""
    return re.sub(r"\.\d+(?=\.|$)", "", key)


def _slot_item(key: str, answers: Answers) -> Item | None:
    """A step of a numbered slot ("med.2.status") under its Questionnaire linkId."""
    found = _step_item(key, answers)
    if found is not None:
        found["linkId"] = template_link_id(key)
    return found


def _medication_fields(n: int, entry: dict[str, Any], answers: Answers) -> list[Item | None]:
    """One medicine: its name, dose and frequency (typed or asked), then the other answers,
    what else the patient said about it (timing, titration, purpose) and the line as typed."""
    fields: list[Item | None] = [item(MED_NAME, "Medication name", [{"valueString": entry["name"]}])]
    for field in ("dose", "frequency"):
        step = f"med.{n}.{field}"
        question = question_for(step, answers)
        if entry.get(field):  # read from the line the patient typed
            said = _answers(step, question, entry[field], answers)
            fields.append(item(template_link_id(step), question.label, said))
        else:
            fields.append(_slot_item(step, answers))
    fields.extend(
        _slot_item(f"med.{n}.{field}", answers)
        for field in ("status", "current_dose", "missed", "reasons", "reasons_other")
    )
    raw = entry.get("raw")
    line = parse_medication_line(raw) if isinstance(raw, str) and raw.strip() else None
    parts = (line.timing, line.titration, line.own_purpose) if line else (None, None, None)
    for (field, text), part in zip(LINE_PARTS.items(), parts, strict=True):
        fields.append(item(f"med.{field}", text, _as_list(text_answer(part))))
    fields.append(item("med.line", "Medication as typed", _as_list(text_answer(raw))))
    return fields


MED_NAME = "med.name"
LINE_PARTS: Mapping[str, str] = {
    "timing": "When or on what occasion it is taken, as typed",
    "titration": "How the dose is changing, as typed",
    "purpose": "What it is taken for, as typed",
}
"""The parts of a typed medication line besides name, dose and frequency, by field."""
NO_MEDICATION = "meds.none"


def _medication_group(spec: SectionSpec, answers: Answers) -> Item | None:
    # Last visit's medicines confirmed as all the same (or not), then each medicine.
    items: list[Item | None] = [_step_item(MEDS_SAME, answers)]
    for n in range(1, medication_count(answers) + 1):
        key = f"med.{n}.name"
        entry = medication_entry(answers, n)
        if entry is None:
            # "I don't take any" is an answer; "That's all" on a later slot only ends the list.
            if n == 1 and is_choice(answers.get(key), "none"):
                items.append(item(NO_MEDICATION, NO_MEDICATION_TEXT, [{"valueBoolean": True}]))
            break
        fields = _medication_fields(n, entry, answers)
        items.append(_group("med", "Medication", fields))
    items.append(_step_item("meds.new", answers))
    return _group(spec.group_id, spec.section.label, items)


NO_MEDICATION_TEXT = "Takes no medication for their mental health"


def _side_effect_group(spec: SectionSpec, answers: Answers) -> Item | None:
    checklist = _step_item("se.checklist", answers)
    if checklist is not None:
        checked = set(checked_side_effects(answers))
        for answer in checklist["answer"]:
            value = answer.get("valueCoding", {}).get("code")
            if value not in checked:
                continue
            nested = [_step_item("se.other", answers)] if value == "other" else []
            nested.extend(_step_item(f"se.{value}.{field}", answers) for field in SE_FIELDS)
            kept = [entry for entry in nested if entry]
            if kept:
                answer["item"] = kept
    return _group(spec.group_id, spec.section.label, [checklist])


def _plain_group(spec: SectionSpec, answers: Answers) -> Item | None:
    """The section's answers in order; numbered steps ("q.1", "q.2") as one repeating item."""
    items: list[Item | None] = []
    for key in answers:
        if key in CARRIED_KEYS or section_of(key) is not spec.section:  # not answers
            continue
        if spec.section is Section.QUESTIONS and key != "q.1" and isinstance(answers[key], dict):
            continue  # "That's all my questions" ends the list; it answers nothing
        found = _slot_item(key, answers)
        earlier = next((i for i in items if i and found and i["linkId"] == found["linkId"]), None)
        if earlier is not None and found is not None:
            earlier["answer"].extend(found["answer"])
        else:
            items.append(found)
    return _group(spec.group_id, spec.section.label, items)


def _substances_group(spec: SectionSpec, answers: Answers) -> Item | None:
    """The AUDIT-C items under their LOINC codes ("/68518-0"), answered in the clinic's codes
    (the points, 0–4, with the option's words), and the total ("/75626-2") when complete; then
    the drug-use question and which substances, as clinic items."""
    items: list[Item | None] = []
    for entry in AUDIT_C_ITEMS:
        value = answers.get(f"audit.{entry.number}")
        if value is not None:
            answer = _clinic_coding(entry.options, value)
            items.append(item(f"/{entry.loinc}", entry.text, [answer]))
    total = audit_c_score(answers)
    if total is not None and total.complete:
        text = f"{AUDIT_C_NAME} total score"
        items.append(item(f"/{AUDIT_C_TOTAL_LOINC}", text, [{"valueInteger": total.total}]))
    for key in section_steps(spec.section, answers):
        if not key.startswith("audit."):
            items.append(_step_item(key, answers))
    return _group(spec.group_id, spec.section.label, items)


_GROUPS: Mapping[Layout, Callable[[SectionSpec, Answers], Item | None]] = {
    Layout.PLAIN: _plain_group,
    Layout.INSTRUMENT: _instrument_group,
    Layout.MEDICATIONS: _medication_group,
    Layout.SIDE_EFFECTS: _side_effect_group,
    Layout.SUBSTANCES: _substances_group,
}


def section_groups(answers: Answers) -> list[Item]:
    """A group per section with anything to report, in section order, from current answers."""
    groups = (_GROUPS[spec.layout](spec, answers) for spec in REGISTRY.values())
    return [group for group in groups if group]
