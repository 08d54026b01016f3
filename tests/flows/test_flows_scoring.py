"""PHQ-9 and GAD-7: wording and codes from the clinical reference, totals, and severity bands."""

from __future__ import annotations

import pytest
from flow_driver import Driver

from flows.compiled import compile_intake
from flows.instruments import (
    ANSWER_OPTIONS,
    GAD7,
    LICENCE_LINE,
    LOINC_ANSWER_CODES,
    PHQ9,
    PHQ9_FUNCTION_LOINC,
    PHQ9_FUNCTION_OPTIONS,
    PHQ9_FUNCTION_QUESTION,
    Instrument,
    score,
)


def items_summing_to(instrument: Instrument, total: int) -> dict[int, int]:
    """Item scores (0–3) adding up to `total`: as many 3s as fit, then the remainder."""
    scores = {}
    left = total
    for item in instrument.items:
        scores[item.number] = min(3, left)
        left -= scores[item.number]
    assert left == 0, f"{total} does not fit {instrument.name}"
    return scores


PHQ9_BOUNDARIES = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "moderately severe"),
    (19, "moderately severe"),
    (20, "severe"),
    (27, "severe"),
]
GAD7_BOUNDARIES = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "severe"),
    (21, "severe"),
]


# --- bands at every boundary ------------------------------------------------------------


@pytest.mark.parametrize(("total", "band"), PHQ9_BOUNDARIES)
def test_phq9_band_at_each_boundary(total: int, band: str) -> None:
    result = score(PHQ9, items_summing_to(PHQ9, total))
    assert result.total == total
    assert result.complete and result.answered == 9
    assert result.band == band
    assert PHQ9.band_for(total) == band


@pytest.mark.parametrize(("total", "band"), GAD7_BOUNDARIES)
def test_gad7_band_at_each_boundary(total: int, band: str) -> None:
    result = score(GAD7, items_summing_to(GAD7, total))
    assert result.total == total
    assert result.complete and result.answered == 7
    assert result.band == band
    assert GAD7.band_for(total) == band


def test_every_phq9_total_has_exactly_one_band() -> None:
    for total in range(PHQ9.max_total + 1):
        assert sum(b.low <= total <= b.high for b in PHQ9.bands) == 1, total
    assert PHQ9.max_total == 27


def test_every_gad7_total_has_exactly_one_band() -> None:
    for total in range(GAD7.max_total + 1):
        assert sum(b.low <= total <= b.high for b in GAD7.bands) == 1, total
    assert GAD7.max_total == 21


@pytest.mark.parametrize(("instrument", "total"), [(PHQ9, -1), (PHQ9, 28), (GAD7, -1), (GAD7, 22)])
def test_a_total_outside_the_range_has_no_band(instrument: Instrument, total: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        instrument.band_for(total)


def test_the_total_is_the_sum_of_the_items() -> None:
    result = score(PHQ9, {1: 3, 2: 0, 3: 1, 4: 2, 5: 0, 6: 1, 7: 3, 8: 0, 9: 2})
    assert result.total == 12
    assert result.item_scores == (3, 0, 1, 2, 0, 1, 3, 0, 2)
    assert result.band == "moderate"


# --- incomplete and invalid ---------------------------------------------------------------


def test_an_incomplete_phq9_has_a_partial_total_and_no_band() -> None:
    items = items_summing_to(PHQ9, 20)
    items[9] = None  # type: ignore[assignment]
    result = score(PHQ9, items)
    assert not result.complete
    assert result.answered == 8
    assert result.total == 20
    assert result.band is None
    assert result.item_scores[8] is None


def test_an_incomplete_gad7_has_no_band() -> None:
    result = score(GAD7, {1: 3, 2: 3, 3: 3})
    assert (result.total, result.answered, result.complete, result.band) == (9, 3, False, None)


def test_nothing_answered_is_total_zero_without_a_band() -> None:
    result = score(PHQ9, {})
    assert (result.total, result.answered, result.band) == (0, 0, None)
    assert result.item_scores == (None,) * 9


@pytest.mark.parametrize("value", [-1, 4, 10])
@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_an_item_outside_0_to_3_raises(instrument: Instrument, value: int) -> None:
    items = dict.fromkeys(range(1, len(instrument.items) + 1), 0)
    items[2] = value
    with pytest.raises(ValueError, match="not 0–3"):
        score(instrument, items)


def test_items_that_are_not_in_the_instrument_are_ignored() -> None:
    result = score(GAD7, {**items_summing_to(GAD7, 5), 8: 3, 9: 3})
    assert result.total == 5 and result.answered == 7


# --- wording and codes from the clinical reference ------------------------------------------


def test_answer_options_and_loinc_answer_codes() -> None:
    assert [(o.value, o.label) for o in ANSWER_OPTIONS] == [
        ("0", "Not at all"),
        ("1", "Several days"),
        ("2", "More than half the days"),
        ("3", "Nearly every day"),
    ]
    assert LOINC_ANSWER_CODES == {
        "0": "LA6568-5",
        "1": "LA6569-3",
        "2": "LA6570-1",
        "3": "LA6571-9",
    }


def test_phq9_items_stem_and_codes() -> None:
    assert PHQ9.stem == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert [(i.number, i.loinc) for i in PHQ9.items] == [
        (1, "44250-9"),
        (2, "44255-8"),
        (3, "44259-0"),
        (4, "44254-1"),
        (5, "44251-7"),
        (6, "44258-2"),
        (7, "44252-5"),
        (8, "44253-3"),
        (9, "44260-8"),
    ]
    assert PHQ9.items[0].text == "Little interest or pleasure in doing things"
    assert PHQ9.items[8].text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert (PHQ9.panel_loinc, PHQ9.total_loinc) == ("44249-1", "44261-6")


def test_phq9_functional_question() -> None:
    assert PHQ9_FUNCTION_LOINC == "69722-7"
    assert PHQ9_FUNCTION_QUESTION.startswith("If you checked off any problems, how difficult")
    assert [o.label for o in PHQ9_FUNCTION_OPTIONS] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]


def test_gad7_items_stem_and_codes() -> None:
    assert GAD7.stem == (
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    )
    assert [(i.number, i.loinc) for i in GAD7.items] == [
        (1, "69725-0"),
        (2, "68509-9"),
        (3, "69733-4"),
        (4, "69734-2"),
        (5, "69735-9"),
        (6, "69689-8"),
        (7, "69736-7"),
    ]
    assert GAD7.items[6].text == "Feeling afraid, as if something awful might happen"
    assert (GAD7.panel_loinc, GAD7.total_loinc) == ("69737-5", "70274-6")


def test_licence_line_names_the_authors_and_permission() -> None:
    assert "Spitzer" in LICENCE_LINE and "Kroenke" in LICENCE_LINE
    assert "No permission required to reproduce, translate, display or distribute." in LICENCE_LINE


# --- scores from a dialogue -----------------------------------------------------------------


@pytest.mark.parametrize(("total", "band"), PHQ9_BOUNDARIES)
def test_phq9_scored_from_tapped_answers(total: int, band: str) -> None:
    items = items_summing_to(PHQ9, total)
    d = Driver()
    d.consent()
    d.one_medication()
    d.mood(*(items[n] for n in range(1, 10)))
    compiled = compile_intake(d.answers, intake_id=1, patient_name="P")
    assert (compiled.phq9.total, compiled.phq9.band) == (total, band)
    assert compiled.phq9.item_scores == tuple(items[n] for n in range(1, 10))


@pytest.mark.parametrize(("total", "band"), GAD7_BOUNDARIES)
def test_gad7_scored_from_typed_answers(total: int, band: str) -> None:
    items = items_summing_to(GAD7, total)
    d = Driver()
    d.consent()
    d.one_medication()
    d.mood(*(0,) * 9)
    for n in range(1, 8):
        d.type(ANSWER_OPTIONS[items[n]].label)
    assert d.phase == "sleep"
    compiled = compile_intake(d.answers, intake_id=1, patient_name="P")
    assert (compiled.gad7.total, compiled.gad7.band) == (total, band)


def test_a_half_answered_phq9_in_the_dialogue_has_no_band() -> None:
    d = Driver()
    d.consent()
    d.one_medication()
    for _ in range(4):
        d.tap("3")
    d.command("pause")
    compiled = compile_intake(d.answers, intake_id=1, patient_name="P")
    assert (compiled.phq9.total, compiled.phq9.answered, compiled.phq9.band) == (12, 4, None)
    assert compiled.gad7.band is None
