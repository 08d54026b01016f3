"""One medication as typed ("sertraline 50 mg once a day"): its name, dose and frequency.

`parse_medication_line`: the name keeps the patient's capitals; the dose is the first amount
with a unit, written "<number> <unit>" (decimal comma becomes a point); a bare number without
a unit is kept as the dose without inventing a unit ("fluoxetine 20" gives dose "20"). A line
with no name left (only a dose or a frequency) gives None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flows.parsing.frequencies import FREQUENCY_PATTERN, find_frequencies, resolve_frequencies
from flows.parsing.text import APOSTROPHES, LETTER, SPACES
from flows.parsing.vocabulary import UNITS


@dataclass(frozen=True)
class MedicationLine:
    """One medication as typed: name as written, dose and frequency if recognised."""

    name: str
    dose: str | None
    frequency: str | None
    raw: str


_DOSE_NUMBER = r"(?:\d+(?:[.,]\d+)?(?:\s*/\s*\d+(?:[.,]\d+)?)?|[.,]\d+)"
_UNIT_BY_SPELLING = {spelling: unit for unit, spellings in UNITS.items() for spelling in spellings}
_DOSE = re.compile(
    rf"(?<![\w.,/])({_DOSE_NUMBER})\s*("
    + "|".join(sorted(map(re.escape, _UNIT_BY_SPELLING), key=len, reverse=True))
    + r")(?![^\W\d_])",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(rf"(?<![\w.,/])({_DOSE_NUMBER})(?![\w.,/%])")
_LEADING_VERB = re.compile(
    r"^(?:i\s*'?\s*m\s+|i\s+am\s+|i\s+)?(?:currently\s+|still\s+|also\s+)?"
    r"(?:take|takes|taking|on|using|use|prescribed)\s+",
    re.IGNORECASE,
)
_NAME_EDGES = " \t,;:-–—./|*"
_GAP = "\x00"


def parse_medication_line(text: str) -> MedicationLine | None:
    """Name, dose and frequency from one typed line; None if no medication name is left."""
    raw = text.strip()
    if not LETTER.search(raw):
        return None
    rest = APOSTROPHES.sub("'", unicodedata.normalize("NFKC", raw)).replace("⁄", "/")
    frequency = resolve_frequencies(find_frequencies(rest))
    rest = FREQUENCY_PATTERN.sub(_GAP, rest)
    dose, rest = _take_dose(rest)
    name = _first_name(rest)
    if not name:
        return None
    return MedicationLine(name=name, dose=dose, frequency=frequency, raw=raw)


def _take_dose(text: str) -> tuple[str | None, str]:
    """The first dose with a unit, else the first bare number; and the text without it."""
    match = _DOSE.search(text)
    if match:
        number = _dose_number(match.group(1))
        singular, plural = _UNIT_BY_SPELLING[match.group(2).lower()]
        unit = singular if _at_most_one(number) else plural
        return f"{number} {unit}", _cut(text, match)
    match = _BARE_NUMBER.search(text)
    if match:
        return _dose_number(match.group(1)), _cut(text, match)
    return None, text


def _at_most_one(number: str) -> bool:
    """Whether a dose number is 1 or less ("1 tablet", "1/2 tablet", "0.5 tablet")."""
    top, _, bottom = number.partition("/")
    return float(top) <= (float(bottom) if bottom else 1.0)


def _dose_number(number: str) -> str:
    number = re.sub(r"\s+", "", number).replace(",", ".")
    return f"0{number}" if number.startswith(".") else number


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + _GAP + text[match.end() :]


def _first_name(text: str) -> str:
    """The first stretch of text with letters left once dose and frequency are cut out."""
    for piece in text.split(_GAP):
        name = SPACES.sub(" ", piece).strip(_NAME_EDGES)
        name = _LEADING_VERB.sub("", name).strip(_NAME_EDGES)
        if LETTER.search(name):
            return name
    return ""
