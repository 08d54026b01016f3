"""A returning patient confirms an unchanged section in one tap where no validated scale forbids
it: last visit's medicines ("Yes, same as last time"), last intake's sleep, and energy, appetite
and focus. The provider still sees every medicine (marked as confirmed unchanged) and the sleep
that was confirmed; "Something changed" or Skip asks everything as before; PHQ-9, GAD-7 and
their items are never shortened. The tap budget of the issue: <= 35 actions for a returning
patient with two unchanged medicines and nothing new (it was 41 to review, 42 with Submit,
before the one-tap confirmations)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fhir_checks import assert_conforms, validate_bundle
from flow_driver import Driver

from bot.render.summary import render_summary
from flows import fhir
from flows.compiled import compile_intake
from flows.fhir_questionnaire import questionnaire
from flows.intake import Begin, Event, Outcome
from flows.questions import (
    FOLLOW_UP,
    PREVIOUS_MEDICATIONS,
    PREVIOUS_SLEEP,
    VISIT_KIND,
    Section,
    nights_of,
    section_steps,
)
from flows.report import CompiledIntake

RETURNING_ACTIONS_BUDGET = 35
WHEN = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
LAST_MEDICINES = [
    {"name": "sertraline", "dose": "100 mg", "frequency": "once a day"},
    {"name": "trazodone", "dose": "50 mg", "frequency": "at bedtime"},
]
LAST_NIGHTS = {"sleep.hours": 6.5, "sleep.latency": "30_60", "sleep.wakings": 2, "sleep.quality": "fair"}
IDS = fhir.ExportIds(
    patient="0b7f4c1e-2d3a-4e5f-8a9b-1c2d3e4f5a6b", intake="9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
)


class Returning(Driver):
    """A returning patient as the service opens their intake: a follow-up, with last visit's two
    medicines and last intake's sleep carried; counts what the patient does (all but Begin)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers.update(
            {
                VISIT_KIND: FOLLOW_UP,
                PREVIOUS_MEDICATIONS: [dict(m) for m in LAST_MEDICINES],
                PREVIOUS_SLEEP: dict(LAST_NIGHTS),
            }
        )
        self.actions = 0

    def send(self, event: Event, *, returning: bool = False) -> Outcome:
        if not isinstance(event, Begin):
            self.actions += 1
        return super().send(event, returning=returning)


def nothing_new_to_submit() -> Returning:
    """Two unchanged medicines, no missed dose, nothing new: tapped from the first question to
    Submit, every PHQ-9 and GAD-7 item answered."""
    d = Returning()
    d.consent()  # given when joining; not counted below
    consent_actions = d.actions
    assert d.step == "meds.same"
    d.tap("same")
    assert d.step == "med.1.missed"  # how they took them is still asked, medicine by medicine
    d.tap("0")
    d.tap("0")
    d.tap("none")  # other new medicines or supplements
    d.mood(1, 1, 0, 1, 0, 0, 0, 0, 0)
    d.anxiety(1, 0, 1, 0, 0, 0, 0)
    assert d.step == "sleep.same"
    d.tap("same")
    assert d.step == "daily.same"
    d.tap("same")
    d.no_side_effects()
    d.therapy_and_health()
    d.stressors()
    d.no_questions()
    assert d.phase == "review", d.state
    d.tap("submit")
    assert d.phase == "submitted"
    d.actions -= consent_actions
    return d


def compiled(d: Driver) -> CompiledIntake:
    return compile_intake(d.answers, intake_id=12, patient_name="Robin Q.", submitted_at=WHEN)


def test_the_tap_budget_of_a_returning_patient_with_nothing_new() -> None:
    d = nothing_new_to_submit()
    assert d.actions <= RETURNING_ACTIONS_BUDGET, d.actions
    for n in range(1, 10):  # no validated item skipped
        assert f"phq9.{n}" in d.answers
    assert "phq9.function" in d.answers
    for n in range(1, 8):
        assert f"gad7.{n}" in d.answers


def test_no_validated_scale_is_shortened_for_a_returning_patient() -> None:
    d = nothing_new_to_submit()
    assert section_steps(Section.MOOD, d.answers) == [*(f"phq9.{n}" for n in range(1, 10)), "phq9.function"]
    assert section_steps(Section.ANXIETY, d.answers) == [f"gad7.{n}" for n in range(1, 8)]


def test_the_provider_sees_the_medicines_confirmed_unchanged() -> None:
    d = nothing_new_to_submit()
    intake = compiled(d)
    rows = [
        (m.name, m.dose, m.frequency, m.status, m.missed_days, m.unchanged)
        for m in intake.medications
    ]
    assert rows == [
        ("sertraline", "100 mg", "once a day", "as_prescribed", 0, True),
        ("trazodone", "50 mg", "at bedtime", "as_prescribed", 0, True),
    ]
    text = "\n".join(render_summary(intake, "America/Chicago"))
    assert text.count("unchanged since the last intake (confirmed by the patient)") == 2
    assert "sertraline 100 mg once a day" in text and "trazodone 50 mg at bedtime" in text


def test_the_provider_sees_the_sleep_that_was_confirmed_and_nothing_else_is_made_up() -> None:
    d = nothing_new_to_submit()
    intake = compiled(d)
    [(label, value)] = intake.sleep
    assert "about 6.5 hours a night" in label and "30–60 minutes to fall asleep" in label
    assert "woken 2 times" in label and "quality fair" in label
    assert value == "Yes, about the same"
    assert intake.daily == (("Energy, appetite and focus", "Yes, all about the same"),)
    # No answer was written for a question the patient was not asked.
    for key in ("sleep.hours", "sleep.change", "daily.energy", "med.1.still", "meds.other"):
        assert key not in d.answers, key


def test_the_confirmed_sleep_is_carried_to_the_next_intake() -> None:
    d = nothing_new_to_submit()
    assert nights_of(d.answers) == LAST_NIGHTS


def test_something_changed_asks_medicine_by_medicine() -> None:
    d = Returning()
    d.consent()
    d.tap("changed")
    assert d.step == "med.1.still"
    d.tap("yes")
    d.tap("0")
    assert d.step == "med.2.still"
    d.tap("changed")
    d.type("trazodone 100 mg at bedtime")
    d.tap("0")
    assert d.step == "meds.other"
    d.tap("no")
    d.tap("none")
    assert d.step == "phq9.1"
    meds = compiled(d).medications
    assert [(m.name, m.dose, m.unchanged) for m in meds] == [
        ("sertraline", "100 mg", True),
        ("trazodone", "100 mg", False),
    ]


def test_skipping_a_confirmation_asks_the_whole_section() -> None:
    d = Returning()
    d.consent()
    d.command("skip")
    assert d.step == "med.1.still"
    d.tap("yes")
    d.tap("0")
    d.tap("yes")
    d.tap("0")
    d.tap("no")
    d.tap("none")
    d.mood(0, 0, 0, 0, 0, 0, 0, 0, 0)
    d.anxiety(0, 0, 0, 0, 0, 0, 0)
    assert d.step == "sleep.same"
    d.command("skip")
    assert d.step == "sleep.hours"
    d.sleep()  # the four about a night, then "compared with before your last visit"
    assert d.answers["sleep.change"] == "same"
    assert d.step == "daily.same"
    d.command("skip")
    assert d.step == "daily.energy"
    d.daily()
    assert d.step == "se.checklist"


def test_changing_a_confirmed_section_from_review_asks_its_questions() -> None:
    d = Returning()
    d.consent()
    d.tap("same")
    d.tap("0")
    d.tap("0")
    d.tap("none")
    d.mood(0, 0, 0, 0, 0, 0, 0, 0, 0)
    d.anxiety(0, 0, 0, 0, 0, 0, 0)
    d.tap("same")
    d.tap("same")
    d.no_side_effects()
    d.therapy_and_health()
    d.stressors()
    d.no_questions()
    assert d.phase == "review"
    d.tap("edit_sleep")
    assert d.step == "sleep.same"
    d.tap("changed")
    assert d.step == "sleep.hours"
    d.type("5")
    d.tap("over_60")
    d.tap("3")
    d.tap("poor")
    d.tap("worse")
    assert d.phase == "review"
    lines = dict(compiled(d).sleep)
    assert lines["Usual hours of sleep"] == "5" and lines["Sleep since last visit"] == "Worse"
    assert nights_of(d.answers) == {
        "sleep.hours": 5,
        "sleep.latency": "over_60",
        "sleep.wakings": 3,
        "sleep.quality": "poor",
    }


def test_the_export_of_a_confirmed_intake_conforms_to_the_questionnaire() -> None:
    d = nothing_new_to_submit()
    answers: dict[str, Any] = d.answers
    intake = compiled(d)
    bundle = fhir.intake_bundle(answers, intake, ids=IDS, patient_identifier=("urn:test", "12"))
    validate_bundle(bundle)
    [response] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert_conforms(response, questionnaire())
    text = json.dumps(response)
    assert "meds.same" in text and "sleep.same" in text and "daily.same" in text
    assert "sleep.previous" not in text and "meds.previous" not in text
