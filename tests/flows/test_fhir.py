"""The FHIR export: a QuestionnaireResponse, score Observations and a Bundle, checked against the
fhir.resources R4B models for structure and against the clinical reference for codes and values."""

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
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from flows import fhir
from flows.compiled import compile_intake
from flows.instruments import LICENCE_LINE
from flows.report import CompiledIntake

WHEN = datetime(2026, 3, 2, 8, 45, 12, 345678, tzinfo=ZoneInfo("America/Chicago"))
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
    options: dict[str, Any] = {
        "intake_id": 41,
        "patient_id": 9,
        "patient_name": "Demo Patient",
        "authored": WHEN,
    }
    options.update(kwargs)
    return fhir.questionnaire_response(answers, **options)


def bundle_of(answers: dict[str, Any], intake_id: int = 41) -> dict[str, Any]:
    return fhir.intake_bundle(answers, compiled_of(answers, intake_id), patient_id=9)


def walk(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every item of a response by linkId, including groups and items nested under answers."""
    found: dict[str, dict[str, Any]] = {}
    for item in items:
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
    bundle = bundle_of(full_answers())
    Bundle.model_validate(bundle)
    response, *observations = (entry["resource"] for entry in bundle["entry"])
    QuestionnaireResponse.model_validate(response)
    assert len(observations) == 2
    for observation in observations:
        Observation.model_validate(observation)


def test_a_minimal_intake_validates_too() -> None:
    minimal: dict[str, Any] = {"med.1.name": {"choice": "none"}}
    response = response_of(minimal)
    QuestionnaireResponse.model_validate(response)
    assert [item["linkId"] for item in response["item"]] == ["medications"]
    assert fhir.intake_bundle(minimal, compiled_of(minimal), patient_id=9)["entry"][1:] == []


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
    patient = {"reference": "Patient/9", "display": "Demo Patient"}
    assert response["subject"] == response["author"] == response["source"] == patient
    assert response["questionnaire"] == (
        "https://intake-bot.example/fhir/Questionnaire/pre-visit-intake|1"
    )
    assert response["identifier"] == {
        "system": "https://intake-bot.example/fhir/intake-id",
        "value": "41",
    }
    assert response["id"] == fhir.response_id(41)


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
    observations = fhir.score_observations(compiled_of(answers), response_id="r", patient_id=9)
    assert [o["code"]["coding"][0]["code"] for o in observations] == ["70274-6"]


def test_medications_are_one_group_each_with_the_line_and_the_follow_ups() -> None:
    response = response_of(full_answers())
    medications = group(response, "medications")["item"]
    assert [item["linkId"] for item in medications] == ["med.1", "med.2", "meds.new"]
    first = {item["linkId"]: item["answer"] for item in medications[0]["item"]}
    assert first == {
        "med.1.name": [{"valueString": "sertraline"}],
        "med.1.dose": [{"valueString": "50 mg"}],
        "med.1.frequency": [clinic("once a day", "Once a day")],
        "med.1.status": [clinic("as_prescribed", "Taking it as prescribed")],
        "med.1.missed": [{"valueInteger": 2}],
        "med.1.reasons": [
            clinic("forgot", "I forgot"),
            clinic("other", "Another reason"),
        ],
        "med.1.reasons_other": [{"valueString": "Travelling for work"}],
        "med.1.line": [{"valueString": "sertraline 50 mg once a day"}],
    }
    second = {item["linkId"]: item["answer"] for item in medications[1]["item"]}
    assert second["med.2.dose"] == [{"valueString": "150 mg"}]
    assert second["med.2.frequency"][0]["valueCoding"]["code"] == "every morning"
    assert second["med.2.current_dose"] == [{"valueString": "75 mg"}]
    assert second["med.2.status"][0]["valueCoding"]["code"] == "different"
    assert only_answer(medications[2]) == {"valueString": "Melatonin 3 mg"}


def test_navigation_answers_are_left_out() -> None:
    items = items_of(response_of(full_answers()))
    assert not any(key.endswith(".more") for key in items)
    assert "q.3" not in items  # "That's all my questions"
    assert [only_answer(items[key])["valueString"] for key in ("q.1", "q.2")] == [
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
    items = items_of(response_of(answers))
    expected = {
        "med.1.name": ("none", "I don't take any"),
        "meds.new": ("none", "Nothing new"),
        "se.checklist": ("none", "None of these"),
        "stress.notes": ("none", "Nothing to add"),
        "q.1": ("done", "No questions"),
    }
    for key, (code, display) in expected.items():
        assert only_answer(items[key]) == {
            "valueCoding": {"system": ANSWER_SYSTEM, "code": code, "display": display}
        }
    assert not any(key.startswith(("med.2", "se.nausea", "q.2")) for key in items)


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
    assert only_answer(items["med.2.dose"])["valueCoding"]["code"] == "unsure"
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
    items = items_of(response_of(answers))
    for key in ("med.1.reasons", "med.1.reasons_other", "med.2", "med.2.current_dose",
                "se.other", "se.insomnia.frequency", "/69722-7"):  # fmt: skip
        assert key not in items, key
    assert "se.nausea.frequency" in items


def test_every_answer_on_the_path_appears() -> None:
    """Apart from navigation and derived items, the linkIds are exactly the reachable step keys."""
    from flows.questions import reachable_answers

    answers = full_answers()
    items = items_of(response_of(answers))
    loinc_links = {f"/{code}" for code in (*PHQ9_LOINC, *GAD7_LOINC, "69722-7")}
    expected = {
        key
        for key, value in reachable_answers(answers).items()
        if not key.startswith(("phq9.", "gad7."))
        and not key.endswith(".more")
        and not (key.startswith("q.") and isinstance(value, dict))
    }
    exported = {
        key
        for key, item in items.items()
        if "answer" in item and not key.startswith("/") and not key.endswith(".line")
    }
    # The first medicine's dose and frequency came from its line: items, though not steps.
    assert exported == expected | {"med.1.dose", "med.1.frequency"}
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
    phq9, gad7 = fhir.score_observations(compiled, response_id="abc", patient_id=9)
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
        assert observation["subject"] == {"reference": "Patient/9", "display": "Demo Patient"}
        assert observation["effectiveDateTime"] == "2026-03-02T08:45:12-06:00"
        assert observation["derivedFrom"] == [{"reference": "QuestionnaireResponse/abc"}]
        assert band in observation["note"][0]["text"]
        assert "interpretation" not in observation
    assert phq9["valueInteger"] == compiled.phq9.total
    assert gad7["valueInteger"] == compiled.gad7.total


def test_observations_need_a_time() -> None:
    compiled = compile_intake(full_answers(), intake_id=41, patient_name="Demo Patient")
    with pytest.raises(ValueError):
        fhir.score_observations(compiled, response_id="abc", patient_id=9)
    [phq9, _] = fhir.score_observations(
        compiled, response_id="abc", patient_id=9, effective=datetime(2026, 1, 5, tzinfo=UTC)
    )
    assert phq9["effectiveDateTime"] == "2026-01-05T00:00:00+00:00"


# --- the bundle -------------------------------------------------------------------------------


def test_bundle_entries_and_references() -> None:
    bundle = bundle_of(full_answers())
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    resources = [entry["resource"] for entry in bundle["entry"]]
    assert [r["resourceType"] for r in resources] == [
        "QuestionnaireResponse",
        "Observation",
        "Observation",
    ]
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    response_url = bundle["entry"][0]["fullUrl"]
    for observation in resources[1:]:
        assert observation["derivedFrom"] == [{"reference": response_url}]
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)


def test_the_bundle_is_json_and_deterministic() -> None:
    first = json.dumps(bundle_of(full_answers()), sort_keys=True)
    second = json.dumps(bundle_of(full_answers()), sort_keys=True)
    assert first == second
    assert json.loads(first) == bundle_of(full_answers())
    other = bundle_of(full_answers(), intake_id=42)
    assert other["entry"][0]["fullUrl"] != json.loads(first)["entry"][0]["fullUrl"]
    assert other["id"] != json.loads(first)["id"]


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
    assert bundle["entry"][0]["resource"]["status"] == "completed"
