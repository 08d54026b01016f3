"""The intake as FHIR R4 resources: a QuestionnaireResponse, score Observations and a Bundle.

Plain dicts, ready for `json.dumps`; no FHIR library is needed to build them (the tests check
them against the fhir.resources R4B models). Everything is derived from the stored answers and
the compiled intake, so the same intake always gives the same JSON, ids included.

Layout of the QuestionnaireResponse (item linkIds):

- one group per section: "medications", "phq9", "gad7", "sleep", "daily", "side_effects",
  "stressors", "questions"; a section with nothing answered is left out;
- PHQ-9 and GAD-7 items use the LOINC item code as linkId in the US Core style ("/44250-9")
  and answer with LOINC answer codes; the totals are "/44261-6" and "/70274-6", present only
  when every item was answered (a partial total would understate severity);
- every other answer is a clinic item whose linkId is the intake's step key ("med.1.status",
  "sleep.hours"). Each medication is a group "med.<n>", its name, dose and frequency are items
  even when they came from the medication line the patient typed ("med.<n>.line", verbatim);
  the follow-up questions on a side effect are nested under that side effect's answer to
  "se.checklist".
- option answers are valueCoding in the clinic's code system (code = the stored option value,
  display = the button label), numbers valueInteger or valueDecimal, typed text valueString.
  Skipped answers, answers no longer on the patient's path (`reachable_answers`) and answers
  that only steer the dialogue ("Add another medication", "That's all") are left out.

The PHQ-9/GAD-7 licence line is not an answer, and a response has no copyright element (the
Questionnaire's `copyright` is where the reference puts it). It goes in the response's
narrative (`text`), which renders the answers in words and then the licence line; the
narrative status is "additional" because that line and the checklist note are not in the
structured items.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flows.compiled import CompiledIntake
from flows.instruments import (
    ANSWER_OPTIONS,
    GAD7,
    LICENCE_LINE,
    LOINC_ANSWER_CODES,
    PHQ9,
    PHQ9_FUNCTION_LOINC,
    PHQ9_FUNCTION_OPTIONS,
    Instrument,
    Score,
    score,
)
from flows.options import Option
from flows.questions import (
    SECTION_ORDER,
    UNSURE_OPTION,
    Kind,
    Question,
    Section,
    checked_side_effects,
    medication_count,
    medication_entry,
    medication_options,
    option_label,
    question_for,
    reachable_answers,
    section_of,
)

LOINC = "http://loinc.org"
ANSWER_SYSTEM = "https://intake-bot.example/fhir/CodeSystem/intake-answers"
INTAKE_IDENTIFIER_SYSTEM = "https://intake-bot.example/fhir/intake-id"
DEFAULT_QUESTIONNAIRE = "https://intake-bot.example/fhir/Questionnaire/pre-visit-intake|1"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
XHTML = "http://www.w3.org/1999/xhtml"

_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://intake-bot.example/fhir/intake")

PHQ9_FUNCTION_LOINC_ANSWERS: Mapping[str, str] = {
    # LOINC answer list for 69722-7, as in LOINC's own PHQ-9 form (note 0 before 4 in the codes).
    "not": "LA6572-7",  # Not difficult at all
    "somewhat": "LA6573-5",  # Somewhat difficult
    "very": "LA6575-0",  # Very difficult
    "extremely": "LA6574-3",  # Extremely difficult
}

TOTAL_DISPLAY: Mapping[str, str] = {
    # LOINC long common names of the total-score codes.
    PHQ9.total_loinc: "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    GAD7.total_loinc: "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
}
BAND_SOURCES: Mapping[str, str] = {
    PHQ9.key: "Kroenke, Spitzer & Williams 2001",
    GAD7.key: "Spitzer et al. 2006",
}

CHECKLIST_NOTE = (
    "Items outside the PHQ-9 and GAD-7 are the clinic's own checklist, not validated scales."
)

# Group linkIds: the instruments by their key, the other sections by name.
_GROUP_IDS: Mapping[Section, str] = {
    **{section: section.value for section in Section},
    Section.MOOD: PHQ9.key,
    Section.ANXIETY: GAD7.key,
}
_SE_FIELDS = ("frequency", "severity", "interference", "medication")


# --- ids and references -----------------------------------------------------------------


def resource_id(intake_id: int, kind: str) -> str:
    """A stable UUID for one resource of an intake (`kind`: "QuestionnaireResponse", ...)."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{intake_id}/{kind}"))


def response_id(intake_id: int) -> str:
    """The id of the intake's QuestionnaireResponse (also its urn:uuid in the Bundle)."""
    return resource_id(intake_id, "QuestionnaireResponse")


def _patient(patient_id: int, patient_name: str | None) -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"Patient/{patient_id}"}
    if patient_name:
        reference["display"] = patient_name
    return reference


def fhir_datetime(moment: datetime) -> str:
    """ISO 8601 with a UTC offset, to the second, as FHIR's dateTime requires."""
    offset = moment.utcoffset() if moment.tzinfo is not None else None
    if offset is None:
        raise ValueError("a FHIR dateTime needs a timezone: pass an aware datetime")
    if offset.total_seconds() % 60:
        moment = moment.astimezone(UTC)  # FHIR offsets are whole minutes
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


# --- answers ----------------------------------------------------------------------------


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"valueCoding": {"system": system, "code": code, "display": display}}


def _clinic_coding(options: tuple[Option, ...], value: Any) -> dict[str, Any]:
    """An option answer in the clinic's code system, or the text when it is not an option."""
    for option in options:
        if option.value == str(value):
            return _coding(ANSWER_SYSTEM, option.value, option.label)
    return {"valueString": str(value)}


def _text(value: Any) -> dict[str, Any] | None:
    text = value.strip() if isinstance(value, str) else ""
    return {"valueString": text} if text else None


def _answers(key: str, question: Question, value: Any, answers: Mapping[str, Any]) -> list:
    """The FHIR answers for a stored value ([] when there is nothing to report)."""
    if value is None:
        return []
    if isinstance(value, dict):
        if "choice" in value:
            return [_clinic_coding(question.options, value["choice"])]
        if "other" in value:  # typed text on a choice question
            return [answer] if (answer := _text(value["other"])) else []
        return []
    if isinstance(value, list):
        return [_clinic_coding(question.options, v) for v in value]
    if question.kind is Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [answer] if (answer := _text(str(value))) else []
        if question.integer:
            return [{"valueInteger": int(value)}]
        return [{"valueDecimal": float(value)}]
    if question.kind is Kind.CHOICE:
        if key.startswith("se.") and key.endswith(".medication") and value != UNSURE_OPTION.value:
            # "m1", "m2" name a slot of this intake: give the medicine's name, not the slot.
            return [{"valueString": option_label(medication_options(answers), value)}]
        return [_clinic_coding(question.options, value)]
    return [answer] if (answer := _text(value)) else []


def _item(link_id: str, text: str, answers: list) -> dict[str, Any] | None:
    if not answers:
        return None
    return {"linkId": link_id, "text": text, "answer": answers}


def _step_item(key: str, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    if key not in answers:
        return None
    question = question_for(key, answers)
    return _item(key, question.label, _answers(key, question, answers[key], answers))


def _group(link_id: str, text: str, items: list) -> dict[str, Any] | None:
    items = [item for item in items if item]
    return {"linkId": link_id, "text": text, "item": items} if items else None


# --- sections ---------------------------------------------------------------------------


def _instrument_score(instrument: Instrument, answers: Mapping[str, Any]) -> Score:
    values = {}
    for item in instrument.items:
        value = answers.get(f"{instrument.key}.{item.number}")
        values[item.number] = int(value) if value is not None else None
    return score(instrument, values)


def _instrument_group(instrument: Instrument, answers: Mapping[str, Any]) -> dict | None:
    items = []
    for item in instrument.items:
        value = answers.get(f"{instrument.key}.{item.number}")
        if value is None:
            continue
        label = option_label(ANSWER_OPTIONS, value)
        items.append(
            _item(
                f"/{item.loinc}",
                item.text,
                [_coding(LOINC, LOINC_ANSWER_CODES[str(value)], label)],
            )
        )
    function = answers.get("phq9.function") if instrument is PHQ9 else None
    if function is not None:
        question = question_for("phq9.function", answers)
        code = PHQ9_FUNCTION_LOINC_ANSWERS.get(str(function))
        answer = (
            _coding(LOINC, code, option_label(PHQ9_FUNCTION_OPTIONS, function))
            if code
            else {"valueString": str(function)}
        )
        items.append(_item(f"/{PHQ9_FUNCTION_LOINC}", question.text, [answer]))
    total = _instrument_score(instrument, answers)
    if total.complete:
        items.append(
            _item(
                f"/{instrument.total_loinc}",
                f"{instrument.name} total score",
                [{"valueInteger": total.total}],
            )
        )
    return _group(instrument.key, instrument.name, items)


def _medication_group(answers: Mapping[str, Any]) -> dict | None:
    items: list[dict | None] = []
    for n in range(1, medication_count(answers) + 1):
        key = f"med.{n}.name"
        entry = medication_entry(answers, n)
        if entry is None:
            # "I don't take any" is an answer; "That's all" on a later slot only ends the list.
            if n == 1:
                items.append(_step_item(key, answers))
            break
        fields: list[dict | None] = [
            _item(key, "Medication name", [{"valueString": entry["name"]}]),
        ]
        for field in ("dose", "frequency"):
            step = f"med.{n}.{field}"
            question = question_for(step, answers)
            if entry.get(field):  # read from the line the patient typed
                said = _answers(step, question, entry[field], answers)
                fields.append(_item(step, question.label, said))
            else:
                fields.append(_step_item(step, answers))
        fields.extend(
            _step_item(f"med.{n}.{field}", answers)
            for field in ("status", "current_dose", "missed", "reasons", "reasons_other")
        )
        line = _text(entry.get("raw"))
        fields.append(_item(f"med.{n}.line", f"Medication {n} as typed", [line] if line else []))
        items.append(_group(f"med.{n}", question_for(key, answers).label, fields))
    items.append(_step_item("meds.new", answers))
    return _group(_GROUP_IDS[Section.MEDICATIONS], Section.MEDICATIONS.title, items)


def _side_effect_group(answers: Mapping[str, Any]) -> dict | None:
    checklist = _step_item("se.checklist", answers)
    if checklist is not None:
        checked = set(checked_side_effects(answers))
        for answer in checklist["answer"]:
            value = answer.get("valueCoding", {}).get("code")
            if value not in checked:
                continue
            nested = [_step_item("se.other", answers)] if value == "other" else []
            nested.extend(_step_item(f"se.{value}.{field}", answers) for field in _SE_FIELDS)
            nested = [item for item in nested if item]
            if nested:
                answer["item"] = nested
    return _group(_GROUP_IDS[Section.SIDE_EFFECTS], Section.SIDE_EFFECTS.title, [checklist])


def _plain_group(section: Section, answers: Mapping[str, Any]) -> dict | None:
    items = []
    for key in answers:
        if section_of(key) is not section:
            continue
        if section is Section.QUESTIONS and key != "q.1" and isinstance(answers[key], dict):
            continue  # "That's all my questions" ends the list; it answers nothing
        items.append(_step_item(key, answers))
    return _group(_GROUP_IDS[section], section.title, items)


def _section_group(section: Section, answers: Mapping[str, Any]) -> dict | None:
    match section:
        case Section.MEDICATIONS:
            return _medication_group(answers)
        case Section.MOOD:
            return _instrument_group(PHQ9, answers)
        case Section.ANXIETY:
            return _instrument_group(GAD7, answers)
        case Section.SIDE_EFFECTS:
            return _side_effect_group(answers)
    return _plain_group(section, answers)


# --- narrative --------------------------------------------------------------------------


def _answer_text(answer: Mapping[str, Any]) -> str:
    if "valueCoding" in answer:
        return str(answer["valueCoding"]["display"])
    for key in ("valueString", "valueInteger"):
        if key in answer:
            return str(answer[key])
    value = answer["valueDecimal"]
    return str(int(value)) if float(value).is_integer() else str(value)


def _items_html(items: list[dict[str, Any]]) -> str:
    rows = []
    for item in items:
        text = html.escape(item.get("text", item["linkId"]))
        if "item" in item:
            rows.append(f"<li>{text}{_items_html(item['item'])}</li>")
            continue
        said = []
        for answer in item["answer"]:
            part = html.escape(_answer_text(answer))
            if "item" in answer:
                part += _items_html(answer["item"])
            said.append(part)
        rows.append(f"<li>{text}: {'; '.join(said)}</li>")
    return f"<ul>{''.join(rows)}</ul>"


def _narrative(groups: list[dict[str, Any]], patient_name: str, authored: str) -> dict:
    parts = [f"<p><b>Pre-visit intake</b>: {html.escape(patient_name)}, {authored}</p>"]
    for group in groups:
        parts.append(f"<p><b>{html.escape(group['text'])}</b></p>{_items_html(group['item'])}")
    parts.append(f"<p>{html.escape(CHECKLIST_NOTE)}</p>")
    parts.append(f"<p>{html.escape(LICENCE_LINE)}</p>")
    return {"status": "additional", "div": f'<div xmlns="{XHTML}">{"".join(parts)}</div>'}


# --- resources --------------------------------------------------------------------------


def questionnaire_response(
    answers: Mapping[str, Any],
    *,
    intake_id: int,
    patient_id: int,
    patient_name: str,
    authored: datetime,
    questionnaire_url: str = DEFAULT_QUESTIONNAIRE,
) -> dict[str, Any]:
    """The intake's answers as a completed FHIR R4 QuestionnaireResponse (a JSON-ready dict)."""
    when = fhir_datetime(authored)
    current = reachable_answers(answers)
    groups = [group for section in SECTION_ORDER if (group := _section_group(section, current))]
    patient = _patient(patient_id, patient_name)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(intake_id),
        "text": _narrative(groups, patient_name, when),
        "identifier": {"system": INTAKE_IDENTIFIER_SYSTEM, "value": str(intake_id)},
        "questionnaire": questionnaire_url,
        "status": "completed",
        "subject": patient,
        "authored": when,
        "author": dict(patient),
        "source": dict(patient),
    }
    if groups:
        response["item"] = groups
    return response


def score_observations(
    compiled: CompiledIntake,
    *,
    response_id: str,
    patient_id: int,
    effective: datetime | None = None,
    response_reference: str | None = None,
) -> list[dict[str, Any]]:
    """One Observation per complete PHQ-9 / GAD-7 total, derived from the response.

    `effective` defaults to when the intake was submitted. `response_reference` overrides
    "QuestionnaireResponse/<response_id>" (the Bundle points at the response's urn:uuid).
    Bands go in a note: there is no standard code for them, and none is made up.
    """
    moment = effective or compiled.submitted_at
    if moment is None:
        raise ValueError("the intake has no submission time: pass `effective`")
    when = fhir_datetime(moment)
    reference = response_reference or f"QuestionnaireResponse/{response_id}"
    observations = []
    for instrument, total in ((PHQ9, compiled.phq9), (GAD7, compiled.gad7)):
        if not total.complete:
            continue
        code = instrument.total_loinc
        band = f"{instrument.name} severity band: {total.band} ({BAND_SOURCES[instrument.key]})"
        summary = f"{instrument.name} total score {total.total} of {instrument.max_total}"
        observations.append(
            {
                "resourceType": "Observation",
                "id": resource_id(compiled.intake_id, f"Observation/{code}"),
                "text": {
                    "status": "generated",
                    "div": f'<div xmlns="{XHTML}"><p>{html.escape(summary)}</p>'
                    f"<p>{html.escape(band)}</p></div>",
                },
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                        ]
                    }
                ],
                "code": {
                    "coding": [{"system": LOINC, "code": code, "display": TOTAL_DISPLAY[code]}],
                    "text": f"{instrument.name} total score",
                },
                "subject": _patient(patient_id, compiled.patient_name),
                "effectiveDateTime": when,
                "valueInteger": total.total,
                "note": [{"text": band}],
                "derivedFrom": [{"reference": reference}],
            }
        )
    return observations


def intake_bundle(
    answers: Mapping[str, Any],
    compiled: CompiledIntake,
    *,
    patient_id: int,
    authored: datetime | None = None,
    questionnaire_url: str = DEFAULT_QUESTIONNAIRE,
) -> dict[str, Any]:
    """A collection Bundle: the QuestionnaireResponse, then an Observation per complete total.

    Ids and fullUrls ("urn:uuid:...") are UUIDv5 of the intake id, so exporting the same intake
    twice gives the same Bundle. `authored` defaults to `compiled.submitted_at`.
    """
    moment = authored or compiled.submitted_at
    if moment is None:
        raise ValueError("the intake has no submission time: pass `authored`")
    response = questionnaire_response(
        answers,
        intake_id=compiled.intake_id,
        patient_id=patient_id,
        patient_name=compiled.patient_name,
        authored=moment,
        questionnaire_url=questionnaire_url,
    )
    observations = score_observations(
        compiled,
        response_id=response["id"],
        patient_id=patient_id,
        effective=moment,
        response_reference=f"urn:uuid:{response['id']}",
    )
    return {
        "resourceType": "Bundle",
        "id": resource_id(compiled.intake_id, "Bundle"),
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in (response, *observations)
        ],
    }
