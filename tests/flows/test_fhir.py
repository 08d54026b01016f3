"""The FHIR export: a Patient, a QuestionnaireResponse, score Observations and a Bundle, and the
Questionnaire, checked against the fhir.resources R4B models for structure, for references that
resolve inside the Bundle and items the Questionnaire defines, and against the clinical
reference for codes and values."""

from __future__ import annotations

import ast
import json
import re
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir_checks import assert_conforms, references, validate_bundle

from flows import fhir
from flows.compiled import compile_intake
from flows.fhir_questionnaire import questionnaire
from flows.instruments import LICENCE_LINE
from flows.report import CompiledIntake

WHEN = datetime(2026, 3, 2, 8, 45, 12, 345678, tzinfo=ZoneInfo("America/Chicago"))
IDS = fhir.ExportIds(
    patient="5d1b1d2e-9c1f-4c3a-8a55-0b6f7e0c2a11", intake="a3c5e7f9-1b2d-4e6f-8a0c-2e4f6a8c0e13"
)
PATIENT_SYSTEM = "https://clinic.example/patients"
ANSWER_SYSTEM = "https://intake-bot.example/fhir/CodeSystem/intake-answers"

# Copied from shared/clinical/reference.md, not from flows.instruments, so a typo there shows.
REFERENCE_ANSWERS = {
    0: ("LA6568-5", "Not at all"),
    1: ("LA6569-3", "Several days"),
    2: ("LA6570-1", "More than half the days"),
    3: ("LA6571-9", "Nearly every day"),
}
PHQ9_LOINC = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
              "44253-3", "44260-8"]  # fmt: skip
GAD7_LOINC = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
FUNCTION_ANSWERS = {
    "not": ("LA6572-7", "Not difficult at all"),
    "somewhat": ("LA6573-5", "Somewhat difficult"),
    "very": ("LA6575-0", "Very difficult"),
    "extremely": ("LA6574-3", "Extremely difficult"),
}
FHIR_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)$"
)

SERTRALINE = {
    "name": "sertraline",
    "dose": "50 mg",
    "frequency": "once a day",
    "raw": "sertraline 50 mg once a day",
}
BUPROPION = {"name": "bupropion", "dose": None, "frequency": None, "raw": "bupropion"}

PHQ9_VALUES = (2, 1, 3, 2, 1, 1, 2, 0, 0)  # total 12, moderate
GAD7_VALUES = (2, 2, 1, 1, 0, 1, 2)  # total 9, mild


def full_answers(**changes: Any) -> dict[str, Any]:
    """A full intake with something in every section: two medicines, side effects, questions."""
    answers: dict[str, Any] = {
        "med.1.name": SERTRALINE,
        "med.1.status": "as_prescribed",
        "med.1.missed": 2,
        "med.1.reasons": ["forgot", "other"],
        "med.1.reasons_other": "Travelling for work",
        "med.1.more": "another",
        "med.2.name": BUPROPION,
        "med.2.dose": "150 mg",
        "med.2.frequency": "every morning",
        "med.2.status": "different",
        "med.2.current_dose": "75 mg",
        "med.2.missed": 0,
        "med.2.more": "done",
        "meds.new": "Melatonin 3 mg",
        **{f"phq9.{n}": str(v) for n, v in enumerate(PHQ9_VALUES, start=1)},
        "phq9.function": "somewhat",
        **{f"gad7.{n}": str(v) for n, v in enumerate(GAD7_VALUES, start=1)},
        "sleep.hours": 6.5,
        "sleep.latency": "30_60",
        "sleep.wakings": 2,
        "sleep.quality": "poor",
        "sleep.change": "worse",
        "daily.energy": "worse",
        "daily.appetite": "less",
        "daily.focus": "same",
        "se.checklist": ["nausea", "insomnia", "other"],
        "se.other": "Jaw clenching",
        "se.nausea.frequency": "most_days",
        "se.nausea.severity": "moderate",
        "se.nausea.interference": "a_little",
        "se.nausea.medication": "m1",
        "se.insomnia.frequency": "every_day",
        "se.insomnia.severity": "severe",
        "se.insomnia.interference": "a_lot",
        "se.insomnia.medication": {"other": "the coffee, maybe"},
        "se.other.frequency": "some_days",
        "se.other.medication": "unsure",
        **{
            f"stress.{d}": "a_little"
            for d in ("family", "relationship", "money", "housing", "health", "loss", "legal")
        },
        "stress.work": "a_lot",
        "stress.event": "not_at_all",
        "stress.notes": "New manager <since> January & long hours",
        "q.1": "Can I take the bupropion at night instead?",
        "q.2": "Is the jaw clenching from the medicine?",
        "q.3": {"choice": "done"},
    }
    answers.update(changes)
    return answers


def compiled_of(answers: dict[str, Any], intake_id: int = 41) -> CompiledIntake:
    return compile_intake(
        answers, intake_id=intake_id, patient_name="Demo Patient", submitted_at=WHEN
    )


def response_of(answers: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"ids": IDS, "patient_name": "Demo Patient", "authored": WHEN}
    options.update(kwargs)
    return fhir.questionnaire_response(answers, **options)


def bundle_of(answers: dict[str, Any], ids: fhir.ExportIds = IDS) -> dict[str, Any]:
    return fhir.intake_bundle(
        answers, compiled_of(answers), ids=ids, patient_identifier=(PATIENT_SYSTEM, "9")
    )


def medicines(response: dict[str, Any]) -> list[dict[str, dict[str, Any]]]:
    """Each repetition of the "med" group: its items by linkId."""
    return [
        {item["linkId"]: item for item in med["item"]}
        for med in group(response, "medications")["item"]
        if med["linkId"] == "med"
    ]


def walk(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every item of a response by linkId, including groups and items nested under answers
    (the repeating "med" group and its items are in `medicines`)."""
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        if item["linkId"] == "med":
            continue
        assert item["linkId"] not in found, f"duplicate linkId {item['linkId']}"
        found[item["linkId"]] = item
        nested = list(item.get("item", []))
        for answer in item.get("answer", []):
            nested.extend(answer.get("item", []))
        for key, value in walk(nested).items():
            assert key not in found, f"duplicate linkId {key}"
            found[key] = value
    return found


def items_of(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return walk(response.get("item", []))


def clinic(code: str, display: str) -> dict[str, Any]:
    """An answer coded in the clinic's own code system."""
    return {"valueCoding": {"system": ANSWER_SYSTEM, "code": code, "display": display}}


def only_answer(item: dict[str, Any]) -> dict[str, Any]:
    [answer] = item["answer"]
    return answer


def group(response: dict[str, Any], link_id: str) -> dict[str, Any]:
    [found] = [item for item in response["item"] if item["linkId"] == link_id]
    return found


# --- validation against the R4B models ------------------------------------------------------


def test_every_resource_and_the_bundle_validate_against_r4b() -> None:
    resources = validate_bundle(bundle_of(full_answers()))
    assert [r["resourceType"] for r in resources] == [
        "Patient",
        "QuestionnaireResponse",
        *["Observation"] * 4,
    ]


def test_a_minimal_intake_validates_too() -> None:
    minimal: dict[str, Any] = {"med.1.name": {"choice": "none"}}
    response = response_of(minimal)
    QuestionnaireResponse.model_validate(response)
    assert [item["linkId"] for item in response["item"]] == ["medications"]
    assert_conforms(response, questionnaire())
    resources = validate_bundle(bundle_of(minimal))
    assert [r["resourceType"] for r in resources] == ["Patient", "QuestionnaireResponse"]


def test_the_r4b_models_reject_a_broken_response() -> None:
    """The validation above means something: a wrong value type is caught."""
    response = response_of(full_answers())
    response["item"][0]["item"][0]["item"][0]["answer"] = [{"valueText": "sertraline"}]
    with pytest.raises(ValueError):
        QuestionnaireResponse.model_validate(response)


# --- the response -----------------------------------------------------------------------------


def test_status_subject_author_and_questionnaire() -> None:
    response = response_of(full_answers())
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["status"] == "completed"
    patient = {"reference": f"urn:uuid:{IDS.patient}", "display": "Demo Patient"}
    assert response["subject"] == response["author"] == response["source"] == patient
    assert response["questionnaire"] == (
        "https://intake-bot.example/fhir/Questionnaire/pre-visit-intake|1"
    )
    assert response["identifier"] == {
        "system": "urn:ietf:rfc:3986",
        "value": f"urn:uuid:{IDS.response}",
    }
    assert response["id"] == IDS.response == IDS.of("QuestionnaireResponse")


def test_authored_keeps_the_local_offset() -> None:
    response = response_of(full_answers())
    assert response["authored"] == "2026-03-02T08:45:12-06:00"
    assert FHIR_DATETIME.match(response["authored"])
    utc = response_of(full_answers(), authored=datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert utc["authored"] == "2026-07-01T12:00:00+00:00"


def test_an_offset_with_seconds_is_written_in_utc() -> None:
    odd = timezone(timedelta(hours=1, seconds=30))
    response = response_of(full_answers(), authored=datetime(2026, 1, 1, 12, 0, 30, tzinfo=odd))
    assert response["authored"] == "2026-01-01T11:00:00+00:00"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        response_of(full_answers(), authored=datetime(2026, 3, 2, 8, 45))


def test_sections_are_groups_in_order() -> None:
    response = response_of(full_answers())
    assert [(item["linkId"], item["text"]) for item in response["item"]] == [
        ("medications", "Medications"),
        ("phq9", "PHQ-9"),
        ("gad7", "GAD-7"),
        ("sleep", "Sleep"),
        ("daily", "Energy, appetite, focus"),
        ("side_effects", "Side effects"),
        ("stressors", "Life stressors"),
        ("questions", "Your questions"),
    ]
    for item in response["item"]:
        assert "answer" not in item and item["item"]


def test_phq9_items_use_the_reference_loinc_codes() -> None:
    response = response_of(full_answers())
    phq9 = group(response, "phq9")["item"]
    assert [item["linkId"] for item in phq9] == [
        *(f"/{code}" for code in PHQ9_LOINC),
        "/69722-7",
        "/44261-6",
    ]
    for item, value in zip(phq9, PHQ9_VALUES, strict=False):
        code, display = REFERENCE_ANSWERS[value]
        assert only_answer(item) == {
            "valueCoding": {"system": "http://loinc.org", "code": code, "display": display}
        }
    assert phq9[0]["text"] == "Little interest or pleasure in doing things"


def test_gad7_items_use_the_reference_loinc_codes() -> None:
    response = response_of(full_answers())
    gad7 = group(response, "gad7")["item"]
    assert [item["linkId"] for item in gad7] == [*(f"/{c}" for c in GAD7_LOINC), "/70274-6"]
    for item, value in zip(gad7, GAD7_VALUES, strict=False):
        code, display = REFERENCE_ANSWERS[value]
        assert only_answer(item)["valueCoding"] == {
            "system": "http://loinc.org",
            "code": code,
            "display": display,
        }


@pytest.mark.parametrize("value", list(FUNCTION_ANSWERS))
def test_the_phq9_functional_question_uses_its_loinc_answers(value: str) -> None:
    response = response_of(full_answers(**{"phq9.function": value}))
    item = items_of(response)["/69722-7"]
    code, display = FUNCTION_ANSWERS[value]
    assert only_answer(item) == {
        "valueCoding": {"system": "http://loinc.org", "code": code, "display": display}
    }
    assert item["text"].startswith("If you checked off any problems")


def test_totals_equal_the_compiled_scores() -> None:
    answers = full_answers()
    compiled = compiled_of(answers)
    items = items_of(response_of(answers))
    assert only_answer(items["/44261-6"]) == {"valueInteger": compiled.phq9.total}
    assert only_answer(items["/70274-6"]) == {"valueInteger": compiled.gad7.total}
    assert (compiled.phq9.total, compiled.gad7.total) == (12, 9)


def test_an_incomplete_total_is_left_out() -> None:
    answers = full_answers()
    del answers["phq9.4"]
    items = items_of(response_of(answers))
    assert "/44254-1" not in items and "/44261-6" not in items
    assert "/44250-9" in items and "/70274-6" in items
    observations = fhir.score_observations(compiled_of(answers), ids=IDS)
    # the PHQ-9 panel has the eight items answered, and no total
    assert [o["code"]["coding"][0]["code"] for o in observations] == [
        "44249-1",
        "69737-5",
        "70274-6",
    ]
    assert len(observations[0]["component"]) == 8 and "hasMember" not in observations[0]


def test_medications_are_one_group_each_with_the_line_and_the_follow_ups() -> None:
    response = response_of(full_answers())
    medications = group(response, "medications")["item"]
    assert [item["linkId"] for item in medications] == ["med", "med", "meds.new"]
    first = {item["linkId"]: item["answer"] for item in medications[0]["item"]}
    assert first == {
        "med.name": [{"valueString": "sertraline"}],
        "med.dose": [{"valueString": "50 mg"}],
        "med.frequency": [clinic("once a day", "Once a day")],
        "med.status": [clinic("as_prescribed", "Taking it as prescribed")],
        "med.missed": [{"valueInteger": 2}],
        "med.reasons": [
            clinic("forgot", "I forgot"),
            clinic("other", "Another reason"),
        ],
        "med.reasons_other": [{"valueString": "Travelling for work"}],
        "med.line": [{"valueString": "sertraline 50 mg once a day"}],
    }
    second = {item["linkId"]: item["answer"] for item in medications[1]["item"]}
    assert second["med.dose"] == [{"valueString": "150 mg"}]
    assert second["med.frequency"][0]["valueCoding"]["code"] == "every morning"
    assert second["med.current_dose"] == [{"valueString": "75 mg"}]
    assert second["med.status"][0]["valueCoding"]["code"] == "different"
    assert only_answer(medications[2]) == {"valueString": "Melatonin 3 mg"}


def test_what_else_a_medication_line_said_is_an_item_and_the_line_is_kept() -> None:
    line = "seroquel 25-50 mg at bedtime as needed — before exams, increasing"
    answers = full_answers(
        **{
            "med.1.name": {
                "name": "seroquel",
                "dose": "25–50 mg",
                "frequency": "at bedtime, as needed",
                "raw": line,
            }
        }
    )
    first = {key: item["answer"][0] for key, item in medicines(response_of(answers))[0].items()}
    assert first["med.dose"] == {"valueString": "25–50 mg"}
    assert first["med.frequency"] == {"valueString": "at bedtime, as needed"}
    assert first["med.timing"] == {"valueString": "before exams"}
    assert first["med.titration"] == {"valueString": "increasing"}
    assert first["med.line"] == {"valueString": line}


def test_navigation_answers_are_left_out() -> None:
    items = items_of(response_of(full_answers()))
    assert not any(key.endswith(".more") for key in items)
    assert not any(key.startswith("q.") for key in items)  # one item, "q"
    # "That's all my questions" (q.3) is not an answer
    assert [answer["valueString"] for answer in items["q"]["answer"]] == [
        "Can I take the bupropion at night instead?",
        "Is the jaw clenching from the medicine?",
    ]


def test_quick_reply_answers_are_coded() -> None:
    answers = full_answers(
        **{
            "med.1.name": {"choice": "none"},
            "meds.new": {"choice": "none"},
            "se.checklist": ["none"],
            "stress.notes": {"choice": "none"},
            "q.1": {"choice": "done"},
        }
    )
    response = response_of(answers)
    items = items_of(response)
    expected = {
        "meds.new": ("none", "Nothing new"),
        "se.checklist": ("none", "None of these"),
        "stress.notes": ("none", "Nothing to add"),
        "q": ("done", "No questions"),
    }
    for key, (code, display) in expected.items():
        assert only_answer(items[key]) == {
            "valueCoding": {"system": ANSWER_SYSTEM, "code": code, "display": display}
        }
    assert only_answer(items["meds.none"]) == {"valueBoolean": True}
    assert medicines(response) == []
    assert not any(key.startswith("se.nausea") for key in items)


def test_numbers_and_choices_in_sleep_and_daily_life() -> None:
    items = items_of(response_of(full_answers()))
    assert only_answer(items["sleep.hours"]) == {"valueDecimal": 6.5}
    assert only_answer(items["sleep.wakings"]) == {"valueInteger": 2}
    assert only_answer(items["sleep.latency"])["valueCoding"] == {
        "system": ANSWER_SYSTEM,
        "code": "30_60",
        "display": "30–60 minutes",
    }
    assert only_answer(items["daily.appetite"])["valueCoding"]["display"] == "Less than before"
    assert items["sleep.hours"]["text"] == "Usual hours of sleep"


def test_side_effect_follow_ups_are_nested_under_their_checklist_answer() -> None:
    response = response_of(full_answers())
    [checklist] = group(response, "side_effects")["item"]
    assert checklist["linkId"] == "se.checklist"
    by_code = {a["valueCoding"]["code"]: a for a in checklist["answer"]}
    assert list(by_code) == ["nausea", "insomnia", "other"]
    nausea = {item["linkId"]: only_answer(item) for item in by_code["nausea"]["item"]}
    assert nausea == {
        "se.nausea.frequency": clinic("most_days", "Most days"),
        "se.nausea.severity": clinic("moderate", "Moderate"),
        "se.nausea.interference": clinic("a_little", "A little"),
        # "m1" is a slot of this intake; the response names the medicine instead.
        "se.nausea.medication": {"valueString": "sertraline"},
    }
    insomnia = {item["linkId"]: only_answer(item) for item in by_code["insomnia"]["item"]}
    assert insomnia["se.insomnia.medication"] == {"valueString": "the coffee, maybe"}
    other = {item["linkId"]: only_answer(item) for item in by_code["other"]["item"]}
    assert other["se.other"] == {"valueString": "Jaw clenching"}
    assert other["se.other.medication"]["valueCoding"]["code"] == "unsure"
    assert "se.other.severity" not in other  # not answered


def test_skipped_answers_are_left_out() -> None:
    answers = full_answers(
        **{"sleep.hours": None, "med.2.dose": {"choice": "unsure"}, "stress.money": None}
    )
    answers.update({f"daily.{name}": None for name in ("energy", "appetite", "focus")})
    response = response_of(answers)
    items = items_of(response)
    assert "sleep.hours" not in items and "stress.money" not in items
    assert "daily" not in items  # a section with nothing answered has no (empty) group
    assert only_answer(medicines(response)[1]["med.dose"])["valueCoding"]["code"] == "unsure"
    QuestionnaireResponse.model_validate(response)


def test_only_reachable_answers_are_exported() -> None:
    answers = full_answers(
        **{
            "med.1.missed": 0,  # the reasons were given for missed days that are now 0
            "med.2.status": "as_prescribed",  # the current dose belonged to "different"
            "se.checklist": ["nausea"],  # insomnia and "other" were unchecked
            "med.1.more": "done",  # the second medicine is no longer on the list
        },
        **{f"phq9.{n}": "0" for n in range(1, 10)},  # no problem checked: no functional question
    )
    response = response_of(answers)
    items = items_of(response)
    for key in ("se.other", "se.insomnia.frequency", "/69722-7"):
        assert key not in items, key
    assert "se.nausea.frequency" in items
    [first] = medicines(response)  # the second medicine is gone, with its current dose
    assert "med.reasons" not in first and "med.reasons_other" not in first


def test_every_answer_on_the_path_appears() -> None:
    """Apart from navigation and derived items, the linkIds are exactly the reachable step keys."""
    from flows.fhir_items import template_link_id
    from flows.questions import reachable_answers

    answers = full_answers()
    response = response_of(answers)
    items = items_of(response)
    loinc_links = {f"/{code}" for code in (*PHQ9_LOINC, *GAD7_LOINC, "69722-7")}
    expected = {
        template_link_id(key)
        for key, value in reachable_answers(answers).items()
        if not key.startswith(("phq9.", "gad7."))
        and not key.endswith(".more")
        and not (key.startswith("q.") and isinstance(value, dict))
    }
    exported = {
        key
        for key, item in items.items()
        if "answer" in item and not key.startswith("/")
    } | {key for med in medicines(response) for key in med if key != "med.line"}
    assert exported == expected
    assert loinc_links <= set(items)


# --- narrative --------------------------------------------------------------------------------


def test_the_narrative_is_xhtml_with_the_answers_and_the_licence_line() -> None:
    response = response_of(full_answers(), patient_name="Sam <O'Neil> & co")
    text = response["text"]
    assert text["status"] == "additional"
    root = ET.fromstring(text["div"])  # well-formed, so escaped
    assert root.tag == "{http://www.w3.org/1999/xhtml}div"
    words = "".join(root.itertext())
    assert LICENCE_LINE in words
    assert "not validated scales" in words
    assert "Sam <O'Neil> & co" in words
    assert "New manager <since> January & long hours" in words
    assert "PHQ-9 total score: 12" in words
    assert "Somewhat difficult" in words


# --- observations -----------------------------------------------------------------------------


def test_score_observations() -> None:
    compiled = compiled_of(full_answers())
    _, phq9, _, gad7 = fhir.score_observations(compiled, ids=IDS)
    for observation, code, total, band in (
        (phq9, "44261-6", 12, "moderate"),
        (gad7, "70274-6", 9, "mild"),
    ):
        Observation.model_validate(observation)
        assert observation["status"] == "final"
        assert observation["category"] == [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ]
        [coding] = observation["code"]["coding"]
        assert (coding["system"], coding["code"]) == ("http://loinc.org", code)
        assert observation["valueInteger"] == total
        assert observation["subject"] == {
            "reference": f"urn:uuid:{IDS.patient}",
            "display": "Demo Patient",
        }
        assert observation["effectiveDateTime"] == "2026-03-02T08:45:12-06:00"
        assert observation["derivedFrom"] == [{"reference": f"urn:uuid:{IDS.response}"}]
        assert band in observation["note"][0]["text"]
        assert "interpretation" not in observation
    assert phq9["valueInteger"] == compiled.phq9.total
    assert gad7["valueInteger"] == compiled.gad7.total


def test_panel_observations_carry_the_panel_codes_and_each_item() -> None:
    compiled = compiled_of(full_answers())
    phq9_panel, phq9, gad7_panel, gad7 = fhir.score_observations(compiled, ids=IDS)
    for panel, total, code, items, values in (
        (phq9_panel, phq9, "44249-1", PHQ9_LOINC, PHQ9_VALUES),
        (gad7_panel, gad7, "69737-5", GAD7_LOINC, GAD7_VALUES),
    ):
        Observation.model_validate(panel)
        [coding] = panel["code"]["coding"]
        assert (coding["system"], coding["code"]) == ("http://loinc.org", code)
        assert [c["code"]["coding"][0]["code"] for c in panel["component"]] == items
        assert [
            c["valueCodeableConcept"]["coding"][0]["code"] for c in panel["component"]
        ] == [REFERENCE_ANSWERS[value][0] for value in values]
        assert panel["hasMember"] == [{"reference": f"urn:uuid:{total['id']}"}]
        assert panel["derivedFrom"] == [{"reference": f"urn:uuid:{IDS.response}"}]
        assert "valueInteger" not in panel


def test_observations_need_a_time() -> None:
    compiled = compile_intake(full_answers(), intake_id=41, patient_name="Demo Patient")
    with pytest.raises(ValueError):
        fhir.score_observations(compiled, ids=IDS)
    [phq9, *_] = fhir.score_observations(
        compiled, ids=IDS, effective=datetime(2026, 1, 5, tzinfo=UTC)
    )
    assert phq9["effectiveDateTime"] == "2026-01-05T00:00:00+00:00"


# --- the bundle -------------------------------------------------------------------------------


def test_bundle_entries_and_references() -> None:
    bundle = bundle_of(full_answers())
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    resources = validate_bundle(bundle)  # every reference resolves to an entry
    assert [r["resourceType"] for r in resources] == [
        "Patient",
        "QuestionnaireResponse",
        *["Observation"] * 4,
    ]
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    patient_url, response_url = (entry["fullUrl"] for entry in bundle["entry"][:2])
    response = resources[1]
    for role in ("subject", "author", "source"):
        assert response[role]["reference"] == patient_url
    for observation in resources[2:]:
        assert observation["derivedFrom"] == [{"reference": response_url}]
        assert observation["subject"]["reference"] == patient_url
    assert set(references(bundle)) == {
        patient_url,
        response_url,
        *(f"urn:uuid:{r['id']}" for r in resources[2:] if "valueInteger" in r),
    }


def test_the_patient_is_named_as_given_with_the_clinics_identifier() -> None:
    patient = bundle_of(full_answers())["entry"][0]["resource"]
    assert patient["id"] == IDS.patient
    assert patient["name"] == [{"text": "Demo Patient"}]
    assert patient["identifier"] == [{"system": PATIENT_SYSTEM, "value": "9"}]


def test_the_bundle_is_json_and_deterministic() -> None:
    first = json.dumps(bundle_of(full_answers()), sort_keys=True)
    second = json.dumps(bundle_of(full_answers()), sort_keys=True)
    assert first == second
    assert json.loads(first) == bundle_of(full_answers())


def test_ids_come_from_the_intakes_export_ids_not_its_number() -> None:
    """Intake #41 of another database has other export ids, so no id is shared."""
    mine = bundle_of(full_answers())
    elsewhere = fhir.ExportIds(
        patient="0b8a6a35-43a6-4b5c-9f0b-6d7b9b1f3c21", intake="e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
    )
    other = bundle_of(full_answers(), ids=elsewhere)
    ids = {mine["id"], *(entry["resource"]["id"] for entry in mine["entry"])}
    other_ids = {other["id"], *(entry["resource"]["id"] for entry in other["entry"])}
    assert len(ids) == 1 + len(mine["entry"])
    assert ids.isdisjoint(other_ids)


# --- the questionnaire ------------------------------------------------------------------------


def test_the_questionnaire_validates_and_carries_the_panel_codes() -> None:
    found = questionnaire()
    Questionnaire.model_validate(found)
    groups = {item["linkId"]: item for item in found["item"]}
    assert groups["phq9"]["code"][0]["code"] == "44249-1"
    assert groups["gad7"]["code"][0]["code"] == "69737-5"
    assert [item["code"][0]["code"] for item in groups["phq9"]["item"][:9]] == PHQ9_LOINC
    assert found["copyright"] == LICENCE_LINE


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"med.1.name": {"choice": "none"}, "se.checklist": ["none"], "q.1": {"choice": "done"}},
        {"se.checklist": ["nausea", "sleepy", "dizzy", "other"], "se.sleepy.frequency": "daily"},
    ],
)
def test_every_response_item_is_defined_in_the_questionnaire(changes: dict[str, Any]) -> None:
    assert_conforms(response_of(full_answers(**changes)), questionnaire())


def test_the_module_uses_only_the_standard_library() -> None:
    source = Path(fhir.__file__).read_text(encoding="utf-8")
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots - {"flows", "__future__"} <= set(sys.stdlib_module_names)


def test_the_docs_example_is_a_valid_bundle() -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "intake-example.fhir.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    [response] = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert response["status"] == "completed"
