"""Turning what a patient types into values: options, numbers, medications, frequencies.

Every function is pure and forgiving: text that cannot be understood gives None, never an
exception, so the caller can simply ask again. Nothing here guesses between two readings.

Decisions a caller must know:

- `match_option`: an exact label or alias wins; a typed number is the 1-based position shown
  beside the option. If a number is also some other option's label (options labelled "0",
  "1", ...), the answer is ambiguous and gives None, so ask such questions with
  `parse_number`. "1. Several days" (a number and a label) is accepted only when both name
  the same option. Prefixes (3+ characters) and whole-word parts of a label (4+ characters)
  are matched against labels only, never aliases.
- `match_options`: an exclusive option ("None of these") together with any other option is
  a contradiction and gives None. "none", "nothing", "no", "neither" pick the single
  exclusive option when the options have exactly one.
- `parse_number`: returns an int when `integer=True`, otherwise a float. A range ("6-7",
  "6 to 7", "six or seven", "between 6 and 7") gives its midpoint if both ends are within
  bounds; with `integer=True` a midpoint that is not whole ("6-7") gives None rather than
  a rounded guess. Two unrelated numbers ("6 hours, 4 on weekends") give None. Other words
  around a single number ("about 6 hours") are ignored. "none", "no", "never", "nothing"
  give 0 when 0 is within bounds. Written numbers run from zero to twenty-four, plus "once"
  and "twice".
- `parse_medication_line`: the name keeps the patient's capitals; the dose is the first
  amount with a unit, written "<number> <unit>" (decimal comma becomes a point); a bare
  number without a unit is kept as the dose without inventing a unit ("fluoxetine 20" gives
  dose "20"). A line with no name left (only a dose or a frequency) gives None.
- Frequencies are always one of the canonical strings in `FREQUENCIES`; `FREQUENCY_OPTIONS`
  use those same strings as their values, so `parse_frequency(text)` can be compared with
  `option.value`. "daily" with a time of day ("once daily in the morning") gives the time of
  day; any other two different frequencies in one text give None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flows.options import Option

# --- frequency vocabulary ----------------------------------------------------------------

ONCE_A_DAY = "once a day"
TWICE_A_DAY = "twice a day"
THREE_TIMES_A_DAY = "three times a day"
FOUR_TIMES_A_DAY = "four times a day"
AT_BEDTIME = "at bedtime"
EVERY_MORNING = "every morning"
EVERY_EVENING = "every evening"
ONCE_A_WEEK = "once a week"
EVERY_OTHER_DAY = "every other day"
AS_NEEDED = "as needed"

_PER_DAY = ("a day", "per day", "daily", "/day", "each day", "every day")


def _times_a_day(*counts: str) -> tuple[str, ...]:
    return tuple(
        f"{count}{suffix}" if suffix.startswith("/") else f"{count} {suffix}"
        for count in counts
        for suffix in _PER_DAY
    )


# Written as a patient or a prescription might write them; dots in abbreviations are optional.
FREQUENCIES: dict[str, tuple[str, ...]] = {
    ONCE_A_DAY: (
        *_times_a_day("once", "one time", "1 time", "1x", "1 x"),
        "daily",
        "every day",
        "each day",
        "qd",
        "q.d.",
        "od",
        "o.d.",
        "q24h",
        "every 24 hours",
    ),
    TWICE_A_DAY: (
        *_times_a_day("twice", "two times", "2 times", "2x", "2 x"),
        "bid",
        "b.i.d.",
        "bd",
        "b.d.",
        "q12h",
        "every 12 hours",
        "morning and night",
        "morning and evening",
        "morning and bedtime",
        "every morning and night",
        "every morning and evening",
        "every morning and every night",
        "every morning and every evening",
        "in the morning and at night",
        "in the morning and evening",
        "in the morning and in the evening",
        "in the morning and at bedtime",
    ),
    THREE_TIMES_A_DAY: (
        *_times_a_day("three times", "3 times", "3x", "3 x", "thrice"),
        "tid",
        "t.i.d.",
        "tds",
        "t.d.s.",
        "q8h",
        "every 8 hours",
    ),
    FOUR_TIMES_A_DAY: (
        *_times_a_day("four times", "4 times", "4x", "4 x"),
        "qid",
        "q.i.d.",
        "qds",
        "q.d.s.",
        "q6h",
        "every 6 hours",
    ),
    AT_BEDTIME: (
        "at bedtime",
        "at bed time",
        "bedtime",
        "before bed",
        "before bedtime",
        "before sleep",
        "before sleeping",
        "at night",
        "nightly",
        "every night",
        "each night",
        "qhs",
        "q.h.s.",
        "hs",
        "h.s.",
        "nocte",
    ),
    EVERY_MORNING: (
        "every morning",
        "each morning",
        "in the morning",
        "in the mornings",
        "mornings",
        "qam",
        "q.a.m.",
        "mane",
    ),
    EVERY_EVENING: (
        "every evening",
        "each evening",
        "in the evening",
        "in the evenings",
        "evenings",
        "qpm",
        "q.p.m.",
    ),
    ONCE_A_WEEK: (
        "once a week",
        "once weekly",
        "once per week",
        "weekly",
        "every week",
        "each week",
        "1x a week",
        "1x/week",
        "one time a week",
        "qw",
        "q.w.",
        "qwk",
        "q week",
    ),
    EVERY_OTHER_DAY: (
        "every other day",
        "every second day",
        "every 2 days",
        "every two days",
        "alternate days",
        "on alternate days",
        "qod",
        "q.o.d.",
    ),
    AS_NEEDED: (
        "as needed",
        "prn",
        "p.r.n.",
        "when needed",
        "if needed",
        "only when needed",
        "as required",
        "when required",
        "as necessary",
        "when necessary",
        "sos",
    ),
}
_TIMES_OF_DAY = frozenset({AT_BEDTIME, EVERY_MORNING, EVERY_EVENING})


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

# --- dose vocabulary ---------------------------------------------------------------------

# Canonical unit -> (singular, plural) as written in a dose, and the spellings accepted.
_UNITS: dict[tuple[str, str], tuple[str, ...]] = {
    ("mg", "mg"): ("milligrams", "milligram", "mgs", "mg"),
    ("mcg", "mcg"): ("micrograms", "microgram", "mcgs", "mcg", "µg", "μg", "ug"),
    ("g", "g"): ("grams", "gram", "gm", "g"),
    ("mL", "mL"): ("milliliters", "milliliter", "millilitres", "millilitre", "ml"),
    ("IU", "IU"): ("iu",),
    ("unit", "units"): ("units", "unit"),
    ("tablet", "tablets"): ("tablets", "tablet", "tabs", "tab"),
    ("pill", "pills"): ("pills", "pill"),
    ("capsule", "capsules"): ("capsules", "capsule", "caps", "cap"),
    ("puff", "puffs"): ("puffs", "puff"),
    ("drop", "drops"): ("drops", "drop"),
    ("patch", "patches"): ("patches", "patch"),
}

# --- number vocabulary -------------------------------------------------------------------

_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "once": 1,
    "twice": 2,
}
_ZERO_ANSWERS = frozenset(
    {
        "none",
        "no",
        "nope",
        "never",
        "nothing",
        "nil",
        "zero",
        "not at all",
        "not once",
        "none at all",
        "no times",
        "not any",
    }
)
_NONE_ANSWERS = frozenset(
    {
        "none",
        "nothing",
        "no",
        "nope",
        "neither",
        "none of them",
        "none of these",
        "none of the above",
        "n a",
        "na",
        "nil",
    }
)

# --- shared text handling ----------------------------------------------------------------

_APOSTROPHES = re.compile(r"[’‘ʼ`´′]")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")


def normalise(text: str) -> str:
    """Lower-case, trimmed, single-spaced, one kind of apostrophe, no punctuation at the ends."""
    text = _APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text)).lower()
    return _EDGE_PUNCTUATION.sub("", _SPACES.sub(" ", text).strip())


def _key(text: str) -> str:
    """A comparison form: `normalise`, with dots and apostrophes dropped, other marks spaces."""
    text = re.sub(r"[.']", "", normalise(text))
    return _SPACES.sub(" ", re.sub(r"[\W_]+", " ", text)).strip()


# --- options -----------------------------------------------------------------------------

_NUMBERED = re.compile(r"^(?:option|number|choice|no|nr)?\s*\.?\s*#?\s*(\d{1,3})$")
_NUMBER_THEN_LABEL = re.compile(r"^(\d{1,3})[\s.):\-]+(.+)$")
_MIN_PREFIX = 3
_MIN_PART = 4


def match_option(text: str, options: Sequence[Option]) -> Option | None:
    """The one option `text` names by number, label, alias, prefix or part; else None."""
    key = _key(text)
    if not key:
        return None
    exact = _exact_matches(key, options)
    numbered = _NUMBERED.match(normalise(text))
    if numbered:
        exact |= _by_position(numbered.group(1), options)
    if exact:
        return _only(exact, options)
    combined = _NUMBER_THEN_LABEL.match(normalise(text))
    if combined:
        by_number = _by_position(combined.group(1), options)
        by_label = _label_matches(_key(combined.group(2)), options)
        return _only(by_number, options) if by_number and by_number == by_label else None
    return _only(_label_matches(key, options), options)


def _exact_matches(key: str, options: Sequence[Option]) -> set[int]:
    return {
        index
        for index, option in enumerate(options)
        if key in {_key(name) for name in (option.label, *option.aliases)}
    }


def _by_position(number: str, options: Sequence[Option]) -> set[int]:
    position = int(number)
    return {position - 1} if 1 <= position <= len(options) else set()


def _label_matches(key: str, options: Sequence[Option]) -> set[int]:
    """Exact labels and aliases, else labels starting with or containing `key` as words."""
    exact = _exact_matches(key, options)
    if exact:
        return exact
    part = re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")
    found = set()
    for index, option in enumerate(options):
        label = _key(option.label)
        starts = len(key) >= _MIN_PREFIX and label.startswith(key)
        if starts or (len(key) >= _MIN_PART and part.search(label)):
            found.add(index)
    return found


def _only(indexes: set[int], options: Sequence[Option]) -> Option | None:
    return options[next(iter(indexes))] if len(indexes) == 1 else None


_HARD_SEPARATORS = re.compile(r"[,;/&+\n]+")
_WORD_SEPARATORS = re.compile(r"\b(?:and|or|plus|also|with)\b")


def match_options(text: str, options: Sequence[Option]) -> list[Option] | None:
    """Every option named in `text` ("1, 3", "nausea and headache"), in `options` order."""
    chosen: set[int] = set()
    for chunk in _HARD_SEPARATORS.split(normalise(text)):
        if not _key(chunk):
            continue
        found = _chunk_matches(chunk, options)
        if found is None:
            return None
        chosen |= found
    if not chosen:
        return None
    if len(chosen) > 1 and any(options[index].exclusive for index in chosen):
        return None
    return [options[index] for index in sorted(chosen)]


def _chunk_matches(chunk: str, options: Sequence[Option]) -> set[int] | None:
    """The options one comma-separated part names, or None if any of it is not understood."""
    whole = _one_match(chunk, options)
    if whole is not None:
        return {whole}
    words = chunk.split()
    if len(words) > 1 and all(word.isdigit() for word in words):
        pieces = words
    else:
        parts = _WORD_SEPARATORS.split(chunk)
        pieces = [piece for piece in parts if _key(piece)]
        if len(parts) < 2 or not pieces:
            return None
    found = set()
    for piece in pieces:
        index = _one_match(piece, options)
        if index is None:
            return None
        found.add(index)
    return found


def _one_match(text: str, options: Sequence[Option]) -> int | None:
    option = match_option(text, options)
    if option is not None:
        return next(i for i, candidate in enumerate(options) if candidate is option)
    exclusive = [i for i, candidate in enumerate(options) if candidate.exclusive]
    if _key(text) in _NONE_ANSWERS and len(exclusive) == 1:
        return exclusive[0]
    return None


# --- numbers -----------------------------------------------------------------------------

_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_NUMBER_TOKEN = re.compile(rf"(?<![\d.]){_NUMBER}")
_RANGE_JOINERS = frozenset({"-", "to", "or", "and"})
_TENS_AND_UNITS = re.compile(r"\btwenty[\s-]+(one|two|three|four)\b")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")


def parse_number(
    text: str, minimum: float, maximum: float, *, integer: bool = False
) -> float | int | None:
    """The number in `text` if it lies within [minimum, maximum]; see the module docstring."""
    cleaned = _number_text(text)
    if _key(cleaned) in _ZERO_ANSWERS and minimum <= 0 <= maximum:
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
    text = _APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text)).lower()
    text = _SPACES.sub(" ", re.sub(r"[–—−]", "-", text)).strip()
    text = _TENS_AND_UNITS.sub(lambda m: str(20 + _NUMBER_WORDS[m.group(1)]), text)
    text = _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), text)
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


# --- medications and frequencies ---------------------------------------------------------


@dataclass(frozen=True)
class MedicationLine:
    """One medication as typed: name as written, dose and frequency if recognised."""

    name: str
    dose: str | None
    frequency: str | None
    raw: str


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


_FREQUENCY = _frequency_pattern()
_FREQUENCY_BY_SPELLING = {
    _compact(phrase): value
    for value, spellings in FREQUENCIES.items()
    for phrase in (value, *spellings)
}
_DOSE_NUMBER = r"(?:\d+(?:[.,]\d+)?(?:\s*/\s*\d+(?:[.,]\d+)?)?|[.,]\d+)"
_UNIT_BY_SPELLING = {spelling: unit for unit, spellings in _UNITS.items() for spelling in spellings}
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


def parse_frequency(text: str) -> str | None:
    """The canonical frequency named in `text` ("bid" -> "twice a day"), or None."""
    return _resolve_frequencies(_find_frequencies(unicodedata.normalize("NFKC", text)))


def _find_frequencies(text: str) -> list[str]:
    found = (_FREQUENCY_BY_SPELLING.get(_compact(m.group())) for m in _FREQUENCY.finditer(text))
    return [value for value in found if value is not None]


def _resolve_frequencies(found: list[str]) -> str | None:
    """One frequency; "once a day" plus a time of day is that time of day; else None."""
    distinct = set(found)
    if len(distinct) == 2 and ONCE_A_DAY in distinct and distinct & _TIMES_OF_DAY:
        distinct.discard(ONCE_A_DAY)
    return distinct.pop() if len(distinct) == 1 else None


def parse_medication_line(text: str) -> MedicationLine | None:
    """Name, dose and frequency from one typed line; None if no medication name is left."""
    raw = text.strip()
    if not _LETTER.search(raw):
        return None
    rest = _APOSTROPHES.sub("'", unicodedata.normalize("NFKC", raw)).replace("⁄", "/")
    frequency = _resolve_frequencies(_find_frequencies(rest))
    rest = _FREQUENCY.sub(_GAP, rest)
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
        name = _SPACES.sub(" ", piece).strip(_NAME_EDGES)
        name = _LEADING_VERB.sub("", name).strip(_NAME_EDGES)
        if _LETTER.search(name):
            return name
    return ""
