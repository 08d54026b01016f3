"""Changes since the last intake: scores, medications, side effects and stressors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flows.changes import (
    changes_since,
    dose_words,
    judged,
    medicine_key,
)
from flows.compiled import compile_intake
from flows.report import Changes, CompiledIntake, DoseChange, ScoreChange

EARLIER = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
STRESS_DOMAINS = (
    "work",
    "family",
    "relationship",
    "money",
    "housing",
    "health",
    "loss",
    "legal",
    "event",
)


def med(
    name: str,
    dose: str | None = "50 mg",
    frequency: str | None = "once a day",
    *,
    status: str = "as_prescribed",
    current_dose: str | None = None,
) -> dict[str, Any]:
    """One medication slot: the parsed line and how the patient takes it."""
    raw = " ".join(part for part in (name, dose, frequency) if part)
    slot: dict[str, Any] = {
        "name": {"name": name, "dose": dose, "frequency": frequency, "raw": raw},
        "status": status,
    }
    if status == "stopped":
        slot["reasons"] = ["felt_better"]
    else:
        slot["missed"] = 0
    if current_dose is not None:
        slot["current_dose"] = current_dose
    return slot


def answers(
    *,
    meds: list[dict[str, Any]] | None = None,
    no_medication: bool = False,
    phq9: tuple[int | None, ...] = (0,) * 9,
    gad7: tuple[int | None, ...] = (0,) * 7,
    side_effects: list[str] | None = None,
    other_side_effect: str | None = None,
    stress: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """A complete intake (as in tests/test_flows_compiled.py `base_answers`), changed as asked."""
    result: dict[str, Any] = {}
    if no_medication:
        result["med.1.name"] = {"choice": "none"}
    else:
        slots = meds if meds is not None else [med("sertraline")]
        for n, slot in enumerate(slots, start=1):
            for field, value in slot.items():
                result[f"med.{n}.{field}"] = value
            result[f"med.{n}.more"] = "another" if n < len(slots) else "done"
    result["meds.new"] = {"choice": "none"}
    result.update({f"phq9.{n}": _item(v) for n, v in enumerate(phq9, start=1)})
    result.update({f"gad7.{n}": _item(v) for n, v in enumerate(gad7, start=1)})
    result.update(
        {
            "sleep.hours": 7.0,
            "sleep.latency": "under_15",
            "sleep.wakings": 1,
            "sleep.quality": "good",
            "sleep.change": "same",
            "daily.energy": "same",
            "daily.appetite": "same",
            "daily.focus": "same",
        }
    )
    checked = side_effects if side_effects is not None else ["none"]
    result["se.checklist"] = checked
    for value in checked:
        if value == "none":
            continue
        result.update(
            {
                f"se.{value}.frequency": "some_days",
                f"se.{value}.severity": "mild",
                f"se.{value}.interference": "a_little",
                f"se.{value}.medication": {"choice": "unsure"},
            }
        )
    if other_side_effect is not None:
        result["se.other"] = other_side_effect
    levels = {domain: "not_at_all" for domain in STRESS_DOMAINS}
    levels.update(stress or {})
    for domain, level in levels.items():
        if level is not None:
            result[f"stress.{domain}"] = level
    result["stress.notes"] = {"choice": "none"}
    result["q.1"] = {"choice": "done"}
    return result


def _item(value: int | None) -> str | None:
    return None if value is None else str(value)


def intake(when: datetime = LATER, **kwargs: Any) -> CompiledIntake:
    return compile_intake(answers(**kwargs), intake_id=1, patient_name="Alex", submitted_at=when)


def phq9_total(total: int | None) -> tuple[int | None, ...]:
    """PHQ-9 items adding up to `total` (at most 24: item 9 stays 0; None: one item skipped)."""
    if total is None:
        return (3, 3, None, 0, 0, 0, 0, 0, 0)
    return (*(min(3, max(0, total - 3 * n)) for n in range(8)), 0)


def gad7_total(total: int | None) -> tuple[int | None, ...]:
    if total is None:
        return (1, None, 1, 1, 1, 1, 1)
    return tuple(min(3, max(0, total - 3 * n)) for n in range(7))


def changes(
    current: CompiledIntake,
    previous: CompiledIntake | None,
    baseline: CompiledIntake | None = None,
) -> Changes:
    result = changes_since(current, previous, baseline)
    assert result is not None
    return result


def phq9_change(now: int | None, before: int | None, first: int | None = None) -> ScoreChange:
    current = intake(phq9=phq9_total(now))
    previous = intake(EARLIER, phq9=phq9_total(before))
    baseline = intake(EARLIER, phq9=phq9_total(first)) if first is not None else None
    phq9, _ = changes(current, previous, baseline).scores
    return phq9


def same_meds(current: list[dict[str, Any]], previous: list[dict[str, Any]]) -> Changes:
    return changes(intake(meds=current), intake(EARLIER, meds=previous))


# --- no previous intake, nothing changed --------------------------------------------------------


def test_no_previous_intake_gives_none() -> None:
    assert changes_since(intake(), None, None) is None
    assert changes_since(intake(), None, intake(EARLIER)) is None


def test_the_helper_totals_are_what_they_say() -> None:
    for total in (0, 4, 5, 9, 10, 18, 20, 24):
        assert intake(phq9=phq9_total(total)).phq9.total == total
    assert not intake(phq9=phq9_total(None)).phq9.complete
    for total in (0, 4, 5, 10, 21):
        assert intake(gad7=gad7_total(total)).gad7.total == total
    assert not intake(gad7=gad7_total(None)).gad7.complete


def test_two_identical_intakes_change_nothing() -> None:
    result = changes(intake(), intake(EARLIER), intake(EARLIER))
    assert result.previous_submitted_at == EARLIER
    assert result.medications_started == result.medications_stopped == ()
    assert result.dose_changes == ()
    assert result.side_effects_new == result.side_effects_resolved == ()
    assert result.stressors_new == ()
    phq9, gad7 = result.scores
    assert (phq9.instrument, gad7.instrument) == ("PHQ-9", "GAD-7")
    assert (phq9.delta, phq9.meaningful, phq9.response, phq9.remission) == (0, False, False, False)
    assert not result.anything  # already below 5 last time: not a new remission


def test_remission_is_flagged_when_the_total_falls_below_5() -> None:
    result = changes(intake(phq9=phq9_total(4)), intake(EARLIER, phq9=phq9_total(5)), None)
    assert result.scores[0].remission and result.anything


def test_nothing_at_all_when_scores_stay_above_remission() -> None:
    current = intake(phq9=phq9_total(12))
    previous = intake(EARLIER, phq9=phq9_total(12))
    result = changes(current, previous, previous)
    assert not result.anything


# --- scores ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "before", "delta", "meaningful"),
    [
        (15, 10, 5, True),  # exactly 5 up
        (10, 15, -5, True),  # exactly 5 down
        (14, 10, 4, False),  # 4 up
        (10, 14, -4, False),  # 4 down
        (20, 9, 11, True),
        (12, 12, 0, False),
    ],
)
def test_a_change_of_5_points_is_meaningful_and_4_is_not(
    now: int, before: int, delta: int, meaningful: bool
) -> None:
    change = phq9_change(now, before)
    assert (change.previous, change.current, change.delta) == (before, now, delta)
    assert change.meaningful is meaningful


@pytest.mark.parametrize(
    ("now", "first", "response"),
    [
        (9, 18, True),  # exactly 50%
        (10, 19, False),  # 52.6%: not yet half
        (9, 19, True),  # 47%
        (10, 20, True),  # exactly 50%
        (11, 20, False),
        (0, 1, True),
        (1, 1, False),
    ],
)
def test_response_is_a_current_total_at_most_half_the_baseline(
    now: int, first: int, response: bool
) -> None:
    change = phq9_change(now, now, first)
    assert (change.baseline, change.response) == (first, response)


def test_no_response_from_a_baseline_of_0() -> None:
    change = phq9_change(0, 0, 0)
    assert (change.baseline, change.response) == (0, False)


def test_no_response_without_a_baseline_or_with_an_incomplete_one() -> None:
    assert phq9_change(4, 10).response is False  # no baseline given
    current, previous = intake(phq9=phq9_total(4)), intake(EARLIER, phq9=phq9_total(10))
    incomplete = intake(EARLIER, phq9=phq9_total(None))
    phq9, _ = changes(current, previous, incomplete).scores
    assert (phq9.baseline, phq9.response) == (None, False)


def test_the_baseline_may_be_the_previous_intake() -> None:
    current, previous = intake(phq9=phq9_total(8)), intake(EARLIER, phq9=phq9_total(16))
    phq9, _ = changes(current, previous, previous).scores
    assert (phq9.previous, phq9.baseline, phq9.delta) == (16, 16, -8)
    assert phq9.meaningful and phq9.response and not phq9.remission


@pytest.mark.parametrize(("now", "remission"), [(4, True), (5, False), (0, True), (24, False)])
def test_remission_is_a_total_below_5(now: int, remission: bool) -> None:
    assert phq9_change(now, 12).remission is remission


def test_an_incomplete_current_total_counts_for_nothing() -> None:
    current = intake(phq9=phq9_total(None))  # 6 from the answered items, one skipped
    previous = intake(EARLIER, phq9=phq9_total(20))
    phq9, _ = changes(current, previous, previous).scores
    assert (phq9.previous, phq9.current, phq9.baseline, phq9.delta) == (20, None, 20, None)
    assert (phq9.meaningful, phq9.response, phq9.remission) == (False, False, False)


def test_an_incomplete_previous_total_gives_no_delta_but_remission_still_counts() -> None:
    current = intake(phq9=phq9_total(3))
    previous = intake(EARLIER, phq9=phq9_total(None))
    baseline = intake(EARLIER, phq9=phq9_total(18))
    phq9, _ = changes(current, previous, baseline).scores
    assert (phq9.previous, phq9.current, phq9.delta, phq9.meaningful) == (None, 3, None, False)
    assert phq9.response and phq9.remission


def test_gad7_is_reported_in_numbers_but_not_judged() -> None:
    current = intake(gad7=gad7_total(2))
    previous = intake(EARLIER, gad7=gad7_total(15))
    result = changes(current, previous, previous)
    _, gad7 = result.scores
    assert gad7 == ScoreChange(
        instrument="GAD-7",
        previous=15,
        current=2,
        baseline=15,
        delta=-13,
        meaningful=False,
        response=False,
        remission=False,
    )
    assert judged("PHQ-9") and not judged("GAD-7")


def test_an_incomplete_gad7_total_counts_for_nothing() -> None:
    result = changes(intake(gad7=gad7_total(None)), intake(EARLIER, gad7=gad7_total(10)))
    _, gad7 = result.scores
    assert (gad7.previous, gad7.current, gad7.delta) == (10, None, None)


def test_gad7_alone_never_makes_anything() -> None:
    current = intake(phq9=phq9_total(12), gad7=gad7_total(0))
    previous = intake(EARLIER, phq9=phq9_total(12), gad7=gad7_total(21))
    assert not changes(current, previous, previous).anything


# --- medications: started and stopped -----------------------------------------------------------


def test_a_new_medicine_is_started() -> None:
    result = same_meds([med("sertraline"), med("Lamictal", "25 mg")], [med("sertraline")])
    assert result.medications_started == ("Lamictal",)
    assert result.medications_stopped == ()
    assert result.anything


def test_a_medicine_no_longer_listed_is_stopped() -> None:
    result = same_meds([med("sertraline")], [med("sertraline"), med("Lamictal", "25 mg")])
    assert result.medications_stopped == ("Lamictal",)
    assert result.medications_started == ()


def test_a_medicine_reported_stopped_now_is_stopped_and_not_started() -> None:
    result = same_meds(
        [med("sertraline"), med("Lamictal", "25 mg", status="stopped")],
        [med("sertraline"), med("lamotrigine", "25 mg")],
    )
    assert result.medications_stopped == ("lamotrigine",)
    assert result.medications_started == ()


def test_a_new_medicine_reported_stopped_is_not_started() -> None:
    result = same_meds([med("sertraline"), med("Lamictal", status="stopped")], [med("sertraline")])
    assert result.medications_started == result.medications_stopped == ()


def test_a_medicine_stopped_both_times_is_neither() -> None:
    stopped = med("Lamictal", status="stopped")
    result = same_meds([med("sertraline"), stopped], [med("sertraline"), stopped])
    assert result.medications_started == result.medications_stopped == ()


def test_a_medicine_stopped_last_time_and_taken_again_is_started() -> None:
    result = same_meds(
        [med("sertraline"), med("Lamictal")],
        [med("sertraline"), med("Lamictal", status="stopped")],
    )
    assert result.medications_started == ("Lamictal",)
    assert result.medications_stopped == ()


def test_taking_no_medication_now_stops_everything() -> None:
    result = changes(intake(no_medication=True), intake(EARLIER, meds=[med("sertraline")]))
    assert result.medications_stopped == ("sertraline",)
    result = changes(intake(meds=[med("sertraline")]), intake(EARLIER, no_medication=True))
    assert result.medications_started == ("sertraline",)


@pytest.mark.parametrize(
    ("now", "before"),
    [
        ("Sertraline", "sertraline"),
        ("SERTRALINE", "sertraline"),
        ("  sertraline  ", "sertraline"),
        ("Zoloft", "sertraline"),
        ("zoloft", "Sertraline"),
        ("Wellbutrin XL", "bupropion"),
        ("Wellbutrin", "Zyban"),
        ("setraline", "Zoloft"),  # a misspelling with one close listed name
        ("my  green   pill", "My green pill"),  # unlisted: compared as typed, normalised
    ],
)
def test_the_same_medicine_by_another_name_or_spelling_is_no_change(now: str, before: str) -> None:
    result = same_meds([med(now)], [med(before)])
    assert result.medications_started == result.medications_stopped == ()
    assert result.dose_changes == ()


def test_different_medicines_are_not_matched() -> None:
    result = same_meds([med("escitalopram", "10 mg")], [med("citalopram", "20 mg")])
    assert result.medications_started == ("escitalopram",)
    assert result.medications_stopped == ("citalopram",)
    assert result.dose_changes == ()


def test_medicine_key() -> None:
    assert medicine_key("Zoloft") == medicine_key("sertraline") == medicine_key("setraline")
    assert medicine_key("Zoloft") != medicine_key("Paxil")
    assert medicine_key("My Green  Pill") == medicine_key("my green pill")


def test_no_medication_answers_make_no_medication_changes() -> None:
    unanswered = compile_intake(
        {k: v for k, v in answers().items() if not k.startswith("med")},
        intake_id=2,
        patient_name="Alex",
    )
    assert unanswered.medications == () and not unanswered.takes_no_medication
    result = changes(unanswered, intake(EARLIER, meds=[med("sertraline")]))
    assert result.medications_started == result.medications_stopped == ()
    result = changes(intake(meds=[med("sertraline")]), unanswered)
    assert result.medications_started == result.medications_stopped == ()


# --- medications: doses ---------------------------------------------------------------------------


def test_a_different_dose_is_a_dose_change() -> None:
    result = same_meds([med("sertraline", "100 mg")], [med("sertraline", "50 mg")])
    assert result.dose_changes == (
        DoseChange("sertraline", "50 mg once a day", "100 mg once a day"),
    )
    assert result.medications_started == result.medications_stopped == ()
    assert result.anything


def test_a_different_schedule_is_a_dose_change() -> None:
    result = same_meds(
        [med("Lamictal", "100 mg", "twice a day")], [med("lamotrigine", "100 mg", "once a day")]
    )
    assert result.dose_changes == (
        DoseChange("Lamictal", "100 mg once a day", "100 mg twice a day"),
    )


@pytest.mark.parametrize(
    ("now", "before"),
    [
        (("50mg", "once a day"), ("50 mg", "once a day")),
        (("50 milligrams", "once a day"), ("50 mg", "once a day")),
        (("0.5 mg", "once a day"), ("500 mcg", "once a day")),
        (("50 mg", "bid"), ("50 mg", "twice a day")),
        (("50 mg", "Twice a day"), ("50 mg", "twice a day")),
        (("20", "once a day"), ("20", "once a day")),  # no unit, same text
    ],
)
def test_the_same_dose_written_differently_is_no_change(
    now: tuple[str, str], before: tuple[str, str]
) -> None:
    result = same_meds([med("sertraline", *now)], [med("sertraline", *before)])
    assert result.dose_changes == ()


@pytest.mark.parametrize(
    ("now", "before"),
    [
        ((None, "once a day"), ("50 mg", "once a day")),
        (("50 mg", None), ("50 mg", "once a day")),
        (("50 mg", "once a day"), (None, None)),
    ],
)
def test_a_dose_or_schedule_given_only_once_is_not_a_change(
    now: tuple[str | None, str | None], before: tuple[str | None, str | None]
) -> None:
    result = same_meds([med("sertraline", *now)], [med("sertraline", *before)])
    assert result.dose_changes == ()


def test_taking_a_different_dose_than_prescribed_is_a_dose_change() -> None:
    result = same_meds(
        [med("sertraline", status="different", current_dose="25 mg")], [med("sertraline")]
    )
    assert result.dose_changes == (
        DoseChange(
            "sertraline",
            "50 mg once a day",
            "25 mg, not as prescribed (prescribed: 50 mg once a day)",
        ),
    )


def test_a_different_dose_without_the_dose_taken_is_no_change() -> None:
    result = same_meds([med("sertraline", status="different")], [med("sertraline")])
    assert result.dose_changes == ()


def test_the_same_different_dose_as_last_time_is_no_change() -> None:
    different = med("sertraline", status="different", current_dose="25 mg")
    assert same_meds([different], [different]).dose_changes == ()
    written_otherwise = med("sertraline", status="different", current_dose="25mg")
    assert same_meds([written_otherwise], [different]).dose_changes == ()


def test_a_new_different_dose_since_last_time_is_a_change() -> None:
    result = same_meds(
        [med("sertraline", status="different", current_dose="75 mg")],
        [med("sertraline", status="different", current_dose="25 mg")],
    )
    assert result.dose_changes == (
        DoseChange(
            "sertraline",
            "25 mg, not as prescribed (prescribed: 50 mg once a day)",
            "75 mg, not as prescribed (prescribed: 50 mg once a day)",
        ),
    )


def test_back_to_the_prescribed_dose_is_not_a_dose_change_by_these_rules() -> None:
    result = same_meds(
        [med("sertraline")], [med("sertraline", status="different", current_dose="25 mg")]
    )
    assert result.dose_changes == ()


def test_a_medicine_listed_twice_is_compared_as_a_whole() -> None:
    before = [med("lithium", "300 mg"), med("Lithobid", "150 mg")]
    assert (
        same_meds([med("lithium", "150 mg"), med("lithium", "300 mg")], before).dose_changes == ()
    )
    result = same_meds([med("lithium", "300 mg"), med("lithium", "300 mg")], before)
    assert result.dose_changes == (
        DoseChange(
            "lithium",
            "300 mg once a day + 150 mg once a day",
            "300 mg once a day + 300 mg once a day",
        ),
    )


def test_a_started_or_stopped_medicine_has_no_dose_change() -> None:
    result = same_meds([med("Lamictal", "25 mg")], [med("sertraline", "50 mg")])
    assert result.dose_changes == ()


def test_dose_words() -> None:
    [full] = intake(meds=[med("sertraline")]).medications
    [dose_only] = intake(meds=[med("sertraline", "50 mg", None)]).medications
    [schedule_only] = intake(meds=[med("sertraline", None, "at bedtime")]).medications
    [neither] = intake(meds=[med("sertraline", None, None)]).medications
    assert dose_words(full) == "50 mg once a day"
    assert dose_words(dose_only) == "50 mg (schedule not given)"
    assert dose_words(schedule_only) == "at bedtime (dose not given)"
    assert dose_words(neither) == "dose not given"


# --- side effects ---------------------------------------------------------------------------------


def test_new_and_resolved_side_effects() -> None:
    result = changes(
        intake(side_effects=["nausea", "headache"]),
        intake(EARLIER, side_effects=["headache", "tremor"]),
    )
    assert result.side_effects_new == ("nausea or upset stomach",)
    assert result.side_effects_resolved == ("shaking or tremor",)
    assert result.anything


def test_side_effects_against_none_last_time_or_now() -> None:
    result = changes(intake(side_effects=["dizzy"]), intake(EARLIER))
    assert (result.side_effects_new, result.side_effects_resolved) == (("dizziness",), ())
    result = changes(intake(), intake(EARLIER, side_effects=["dizzy"]))
    assert (result.side_effects_new, result.side_effects_resolved) == ((), ("dizziness",))


def test_the_patients_own_side_effect_is_compared_normalised() -> None:
    result = changes(
        intake(side_effects=["other"], other_side_effect="Vivid  DREAMS"),
        intake(EARLIER, side_effects=["other"], other_side_effect="vivid dreams"),
    )
    assert result.side_effects_new == result.side_effects_resolved == ()
    result = changes(
        intake(side_effects=["other"], other_side_effect="jaw clenching"),
        intake(EARLIER, side_effects=["other"], other_side_effect="vivid dreams"),
    )
    assert result.side_effects_new == ("“jaw clenching”",)
    assert result.side_effects_resolved == ("“vivid dreams”",)


def test_an_unanswered_checklist_makes_no_side_effect_changes() -> None:
    unanswered = answers()
    del unanswered["se.checklist"]
    current = compile_intake(unanswered, intake_id=2, patient_name="Alex")
    result = changes(current, intake(EARLIER, side_effects=["nausea"]))
    assert result.side_effects_new == result.side_effects_resolved == ()


# --- stressors ------------------------------------------------------------------------------------


def test_stressors_bothering_now_that_did_not_before() -> None:
    result = changes(
        intake(stress={"money": "a_lot", "work": "a_little", "family": "a_lot", "legal": "a_lot"}),
        intake(EARLIER, stress={"family": "a_little", "legal": None, "work": "not_at_all"}),
    )
    # money and work were "not at all", legal was not answered; family was already a bother
    assert result.stressors_new == ("Work or school", "Money", "Legal problems")
    assert result.anything


def test_a_stressor_that_eased_or_stayed_is_not_new() -> None:
    result = changes(
        intake(stress={"money": "a_little", "housing": "not_at_all"}),
        intake(EARLIER, stress={"money": "a_lot", "housing": "a_lot"}),
    )
    assert result.stressors_new == ()


def test_a_stressor_not_answered_now_is_not_new() -> None:
    result = changes(intake(stress={"money": None}), intake(EARLIER, stress={"money": None}))
    assert result.stressors_new == ()


# --- everything at once ---------------------------------------------------------------------------


def test_a_returning_patient_with_several_changes() -> None:
    baseline = intake(datetime(2025, 12, 1, tzinfo=UTC), phq9=phq9_total(18))
    previous = intake(
        EARLIER,
        meds=[med("Zoloft", "50 mg"), med("trazodone", "50 mg", "at bedtime")],
        phq9=phq9_total(14),
        gad7=gad7_total(9),
        side_effects=["insomnia"],
    )
    current = intake(
        meds=[
            med("sertraline", "100mg"),
            med("trazodone", "50 mg", "at bedtime", status="stopped"),
            med("hydroxyzine", "25 mg", "as needed"),
        ],
        phq9=phq9_total(8),
        gad7=gad7_total(6),
        side_effects=["nausea"],
        stress={"housing": "a_lot"},
    )
    result = changes(current, previous, baseline)
    phq9, gad7 = result.scores
    assert (phq9.previous, phq9.current, phq9.baseline, phq9.delta) == (14, 8, 18, -6)
    assert (phq9.meaningful, phq9.response, phq9.remission) == (True, True, False)
    assert (gad7.delta, gad7.meaningful) == (-3, False)
    assert result.medications_started == ("hydroxyzine",)
    assert result.medications_stopped == ("trazodone",)
    assert result.dose_changes == (
        DoseChange("sertraline", "50 mg once a day", "100mg once a day"),
    )
    assert result.side_effects_new == ("nausea or upset stomach",)
    assert result.side_effects_resolved == ("trouble sleeping",)
    assert result.stressors_new == ("Housing",)
    assert result.previous_submitted_at == EARLIER
    # "response" is judged against the first intake, not the last: which one is said
    assert (result.baseline_intake_id, result.baseline_submitted_at) == (
        baseline.intake_id,
        datetime(2025, 12, 1, tzinfo=UTC),
    )
