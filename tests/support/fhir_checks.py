"""Checks every FHIR export goes through in the tests: each resource validates against its
fhir.resources R4B model, every reference resolves to an entry of the Bundle, and every item of
a QuestionnaireResponse is defined, at the same place, in the Questionnaire it names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

MODELS = {
    "Patient": Patient,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "Questionnaire": Questionnaire,
}


def validate_bundle(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Validate the Bundle and each resource in it; the resources, in order."""
    Bundle.model_validate(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    for resource in resources:
        MODELS[resource["resourceType"]].model_validate(resource)
    assert_references_resolve(bundle)
    return resources


def references(value: Any) -> Iterator[str]:
    """Every Reference.reference anywhere in a resource."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def assert_references_resolve(bundle: dict[str, Any]) -> None:
    """Every reference in every entry is the fullUrl of an entry; fullUrls are unique."""
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    found = [ref for entry in bundle["entry"] for ref in references(entry["resource"])]
    assert found, "no references at all"
    unresolved = [ref for ref in found if ref not in urls]
    assert unresolved == [], unresolved


def assert_conforms(response: dict[str, Any], questionnaire: dict[str, Any]) -> None:
    """The response names the Questionnaire, and each of its items (groups, questions, items
    nested under an answer) is defined under the same parent there, repeating only where the
    Questionnaire says it repeats."""
    canonical = f"{questionnaire['url']}|{questionnaire['version']}"
    assert response["questionnaire"] == canonical
    _conforms(response.get("item", []), questionnaire["item"], "")


def _conforms(items: list[dict[str, Any]], definitions: list[dict[str, Any]], where: str) -> None:
    by_id = {d["linkId"]: d for d in definitions}
    seen: set[str] = set()
    for item in items:
        link_id = item["linkId"]
        assert link_id in by_id, f"{link_id} is not defined under {where or 'the root'}"
        definition = by_id[link_id]
        if link_id in seen:
            assert definition.get("repeats"), f"{link_id} repeats but is not repeating"
        seen.add(link_id)
        if definition["type"] == "group":
            assert "answer" not in item
            _conforms(item.get("item", []), definition.get("item", []), link_id)
            continue
        assert definition["type"] != "display"
        answers = item.get("answer", [])
        if len(answers) > 1:
            assert definition.get("repeats"), f"{link_id} has several answers"
        for answer in answers:
            _conforms(answer.get("item", []), definition.get("item", []), link_id)
