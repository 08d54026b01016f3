"""Frequencies: the canonical wording of how often a medicine is taken, read from typed text.

Frequencies are always one of the canonical strings in `FREQUENCIES`; `FREQUENCY_OPTIONS` use
those same strings as their values, so `parse_frequency(text)` can be compared with
`option.value`. "daily" with a time of day ("once daily in the morning") gives the time of
day; any other two different frequencies in one text give None.
"""

from __future__ import annotations

import re
import unicodedata

from flows.options import Option
from flows.parsing.vocabulary import (
    AS_NEEDED,
    AT_BEDTIME,
    EVERY_MORNING,
    FREQUENCIES,
    ONCE_A_DAY,
    ONCE_A_WEEK,
    THREE_TIMES_A_DAY,
    TIMES_OF_DAY,
    TWICE_A_DAY,
)


def _frequency_option(value: str, label: str) -> Option:
    return Option(value, label, aliases=tuple(p for p in FREQUENCIES[value] if p != value))


FREQUENCY_OPTIONS: tuple[Option, ...] = (
    _frequency_option(ONCE_A_DAY, "Once a day"),
    _frequency_option(TWICE_A_DAY, "Twice a day"),
    _frequency_option(THREE_TIMES_A_DAY, "Three times a day"),
    _frequency_option(AT_BEDTIME, "At bedtime"),
    _frequency_option(EVERY_MORNING, "Every morning"),
    _frequency_option(ONCE_A_WEEK, "Once a week"),
    _frequency_option(AS_NEEDED, "As needed"),
)
"""The standard frequency buttons; each value is the string `parse_frequency` returns."""


def _phrase_pattern(phrase: str) -> str:
    """A phrase as a pattern: optional dots, any spacing or hyphens, "2x" as "2 x"."""
    tokens = []
    for token in phrase.split(" "):
        pattern = re.escape(token).replace(r"\.", r"\.?").replace("/", r"\s*/\s*")
        tokens.append(re.sub(r"(\d)x", r"\1\\s*x", pattern))
    return r"[\s\-]+".join(tokens)


def _compact(text: str) -> str:
    """Letters and digits only: "B.I.D.", "bid" and "2 x/day" vs "2x/day" compare equal."""
    return re.sub(r"[\W_]+", "", text.lower())


def _frequency_pattern() -> re.Pattern[str]:
    phrases = sorted(
        (
            (phrase, value)
            for value, spellings in FREQUENCIES.items()
            for phrase in (value, *spellings)
        ),
        key=lambda item: -len(item[0]),
    )
    groups = "|".join(f"(?:{_phrase_pattern(phrase)})" for phrase, _ in phrases)
    return re.compile(rf"(?<!\w)(?:{groups})(?!\w)", re.IGNORECASE)


FREQUENCY_PATTERN = _frequency_pattern()
_BY_SPELLING = {
    _compact(phrase): value
    for value, spellings in FREQUENCIES.items()
    for phrase in (value, *spellings)
}


def parse_frequency(text: str) -> str | None:
    """The canonical frequency named in `text` ("bid" -> "twice a day"), or None."""
    return resolve_frequencies(find_frequencies(unicodedata.normalize("NFKC", text)))


def find_frequencies(text: str) -> list[str]:
    found = (_BY_SPELLING.get(_compact(m.group())) for m in FREQUENCY_PATTERN.finditer(text))
    return [value for value in found if value is not None]


def resolve_frequencies(found: list[str]) -> str | None:
    """One frequency; "once a day" plus a time of day is that time of day; else None."""
    distinct = set(found)
    if len(distinct) == 2 and ONCE_A_DAY in distinct and distinct & TIMES_OF_DAY:
        distinct.discard(ONCE_A_DAY)
    return distinct.pop() if len(distinct) == 1 else None
