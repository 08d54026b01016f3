"""Typed answers into values: options, multi-selects, numbers, medication lines, frequencies."""

import dataclasses

# Lets `.venv/bin/pytest` import `flows` before the project is installed into the venv.
import pytest

from flows.options import Option
from flows.parsing import (
    FREQUENCIES,
    FREQUENCY_OPTIONS,
    MedicationLine,
    match_option,
    match_options,
    normalise,
    parse_frequency,
    parse_medication_line,
    parse_number,
)

PHQ = (
    Option("0", "Not at all"),
    Option("1", "Several days"),
    Option("2", "More than half the days"),
    Option("3", "Nearly every day"),
)
SIDE_EFFECTS = (
    Option("nausea", "Nausea or upset stomach", aliases=("nausea",)),
    Option("sleepy", "Sleepiness", aliases=("drowsy", "sleepy")),
    Option("weight", "Weight or appetite change", aliases=("weight", "appetite")),
    Option("dizzy", "Dizziness", aliases=("dizzy",)),
    Option("headache", "Headache"),
    Option("dry_mouth", "Dry mouth"),
    Option("none", "None of these", aliases=("none",), exclusive=True),
)
UNSURE = Option("unsure", "Not sure", aliases=("don't know", "idk"))


# --- normalise ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Several   Days  ", "several days"),
        ("Several days.", "several days"),
        ("«Several days»!!", "several days"),
        ("✅ Several days 👍", "several days"),
        ("Don’t know", "don't know"),
        ("DON‘T KNOW", "don't know"),
        ("line one\nline two", "line one line two"),
        ("#2", "2"),
        ("2)", "2"),
        ("...", ""),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- match_option ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", "1"),
        ("2.", "1"),
        ("#2", "1"),
        ("2)", "1"),
        ("(2)", "1"),
        (" 4 ", "3"),
        ("option 3", "2"),
        ("2️⃣", "1"),
        ("Several days", "1"),
        ("several days", "1"),
        ("SEVERAL DAYS!", "1"),
        ("✅ Several days", "1"),
        ("2. Several days", "1"),
        ("not at all", "0"),
        ("sev", "1"),
        ("Nearly", "3"),
        ("more than half", "2"),
        ("half", "2"),
        ("every day", "3"),
    ],
)
def test_match_option_reads_numbers_labels_prefixes_and_parts(text: str, value: str) -> None:
    option = match_option(text, PHQ)
    assert option is not None
    assert option.value == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0",  # numbers shown are 1-based
        "5",
        "days",  # in two labels
        "se",  # prefix too short
        "all",  # part too short to trust
        "1. Several days",  # number and label disagree
        "several or nearly every day",
        "sometimes",
        "😀",
    ],
)
def test_match_option_never_guesses(text: str) -> None:
    assert match_option(text, PHQ) is None


def test_match_option_reads_aliases_with_any_apostrophe() -> None:
    options = (*PHQ, UNSURE)
    assert match_option("don’t know", options) is UNSURE
    assert match_option("dont know", options) is UNSURE
    assert match_option("IDK", options) is UNSURE


def test_match_option_does_not_take_prefixes_or_parts_of_aliases() -> None:
    options = (Option("a", "Alpha", aliases=("first choice",)), Option("b", "Beta"))
    assert match_option("first", options) is None
    assert match_option("first choice", options) is options[0]


def test_a_number_that_is_also_another_options_label_is_ambiguous() -> None:
    days = tuple(Option(str(n), str(n)) for n in range(8))
    assert match_option("2", days) is None  # second option ("1") or the label "2"?
    assert match_option("0", days) is days[0]  # only the label fits


def test_match_option_with_no_options() -> None:
    assert match_option("1", ()) is None


# --- match_options -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1, 3", ["nausea", "weight"]),
        ("1,3", ["nausea", "weight"]),
        ("1 3", ["nausea", "weight"]),
        ("3 and 1", ["nausea", "weight"]),
        ("nausea and headache", ["nausea", "headache"]),
        ("headache and nausea", ["nausea", "headache"]),
        ("nausea, dry mouth", ["nausea", "dry_mouth"]),
        ("Nausea; Dry mouth; DIZZY", ["nausea", "dizzy", "dry_mouth"]),
        ("weight or appetite change, headache", ["weight", "headache"]),
        ("sleepy or dizzy", ["sleepy", "dizzy"]),
        ("headache, and nausea", ["nausea", "headache"]),
        ("nausea, nausea", ["nausea"]),
        ("dry mouth", ["dry_mouth"]),
        ("none", ["none"]),
        ("None of these", ["none"]),
        ("nothing", ["none"]),
        ("7", ["none"]),
    ],
)
def test_match_options(text: str, values: list[str]) -> None:
    chosen = match_options(text, SIDE_EFFECTS)
    assert chosen is not None
    assert [option.value for option in chosen] == values


@pytest.mark.parametrize(
    "text",
    [
        "",
        ", ,",
        "nausea, ringing ears",
        "1, 9",
        "nausea and something",
        "none, nausea",  # an exclusive option cannot go with others
        "1 and 7",
    ],
)
def test_match_options_is_none_when_any_part_is_not_understood(text: str) -> None:
    assert match_options(text, SIDE_EFFECTS) is None


def test_match_options_returns_the_option_objects() -> None:
    chosen = match_options("2, 1", SIDE_EFFECTS)
    assert chosen == [SIDE_EFFECTS[0], SIDE_EFFECTS[1]]


def test_none_words_need_exactly_one_exclusive_option() -> None:
    assert match_options("nothing", PHQ) is None


# --- parse_number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7.0),
        ("7.5", 7.5),
        ("7,5", 7.5),
        (".5", 0.5),
        ("about 6", 6.0),
        ("around 6 hrs", 6.0),
        ("6 hours", 6.0),
        ("6h", 6.0),
        ("six", 6.0),
        ("Six hours", 6.0),
        ("twenty-four", 24.0),
        ("twenty four", 24.0),
        ("zero", 0.0),
        ("6-7", 6.5),
        ("6 – 7", 6.5),
        ("6 to 7", 6.5),
        ("six or seven", 6.5),
        ("between 6 and 8", 7.0),
        ("6 and a half", 6.5),
        ("none", 0.0),
        ("no", 0.0),
        ("never", 0.0),
        ("0", 0.0),
        ("24", 24.0),
    ],
)
def test_parse_number(text: str, expected: float) -> None:
    value = parse_number(text, 0, 24)
    assert value == expected
    assert isinstance(value, float)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), ("three", 3), ("3 days", 3), ("twice", 2), ("once", 1), ("2-4", 3), ("7.0", 7),
     ("none", 0), ("0", 0)],
)
def test_parse_number_integer(text: str, expected: int) -> None:
    value = parse_number(text, 0, 7, integer=True)
    assert value == expected
    assert isinstance(value, int)


@pytest.mark.parametrize(
    "text",
    ["7.5", "6-7", "once or twice", "2 or 3"],
)
def test_parse_number_integer_does_not_round_a_guess(text: str) -> None:
    assert parse_number(text, 0, 7, integer=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lots",
        "a few",
        "I don't know",
        "25",
        "-3",
        "6-30",  # one end out of range
        "6 hours, 4 on weekends",
        "6 and 7",
        "6:30",
        "1e5",
    ],
)
def test_parse_number_none(text: str) -> None:
    assert parse_number(text, 0, 24) is None


def test_zero_words_only_when_zero_is_allowed() -> None:
    assert parse_number("none", 1, 10) is None
    assert parse_number("no", 1, 10) is None


def test_parse_number_bounds_are_inclusive() -> None:
    assert parse_number("1", 1, 10) == 1.0
    assert parse_number("10", 1, 10) == 10.0
    assert parse_number("0.9", 1, 10) is None


# --- parse_medication_line ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "dose", "frequency"),
    [
        ("sertraline 50 mg once a day", "sertraline", "50 mg", "once a day"),
        ("Lamictal 100mg BID", "Lamictal", "100 mg", "twice a day"),
        ("lithium carbonate 300 mg three times daily", "lithium carbonate", "300 mg",
         "three times a day"),
        ("quetiapine 25mg at bedtime", "quetiapine", "25 mg", "at bedtime"),
        ("quetiapine 25 mg qhs", "quetiapine", "25 mg", "at bedtime"),
        ("lorazepam 0.5 mg PRN", "lorazepam", "0.5 mg", "as needed"),
        ("lorazepam 0,5mg as needed", "lorazepam", "0.5 mg", "as needed"),
        ("hydroxyzine .5 mg p.r.n.", "hydroxyzine", "0.5 mg", "as needed"),
        ("bupropion XL 150 mg every morning", "bupropion XL", "150 mg", "every morning"),
        ("fluoxetine 20", "fluoxetine", "20", None),
        ("sertraline", "sertraline", None, None),
        ("  Sertraline  ", "Sertraline", None, None),
        ("Zoloft 50 MG QD", "Zoloft", "50 mg", "once a day"),
        ("escitalopram 10mg od", "escitalopram", "10 mg", "once a day"),
        ("escitalopram 10 mg daily", "escitalopram", "10 mg", "once a day"),
        ("escitalopram 10 mg once daily", "escitalopram", "10 mg", "once a day"),
        ("clonidine 0.1 mg b.i.d.", "clonidine", "0.1 mg", "twice a day"),
        ("clonidine 0.1 mg twice daily", "clonidine", "0.1 mg", "twice a day"),
        ("gabapentin 300 mg tid", "gabapentin", "300 mg", "three times a day"),
        ("gabapentin 300 mg QID", "gabapentin", "300 mg", "four times a day"),
        ("levothyroxine 50 mcg qam", "levothyroxine", "50 mcg", "every morning"),
        ("levothyroxine 50µg every morning", "levothyroxine", "50 mcg", "every morning"),
        ("levothyroxine 50 μg", "levothyroxine", "50 mcg", None),
        ("trazodone 50 mg qpm", "trazodone", "50 mg", "every evening"),
        ("methotrexate 2.5 g weekly", "methotrexate", "2.5 g", "once a week"),
        ("aripiprazole 300 mg once a week", "aripiprazole", "300 mg", "once a week"),
        ("liquid lithium 5 ml every other day", "liquid lithium", "5 mL", "every other day"),
        ("insulin 10 units nightly", "insulin", "10 units", "at bedtime"),
        ("Abilify 2 tablets twice a day", "Abilify", "2 tablets", "twice a day"),
        ("Abilify 1 tab daily", "Abilify", "1 tablet", "once a day"),
        ("melatonin 2 pills at night", "melatonin", "2 pills", "at bedtime"),
        ("Vitamin D3 2000 units daily", "Vitamin D3", "2000 units", "once a day"),
        ("I take Zoloft 50mg every day", "Zoloft", "50 mg", "once a day"),
        ("sertraline 50 mg once daily in the morning", "sertraline", "50 mg", "every morning"),
        ("sertraline, 50 mg, 2x/day", "sertraline", "50 mg", "twice a day"),
        ("sertraline 50 mg twice a day", "sertraline", "50 mg", "twice a day"),
        ("Seroquel ½ tab at bedtime", "Seroquel", "1/2 tablet", "at bedtime"),
    ],
)
def test_parse_medication_line(
    text: str, name: str, dose: str | None, frequency: str | None
) -> None:
    assert parse_medication_line(text) == MedicationLine(name, dose, frequency, text.strip())


@pytest.mark.parametrize("text", ["", "   ", "123", "50", "--", "50 mg", "twice a day"])
def test_parse_medication_line_none_without_a_name(text: str) -> None:
    assert parse_medication_line(text) is None


def test_as_needed_with_its_purpose_is_read() -> None:
    line = parse_medication_line("prazosin 1 mg as needed for nightmares")
    assert line == MedicationLine(
        "prazosin", "1 mg", "as needed", "prazosin 1 mg as needed for nightmares",
        purpose="for nightmares",
    )
    assert line.schedule == "as needed for nightmares"


def test_a_time_of_day_and_as_needed_are_both_read() -> None:
    line = parse_medication_line("trazodone 50 mg at bedtime as needed")
    assert line == MedicationLine(
        "trazodone", "50 mg", "at bedtime", "trazodone 50 mg at bedtime as needed",
        and_as_needed=True,
    )
    assert line.schedule == "at bedtime, as needed"
    assert line.fully_read


def test_two_different_frequencies_leave_the_frequency_open_and_keep_the_words() -> None:
    line = parse_medication_line("quetiapine 25 mg twice a day at bedtime")
    assert line is not None
    assert (line.name, line.dose, line.frequency) == ("quetiapine", "25 mg", None)
    assert line.note is not None and "twice a day" in line.note and "at bedtime" in line.note
    assert not line.fully_read


def test_medication_line_is_immutable() -> None:
    line = parse_medication_line("sertraline 50 mg")
    assert line is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.name = "other"  # type: ignore[misc]


# --- frequencies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("once a day", "once a day"),
        ("Once daily", "once a day"),
        ("QD", "once a day"),
        ("bid", "twice a day"),
        ("B.I.D.", "twice a day"),
        ("twice-a-day", "twice a day"),
        ("2 times a day", "twice a day"),
        ("2x daily", "twice a day"),
        ("morning and night", "twice a day"),
        ("every morning and night", "twice a day"),
        ("three times daily", "three times a day"),
        ("TID", "three times a day"),
        ("qid", "four times a day"),
        ("at bedtime", "at bedtime"),
        ("qhs", "at bedtime"),
        ("at night", "at bedtime"),
        ("every morning", "every morning"),
        ("qam", "every morning"),
        ("qpm", "every evening"),
        ("weekly", "once a week"),
        ("once a week", "once a week"),
        ("every other day", "every other day"),
        ("PRN", "as needed"),
        ("as needed", "as needed"),
        ("I take it 3x a day", "three times a day"),
    ],
)
def test_parse_frequency(text: str, expected: str) -> None:
    assert parse_frequency(text) == expected


@pytest.mark.parametrize(
    "text", ["", "whenever", "sometimes", "twice a day or as needed", "day", "bidding"]
)
def test_parse_frequency_none(text: str) -> None:
    assert parse_frequency(text) is None


def test_frequency_options_are_the_standard_choices() -> None:
    assert [option.label for option in FREQUENCY_OPTIONS] == [
        "Once a day", "Twice a day", "Three times a day", "At bedtime", "Every morning",
        "Once a week", "As needed",
    ]


@pytest.mark.parametrize("option", FREQUENCY_OPTIONS, ids=lambda option: option.value)
def test_frequency_option_values_are_what_parse_frequency_returns(option: Option) -> None:
    assert option.value in FREQUENCIES
    assert parse_frequency(option.label) == option.value
    assert all(parse_frequency(alias) == option.value for alias in option.aliases)


@pytest.mark.parametrize(
    ("text", "value"),
    [("2", "twice a day"), ("bid", "twice a day"), ("Twice daily", "twice a day"),
     ("qhs", "at bedtime"), ("prn", "as needed"), ("week", "once a week"), ("7", "as needed")],
)
def test_frequency_options_work_with_match_option(text: str, value: str) -> None:
    option = match_option(text, FREQUENCY_OPTIONS)
    assert option is not None
    assert option.value == value


def test_frequency_option_aliases_do_not_clash() -> None:
    names = [
        normalise(name)
        for option in FREQUENCY_OPTIONS
        for name in (option.label, *option.aliases)
    ]
    assert len(names) == len(set(names))


# --- robustness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["\x00", "💊💊💊", "1/0 mg", "3/0 tab", "9" * 400, "mg " * 500, "-", "/", "., ;", "µ"],
)
def test_odd_input_never_raises(text: str) -> None:
    assert match_option(text, PHQ) is None or match_option(text, PHQ) in PHQ
    assert match_options(text, SIDE_EFFECTS) is None or match_options(text, SIDE_EFFECTS)
    assert parse_number(text, 0, 24) is None or 0 <= parse_number(text, 0, 24) <= 24
    line = parse_medication_line(text)
    assert line is None or line.raw == text.strip()
    assert parse_frequency(text) is None or parse_frequency(text) in FREQUENCIES
