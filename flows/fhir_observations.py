"""The intake's scores as FHIR R4 Observations: per questionnaire answered, a panel Observation
(LOINC panel code, one component per answered item) and, when complete, the total's Observation
as a member of the panel; all derived from the QuestionnaireResponse.

PHQ-9 (panel 44249-1, total 44261-6) and GAD-7 (69737-5, 70274-6) components answer with LOINC
answer codes; the AUDIT-C (panel 72109-2, items 68518-0, 68519-8, 68520-6, total 75626-2; see
flows.audit_c for the sources) answers in the clinic's codes (the points, 0–4), since the
clinical reference gives no LOINC answer codes for it. Bands go in a note: there is no standard
code for them, and none is made up.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows import audit_c
from flows.audit_c import AUDIT_C_ITEMS, AUDIT_C_NAME, AuditScore
from flows.fhir_ids import XHTML, ExportIds, fhir_datetime, patient_reference, urn
from flows.fhir_items import ANSWER_SYSTEM, LOINC
from flows.instruments import (
    ANSWER_OPTIONS,
    GAD7,
    LOINC_ANSWER_CODES,
    PHQ9,
    Instrument,
    Score,
)
from flows.questions import option_label
from flows.report import CompiledIntake

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

TOTAL_DISPLAY: Mapping[str, str] = {
    # LOINC long common names of the total-score codes.
    PHQ9.total_loinc: "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    GAD7.total_loinc: "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
    audit_c.TOTAL_LOINC: audit_c.TOTAL_DISPLAY,
}
PANEL_DISPLAY: Mapping[str, str] = {
    # LOINC long common names of the panel codes.
    PHQ9.panel_loinc: "PHQ-9 quick depression assessment panel [Reported.PHQ]",
    GAD7.panel_loinc: "Generalized anxiety disorder 7 item (GAD-7)",
    audit_c.PANEL_LOINC: audit_c.PANEL_DISPLAY,
}
BAND_SOURCES: Mapping[str, str] = {
    PHQ9.key: "Kroenke, Spitzer & Williams 2001",
    GAD7.key: "Spitzer et al. 2006",
    audit_c.AUDIT_C_KEY: audit_c.SOURCE,
}


def score_observations(
    compiled: CompiledIntake, *, ids: ExportIds, effective: datetime | None = None
) -> list[dict[str, Any]]:
    """Per instrument with any item answered: a panel Observation (LOINC panel code, one
    component per answered item) and, when every item was answered, the total's Observation,
    a member of the panel. Both are derived from the QuestionnaireResponse.

    `effective` defaults to when the intake was submitted. Bands go in a note: there is no
    standard code for them, and none is made up.
    """
    moment = effective or compiled.submitted_at
    if moment is None:
        raise ValueError("the intake has no submission time: pass `effective`")
    context = _ObservationContext(compiled.patient_name, ids, fhir_datetime(moment))
    resources: list[dict[str, Any]] = []
    for instrument, score in ((PHQ9, compiled.phq9), (GAD7, compiled.gad7)):
        if score.answered == 0:
            continue
        total = _total_observation(instrument, score, context) if score.complete else None
        resources.append(_panel_observation(instrument, score, context, total))
        if total is not None:
            resources.append(total)
    if compiled.audit_c is not None:
        resources.extend(_audit_c_observations(compiled.audit_c, context))
    return resources


@dataclass(frozen=True)
class _ObservationContext:
    patient_name: str
    ids: ExportIds
    when: str

    def base(self, kind: str, summary: list[str], code: dict[str, Any]) -> dict[str, Any]:
        """What every score Observation has: id, narrative, status, category, code, subject."""
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in summary)
        return {
            "resourceType": "Observation",
            "id": self.ids.of(kind),
            "text": {"status": "generated", "div": f'<div xmlns="{XHTML}">{paragraphs}</div>'},
            "status": "final",
            "category": [
                {
                    "coding": [
                        {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                    ]
                }
            ],
            "code": code,
            "subject": patient_reference(self.ids, self.patient_name),
            "effectiveDateTime": self.when,
            "derivedFrom": [{"reference": urn(self.ids.response)}],
        }


def _total_observation(
    instrument: Instrument, total: Score, context: _ObservationContext
) -> dict[str, Any]:
    band = f"{instrument.name} severity band: {total.band} ({BAND_SOURCES[instrument.key]})"
    return _score_total(
        context, instrument.name, instrument.total_loinc, (total.total, instrument.max_total), band
    )


def _score_total(
    context: _ObservationContext, name: str, code: str, score: tuple[int, int], band: str
) -> dict[str, Any]:
    """A total-score Observation: the value, out of what, and its band as a note."""
    value, most = score
    coded = {
        "coding": [{"system": LOINC, "code": code, "display": TOTAL_DISPLAY[code]}],
        "text": f"{name} total score",
    }
    summary = f"{name} total score {value} of {most}"
    observation = context.base(f"Observation/{code}", [summary, band], coded)
    observation["valueInteger"] = value
    observation["note"] = [{"text": band}]
    return observation


def _panel_observation(
    instrument: Instrument,
    score: Score,
    context: _ObservationContext,
    total: dict[str, Any] | None,
) -> dict[str, Any]:
    code = instrument.panel_loinc
    coded = {
        "coding": [{"system": LOINC, "code": code, "display": PANEL_DISPLAY[code]}],
        "text": instrument.name,
    }
    answered = f"{score.answered} of {len(instrument.items)} items answered"
    panel = context.base(f"Observation/{code}", [f"{instrument.name}: {answered}"], coded)
    panel["component"] = [
        {
            "code": {"coding": [{"system": LOINC, "code": item.loinc, "display": item.text}]},
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": LOINC,
                        "code": LOINC_ANSWER_CODES[str(value)],
                        "display": option_label(ANSWER_OPTIONS, str(value)),
                    }
                ]
            },
        }
        for item, value in zip(instrument.items, score.item_scores, strict=True)
        if value is not None
    ]
    if total is not None:
        panel["hasMember"] = [{"reference": urn(total["id"])}]
    return panel


def _audit_c_observations(score: AuditScore, context: _ObservationContext) -> list[dict[str, Any]]:
    """The AUDIT-C panel (72109-2), a component per item in the clinic's codes (items 2 and 3
    are 0 when item 1 was "Never"), and when complete the total (75626-2) with both cut-offs."""
    total: dict[str, Any] | None = None
    if score.complete:
        band = f"{AUDIT_C_NAME}: {score.band} ({audit_c.SOURCE})"
        total = _score_total(
            context, AUDIT_C_NAME, audit_c.TOTAL_LOINC, (score.total, score.max_total), band
        )
    code = audit_c.PANEL_LOINC
    coded = {
        "coding": [{"system": LOINC, "code": code, "display": PANEL_DISPLAY[code]}],
        "text": AUDIT_C_NAME,
    }
    answered = sum(1 for value in score.item_scores if value is not None)
    panel = context.base(f"Observation/{code}", [f"{AUDIT_C_NAME}: {answered} of 3 items"], coded)
    panel["component"] = [
        {
            "code": {"coding": [{"system": LOINC, "code": item.loinc, "display": item.text}]},
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": ANSWER_SYSTEM,
                        "code": str(value),
                        "display": option_label(item.options, str(value)),
                    }
                ]
            },
        }
        for item, value in zip(AUDIT_C_ITEMS, score.item_scores, strict=True)
        if value is not None
    ]
    if total is None:
        return [panel]
    panel["hasMember"] = [{"reference": urn(total["id"])}]
    return [panel, total]
