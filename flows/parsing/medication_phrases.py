"""The parts of a medication line besides name, dose and frequency, as patterns: a dose range,
titration ("increasing to 50 mg"), timing ("with dinner", "before presentations"), a purpose
("for sleep"), a dose the patient does not know; and the sentences that are not a medicine.

`sentence_kind(text)`: "stopped" ("I stopped taking it"), "unsure_dose" ("not sure of the
dose"), "not_a_medicine" (any other text made only of `SENTENCE_WORDS`, "I don't know"), or
None when the text may name a medicine.
"""

from __future__ import annotations

import re
from typing import Literal

from flows.parsing.text import APOSTROPHES, normalise
from flows.parsing.vocabulary import (
    DOSE_WORDS,
    SENTENCE_WORDS,
    STOPPED_WORDS,
    TIMING_PHRASE_WORDS,
    TIMING_PREPOSITIONS,
    TITRATION_WORDS,
    UNITS,
    UNKNOWN_DOSE_OPENINGS,
)

SentenceKind = Literal["stopped", "unsure_dose", "not_a_medicine"]

DOSE_NUMBER = r"(?:\d+(?:[.,]\d+)?(?:\s*/\s*\d+(?:[.,]\d+)?)?|[.,]\d+)"
UNIT_BY_SPELLING = {spelling: unit for unit, spellings in UNITS.items() for spelling in spellings}
_UNIT = "(" + "|".join(sorted(map(re.escape, UNIT_BY_SPELLING), key=len, reverse=True)) + ")"

DOSE = re.compile(rf"(?<![\w.,/])({DOSE_NUMBER})\s*{_UNIT}(?![^\W\d_])", re.IGNORECASE)
BARE_NUMBER = re.compile(rf"(?<![\w.,/])({DOSE_NUMBER})(?![\w.,/%])")
DOSE_RANGE = re.compile(
    rf"(?<![\w.,/])({DOSE_NUMBER})\s*(?:{_UNIT}\s*)?(-|–|—|to|or)\s*({DOSE_NUMBER})\s*{_UNIT}"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
"""25-50 mg, 25 mg to 50 mg, 1 or 2 tablets: groups low, its unit (optional), the joining dash
or word, high, unit."""

LEADING_VERB = re.compile(
    r"^\s*(?:i\s*'?\s*m\s+|i\s+am\s+|i\s+)?(?:currently\s+|still\s+|also\s+)?"
    r"(?:take|takes|taking|on|using|use|prescribed)\s+",
    re.IGNORECASE,
)

CLAUSE_END = re.compile(r"[,;()\[\]—–|]|\s-\s|\.(?:\s|$)|\s/\s|\bthen\b", re.IGNORECASE)
"""Where a clause of a medication line ends: commas, dashes, brackets, a full stop, "then"."""


def _words(phrases: tuple[str, ...]) -> str:
    spelled = (re.escape(p).replace(r"\ ", r"\s+").replace("'", "'?") for p in phrases)
    return "|".join(sorted(spelled, key=len, reverse=True))


TITRATION = re.compile(rf"(?<!\w)(?:{_words(TITRATION_WORDS)})(?!\w)", re.IGNORECASE)

_CLOCK = r"\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)?(?!\w)"
_TIMING_WORD = r"[^\W\d_][\w'’-]*"
TIMING = re.compile(
    rf"(?<!\w)(?:not\s+)?(?:{'|'.join(TIMING_PREPOSITIONS)})\s+(?:{_CLOCK}|{_TIMING_WORD}"
    rf"(?:\s+{_TIMING_WORD}){{0,{TIMING_PHRASE_WORDS - 1}}})",
    re.IGNORECASE,
)
"""A preposition and the words after it; the caller cuts it at the end of its clause."""

PURPOSE = re.compile(r"(?<!\w)(?:for|if|when|to help(?: with)?)\s+[^\W\d_]", re.IGNORECASE)

UNKNOWN_DOSE = re.compile(
    rf"(?<!\w)(?:(?:{_words(UNKNOWN_DOSE_OPENINGS)})\s+(?:(?:of|about|what|on|which)\s+)?"
    rf"(?:(?:the|my)\s+)?(?:{_words(DOSE_WORDS)})"
    rf"|(?:{_words(DOSE_WORDS[:3])})\s+(?:unknown|not\s+sure|unsure|not\s+known|\?)"
    rf"|unknown\s+(?:{_words(DOSE_WORDS[:3])}))(?!\w)",
    re.IGNORECASE,
)


_NOT_TAKING = re.compile(r"\b(?:not|don't|dont|do not|no longer|never) (?:tak|on\b)|\bany more\b")


def unit_for(spelling: str, number: str) -> str:
    """The canonical unit for a spelling, singular for 1 or less ("1/2 tablet", "2 tablets")."""
    singular, plural = UNIT_BY_SPELLING[spelling.lower()]
    return singular if at_most_one(number) else plural


def at_most_one(number: str) -> bool:
    """Whether a dose number is 1 or less ("1 tablet", "1/2 tablet", "0.5 tablet")."""
    top, _, bottom = number.partition("/")
    return float(top) <= (float(bottom) if bottom else 1.0)


def dose_number(number: str) -> str:
    """A dose's number as written in the reading: no spaces, a decimal point, "0.5" not ".5"."""
    number = re.sub(r"\s+", "", number).replace(",", ".")
    return f"0{number}" if number.startswith(".") else number


def words_of(text: str) -> list[str]:
    """The lower-case words of a text, apostrophes kept inside words ("don't")."""
    text = APOSTROPHES.sub("'", text).lower()
    return re.findall(r"[^\W_]+(?:'[^\W_]+)?", text)


def sentence_kind(text: str) -> SentenceKind | None:
    """Whether `text` is a sentence about a medicine rather than one; see the module docstring."""
    words = words_of(text)
    if not words or not all(word in SENTENCE_WORDS for word in words):
        return None
    if UNKNOWN_DOSE.search(normalise(text)):
        return "unsure_dose"
    if set(words) & STOPPED_WORDS or _NOT_TAKING.search(" ".join(words)):
        return "stopped"
    return "not_a_medicine"
