"""The compiled intake the provider receives: flags, medications, answers in words, questions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from answer_samples import LAMICTAL, base_answers
from flow_driver import Driver

from flows.answers import KEEP_OPTION
from flows.compiled import compile_intake, medication_rows
from flows.report import CompiledIntake, Flag


def compiled_of(answers: dict[str, Any], alerts: tuple[str, ...] = ()) -> CompiledIntake:
    return compile_intake(answers, intake_id=7, patient_name="Alex", safety_alerts=alerts)


def phq9(*values: int) -> dict[str, str]:
    return {f"phq9.{n}": str(v) for n, v in enumerate(values, start=1)}


def kinds(compiled: CompiledIntake) -> list[str]:
    return [flag.kind for flag in compiled.flags]


# --- an unremarkable intake -----------------------------------------------------------------


def test_an_unremarkable_intake_has_no_flags() -> None:
    when = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    compiled = compile_intake(
        base_answers(), intake_id=7, patient_name="Alex", submitted_at=when, appointment="Mon 9:00"
    )
    assert compiled.flags == ()
    assert (compiled.intake_id, compiled.patient_name) == (7, "Alex")
    assert (compiled.submitted_at, compiled.appointment) == (when, "Mon 9:00")
    assert (compiled.phq9.total, compiled.phq9.band) == (0, "minimal")
    assert (compiled.gad7.total, compiled.gad7.band) == (0, "minimal")
    assert compiled.phq9_function is None
    assert compiled.no_side_effects and compiled.side_effects == ()
    assert not compiled.takes_no_medication
    assert compiled.new_medicines is None
    assert compiled.stress_notes is None
    assert compiled.questions == ()
    assert compiled.safety_responses == ()


def test_medication_report_from_a_full_line() -> None:
    [med] = compiled_of(base_answers()).medications
    assert (med.name, med.dose, med.frequency) == ("sertraline", "50 mg", "once a day")
    assert (med.status, med.missed_days, med.reasons) == ("as_prescribed", 0, ())
    assert med.raw_text == "sertraline 50 mg once a day"
    assert med.status_label == "taking as prescribed"


def test_answers_in_words() -> None:
    compiled = compiled_of(base_answers())
    assert compiled.sleep == (
        ("Usual hours of sleep", "7"),
        ("Time to fall asleep", "Less than 15 minutes"),
        ("Times woken at night", "1"),
        ("Sleep quality", "Good"),
        ("Sleep since last visit", "About the same"),
    )
    assert compiled.daily == (
        ("Energy", "About the same"),
        ("Appetite", "About the same"),
        ("Focus", "About the same"),
    )
    assert compiled.stressors[0] == ("Work or school", "Not at all")
    assert len(compiled.stressors) == 9


def test_skipped_and_missing_answers_are_said_so() -> None:
    answers = base_answers(**{"sleep.hours": None})
    del answers["sleep.quality"]
    del answers["stress.money"]
    compiled = compiled_of(answers)
    assert ("Usual hours of sleep", "skipped") in compiled.sleep
    assert ("Sleep quality", "not answered") in compiled.sleep
    assert ("Money", "not answered") in compiled.stressors


# --- flags ----------------------------------------------------------------------------------


def test_safety_alerts_are_flagged_first() -> None:
    answers = base_answers(
        **{"med.1.missed": 3, "med.1.reasons": ["forgot"]},
        **phq9(3, 3, 3, 3, 3, 0, 0, 0, 0),
    )
    compiled = compiled_of(answers, alerts=("risk language in a typed message (overdose)",))
    assert compiled.flags[0] == Flag(
        "safety", "Safety: risk language in a typed message (overdose)"
    )
    assert kinds(compiled) == ["safety", "missed_doses", "phq9"]
    assert compiled.flags[0].text == "Safety: risk language in a typed message (overdose)"


def test_phq9_item_9_is_flagged_even_without_an_alert_and_ahead_of_everything() -> None:
    answers = base_answers(**{"med.1.status": "stopped", "med.1.reasons": ["cost"]})
    answers.update(phq9(0, 0, 0, 0, 0, 0, 0, 0, 2))
    answers["phq9.function"] = "somewhat"
    compiled = compiled_of(answers)
    assert compiled.flags[0] == Flag("safety", "Safety: PHQ-9 item 9 answered 2 of 3")
    assert kinds(compiled) == ["safety", "missed_doses"]


def test_phq9_item_9_alert_is_not_flagged_twice() -> None:
    answers = base_answers(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), **{"phq9.function": "not"})
    detail = (
        "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered "
        "“Several days” (1 of 3)"
    )
    compiled = compiled_of(
        answers, alerts=(detail, "the patient answered that they are not safe right now")
    )
    assert compiled.flags == (
        Flag("safety", f"Safety: {detail}"),
        Flag("safety", "Safety: the patient answered that they are not safe right now"),
    )


def test_missed_doses_are_flagged() -> None:
    compiled = compiled_of(base_answers(**{"med.1.missed": 2, "med.1.reasons": ["forgot"]}))
    assert compiled.flags == (
        Flag("missed_doses", "Missed doses: sertraline on 2 of the past 7 days"),
    )


def test_zero_missed_doses_are_not_flagged() -> None:
    assert compiled_of(base_answers(**{"med.1.missed": 0})).flags == ()


def test_a_stopped_medication_is_flagged() -> None:
    answers = base_answers(**{"med.1.status": "stopped", "med.1.reasons": ["side_effects"]})
    compiled = compiled_of(answers)
    assert compiled.flags == (Flag("missed_doses", "Stopped sertraline"),)
    [med] = compiled.medications
    assert med.status_label == "stopped"
    assert med.reason_labels == ("side effects",)
    assert med.missed_days is None


def test_a_side_effect_that_gets_in_the_way_a_lot_is_flagged() -> None:
    answers = base_answers(
        **{
            "se.checklist": ["nausea", "tremor"],
            "se.nausea.frequency": "most_days",
            "se.nausea.severity": "moderate",
            "se.nausea.interference": "a_lot",
            "se.nausea.medication": "m1",
            "se.tremor.frequency": "rarely",
            "se.tremor.severity": "mild",
            "se.tremor.interference": "a_little",
            "se.tremor.medication": {"choice": "unsure"},
        }
    )
    compiled = compiled_of(answers)
    assert compiled.flags == (
        Flag("side_effect", "Side effect gets in the way a lot: nausea or upset stomach"),
    )
    nausea, tremor = compiled.side_effects
    assert (nausea.name, nausea.frequency, nausea.severity, nausea.interference) == (
        "nausea or upset stomach",
        "Most days",
        "Moderate",
        "A lot",
    )
    assert nausea.suspected == "sertraline"
    assert (tremor.interference_value, tremor.suspected) == ("a_little", "Not sure")
    assert not compiled.no_side_effects


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ((3, 3, 3, 3, 2, 0, 0, 0, 0), False),  # 14
        ((3, 3, 3, 3, 3, 0, 0, 0, 0), True),  # 15
        ((3, 3, 3, 3, 3, 3, 3, 3, 0), True),  # 24
    ],
)
def test_phq9_of_15_or_more_is_flagged_and_14_is_not(
    values: tuple[int, ...], flagged: bool
) -> None:
    answers = base_answers(**phq9(*values), **{"phq9.function": "very"})
    compiled = compiled_of(answers)
    total = sum(values)
    assert compiled.phq9.total == total
    phq9_flags = [f for f in compiled.flags if f.kind == "phq9"]
    if flagged:
        assert phq9_flags == [Flag("phq9", f"PHQ-9 total {total} ({compiled.phq9.band})")]
    else:
        assert phq9_flags == []


def test_gad7_alone_is_never_flagged() -> None:
    answers = base_answers(**{f"gad7.{n}": "3" for n in range(1, 8)})
    compiled = compiled_of(answers)
    assert (compiled.gad7.total, compiled.gad7.band) == (21, "severe")
    assert compiled.flags == ()


def test_flags_of_a_driven_intake_in_order() -> None:
    d = Driver()
    d.consent()
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.tap("4")
    d.pick("forgot")
    d.tap("another")
    d.type("Lamictal 100mg BID")
    d.tap("stopped")
    d.pick("felt_better")
    d.tap("done")
    d.tap("none")
    d.mood(3, 3, 3, 2, 2, 2, 1, 0, 1)
    d.anxiety(1, 1, 1, 1, 1, 1, 1)
    d.sleep()
    d.daily()
    d.pick("dizzy")
    for value in ("every_day", "severe", "a_lot", "m2"):
        d.tap(value)
    d.therapy_and_health()
    d.stressors()
    d.no_questions()
    d.tap("submit")
    alerts = tuple(e.detail for e in d.safety if e.alert)
    assert len(alerts) == 1
    compiled = compiled_of(d.answers, alerts)
    assert [f.text for f in compiled.flags] == [
        f"Safety: {alerts[0]}",
        "Missed doses: sertraline on 4 of the past 7 days",
        "Stopped Lamictal",
        "Severe side effect that gets in the way a lot: dizziness",
        "PHQ-9 total 17 (moderately severe)",
    ]
    assert compiled.side_effects[0].suspected == "Lamictal"
    assert compiled.phq9_function == "Somewhat difficult"
    assert (compiled.gad7.total, compiled.gad7.band) == (7, "mild")


# --- patient's own words ----------------------------------------------------------------------


def test_patient_questions_verbatim_and_in_order() -> None:
    d = Driver()
    d.consent()
    d.one_medication()
    d.mood(*(0,) * 9)
    d.anxiety(0, 0, 0, 0, 0, 0, 0)
    d.sleep()
    d.daily()
    d.no_side_effects()
    d.therapy_and_health()
    d.stressors(notes="My landlord is selling the flat.")
    d.pick("own")
    asked = [
        "Can I take my dose at night instead?",
        "Is it OK to drink coffee with Lamictal??",
        "why do I feel 'foggy' in the mornings — the med?",
    ]
    for question in asked:
        d.type(question)
    d.type("That's all my questions")
    assert d.phase == "review"
    compiled = compiled_of(d.answers)
    assert compiled.questions == tuple(asked)
    assert compiled.stress_notes == "My landlord is selling the flat."


def test_questions_keep_their_order_beyond_nine() -> None:
    questions = {f"q.{n}": f"Question number {n}" for n in range(1, 13)}
    answers = base_answers(**questions, **{"q.13": {"choice": "done"}})
    assert compiled_of(answers).questions == tuple(f"Question number {n}" for n in range(1, 13))


def test_new_medicines_and_no_medication() -> None:
    answers = base_answers(**{"med.1.name": {"choice": "none"}, "meds.new": "St John's wort"})
    compiled = compiled_of(answers)
    assert compiled.takes_no_medication
    assert compiled.medications == ()
    assert compiled.new_medicines == "St John's wort"


def test_name_only_medication_uses_the_dose_and_frequency_answers() -> None:
    answers = base_answers(
        **{
            "med.1.name": {"name": "Lamictal", "dose": None, "frequency": None, "raw": "Lamictal"},
            "med.1.dose": "100 mg",
            "med.1.frequency": "at bedtime",
        }
    )
    [med] = compiled_of(answers).medications
    assert (med.name, med.dose, med.frequency) == ("Lamictal", "100 mg", "at bedtime")


def test_unsure_dose_and_typed_frequency() -> None:
    answers = base_answers(
        **{
            "med.1.name": {"name": "Lamictal", "dose": None, "frequency": None, "raw": "Lamictal"},
            "med.1.dose": {"choice": "unsure"},
            "med.1.frequency": {"other": "every 8 hours"},
        }
    )
    [med] = compiled_of(answers).medications
    assert (med.dose, med.frequency) == (None, "every 8 hours")


def test_other_reason_is_reported_with_the_reasons() -> None:
    answers = base_answers(
        **{
            "med.1.missed": 2,
            "med.1.reasons": ["cost", "other"],
            "med.1.reasons_other": "insurance changed",
        }
    )
    [med] = compiled_of(answers).medications
    assert med.reasons == ("cost", "other")
    assert med.other_reason == "insurance changed"
    assert med.reason_labels == ("cost", "other: insurance changed")


def test_medication_rows_for_storage() -> None:
    answers = base_answers(
        **{
            "med.1.missed": 1,
            "med.1.reasons": ["forgot"],
            "med.1.more": "another",
            "med.2.name": LAMICTAL,
            "med.2.status": "stopped",
            "med.2.reasons": ["felt_worse"],
            "med.2.more": "done",
        }
    )
    assert medication_rows(compiled_of(answers)) == [
        {
            "name": "sertraline",
            "dose": "50 mg",
            "frequency": "once a day",
            "status": "as_prescribed",
            "missed_days": 1,
            "reasons": ["forgot"],
            "raw_text": "sertraline 50 mg once a day",
        },
        {
            "name": "Lamictal",
            "dose": "100 mg",
            "frequency": "twice a day",
            "status": "stopped",
            "missed_days": None,
            "reasons": ["felt_worse"],
            "raw_text": "Lamictal 100mg BID",
        },
    ]


# --- answers no longer reachable are left out ----------------------------------------------------


def test_thats_all_instead_of_add_another_drops_the_second_medicine() -> None:
    d = Driver()
    d.consent()
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("another")
    d.type("Lamictal 100mg BID")
    d.tap("stopped")
    d.pick("cost")
    d.tap("done")
    d.tap("none")
    assert d.phase == "mood"
    assert len(compiled_of(d.answers).medications) == 2
    visited = []
    for _ in range(6):
        d.command("back")
        visited.append(d.step)
    assert visited == [
        "meds.new",
        "med.2.more",
        "med.2.reasons",
        "med.2.status",
        "med.2.name",
        "med.1.more",
    ]
    d.tap("done")  # "That's all" instead of "Add another medication"
    d.tap(KEEP_OPTION.value)
    assert d.phase == "mood"
    assert d.answers["med.2.status"] == "stopped"  # still stored, but no longer reachable
    compiled = compiled_of(d.answers)
    assert [m.name for m in compiled.medications] == ["sertraline"]
    assert compiled.flags == ()  # "Stopped Lamictal" is gone with it
    assert medication_rows(compiled) == [
        {
            "name": "sertraline",
            "dose": "50 mg",
            "frequency": "once a day",
            "status": "as_prescribed",
            "missed_days": 0,
            "reasons": None,
            "raw_text": "sertraline 50 mg once a day",
        }
    ]


def test_changing_side_effects_to_none_drops_their_follow_ups() -> None:
    answers = base_answers(
        **{
            "se.checklist": ["none"],
            "se.nausea.frequency": "every_day",
            "se.nausea.severity": "severe",
            "se.nausea.interference": "a_lot",
            "se.nausea.medication": "m1",
        }
    )
    compiled = compiled_of(answers)
    assert compiled.side_effects == ()
    assert compiled.no_side_effects
    assert compiled.flags == ()


def test_changing_mood_to_all_zero_drops_the_functional_answer() -> None:
    answers = base_answers(**{"phq9.function": "extremely"})
    assert compiled_of(answers).phq9_function is None


def test_changing_status_to_stopped_drops_missed_days() -> None:
    answers = base_answers(
        **{"med.1.status": "stopped", "med.1.missed": 5, "med.1.reasons": ["felt_better"]}
    )
    compiled = compiled_of(answers)
    [med] = compiled.medications
    assert med.missed_days is None
    assert compiled.flags == (Flag("missed_doses", "Stopped sertraline"),)


def test_missed_days_back_to_zero_drops_the_reasons_and_the_other_reason() -> None:
    answers = base_answers(
        **{
            "med.1.missed": 0,
            "med.1.reasons": ["other"],
            "med.1.reasons_other": "was travelling",
        }
    )
    [med] = compiled_of(answers).medications
    assert (med.reasons, med.other_reason, med.reason_labels) == ((), None, ())


def test_dont_take_any_drops_the_medicines_listed_before() -> None:
    answers = base_answers(
        **{
            "med.1.name": {"choice": "none"},
            "med.1.missed": 4,
            "med.1.more": "another",
            "med.2.name": LAMICTAL,
            "med.2.status": "stopped",
        }
    )
    compiled = compiled_of(answers)
    assert compiled.medications == ()
    assert compiled.takes_no_medication
    assert compiled.flags == ()


def test_questions_after_no_questions_are_dropped() -> None:
    answers = base_answers(**{"q.1": {"choice": "done"}, "q.2": "an old question"})
    assert compiled_of(answers).questions == ()


def test_edited_answers_use_the_latest_value() -> None:
    d = Driver()
    d.to_review()
    d.tap("edit_mood")
    for value in ("3", "3", "3", "3", "3"):
        d.tap(value)
    for _ in range(4):
        d.tap(KEEP_OPTION.value)
    d.tap("very")
    assert d.phase == "review"
    compiled = compiled_of(d.answers)
    assert (compiled.phq9.total, compiled.phq9.band) == (15, "moderately severe")
    assert compiled.phq9_function == "Very difficult"
    assert [f.kind for f in compiled.flags] == ["phq9"]


def test_a_severe_side_effect_is_flagged_even_when_it_does_not_get_in_the_way() -> None:
    answers = base_answers(
        **{
            "se.checklist": ["tremor"],
            "se.tremor.frequency": "some_days",
            "se.tremor.severity": "severe",
            "se.tremor.interference": "a_little",
            "se.tremor.medication": "unsure",
        }
    )
    compiled = compiled_of(answers)
    assert [f.text for f in compiled.flags] == ["Severe side effect: shaking or tremor"]
    assert compiled.side_effects[0].suspected == "not sure"


def test_a_different_dose_is_flagged_with_what_is_taken_now() -> None:
    answers = base_answers(**{"med.1.status": "different", "med.1.current_dose": "25 mg"})
    compiled = compiled_of(answers)
    assert (
        Flag("adherence", "Taking a different dose than prescribed: sertraline (now 25 mg)")
        in compiled.flags
    )
    assert compiled.medications[0].current_dose == "25 mg"


def test_a_sleep_range_keeps_the_patients_words() -> None:
    answers = base_answers(**{"sleep.hours": 5.5})
    compiled = compile_intake(
        answers, intake_id=1, patient_name="A", typed_texts={"sleep.hours": "5-6"}
    )
    assert ("Usual hours of sleep", "5.5 (typed “5-6”)") in compiled.sleep
    plain = compile_intake(
        answers, intake_id=1, patient_name="A", typed_texts={"sleep.hours": "5.5"}
    )
    assert ("Usual hours of sleep", "5.5") in plain.sleep
