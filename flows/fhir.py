"""The intake as FHIR R4 resources: a Patient, a QuestionnaireResponse, score Observations and a
Bundle that holds them (the Questionnaire itself is in flows.fhir_questionnaire).

Plain dicts, ready for `json.dumps`; no FHIR library is needed to build them (the tests check
them against the fhir.resources R4B models). Everything is derived from the stored answers, the
compiled intake and the intake's `ExportIds`, so the same intake always gives the same JSON.

Ids: random UUIDs stored once per patient and per intake (`ExportIds`), so ids never collide
across clinics or databases and a re-export gives the same ones. In the Bundle every fullUrl is
a urn:uuid and every reference (subject, author, source, derivedFrom, hasMember) is the fullUrl
of another entry, so each resolves inside the Bundle.

Layout of the QuestionnaireResponse (item linkIds are those of the Questionnaire):

- one group per section (built in flows.fhir_items, laid out as each section's spec in the
  questions registry says): "medications", "phq9", "gad7", "sleep", "daily", "side_effects",
  "stressors", "questions"; a section with nothing answered is left out;
- PHQ-9 and GAD-7 items use the LOINC item code as linkId in the US Core style ("/44250-9")
  and answer with LOINC answer codes; the totals are "/44261-6" and "/70274-6", present only
  when every item was answered (a partial total would understate severity);
- every other answer is a clinic item whose linkId is the intake's step key without its slot
  number ("sleep.hours", "med.status" for "med.2.status", "q" for "q.2"). Each medication is
  a repetition of the group "med": name, dose and frequency are items even when they came from
  the line the patient typed; what else the line said ("med.timing", "med.titration",
  "med.purpose") and the line itself ("med.line", verbatim) follow. "I don't take any" is
  "meds.none". The patient's questions are the answers of one item "q". The follow-up
  questions on a side effect are nested under that side effect's answer to "se.checklist".
- option answers are valueCoding in the clinic's code system (code = the stored option value,
  display = the button label), numbers valueInteger or valueDecimal, typed text valueString.
  Skipped answers, answers no longer on the patient's path (`reachable_answers`) and answers
  that only steer the dialogue ("Add another medication", "That's all") are left out.

Observations: per instrument with an item answered, a panel (44249-1 PHQ-9, 69737-5 GAD-7)
with one component per answered item; when every item was answered, the total (44261-6,
70274-6) as a member of the panel.

The PHQ-9/GAD-7 licence line is not an answer, and a response has no copyright element (the
Questionnaire's `copyright` is where the reference puts it). It goes in the response's
narrative (`text`), which renders the answers in words and then the licence line; the
narrative status is "additional" because that line and the checklist note are not in the
structured items.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.audit_c import LICENCE_NOTE as AUDIT_C_LICENCE
from flows.fhir_ids import XHTML, ExportIds, fhir_datetime, patient_reference, urn
from flows.fhir_items import Item, section_groups
from flows.fhir_observations import (
    BAND_SOURCES,
    OBSERVATION_CATEGORY,
    PANEL_DISPLAY,
    TOTAL_DISPLAY,
    score_observations,
)
from flows.instruments import LICENCE_LINE
from flows.questions import Answers, reachable_answers
from flows.report import CompiledIntake

__all__ = [
    "BAND_SOURCES",
    "CHECKLIST_NOTE",
    "DEFAULT_PATIENT_SYSTEM",
    "DEFAULT_QUESTIONNAIRE",
    "OBSERVATION_CATEGORY",
    "PANEL_DISPLAY",
    "QUESTIONNAIRE_URL",
    "QUESTIONNAIRE_VERSION",
    "TOTAL_DISPLAY",
    "URI_SYSTEM",
    "ExportIds",
    "fhir_datetime",
    "intake_bundle",
    "patient_resource",
    "questionnaire_response",
    "score_observations",
    "urn",
]

QUESTIONNAIRE_URL = "https://intake-bot.example/fhir/Questionnaire/pre-visit-intake"
QUESTIONNAIRE_VERSION = "1"
DEFAULT_QUESTIONNAIRE = f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}"
DEFAULT_PATIENT_SYSTEM = "https://intake-bot.example/fhir/patient-id"
URI_SYSTEM = "urn:ietf:rfc:3986"  # an identifier whose value is a URI (here a urn:uuid)
CHECKLIST_NOTE = (
    "PHQ-9, GAD-7 and AUDIT-C (Bush et al. 1998; cut-offs Bradley et al. 2007) are validated "
    "instruments, as is the single drug-use question (Smith et al. 2010); all other items are "
    "the clinic's own checklist, not validated scales."
)


# --- narrative --------------------------------------------------------------------------


def _answer_text(answer: Mapping[str, Any]) -> str:
    if "valueCoding" in answer:
        return str(answer["valueCoding"]["display"])
    for key in ("valueString", "valueInteger", "valueBoolean"):
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
    if any(group["linkId"] == "substances" for group in groups):
        parts.append(f"<p>{html.escape(AUDIT_C_LICENCE)}</p>")
    return {"status": "additional", "div": f'<div xmlns="{XHTML}">{"".join(parts)}</div>'}


# --- resources --------------------------------------------------------------------------


def patient_resource(
    ids: ExportIds, patient_name: str, *, identifier_system: str, identifier_value: str
) -> dict[str, Any]:
    """The patient: the name as given at the invitation, and the clinic's identifier for them."""
    return {
        "resourceType": "Patient",
        "id": ids.patient,
        "text": {
            "status": "generated",
            "div": f'<div xmlns="{XHTML}"><p>{html.escape(patient_name)}</p></div>',
        },
        "identifier": [{"system": identifier_system, "value": identifier_value}],
        "active": True,
        "name": [{"text": patient_name}],
    }


def questionnaire_response(
    answers: Answers,
    *,
    ids: ExportIds,
    patient_name: str,
    authored: datetime,
    questionnaire_url: str = DEFAULT_QUESTIONNAIRE,
) -> dict[str, Any]:
    """The intake's answers as a completed FHIR R4 QuestionnaireResponse (a JSON-ready dict).

    The patient is referred to as the Bundle's Patient entry (urn:uuid).
    """
    when = fhir_datetime(authored)
    current = reachable_answers(answers)
    groups = section_groups(current)
    patient = patient_reference(ids, patient_name)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": ids.response,
        "text": _narrative(groups, patient_name, when),
        "identifier": {"system": URI_SYSTEM, "value": urn(ids.response)},
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


def intake_bundle(
    answers: Answers,
    compiled: CompiledIntake,
    *,
    ids: ExportIds,
    patient_identifier: tuple[str, str],
    authored: datetime | None = None,
    questionnaire_url: str = DEFAULT_QUESTIONNAIRE,
) -> dict[str, Any]:
    """A collection Bundle: the Patient, the QuestionnaireResponse, then the score Observations.

    Every reference (subject, author, source, derivedFrom, hasMember) is the urn:uuid fullUrl of
    an entry in the Bundle. `patient_identifier` is (system, value) of the clinic's identifier
    for the patient; `authored` defaults to `compiled.submitted_at`.
    """
    moment = authored or compiled.submitted_at
    if moment is None:
        raise ValueError("the intake has no submission time: pass `authored`")
    system, value = patient_identifier
    patient = patient_resource(
        ids, compiled.patient_name, identifier_system=system, identifier_value=value
    )
    response = questionnaire_response(
        answers,
        ids=ids,
        patient_name=compiled.patient_name,
        authored=moment,
        questionnaire_url=questionnaire_url,
    )
    observations = score_observations(compiled, ids=ids, effective=moment)
    bundle_id = ids.of("Bundle")
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "identifier": {"system": URI_SYSTEM, "value": urn(bundle_id)},
        "type": "collection",
        "timestamp": fhir_datetime(moment),
        "entry": [
            {"fullUrl": urn(resource["id"]), "resource": resource}
            for resource in (patient, response, *observations)
        ],
    }
