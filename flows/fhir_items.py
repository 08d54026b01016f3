"""The intake's answers as FHIR QuestionnaireResponse items: one group per section.

The layout of each section's group comes from its spec in the questions registry (see
flows.fhir for the whole layout and what is left out). Plain dicts, ready for `json.dumps`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flows.instruments import (
    ANSWER_OPTIONS,
    LOINC_ANSWER_CODES,
    PHQ9,
    PHQ9_FUNCTION_LOINC,
    PHQ9_FUNCTION_OPTIONS,
)
from flows.options import Option
from flows.questions import (
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
    is_suspected_medicine,
    medication_count,
    medication_entry,
    medication_options,
    option_label,
    question_for,
    section_of,
)

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


def _medication_fields(n: int, entry: dict[str, Any], answers: Answers) -> list[Item | None]:
    """One medicine: its name, dose and frequency (typed or asked), then the other answers."""
    key = f"med.{n}.name"
    fields: list[Item | None] = [item(key, "Medication name", [{"valueString": entry["name"]}])]
    for field in ("dose", "frequency"):
        step = f"med.{n}.{field}"
        question = question_for(step, answers)
        if entry.get(field):  # read from the line the patient typed
            said = _answers(step, question, entry[field], answers)
            fields.append(item(step, question.label, said))
        else:
            fields.append(_step_item(step, answers))
    fields.extend(
        _step_item(f"med.{n}.{field}", answers)
        for field in ("status", "current_dose", "missed", "reasons", "reasons_other")
    )
    line = text_answer(entry.get("raw"))
    fields.append(item(f"med.{n}.line", f"Medication {n} as typed", _as_list(line)))
    return fields


def _medication_group(spec: SectionSpec, answers: Answers) -> Item | None:
    items: list[Item | None] = []
    for n in range(1, medication_count(answers) + 1):
        key = f"med.{n}.name"
        entry = medication_entry(answers, n)
        if entry is None:
            # "I don't take any" is an answer; "That's all" on a later slot only ends the list.
            if n == 1:
                items.append(_step_item(key, answers))
            break
        fields = _medication_fields(n, entry, answers)
        items.append(_group(f"med.{n}", question_for(key, answers).label, fields))
    items.append(_step_item("meds.new", answers))
    return _group(spec.group_id, spec.section.label, items)


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
    items = []
    for key in answers:
        if section_of(key) is not spec.section:
            continue
        if spec.section is Section.QUESTIONS and key != "q.1" and isinstance(answers[key], dict):
            continue  # "That's all my questions" ends the list; it answers nothing
        items.append(_step_item(key, answers))
    return _group(spec.group_id, spec.section.label, items)


_GROUPS: Mapping[Layout, Callable[[SectionSpec, Answers], Item | None]] = {
    Layout.PLAIN: _plain_group,
    Layout.INSTRUMENT: _instrument_group,
    Layout.MEDICATIONS: _medication_group,
    Layout.SIDE_EFFECTS: _side_effect_group,
}


def section_groups(answers: Answers) -> list[Item]:
    """A group per section with anything to report, in section order, from current answers."""
    groups = (_GROUPS[spec.layout](spec, answers) for spec in REGISTRY.values())
    return [group for group in groups if group]
