"""The Questionnaire the intake's QuestionnaireResponse answers: its canonical URL and version
are the response's `questionnaire`, and every linkId of a response is defined here.

Built from the questions registry, section by section, the way flows.fhir_items lays out the
response: the PHQ-9 and GAD-7 groups carry their LOINC panel codes (44249-1, 69737-5) and their
items their LOINC item codes and answers; the substances group the AUDIT-C panel code (72109-2),
its items' codes and its total's (75626-2); the medications group holds "meds.none", the repeating
group "med" and "meds.new"; the side-effect checklist holds each side effect's follow-ups as its
child items; other sections list every step a patient can meet (found by answering each
question with each of its options in turn, as a first visit and as a follow-up), numbered
steps ("q.1", "q.2") as one repeating item.

Option questions are "open-choice" (a patient may type their own words), checklists repeat,
numbers are integer or decimal, typed text is text; clinic options are coded in the clinic's
code system, as in the response.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flows.audit_c import AUDIT_C_ITEMS, AUDIT_C_NAME
from flows.audit_c import PANEL_DISPLAY as AUDIT_C_PANEL_DISPLAY
from flows.audit_c import PANEL_LOINC as AUDIT_C_PANEL_LOINC
from flows.audit_c import TOTAL_LOINC as AUDIT_C_TOTAL_LOINC
from flows.fhir import PANEL_DISPLAY, QUESTIONNAIRE_URL, QUESTIONNAIRE_VERSION
from flows.fhir_items import (
    ANSWER_SYSTEM,
    LINE_PARTS,
    LOINC,
    NO_MEDICATION,
    NO_MEDICATION_TEXT,
    PHQ9_FUNCTION_LOINC_ANSWERS,
    Item,
    template_link_id,
)
from flows.instruments import (
    ANSWER_OPTIONS,
    LICENCE_LINE,
    LOINC_ANSWER_CODES,
    PHQ9,
    PHQ9_FUNCTION_LOINC,
    PHQ9_FUNCTION_OPTIONS,
)
from flows.options import Option
from flows.questions import (
    FIRST_VISIT,
    FOLLOW_UP,
    MEDS_SAME,
    PREVIOUS_SLEEP,
    REGISTRY,
    SE_FIELDS,
    SIDE_EFFECT_OPTIONS,
    SLEEP_SAME,
    VISIT_KIND,
    Answers,
    Kind,
    Layout,
    Question,
    SectionSpec,
    is_suspected_medicine,
    question_for,
)

MEDICATION_FIELDS = (
    "dose",
    "frequency",
    "status",
    "current_dose",
    "missed",
    "reasons",
    "reasons_other",
)
"""The asked steps of a medication slot, in the order of the response's "med" group."""
EXPLORATION_STEPS = 80
"""At most this many answers per walk through a section to find its steps."""


def questionnaire() -> dict[str, Any]:
    """The intake's Questionnaire as a JSON-ready dict (`intake-bot export --questionnaire`)."""
    return {
        "resourceType": "Questionnaire",
        "id": "pre-visit-intake",
        "url": QUESTIONNAIRE_URL,
        "version": QUESTIONNAIRE_VERSION,
        "name": "PreVisitIntake",
        "title": "Pre-visit intake for a medication-management visit",
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": LICENCE_LINE,
        "item": [_GROUPS[spec.layout](spec) for spec in REGISTRY.values()],
    }


# --- one question -----------------------------------------------------------------------


def _coded_options(options: tuple[Option, ...]) -> list[dict[str, Any]]:
    return [
        {"valueCoding": {"system": ANSWER_SYSTEM, "code": o.value, "display": o.label}}
        for o in options
    ]


def definition(link_id: str, question: Question) -> Item:
    """A question as a Questionnaire item of the type its answers take in a response."""
    found: Item = {"linkId": link_id, "text": question.label}
    if is_suspected_medicine(question.key):
        found["type"] = "string"  # answered with the medicine's name, not a slot's code
    elif question.kind is Kind.NUMBER:
        found["type"] = "integer" if question.integer else "decimal"
    elif question.kind is Kind.MEDICATION:
        found["type"] = "string"
    elif question.kind is Kind.TEXT and not question.options:
        found["type"] = "text"
    else:
        found["type"] = "open-choice"
        found["answerOption"] = _coded_options(question.options)
    if question.kind is Kind.MULTI:
        found["repeats"] = True
    return found


# --- one group per section ------------------------------------------------------------------


def _loinc(code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": LOINC, "code": code}
    if display:
        coding["display"] = display
    return coding


def _instrument_group(spec: SectionSpec) -> Item:
    instrument = spec.instrument
    assert instrument is not None
    answers = [
        {"valueCoding": _loinc(LOINC_ANSWER_CODES[o.value], o.label)} for o in ANSWER_OPTIONS
    ]
    items: list[Item] = [
        {
            "linkId": f"/{entry.loinc}",
            "code": [_loinc(entry.loinc)],
            "text": entry.text,
            "type": "choice",
            "answerOption": answers,
        }
        for entry in instrument.items
    ]
    if instrument is PHQ9:
        items.append(
            {
                "linkId": f"/{PHQ9_FUNCTION_LOINC}",
                "code": [_loinc(PHQ9_FUNCTION_LOINC)],
                "text": question_for("phq9.function", {}).text,
                "type": "open-choice",
                "answerOption": [
                    {"valueCoding": _loinc(PHQ9_FUNCTION_LOINC_ANSWERS[o.value], o.label)}
                    for o in PHQ9_FUNCTION_OPTIONS
                ],
            }
        )
    items.append(
        {
            "linkId": f"/{instrument.total_loinc}",
            "code": [_loinc(instrument.total_loinc)],
            "text": f"{instrument.name} total score",
            "type": "integer",
            "readOnly": True,
        }
    )
    code = instrument.panel_loinc
    return {
        "linkId": spec.group_id,
        "code": [_loinc(code, PANEL_DISPLAY[code])],
        "text": instrument.name,
        "type": "group",
        "item": items,
    }


def _medication_group(spec: SectionSpec) -> Item:
    fields: list[Item] = [{"linkId": "med.name", "text": "Medication name", "type": "string"}]
    fields += [
        definition(f"med.{field}", question_for(f"med.1.{field}", {}))
        for field in MEDICATION_FIELDS
    ]
    fields += [{"linkId": f"med.{f}", "text": text, "type": "string"} for f, text in LINE_PARTS.items()]
    fields.append({"linkId": "med.line", "text": "Medication as typed", "type": "string"})
    items: list[Item] = [
        definition(MEDS_SAME, question_for(MEDS_SAME, {})),
        {"linkId": NO_MEDICATION, "text": NO_MEDICATION_TEXT, "type": "boolean"},
        {"linkId": "med", "text": "Medication", "type": "group", "repeats": True, "item": fields},
        definition("meds.new", question_for("meds.new", {})),
    ]
    return {"linkId": spec.group_id, "text": spec.section.label, "type": "group", "item": items}


def _side_effect_group(spec: SectionSpec) -> Item:
    checklist = definition("se.checklist", question_for("se.checklist", {}))
    children = [definition("se.other", question_for("se.other", {"se.checklist": ["other"]}))]
    for option in SIDE_EFFECT_OPTIONS:
        if option.exclusive:
            continue
        answers: Answers = {"se.checklist": [option.value]}
        for field in SE_FIELDS:
            key = f"se.{option.value}.{field}"
            children.append(definition(key, question_for(key, answers)))
    checklist["item"] = children
    return {"linkId": spec.group_id, "text": spec.section.label, "type": "group", "item": [checklist]}


def _plain_group(spec: SectionSpec) -> Item:
    items: dict[str, Item] = {}
    for key, question in _every_step(spec):
        link_id = template_link_id(key)
        if link_id not in items:
            items[link_id] = definition(link_id, question)
            if link_id != key:
                items[link_id]["repeats"] = True
    return {
        "linkId": spec.group_id,
        "text": spec.section.label,
        "type": "group",
        "item": list(items.values()),
    }


NAMES_LAST_ANSWERS = (SLEEP_SAME,)
RETURNING_SLEEP = {
    "sleep.hours": 7,
    "sleep.latency": "15_30",
    "sleep.wakings": 1,
    "sleep.quality": "fair",
}
VISITS: tuple[Mapping[str, Any], ...] = (
    {VISIT_KIND: FIRST_VISIT},
    {},
    {VISIT_KIND: FOLLOW_UP, PREVIOUS_SLEEP: RETURNING_SLEEP},
)
"""A first visit, a follow-up, and a returning patient whose last intake is carried (who can
confirm a section as unchanged): a section's steps are the ones met at any of them."""


def _every_step(spec: SectionSpec) -> list[tuple[str, Question]]:
    """Every step of a section, found by walking it, as a first visit and as a follow-up, with
    each option answered in turn."""
    found: dict[str, Question] = {}
    for visit in VISITS:
        _walk(spec, visit, found)
    # A question that shows the patient's last answers is defined without them.
    return [
        (key, spec.question(key, {}) if key in NAMES_LAST_ANSWERS else q)
        for key, q in found.items()
    ]


def _walk(spec: SectionSpec, visit: Mapping[str, Any], found: dict[str, Question]) -> None:
    widest = 1
    choice = 0
    while choice < widest:
        answers: dict[str, Any] = dict(visit)
        for _ in range(EXPLORATION_STEPS):
            steps = spec.steps(answers)
            step = next((s for s in steps if s not in answers), None)
            if step is None:
                break
            question = spec.question(step, answers)
            found.setdefault(step, question)
            widest = max(widest, len(question.options))
            answers[step] = _sample_answer(question, choice)
        choice += 1


def _sample_answer(question: Question, choice: int) -> Any:
    """An answer to walk on: the option `choice` (the last when there are fewer), or text."""
    options = [o for o in question.options if not o.exclusive] or list(question.options)
    if question.kind is Kind.NUMBER:
        # A count with buttons ("Never", "Once", ...): walk each of them.
        number = float(options[min(choice, len(options) - 1)].value) if options else question.minimum
        return int(number) if question.integer else number
    if question.kind in (Kind.TEXT, Kind.MEDICATION) or not options:
        return "text"
    value = options[min(choice, len(options) - 1)].value
    return [value] if question.kind is Kind.MULTI else value


def _substances_group(spec: SectionSpec) -> Item:
    """The AUDIT-C under its LOINC panel code (72109-2), items (68518-0, 68519-8, 68520-6) and
    total (75626-2), answered in the clinic's codes (the points, 0–4); then the drug-use
    question (Smith et al. 2010) and which substances."""
    items: list[Item] = [
        {
            "linkId": f"/{entry.loinc}",
            "code": [_loinc(entry.loinc)],
            "text": entry.text,
            "type": "choice",
            "answerOption": _coded_options(entry.options),
        }
        for entry in AUDIT_C_ITEMS
    ]
    items.append(
        {
            "linkId": f"/{AUDIT_C_TOTAL_LOINC}",
            "code": [_loinc(AUDIT_C_TOTAL_LOINC)],
            "text": f"{AUDIT_C_NAME} total score",
            "type": "integer",
            "readOnly": True,
        }
    )
    items.extend(
        definition(key, question)
        for key, question in _every_step(spec)
        if not key.startswith("audit.")
    )
    return {
        "linkId": spec.group_id,
        "code": [_loinc(AUDIT_C_PANEL_LOINC, AUDIT_C_PANEL_DISPLAY)],
        "text": spec.section.label,
        "type": "group",
        "item": items,
    }


_GROUPS: Mapping[Layout, Callable[[SectionSpec], Item]] = {
    Layout.PLAIN: _plain_group,
    Layout.INSTRUMENT: _instrument_group,
    Layout.MEDICATIONS: _medication_group,
    Layout.SIDE_EFFECTS: _side_effect_group,
    Layout.SUBSTANCES: _substances_group,
}
