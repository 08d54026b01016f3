"""Real-world medication lines, read as a patient types them at the medication question: the
reading, and that no word reaches the provider's message dropped.

Each line goes the way a typed answer goes (the medication question's parser, the compiled
intake, the provider's summary). The provider's line must hold every word the patient typed:
in the reading itself ("25–50 mg at bedtime, as needed"), as the reading's wording of an
abbreviation or unit it read ("qhs" is "at bedtime", "tabs" is "tablets"), or in the patient's
own words, which are shown exactly when the reading did not use every word.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest

from bot.render.html import to_plain
from bot.render.summary import render_summary
from flows.answers import parse_typed
from flows.compiled import compile_intake
from flows.parsing import parse_medication_line, sentence_kind
from flows.parsing.vocabulary import FREQUENCIES, UNITS
from flows.questions import question_for

GRAMMAR_WORDS = frozenset({"i", "i'm", "im", "m", "on", "take", "taking", "and", "a", "the", "of"})
"""Words that say nothing about the medicine ("I take …", "I'm on …"): they may go unshown."""

WORDS = "patient's words: "

# (typed line, name, dose, how often, other parts read, whether the patient's words are shown)
LINES: list[tuple[str, str, str | None, str | None, tuple[str, ...], bool]] = [
    # brands, generics and misspellings with the usual ways of saying how often
    ("sertraline 50 mg once a day", "sertraline", "50 mg", "once a day", (), False),
    ("Zoloft 100mg daily", "Zoloft", "100 mg", "once a day", (), False),
    ("zoloft 100 mg qd", "zoloft", "100 mg", "once a day", (), False),
    ("Lexapro 10 mg every morning", "Lexapro", "10 mg", "every morning", (), False),
    ("escitalopram 10mg qam", "escitalopram", "10 mg", "every morning", (), False),
    ("escitalopram 5-10mg daily", "escitalopram", "5–10 mg", "once a day", (), False),
    ("fluoxetine 20 mg q.d.", "fluoxetine", "20 mg", "once a day", (), False),
    ("Prozac 40 mg in the morning", "Prozac", "40 mg", "every morning", (), False),
    ("I'm on prozac 20mg daily", "prozac", "20 mg", "once a day", (), False),
    ("I take Wellbutrin XL 300 mg every morning", "Wellbutrin XL", "300 mg", "every morning",
     (), False),
    ("wellbutrin xl 150mgs qam", "wellbutrin xl", "150 mg", "every morning", (), False),
    ("bupropion SR 150 mg b.i.d.", "bupropion SR", "150 mg", "twice a day", (), False),
    ("Cymbalta 60 mg once daily", "Cymbalta", "60 mg", "once a day", (), False),
    ("duloxetine 30mg BID", "duloxetine", "30 mg", "twice a day", (), False),
    ("mirtazapine 15 mg qhs", "mirtazapine", "15 mg", "at bedtime", (), False),
    ("Remeron 7.5 mg at bedtime", "Remeron", "7.5 mg", "at bedtime", (), False),
    ("trazadone 100 mg at night", "trazadone", "100 mg", "at bedtime", (), False),
    ("Seroquel XR 300 mg nightly", "Seroquel XR", "300 mg", "at bedtime", (), False),
    ("abilify 5 mg daily", "abilify", "5 mg", "once a day", (), False),
    ("lithium carbonate 300 mg tid", "lithium carbonate", "300 mg", "three times a day", (),
     False),
    ("depakote 500 mg bid", "depakote", "500 mg", "twice a day", (), False),
    ("Lamotragine 100mg daily", "Lamotragine", "100 mg", "once a day", (), False),
    ("buspar 15mg twice a day", "buspar", "15 mg", "twice a day", (), False),
    ("gabapentin 300 mg tid", "gabapentin", "300 mg", "three times a day", (), False),
    ("adderal 10 mg twice a day", "adderal", "10 mg", "twice a day", (), False),
    ("methylphenidate 18 mg qam", "methylphenidate", "18 mg", "every morning", (), False),
    ("Vyvanse 30mg in the morning", "Vyvanse", "30 mg", "every morning", (), False),
    ("guanfacine 1 mg at bedtime", "guanfacine", "1 mg", "at bedtime", (), False),
    ("clonidine 0.1 mg b.i.d.", "clonidine", "0.1 mg", "twice a day", (), False),
    ("Vitamin D3 2000 units daily", "Vitamin D3", "2000 units", "once a day", (), False),
    ("Seroquel ½ tab at bedtime", "Seroquel", "1/2 tablet", "at bedtime", (), False),
    # as needed, with and without a regular time, and what for
    ("trazodone 50mg at bedtime as needed", "trazodone", "50 mg", "at bedtime, as needed", (),
     False),
    ("trazodone 50 mg qhs prn sleep", "trazodone", "50 mg", "at bedtime, as needed (sleep)",
     (), False),
    ("seroquel 25-50 mg at bedtime as needed", "seroquel", "25–50 mg",
     "at bedtime, as needed", (), False),
    ("quetiapine 25 to 50 mg hs prn", "quetiapine", "25 to 50 mg", "at bedtime, as needed", (),
     False),
    ("quetiapine 25 mg as needed for sleep", "quetiapine", "25 mg", "as needed for sleep", (),
     False),
    ("klonopin 0,5mg prn", "klonopin", "0.5 mg", "as needed", (), False),
    ("lorazepam 1 or 2 tabs prn panic", "lorazepam", "1 or 2 tablets", "as needed (panic)", (),
     False),
    ("ativan 0.5 mg as needed for anxiety", "ativan", "0.5 mg", "as needed for anxiety", (),
     False),
    ("Xanax .25 mg PRN flying", "Xanax", "0.25 mg", "as needed (flying)", (), False),
    ("hydroxyzine 25 mg as needed for anxiety", "hydroxyzine", "25 mg",
     "as needed for anxiety", (), False),
    ("vistaril 25mg q6h prn", "vistaril", "25 mg", "four times a day, as needed", (), False),
    ("prazosin 1 mg as needed for nightmares", "prazosin", "1 mg", "as needed for nightmares",
     (), False),
    ("prazosin 2mg qhs for nightmares", "prazosin", "2 mg", "at bedtime", ("for nightmares",),
     False),
    # timing and occasions
    ("propranolol 10 mg before presentations", "propranolol", "10 mg", None,
     ("before presentations",), False),
    ("propanolol 10-20 mg as needed before presentations", "propanolol", "10–20 mg",
     "as needed", ("before presentations",), False),
    ("alprazolam 0.25 mg as needed before flights", "alprazolam", "0.25 mg", "as needed",
     ("before flights",), False),
    ("lithium 300mg with dinner", "lithium", "300 mg", None, ("with dinner",), False),
    ("venlafaxine XR 75 mg with breakfast", "venlafaxine XR", "75 mg", None,
     ("with breakfast",), False),
    ("Effexor XR 150mg qam with food", "Effexor XR", "150 mg", "every morning",
     ("with food",), False),
    ("divalproex 250 mg twice daily with meals", "divalproex", "250 mg", "twice a day",
     ("with meals",), False),
    ("buspirone 7.5 mg bid with food", "buspirone", "7.5 mg", "twice a day", ("with food",),
     False),
    ("concerta 36 mg every morning before school", "concerta", "36 mg", "every morning",
     ("before school",), False),
    ("Adderall XR 20 mg every morning, not on weekends", "Adderall XR", "20 mg",
     "every morning", ("not on weekends",), False),
    # titration
    ("lamotrigine 25 mg, increasing", "lamotrigine", "25 mg", None, ("increasing",), False),
    ("Lamictal 100mg BID, increasing to 150 mg next week", "Lamictal", "100 mg",
     "twice a day", ("increasing to 150 mg next week",), False),
    ("lamictal 50 mg twice a day - titrating up", "lamictal", "50 mg", "twice a day",
     ("titrating up",), False),
    ("aripiprazole 2 mg qd, increasing to 5 mg", "aripiprazole", "2 mg", "once a day",
     ("increasing to 5 mg",), False),
    ("clonazepam 0.5 mg tapering off", "clonazepam", "0.5 mg", None, ("tapering off",), False),
    ("citalopram 20 mg daily, tapering down", "citalopram", "20 mg", "once a day",
     ("tapering down",), False),
    ("Paxil 10 mg, weaning off", "Paxil", "10 mg", None, ("weaning off",), False),
    # free notes, other languages and what cannot be read: the patient's words go along
    ("sertraline 50 mg once a day — Zoë — 日本語 — 😀", "sertraline", "50 mg", "once a day", (),
     True),
    ("olanzapine 5 mg qhs (weight gain 😕)", "olanzapine", "5 mg", "at bedtime", (), True),
    ("Latuda 40mg with dinner (at least 350 calories)", "Latuda", "40 mg", None,
     ("with dinner",), True),
    ("naltrexone 50 mg daily – pour l'alcool", "naltrexone", "50 mg", "once a day", (), True),
    ("fluvoxamine 100 mg al acostarse", "fluvoxamine", "100 mg", None, (), True),
    ("lithium 450 mg ER at bedtime, level checked monthly", "lithium", "450 mg", "at bedtime",
     (), True),
    ("melatonin 3 mg 30 minutes before bed", "melatonin", "3 mg", "at bedtime", (), True),
    ("omega 3 fish oil 1 g daily", "omega 3", "1 g", "once a day", (), True),
    ("Zoloft my psychiatrist increased it", "Zoloft", None, None, ("increased it",), True),
    ("seroquel 1 in the morning and 2 at bedtime", "seroquel", "1", None, (), True),
    ("clozapine 100 mg am and 200 mg pm", "clozapine", "100 mg", None, (), True),
    ("Sertraline 50 mg — مرتين في اليوم", "Sertraline", "50 mg", None, (), True),
]


def test_at_least_sixty_real_world_lines() -> None:
    assert len(LINES) >= 60
    assert len({line for line, *_ in LINES}) == len(LINES)


@pytest.mark.parametrize(
    ("typed", "name", "dose", "schedule", "details", "shown"),
    LINES,
    ids=[line for line, *_ in LINES],
)
def test_the_reading_of_a_medication_line(
    typed: str,
    name: str,
    dose: str | None,
    schedule: str | None,
    details: tuple[str, ...],
    shown: bool,
) -> None:
    line = parse_medication_line(typed)
    assert line is not None
    assert (line.name, line.dose, line.schedule, line.details) == (name, dose, schedule, details)
    assert line.fully_read is not shown


@pytest.mark.parametrize(
    ("typed", "shown"), [(typed, shown) for typed, *_, shown in LINES], ids=[t for t, *_ in LINES]
)
def test_no_word_is_dropped_on_the_way_to_the_provider(typed: str, shown: bool) -> None:
    reading, words = _provider_line(typed)
    assert (words is not None) is shown
    if words is not None:
        assert words == typed
    explained = _explained_tokens(typed, reading)
    missing = [
        token
        for token in _tokens(typed)
        if token not in _tokens(reading)
        and token not in explained
        and token not in GRAMMAR_WORDS
        and token not in _tokens(words or "")
    ]
    assert missing == [], f"dropped from {reading!r}"


def _provider_line(typed: str) -> tuple[str, str | None]:
    """The medicine's line in the provider's summary, and the patient's words shown under it."""
    answers: dict[str, Any] = {}
    parsed = parse_typed(question_for("med.1.name", answers), typed)
    assert parsed.ok, parsed.problem
    answers.update({"med.1.name": parsed.value, "med.1.status": "as_prescribed"})
    answers.update({"med.1.missed": 0, "med.1.more": "done"})
    compiled = compile_intake(answers, intake_id=1, patient_name="Test Patient")
    text = "\n".join(to_plain(page) for page in render_summary(compiled, "UTC"))
    block = text.split("Medications\n", 1)[1].split("\nNew medicines", 1)[0]
    reading, _, rest = block.partition("\n")
    assert reading.startswith("• ")
    if WORDS not in rest:
        return reading, None
    return reading, rest.split(WORDS, 1)[1].strip().strip("“”")


def _tokens(text: str) -> list[str]:
    """Words, numbers and symbols (emoji) of a text, lower-case; punctuation is not a word."""
    text = unicodedata.normalize("NFKC", text).lower().replace("⁄", "/")
    tokens = re.findall(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)?", text)
    tokens += [char for char in text if unicodedata.category(char).startswith("S")]
    return tokens


def _explained_tokens(typed: str, reading: str) -> set[str]:
    """Tokens of abbreviations and unit spellings whose reading is in the provider's line."""
    explained: set[str] = set()
    said = f" {' '.join(_tokens(reading))} "
    spellings = [
        (canonical, spelling)
        for canonical, values in FREQUENCIES.items()
        for spelling in (canonical, *values)
    ]
    spellings += [
        (reading_word, spelling)
        for (singular, plural), values in UNITS.items()
        for reading_word in (singular, plural)
        for spelling in values
    ]
    typed_tokens = f" {' '.join(_tokens(typed))} "
    for canonical, spelling in spellings:
        spelled = f" {' '.join(_tokens(spelling))} "
        if f" {' '.join(_tokens(canonical))} " in said and spelled in typed_tokens:
            explained.update(_tokens(spelling))
    return explained


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("I stopped taking it", "stopped"),
        ("stopped it last month", "stopped"),
        ("I'm not taking it anymore", "stopped"),
        ("I don't take it any more", "stopped"),
        ("quit", "stopped"),
        ("not sure of the dose", "unsure_dose"),
        ("I don't know the dose", "unsure_dose"),
        ("dose unknown", "unsure_dose"),
        ("I don't know", "not_a_medicine"),
        ("not sure", "not_a_medicine"),
    ],
)
def test_a_sentence_is_not_a_medicine(typed: str, kind: str) -> None:
    assert parse_medication_line(typed) is None
    assert sentence_kind(typed) == kind


@pytest.mark.parametrize("typed", ["sertraline", "Zoloft 50 mg", "the white pill for sleep"])
def test_a_medicine_is_not_a_sentence(typed: str) -> None:
    assert sentence_kind(typed) is None
    assert parse_medication_line(typed) is not None


def test_a_line_with_an_unknown_dose_marks_it_unknown() -> None:
    line = parse_medication_line("sertraline, not sure of the dose")
    assert line is not None
    assert (line.name, line.dose, line.dose_unknown, line.fully_read) == (
        "sertraline",
        None,
        True,
        True,
    )
