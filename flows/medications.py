"""The medication list that ships with the project, and recognising a medicine a patient types.

The list (flows/data/medications.csv: generic, brands, class, usual US strengths) is read once,
on first use. It is for recognising names and for information only: nothing here is advice,
and `usual_strength` must never be shown to a patient as a judgement of their dose.

Decisions a caller must know:

- Names are compared by a key: lower-case, dots and apostrophes dropped, other marks and
  runs of spaces made one space ("St. John's wort" == "st johns wort",
  "dextroamphetamine/amphetamine" == "dextroamphetamine-amphetamine"). Trailing release-form
  words (XL, XR, ER, SR, CR, ODT, DR, LA, CD, IR, Zydis, SolTab, Sprinkle) and trailing salt
  words (hydrochloride, HCl, sodium, carbonate, ...) are ignored for the match, never the first
  word. The form is kept in `Recognition.form` and the typed text in `Recognition.typed`.
- A few other names people use for a listed medicine ("valproate", "fish oil", "mixed
  amphetamine salts") are in `ALIASES` and count as exact.
- `recognise` gives "suggestion" only when one listed medicine is clearly the closest: a
  difflib ratio of at least `SUGGESTION_CUTOFF`, no other medicine within
  `AMBIGUITY_MARGIN` of it, a typed name of at least `MIN_SUGGESTION_LETTERS` letters, and,
  for names of several words, short or numbered words ("vitamin D", "vitamin B12") equal
  word for word, so "vitamin z" is unknown. A suggestion is a question for the patient
  ("Did you mean ...?"), never a silent correction.
- `parse_dose` reads one amount with a unit anywhere in the text; two different amounts,
  no unit, or zero give None. "IU" and "units" are both "units".
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

DATA_FILE = "data/medications.csv"
CSV_COLUMNS = ("generic", "brands", "class", "strengths")

SUGGESTION_CUTOFF = 0.8
AMBIGUITY_MARGIN = 0.02
MIN_SUGGESTION_LETTERS = 4

FORM_SUFFIXES = frozenset(
    {"xl", "xr", "er", "sr", "cr", "odt", "dr", "la", "cd", "ir", "zydis", "soltab", "sprinkle"}
)
SALT_WORDS = frozenset(
    {
        "hydrochloride",
        "hcl",
        "hydrobromide",
        "hbr",
        "sodium",
        "carbonate",
        "citrate",
        "fumarate",
        "maleate",
        "succinate",
        "mesylate",
        "dimesylate",
        "tartrate",
        "bitartrate",
        "sulfate",
        "oxalate",
        "besylate",
    }
)

# Other names for a listed medicine -> its generic name in the CSV.
ALIASES: Mapping[str, str] = {
    "valproate": "valproic acid",
    "mixed amphetamine salts": "dextroamphetamine-amphetamine",
    "amphetamine salts": "dextroamphetamine-amphetamine",
    "fish oil": "omega-3 fatty acids",
    "omega 3": "omega-3 fatty acids",
    "saint john's wort": "St. John's wort",
    "vitamin d3": "vitamin D",
    "cholecalciferol": "vitamin D",
    "cyanocobalamin": "vitamin B12",
    "methylfolate": "L-methylfolate",
}

Status = Literal["exact", "suggestion", "unknown"]


@dataclass(frozen=True)
class KnownMedication:
    generic: str
    brands: tuple[str, ...]
    drug_class: str
    strengths: tuple[str, ...]

    @property
    def display(self) -> str:
        """The generic name with its first brand: "sertraline (Zoloft)"."""
        return f"{self.generic} ({self.brands[0]})" if self.brands else self.generic

    @property
    def names(self) -> tuple[str, ...]:
        return (self.generic, *self.brands)


@dataclass(frozen=True)
class Recognition:
    status: Status
    medication: KnownMedication | None
    typed: str  # the name as the patient typed it, release form included ("Wellbutrin XL")
    matched: str | None = None  # the listed name it matched or is close to ("Zoloft")
    form: str | None = None  # the release form typed ("XL", "XR ODT", "Zydis"), if any

    @property
    def display(self) -> str | None:
        """The medicine as the patient knows it: "sertraline (Zoloft)" for "zolof"."""
        if self.medication is None:
            return None
        if self.matched in self.medication.brands:
            return f"{self.medication.generic} ({self.matched})"
        return self.medication.display


# --- the list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    medications: tuple[KnownMedication, ...]
    by_key: Mapping[str, tuple[KnownMedication, str]]  # name key -> medicine, listed name


def _split(field: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field.split(";") if part.strip())


def read_medications(text: str) -> tuple[KnownMedication, ...]:
    """The rows of a medications CSV in the shipped format."""
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise ValueError(f"medications CSV columns must be {CSV_COLUMNS}, not {reader.fieldnames}")
    return tuple(
        KnownMedication(
            generic=row["generic"].strip(),
            brands=_split(row["brands"]),
            drug_class=row["class"].strip(),
            strengths=_split(row["strengths"]),
        )
        for row in reader
    )


@cache
def _catalogue() -> _Catalogue:
    text = resources.files("flows").joinpath(DATA_FILE).read_text(encoding="utf-8")
    medications = read_medications(text)
    by_key: dict[str, tuple[KnownMedication, str]] = {}
    for medication in medications:
        for name in medication.names:
            by_key.setdefault(name_key(name)[0], (medication, name))
    by_generic = {medication.generic: medication for medication in medications}
    for alias, generic in ALIASES.items():
        by_key.setdefault(name_key(alias)[0], (by_generic[generic], generic))
    return _Catalogue(medications, by_key)


def all_medications() -> tuple[KnownMedication, ...]:
    """Every medication in the shipped list, in file order."""
    return _catalogue().medications


def find(generic: str) -> KnownMedication | None:
    """The listed medication with this generic name (any case), or None."""
    wanted = name_key(generic)[0]
    return next((m for m in all_medications() if name_key(m.generic)[0] == wanted), None)


# --- names -------------------------------------------------------------------------------------


def name_key(name: str) -> tuple[str, tuple[str, ...]]:
    """The comparison form of a name, and the release-form words dropped from its end.

    "Wellbutrin XL" -> ("wellbutrin", ("xl",)); "Lithium carbonate ER" -> ("lithium", ("er",)).
    """
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[.'’‘`´]", "", text)
    words = re.sub(r"[\W_]+", " ", text).split()
    forms: list[str] = []
    while len(words) > 1 and (words[-1] in FORM_SUFFIXES or words[-1] in SALT_WORDS):
        word = words.pop()
        if word in FORM_SUFFIXES:
            forms.insert(0, word)
    return " ".join(words), tuple(forms)


def recognise(name: str) -> Recognition:
    """Whether `name` (the name part of a medication line) is a listed medicine."""
    typed = " ".join(name.split())
    key, forms = name_key(typed)
    form = " ".join(f.upper() if len(f) <= 3 else f.capitalize() for f in forms) or None
    if not key:
        return Recognition("unknown", None, typed)
    catalogue = _catalogue()
    if key in catalogue.by_key:
        medication, matched = catalogue.by_key[key]
        return Recognition("exact", medication, typed, matched, form)
    close = _closest(key, catalogue)
    if close is not None:
        medication, matched = close
        return Recognition("suggestion", medication, typed, matched, form)
    return Recognition("unknown", None, typed, None, form)


def _closest(key: str, catalogue: _Catalogue) -> tuple[KnownMedication, str] | None:
    """The one medicine clearly closest to `key`, or None when none is close or two are."""
    if len(re.sub(r"[^a-z]", "", key)) < MIN_SUGGESTION_LETTERS:
        return None
    best: dict[str, tuple[float, KnownMedication, str]] = {}
    matcher = difflib.SequenceMatcher(b=key, autojunk=False)
    for candidate, (medication, matched) in catalogue.by_key.items():
        if not _words_compatible(key, candidate):
            continue
        matcher.set_seq1(candidate)
        ratio = matcher.ratio()
        if ratio > best.get(medication.generic, (-1.0,))[0]:
            best[medication.generic] = (ratio, medication, matched)
    ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
    if not ranked or ranked[0][0] < SUGGESTION_CUTOFF:
        return None
    if len(ranked) > 1 and ranked[1][0] >= ranked[0][0] - AMBIGUITY_MARGIN:
        return None
    return ranked[0][1], ranked[0][2]


def _words_compatible(typed: str, candidate: str) -> bool:
    """Names of the same number of words must agree exactly on short or numbered words."""
    typed_words, candidate_words = typed.split(), candidate.split()
    if len(typed_words) != len(candidate_words) or len(typed_words) == 1:
        return True
    for a, b in zip(typed_words, candidate_words, strict=True):
        significant = min(len(a), len(b)) <= 3 or any(c.isdigit() for c in a + b)
        if significant and a != b:
            return False
    return True


# --- doses -------------------------------------------------------------------------------------

DoseUnit = Literal["mg", "mcg", "mL", "g", "units"]

_UNIT_SPELLINGS: Mapping[str, DoseUnit] = {
    "mg": "mg",
    "mgs": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mcg": "mcg",
    "mcgs": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "g": "g",
    "gm": "g",
    "gram": "g",
    "grams": "g",
    "ml": "mL",
    "milliliter": "mL",
    "milliliters": "mL",
    "millilitre": "mL",
    "millilitres": "mL",
    "iu": "units",
    "unit": "units",
    "units": "units",
    "international unit": "units",
    "international units": "units",
}
_DOSE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?|\.\d+)\s*("
    + "|".join(sorted(map(re.escape, _UNIT_SPELLINGS), key=len, reverse=True))
    + r")(?![^\W\d_])"
)
# Amounts compared across units: everything by weight in mg; mL and units on their own.
_IN_MG = {"mg": 1.0, "mcg": 0.001, "g": 1000.0}
_PER_TIME = re.compile(r"^\s*\d*\s*(?:hr|hrs|hour|hours|h|day|days)\s*$", re.IGNORECASE)


def parse_dose(text: str) -> tuple[float, DoseUnit] | None:
    """The one amount with a unit in `text`: "50mg" -> (50.0, "mg"), "1,000 IU" -> (1000.0, "units")."""
    found = set()
    for match in _DOSE.finditer(_dose_text(text)):
        value = float(match.group(1))
        if value > 0:
            found.add((value, _UNIT_SPELLINGS[match.group(2)]))
    return found.pop() if len(found) == 1 else None


def _dose_text(text: str) -> str:
    """Lower-case text with a thousands comma dropped and a decimal comma as a point."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(\d),(\d{3})(?!\d)", r"\1\2", text)  # 1,000 is a thousand
    return re.sub(r"(\d),(\d{1,2})(?!\d)", r"\1.\2", text)  # 0,5 is a half


def same_dose(a: str, b: str) -> bool | None:
    """Whether two doses are the same amount ("50mg" == "50 mg" == "0.05 g"); None if unreadable."""
    first, second = parse_dose(a), parse_dose(b)
    if first is None or second is None:
        return None
    return _comparable(first) == _comparable(second)


def _comparable(dose: tuple[float, str]) -> tuple[float, str]:
    value, unit = dose
    if unit in _IN_MG:
        return round(value * _IN_MG[unit], 6), "mg"
    return round(value, 6), unit


def usual_strength(medication: KnownMedication, dose: str | None) -> bool | None:
    """Whether a typed dose is one of the medicine's usual strengths; for information only.

    None when there is no dose or it is not one amount with a unit ("2 tablets", "20").
    Strengths per time ("6 mg/24 hr") match by their amount; concentrations and combinations
    ("50 mg/mL", "8 mg/2 mg") match only when written out the same way ("8mg/2mg").
    """
    if dose is None or not dose.strip():
        return None
    typed = compact_dose(dose)
    if any(compact_dose(strength) == typed for strength in medication.strengths):
        return True
    amount = parse_dose(dose)
    if amount is None or "/" in dose:
        return None
    wanted = _comparable(amount)
    for strength in medication.strengths:
        leading, slash, rest = strength.partition("/")
        if slash and not _PER_TIME.match(rest):
            continue
        listed = parse_dose(leading)
        if listed is not None and _comparable(listed) == wanted:
            return True
    return False


def compact_dose(text: str) -> str:
    """A dose text for comparing as text: "50 mg", "50mg" and "50 milligrams" give "50mg"."""

    def unit(match: re.Match[str]) -> str:
        return f"{float(match.group(1)):g}{_UNIT_SPELLINGS[match.group(2)].lower()}"

    return re.sub(r"\s+", "", _DOSE.sub(unit, _dose_text(text)))
