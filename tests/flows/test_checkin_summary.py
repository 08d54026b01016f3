"""Check-ins in figures (flows.checkin_summary): counts, mood, direction, sleep, side effects,
notes, and the record a completed check-in's answers make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flows.checkin_questions import ENERGY, MOOD, NOTE, SIDE_EFFECTS, SIDE_EFFECTS_OTHER, SLEEP
from flows.checkin_summary import mood_direction, records_from_answers, summarise_checkins
from flows.report import CheckinRecord, CheckinSummary

START = datetime(2025, 3, 1, 8, tzinfo=UTC)


def record(
    day: int,
    mood: int | None = 5,
    *,
    sleep: float | None = None,
    energy: str | None = None,
    side_effects: tuple[str, ...] = (),
    note: str | None = None,
    late: bool = False,
) -> CheckinRecord:
    return CheckinRecord(
        at=START + timedelta(days=day),
        mood=mood,
        sleep_hours=sleep,
        energy=energy,
        side_effects=side_effects,
        note=note,
        late=late,
    )


def moods(*values: int | None) -> list[CheckinRecord]:
    return [record(day, mood) for day, mood in enumerate(values)]


# --- counts and mood figures ------------------------------------------------------------


def test_no_check_ins_gives_counts_and_nothing_else() -> None:
    assert summarise_checkins([], missed=3) == CheckinSummary(
        count=0,
        late=0,
        missed=3,
        mood_average=None,
        mood_lowest=None,
        mood_highest=None,
        mood_direction=None,
        sleep_average=None,
        side_effects=(),
        notes=(),
    )


def test_counts_late_and_missed() -> None:
    records = [record(0, late=True), record(1), record(2, late=True)]
    summary = summarise_checkins(records, missed=2)
    assert (summary.count, summary.late, summary.missed) == (3, 2, 2)


def test_mood_average_is_not_rounded_and_lowest_highest_are_the_extremes() -> None:
    summary = summarise_checkins(moods(7, 8, 8), missed=0)
    assert summary.mood_average == pytest.approx(23 / 3)
    assert summary.mood_average != round(23 / 3, 1)
    assert (summary.mood_lowest, summary.mood_highest) == (7, 8)


def test_missing_moods_are_left_out_of_the_mood_figures_but_counted_as_check_ins() -> None:
    summary = summarise_checkins(moods(None, 2, None, 6, 10), missed=0)
    assert summary.count == 5
    assert summary.mood_average == 6.0
    assert (summary.mood_lowest, summary.mood_highest) == (2, 10)
    assert summary.mood_direction is None  # only three check-ins have a mood


def test_no_moods_at_all() -> None:
    summary = summarise_checkins(moods(None, None, None, None), missed=0)
    assert summary.mood_average is None and summary.mood_lowest is None
    assert summary.mood_highest is None and summary.mood_direction is None


def test_a_zero_mood_counts() -> None:
    summary = summarise_checkins(moods(0, 0, 0, 0), missed=0)
    assert summary.mood_average == 0.0 and summary.mood_lowest == 0
    assert summary.mood_direction == "steady"


# --- direction --------------------------------------------------------------------------


def test_three_check_ins_with_a_mood_are_too_few_and_four_are_enough() -> None:
    assert summarise_checkins(moods(1, 5, 9), missed=0).mood_direction is None
    assert summarise_checkins(moods(1, 5, 9, 9), missed=0).mood_direction == "rising"


def test_a_difference_of_exactly_one_is_rising_or_falling() -> None:
    assert mood_direction([5, 5, 6, 6]) == "rising"
    assert mood_direction([6, 6, 5, 5]) == "falling"
    assert mood_direction([5, 6, 6, 6]) == "steady"  # 5.5 -> 6.0
    assert mood_direction([6, 6, 6, 5]) == "steady"


def test_exactly_one_is_not_lost_to_floating_point() -> None:
    # 8/3 - 5/3 in floating point is 0.9999999999999998.
    assert 8 / 3 - 5 / 3 < 1.0
    assert mood_direction([0, 0, 5, 0, 0, 8]) == "rising"
    assert mood_direction([0, 0, 8, 0, 0, 5]) == "falling"


def test_with_an_odd_count_the_middle_check_in_belongs_to_neither_half() -> None:
    # Earlier half (3, 3) and later half (4, 4): the middle 0 or 10 changes nothing.
    assert mood_direction([3, 3, 0, 4, 4]) == "rising"
    assert mood_direction([3, 3, 10, 4, 4]) == "rising"
    assert mood_direction([4, 4, 10, 3, 3]) == "falling"
    assert mood_direction([3, 3, 10, 3, 3]) == "steady"


def test_direction_follows_time_not_the_order_given() -> None:
    records = [record(3, 8), record(0, 2), record(2, 8), record(1, 2)]
    assert summarise_checkins(records, missed=0).mood_direction == "rising"
    assert summarise_checkins(list(reversed(records)), missed=0).mood_direction == "rising"


def test_direction_uses_only_check_ins_with_a_mood() -> None:
    # Moods in time order: 2, 2, 6, 6 (the None is skipped, not a middle).
    records = moods(2, None, 2, 6, 6)
    assert summarise_checkins(records, missed=0).mood_direction == "rising"


# --- sleep, side effects, notes ---------------------------------------------------------


def test_sleep_average_over_the_check_ins_that_gave_hours() -> None:
    records = [record(0, sleep=6.5), record(1), record(2, sleep=8.0), record(3, sleep=0.0)]
    assert summarise_checkins(records, missed=0).sleep_average == pytest.approx(14.5 / 3)
    assert summarise_checkins([record(0)], missed=0).sleep_average is None


def test_side_effects_counted_per_check_in_most_first_ties_by_label() -> None:
    records = [
        record(0, side_effects=("Headache", "Dizziness")),
        record(1, side_effects=("Headache",)),
        record(2, side_effects=()),
        record(3, side_effects=("Nausea or upset stomach", "Dizziness", "Dizziness")),
        record(4, side_effects=("“jaw clenching”",)),
    ]
    assert summarise_checkins(records, missed=0).side_effects == (
        ("Dizziness", 2),
        ("Headache", 2),
        ("Nausea or upset stomach", 1),
        ("“jaw clenching”", 1),
    )


def test_notes_are_verbatim_and_oldest_first() -> None:
    records = [
        record(2, note="  Second,  spaced as typed "),
        record(0, note="First"),
        record(1, note=None),
        record(3, note="   "),
    ]
    assert summarise_checkins(records, missed=0).notes == (
        (START, "First"),
        (START + timedelta(days=2), "  Second,  spaced as typed "),
    )


# --- records from answers ---------------------------------------------------------------

AT = datetime(2025, 3, 9, 20, 15, tzinfo=UTC)


def test_a_full_record() -> None:
    answers: dict[str, Any] = {
        MOOD: 7,
        SLEEP: 6.5,
        ENERGY: "low",
        SIDE_EFFECTS: ["nausea", "dry_mouth"],
        NOTE: "Better than last week",
    }
    assert records_from_answers(AT, answers, late=False) == CheckinRecord(
        at=AT,
        mood=7,
        sleep_hours=6.5,
        energy="low",
        side_effects=("Nausea or upset stomach", "Dry mouth"),
        note="Better than last week",
        late=False,
    )


def test_none_of_these_is_no_side_effects() -> None:
    record_ = records_from_answers(AT, {SIDE_EFFECTS: ["none"]}, late=True)
    assert record_.side_effects == () and record_.late


def test_other_is_the_patients_words_in_quotes_in_checklist_order() -> None:
    answers = {SIDE_EFFECTS: ["other", "tremor"], SIDE_EFFECTS_OTHER: " jaw clenching "}
    assert records_from_answers(AT, answers, late=False).side_effects == (
        "Shaking or tremor",
        "“jaw clenching”",
    )


def test_other_without_words_keeps_its_label() -> None:
    answers = {SIDE_EFFECTS: ["other"], SIDE_EFFECTS_OTHER: None}
    assert records_from_answers(AT, answers, late=False).side_effects == ("Something else",)


def test_other_words_left_from_an_earlier_answer_are_ignored_when_other_is_unticked() -> None:
    answers = {SIDE_EFFECTS: ["headache"], SIDE_EFFECTS_OTHER: "rash"}
    assert records_from_answers(AT, answers, late=False).side_effects == ("Headache",)


def test_skipped_and_missing_answers_are_none() -> None:
    answers = {MOOD: None, SLEEP: None, ENERGY: None, NOTE: None}
    assert records_from_answers(AT, answers, late=False) == CheckinRecord(
        at=AT, mood=None, sleep_hours=None, energy=None, side_effects=(), note=None
    )
    assert records_from_answers(AT, {}, late=False).mood is None


def test_nothing_to_add_is_no_note_and_a_note_is_kept_as_typed() -> None:
    assert records_from_answers(AT, {NOTE: {"choice": "none"}}, late=False).note is None
    assert records_from_answers(AT, {NOTE: "  as typed  "}, late=False).note == "  as typed  "


def test_whole_hours_and_a_json_float_mood_come_back_as_numbers() -> None:
    # JSON storage may hand back 7.0 for 7 and 8 for 8.0.
    record_ = records_from_answers(AT, {MOOD: 7.0, SLEEP: 8}, late=False)
    assert record_.mood == 7 and isinstance(record_.mood, int)
    assert record_.sleep_hours == 8.0 and isinstance(record_.sleep_hours, float)


def test_records_feed_the_summary() -> None:
    records = [
        records_from_answers(AT + timedelta(days=n), {MOOD: n + 3, SIDE_EFFECTS: ["none"]}, False)
        for n in range(4)
    ]
    summary = summarise_checkins(records, missed=1)
    assert summary.count == 4 and summary.mood_average == 4.5
    assert summary.mood_direction == "rising"  # 3, 4 -> 5, 6
    assert summary.side_effects == ()
