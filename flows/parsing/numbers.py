"""A number from typed text: digits, written numbers, ranges and "none".

`parse_number` returns an int when `integer=True`, otherwise a float. A range ("6-7", "6 to 7",
"six or seven", "between 6 and 7") gives its midpoint if both ends are within bounds; with
`integer=True` a midpoint that is not whole ("6-7") gives None rather than a rounded guess.
Two unrelated numbers ("6 hours, 4 on weekends") give None. Other words around a single
number ("about 6 hours") are ignored. "none", "no", "never", "nothing" give 0 when 0 is
within bounds. Written numbers run from zero to twenty-four, plus "once" and "twice".
"""

from __future__ import annotations

import re
import unicodedata

from flows.parsing.text import APOSTROPHES, SPACES, comparison_key
from flows.parsing.vocabulary import NUMBER_WORDS, ZERO_ANSWERS

_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_NUMBER_TOKEN = re.compile(rf"(?<![\d.]){_NUMBER}")
_RANGE_JOINERS = frozenset({"-", "to", "or", "and"})
_TENS_ANDUNITS = re.compile(r"\btwenty[\s-]+(one|two|three|four)\b")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b")


def parse_number(
    text: str, minimum: float, maximum: float, *, integer: bool = False
) -> float | int | None:
    """The number in `text` if it lies within [minimum, maximum]; see the module docstring."""
    cleaned = _number_text(text)
    if comparison_key(cleaned) in ZERO_ANSWERS and minimum <= 0 <= maximum:
        return 0 if integer else 0.0
    ends = _number_or_range(cleaned)
    if ends is None or not all(minimum <= end <= maximum for end in ends):
        return None
    value = sum(ends) / len(ends)
    if integer:
        return int(value) if value == int(value) else None
    return float(value)


def _number_text(text: str) -> str:
    """Lower-case text with written numbers as digits and a decimal comma as a point."""
    text = APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text)).lower()
    text = SPACES.sub(" ", re.sub(r"[–—−]", "-", text)).strip()
    text = _TENS_ANDUNITS.sub(lambda m: str(20 + NUMBER_WORDS[m.group(1)]), text)
    text = _NUMBER_WORD.sub(lambda m: str(NUMBER_WORDS[m.group(1)]), text)
    text = re.sub(r"(\d),(\d{3})(?!\d)", r"\1\2", text)  # 1,000 is a thousand
    text = re.sub(r"(\d),(\d{1,2})(?!\d)", r"\1.\2", text)  # 7,5 is seven and a half
    return re.sub(rf"({_NUMBER}) and a half\b", lambda m: str(float(m.group(1)) + 0.5), text)


def _number_or_range(text: str) -> tuple[float, ...] | None:
    """One number, or both ends of a range ("6-7", "between 6 and 7"); None for anything else."""
    matches = list(_NUMBER_TOKEN.finditer(text))
    if len(matches) == 1:
        value = float(matches[0].group())
        return (-value,) if re.match(r"^-\s*\d", text) else (value,)
    if len(matches) == 2:
        between = text[matches[0].end() : matches[1].start()].strip()
        before = text[: matches[0].start()]
        if between in _RANGE_JOINERS and (between != "and" or before.endswith("between ")):
            return float(matches[0].group()), float(matches[1].group())
    return None
