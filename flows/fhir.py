"""The intake as FHIR R4 resources: a QuestionnaireResponse, score Observations and a Bundle.

Plain dicts, ready for `json.dumps`; no FHIR library is needed to build them (the tests check
them against the fhir.resources R4B models). Everything is derived from the stored answers and
the compiled intake, so the same intake always gives the same JSON, ids included.

Layout of the QuestionnaireResponse (item linkIds):

- one group per section (built in flows.fhir_items, laid out as each section's spec in the
  questions registry says): "medications", "phq9", "gad7", "sleep", "daily", "side_effects",
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

from flows.fhir_items import LOINC, Item, section_groups
from flows.instruments import GAD7, LICENCE_LINE, PHQ9, Instrument, Score
from flows.questions import Answers, reachable_answers
from flows.report import CompiledIntake

INTAKE_IDENTIFIER_SYSTEM = "https://intake-bot.example/fhir/intake-id"
DEFAULT_QUESTIONNAIRE = "https://intake-bot.example/fhir/Questionnaire/pre-visit-intake|1"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
XHTML = "http://www.w3.org/1999/xhtml"

_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://intake-bot.example/fhir/intake")

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


# --- narrative --------------------------------------------------------------------------


def _answer_text(answer: Mapping[str, Any]) -> str:
    if "valueCoding" in answer:
        return str(answer["valueCoding"]["display"])
    for key in ("valueString", "valueInteger"):
        if key in answer:
            return str(answer[key])
    value = answer["valueDecimal"]
    return str(int(value)) if float(value).is_integer() else str(value)


def _items_html(items: list[Item]) -> str:
    rows = []
    for item in items:
        text = html.escape(str(item.get("text", item["linkId"])))
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


def _narrative(groups: list[Item], patient_name: str, authored: str) -> dict[str, str]:
    parts = [f"<p><b>Pre-visit intake</b>: {html.escape(patient_name)}, {authored}</p>"]
    for group in groups:
        parts.append(f"<p><b>{html.escape(group['text'])}</b></p>{_items_html(group['item'])}")
    parts.append(f"<p>{html.escape(CHECKLIST_NOTE)}</p>")
    parts.append(f"<p>{html.escape(LICENCE_LINE)}</p>")
    return {"status": "additional", "div": f'<div xmlns="{XHTML}">{"".join(parts)}</div>'}


# --- resources --------------------------------------------------------------------------


def questionnaire_response(
    answers: Answers,
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
    groups = section_groups(current)
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
    return [
        _score_observation(compiled, instrument, total, patient_id, when, reference)
        for instrument, total in ((PHQ9, compiled.phq9), (GAD7, compiled.gad7))
        if total.complete
    ]


def _score_observation(
    compiled: CompiledIntake,
    instrument: Instrument,
    total: Score,
    patient_id: int,
    when: str,
    reference: str,
) -> dict[str, Any]:
    code = instrument.total_loinc
    band = f"{instrument.name} severity band: {total.band} ({BAND_SOURCES[instrument.key]})"
    summary = f"{instrument.name} total score {total.total} of {instrument.max_total}"
    return {
        "resourceType": "Observation",
        "id": resource_id(compiled.intake_id, f"Observation/{code}"),
        "text": {
            "status": "generated",
            "div": f'<div xmlns="{XHTML}"><p>{html.escape(summary)}</p>'
            f"<p>{html.escape(band)}</p></div>",
        },
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
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


def intake_bundle(
    answers: Answers,
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
