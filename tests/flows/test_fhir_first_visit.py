"""A first-visit intake as FHIR R4 (validated with fhir.resources R4B): the AUDIT-C under its
LOINC codes (panel 72109-2, items 68518-0, 68519-8, 68520-6, total 75626-2), the drug-use
question and every other first-visit section in the QuestionnaireResponse, AUDIT-C panel and
total Observations, and the Questionnaire (`intake-bot export --questionnaire`) defining them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir_checks import assert_conforms, validate_bundle
from test_first_visit import first_visit_to_review

from flows import fhir
from flows.compiled import compile_intake
from flows.fhir_questionnaire import questionnaire

WHEN = datetime(2026, 3, 2, 14, 45, tzinfo=UTC)
IDS = fhir.ExportIds(
    patient="5d9c1c1e-3f1d-4c6a-9d51-3b0f1f0e2a11", intake="0f6b8c4e-8f0a-4a53-8a0e-0a4c2c1d9e77"
)
AUDIT_ITEMS = ("/68518-0", "/68519-8", "/68520-6")


def first_visit_bundle() -> tuple[dict[str, Any], dict[str, Any]]:
    answers = first_visit_to_review().answers
    compiled = compile_intake(answers, intake_id=3, patient_name="Robin Q.", submitted_at=WHEN)
    bundle = fhir.intake_bundle(
        answers, compiled, ids=IDS, patient_identifier=("https://clinic.example/id", "3")
    )
    return answers, bundle


def test_a_first_visit_bundle_validates_and_every_reference_resolves() -> None:
    _, bundle = first_visit_bundle()
    resources = validate_bundle(bundle)
    codes = [
        r["code"]["coding"][0]["code"] for r in resources if r["resourceType"] == "Observation"
    ]
    assert codes == ["44249-1", "44261-6", "69737-5", "70274-6", "72109-2", "75626-2"]
    [panel] = [
        r for r in resources if r.get("code", {}).get("coding", [{}])[0].get("code") == "72109-2"
    ]
    assert [c["code"]["coding"][0]["code"] for c in panel["component"]] == [
        "68518-0",
        "68519-8",
        "68520-6",
    ]
    [total] = [
        r for r in resources if r.get("code", {}).get("coding", [{}])[0].get("code") == "75626-2"
    ]
    assert total["valueInteger"] == 4
    assert "positive screen for men (≥4) and for women (≥3)" in total["note"][0]["text"]
    assert panel["hasMember"] == [{"reference": fhir.urn(total["id"])}]


def test_the_response_carries_every_first_visit_section_and_the_audit_c_codes() -> None:
    _, bundle = first_visit_bundle()
    response = bundle["entry"][1]["resource"]
    groups = [item["linkId"] for item in response["item"]]
    assert groups == [
        "reasons",
        "medications",
        "past_medications",
        "background",
        "phq9",
        "gad7",
        "sleep",
        "daily",
        "substances",
        "therapy",
        "physical",
        "stressors",
        "questions",
    ]
    [substances] = [item for item in response["item"] if item["linkId"] == "substances"]
    by_id = {item["linkId"]: item for item in substances["item"]}
    assert [by_id[i]["answer"][0]["valueCoding"]["code"] for i in AUDIT_ITEMS] == ["2", "1", "1"]
    assert by_id["/75626-2"]["answer"] == [{"valueInteger": 4}]
    assert by_id["drugs.times"]["answer"][0]["valueInteger"] == 0
    [reasons] = [item for item in response["item"] if item["linkId"] == "reasons"]
    assert reasons["item"][0]["answer"] == [
        {"valueString": "I can't sleep and I feel flat most days."}
    ]
    assert "AUDIT-C" in response["text"]["div"] and "Smith et al. 2010" in response["text"]["div"]


def test_the_questionnaire_defines_the_first_visit_items_and_the_response_conforms() -> None:
    definition = questionnaire()
    Questionnaire.model_validate(definition)
    groups = {item["linkId"]: item for item in definition["item"]}
    for link_id in (
        "reasons",
        "past_medications",
        "background",
        "substances",
        "therapy",
        "physical",
    ):
        assert link_id in groups
    substances = groups["substances"]
    assert substances["code"][0]["code"] == "72109-2"
    inner = {item["linkId"]: item for item in substances["item"]}
    for link_id, code in zip(AUDIT_ITEMS, ("68518-0", "68519-8", "68520-6"), strict=True):
        assert inner[link_id]["code"][0]["code"] == code
    assert inner["/75626-2"]["type"] == "integer"
    assert {"drugs.times", "drugs.which"} <= set(inner)
    past = {item["linkId"] for item in groups["past_medications"]["item"]}
    assert {"past.name", "past.when", "past.effect", "past.stopped"} <= past
    _, bundle = first_visit_bundle()
    assert_conforms(bundle["entry"][1]["resource"], definition)
