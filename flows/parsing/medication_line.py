"""One medication as typed ("seroquel 25-50 mg at bedtime as needed for sleep"): its name, dose,
how often, and whatever else the patient said about it, with nothing dropped silently.

`parse_medication_line` reads, in this order, each part only from text no earlier part used:

- a dose the patient does not know ("not sure of the dose") sets `dose_unknown`;
- titration: a word like "increasing" or "tapering" and the rest of its clause, as typed
  ("increasing to 50 mg next week"); before the name, only the word itself;
- frequencies: one regular frequency (canonical wording, see `frequencies`) and "as needed".
  "at bedtime as needed" gives frequency "at bedtime" with `and_as_needed`; "as needed" alone
  is the frequency. Two different regular frequencies ("1 in the morning and 2 at bedtime")
  are not read: they stay in the note;
- timing after the name: a preposition and up to three words of its clause, as typed ("with
  dinner", "before presentations", "at 8 pm", "on an empty stomach");
- a purpose after the name: the words straight after "as needed", or "for …", "if …",
  "when …" to the end of their clause, as typed ("for sleep", "when anxious");
- the dose: a range ("25-50 mg" gives "25–50 mg", "1 or 2 tabs" "1 or 2 tablets"), else
  the first amount with a unit, written "<number> <unit>" (decimal comma becomes a point),
  else a bare number ("fluoxetine 20" gives "20"); further doses stay in the note;
- the name: the first stretch of text left, without "I take" / "I'm on"; when the stretch is
  longer than a listed medicine it starts with ("Zoloft my doctor changed"), the listed name.
  The patient's capitals are kept.

Whatever is left with any letter, digit or symbol in it (other than `FILLER_WORDS` alone) is
the `note`, as typed: a line with a note was not fully read, and the provider must see the
patient's own words. A line with no name left, or whose "name" is a sentence about a medicine
("I stopped taking it", see `medication_phrases.sentence_kind`), gives None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flows.medications import recognise
from flows.parsing.frequencies import FREQUENCY_PATTERN, find_frequencies, resolve_frequencies
from flows.parsing.medication_phrases import (
    BARE_NUMBER,
    CLAUSE_END,
    DOSE,
    DOSE_RANGE,
    LEADING_VERB,
    PURPOSE,
    TIMING,
    TITRATION,
    UNKNOWN_DOSE,
    dose_number,
    sentence_kind,
    unit_for,
    words_of,
)
from flows.parsing.text import APOSTROPHES, LETTER, SPACES
from flows.parsing.vocabulary import AS_NEEDED, FILLER_WORDS


@dataclass(frozen=True)
class MedicationLine:
    """One medication as typed; see the module docstring for how each part is read."""

    name: str
    dose: str | None
    frequency: str | None
    raw: str
    and_as_needed: bool = False  # a regular frequency, and as needed too ("qhs prn")
    purpose: str | None = None  # "for sleep", as typed
    timing: str | None = None  # "with dinner", "before presentations", as typed
    titration: str | None = None  # "increasing to 50 mg", as typed
    dose_unknown: bool = False  # "not sure of the dose"
    note: str | None = None  # the words not read, as typed; None when every word was read

    @property
    def fully_read(self) -> bool:
        return self.note is None

    @property
    def schedule(self) -> str | None:
        """How often, in words: "at bedtime, as needed for sleep", "as needed for panic"."""
        as_needed = self.frequency == AS_NEEDED or self.and_as_needed
        parts = [self.frequency] if self.frequency and self.frequency != AS_NEEDED else []
        if as_needed and self.purpose:
            joined = PURPOSE.match(self.purpose) is not None  # "for sleep", "when anxious"
            parts.append(f"{AS_NEEDED} {self.purpose}" if joined else f"{AS_NEEDED} ({self.purpose})")
        elif as_needed:
            parts.append(AS_NEEDED)
        return ", ".join(parts) or None

    @property
    def own_purpose(self) -> str | None:
        """The purpose when it is not said with "as needed" in the schedule ("for nightmares")."""
        with_as_needed = self.frequency == AS_NEEDED or self.and_as_needed
        return None if with_as_needed else self.purpose

    @property
    def details(self) -> tuple[str, ...]:
        """What was read besides name, dose and schedule: a purpose, timing, titration."""
        return tuple(part for part in (self.own_purpose, self.timing, self.titration) if part)


class _Reader:
    """The normalised line and which of its characters a part has already used."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.used = [False] * len(text)

    def free(self, start: int, end: int) -> bool:
        return not any(self.used[start:end])

    def take(self, start: int, end: int) -> str:
        for index in range(start, end):
            self.used[index] = True
        return self.text[start:end].strip()

    def first_free_match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return next((m for m in pattern.finditer(self.text) if self.free(*m.span())), None)

    def first_letter(self) -> int:
        """Where the first letter not yet used is (the name starts there or later)."""
        for index, char in enumerate(self.text):
            if not self.used[index] and LETTER.match(char):
                return index
        return len(self.text)

    def clause_end(self, start: int) -> int:
        """The end of the clause from `start`: a delimiter or text another part used."""
        delimiter = CLAUSE_END.search(self.text, start)
        end = delimiter.start() if delimiter else len(self.text)
        taken = next((i for i in range(start, end) if self.used[i]), end)
        return taken

    def pieces(self) -> list[tuple[int, int]]:
        """Runs of unused text, split at clause delimiters."""
        runs, start = [], None
        for index, used in enumerate([*self.used, True]):
            if not used and start is None:
                start = index
            elif used and start is not None:
                runs.append((start, index))
                start = None
        pieces = []
        for begin, end in runs:
            cut = begin
            for delimiter in CLAUSE_END.finditer(self.text, begin, end):
                pieces.append((cut, delimiter.start()))
                cut = delimiter.end()
            pieces.append((cut, end))
        return [(b, e) for b, e in pieces if b < e]


def parse_medication_line(text: str) -> MedicationLine | None:
    """The medicine in one typed line; None if no medication name is left."""
    raw = text.strip()
    if not LETTER.search(raw):
        return None
    reader = _Reader(APOSTROPHES.sub("'", unicodedata.normalize("NFKC", raw)).replace("⁄", "/"))
    lead = LEADING_VERB.match(reader.text)
    if lead:
        reader.take(*lead.span())
    dose_unknown = _take_unknown_dose(reader)
    titration = _take_titration(reader)
    frequency, and_as_needed, as_needed_end, unread = _take_frequencies(reader)
    timing = _take_after_name(reader, TIMING)
    purpose = _take_purpose(reader, as_needed_end)
    dose = _take_dose(reader)
    name = _take_name(reader)
    if not name or sentence_kind(name) is not None:
        return None
    return MedicationLine(
        name=name,
        dose=dose,
        frequency=frequency,
        raw=raw,
        and_as_needed=and_as_needed,
        purpose=purpose,
        timing=timing,
        titration=titration,
        dose_unknown=dose_unknown and dose is None,
        note=" … ".join(filter(None, (_note(reader), *unread))) or None,
    )


def _take_unknown_dose(reader: _Reader) -> bool:
    match = reader.first_free_match(UNKNOWN_DOSE)
    if match is None:
        return False
    reader.take(*match.span())
    return True


def _take_titration(reader: _Reader) -> str | None:
    match = reader.first_free_match(TITRATION)
    if match is None:
        return None
    if match.start() <= reader.first_letter():  # before the name: the word alone
        return reader.take(*match.span())
    return reader.take(match.start(), reader.clause_end(match.start())).rstrip(" .")


def _take_frequencies(reader: _Reader) -> tuple[str | None, bool, int | None, list[str]]:
    """The frequency, whether "as needed" comes on top of it, where "as needed" ended, and
    two different frequencies as typed (not read, so the provider sees them)."""
    found = [
        (match, value)
        for match in FREQUENCY_PATTERN.finditer(reader.text)
        if reader.free(*match.span())
        for value in find_frequencies(match.group())
    ]
    needed = [match for match, value in found if value == AS_NEEDED]
    regular = [(match, value) for match, value in found if value != AS_NEEDED]
    frequency = resolve_frequencies([value for _, value in regular]) if regular else None
    unread = [reader.take(*match.span()) for match, _ in regular]
    if frequency is not None:
        unread = []
    for match in needed:
        reader.take(*match.span())
    as_needed_end = needed[-1].end() if needed else None
    if frequency is None:
        return (AS_NEEDED if needed else None), False, as_needed_end, unread
    return frequency, bool(needed), as_needed_end, unread


def _take_after_name(reader: _Reader, pattern: re.Pattern[str]) -> str | None:
    """The first match of `pattern` after the name, cut at the end of its clause."""
    name_starts = reader.first_letter()
    for match in pattern.finditer(reader.text):
        if match.start() > name_starts and reader.free(match.start(), match.start() + 1):
            end = min(match.end(), reader.clause_end(match.start()))
            phrase = reader.text[match.start() : end]
            if len(phrase.split()) > 1:
                return reader.take(match.start(), end)
    return None


def _take_purpose(reader: _Reader, as_needed_end: int | None) -> str | None:
    """The words straight after "as needed", else "for …" / "when …" after the name."""
    if as_needed_end is not None:
        start = as_needed_end
        while start < len(reader.text) and reader.text[start] == " ":
            start += 1
        end = reader.clause_end(start)
        if start < end and LETTER.search(reader.text[start:end]):
            return reader.take(start, end)
    match = reader.first_free_match(PURPOSE)
    if match is None or match.start() <= reader.first_letter():
        return None
    return reader.take(match.start(), reader.clause_end(match.start())) or None


def _take_dose(reader: _Reader) -> str | None:
    """A dose range, else the first dose with a unit, else the first bare number."""
    match = reader.first_free_match(DOSE_RANGE)
    if match is not None:
        low, low_unit, joiner, high, unit = match.groups()
        if low_unit is None or unit_for(low_unit, "2") == unit_for(unit, "2"):
            reader.take(*match.span())
            between = f" {joiner.lower()} " if joiner.isalpha() else "–"  # "1 or 2" stays
            low, high = dose_number(low), dose_number(high)
            return f"{low}{between}{high} {unit_for(unit, high)}"
    match = reader.first_free_match(DOSE)
    if match is not None:
        reader.take(*match.span())
        number = dose_number(match.group(1))
        return f"{number} {unit_for(match.group(2), number)}"
    match = reader.first_free_match(BARE_NUMBER)
    if match is not None:
        reader.take(*match.span())
        return dose_number(match.group(1))
    return None


_NAME_EDGES = " \t,;:-–—./|*"


def _take_name(reader: _Reader) -> str:
    """The first stretch with letters left; the listed medicine it starts with, if longer."""
    for start, end in reader.pieces():
        piece = reader.text[start:end]
        name = SPACES.sub(" ", LEADING_VERB.sub("", piece.strip(_NAME_EDGES))).strip(_NAME_EDGES)
        if not LETTER.search(name):
            continue
        name = _listed_prefix(name)
        offset = piece.find(name.split(" ")[0])
        words = name.split(" ")
        name_end = start + offset
        for word in words:
            name_end = reader.text.find(word, name_end) + len(word)
        reader.take(start, name_end)
        return name
    return ""


def _listed_prefix(name: str) -> str:
    """The longest run of leading words that is a listed medicine, when the whole is not."""
    words = name.split(" ")
    if len(words) == 1 or recognise(name).status == "exact":
        return name
    for count in range(len(words) - 1, 0, -1):
        prefix = " ".join(words[:count])
        if recognise(prefix).status == "exact":
            return prefix
    return name


def _note(reader: _Reader) -> str | None:
    """The pieces no part used that say something, as typed, joined by " … "."""
    kept = []
    for start, end in reader.pieces():
        piece = reader.text[start:end].strip(_NAME_EDGES + "()[]")
        if not _says_something(piece):
            continue
        words = words_of(piece)
        if words and all(word in FILLER_WORDS for word in words) and not _symbols(piece):
            continue
        kept.append(piece)
    return " … ".join(kept) or None


def _says_something(piece: str) -> bool:
    return any(not unicodedata.category(char).startswith(("P", "Z", "C")) for char in piece)


def _symbols(piece: str) -> bool:
    return any(unicodedata.category(char).startswith("S") for char in piece)
