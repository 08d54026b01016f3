"""PHQ-9 and GAD-7: item wording, answer options, totals and severity bands.

Wording, LOINC codes and bands are copied from the clinical reference
(shared/clinical/reference.md); both instruments are public domain (licence line below).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flows.options import Option

LICENCE_LINE = (
    "PHQ-9 and GAD-7: Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke "
    "and colleagues, with an educational grant from Pfizer Inc. No permission required to "
    "reproduce, translate, display or distribute."
)

ANSWER_OPTIONS: tuple[Option, ...] = (
    Option("0", "Not at all", aliases=("never", "none", "no")),
    Option("1", "Several days", aliases=("some days", "sometimes")),
    Option("2", "More than half the days", aliases=("most days", "often")),
    Option("3", "Nearly every day", aliases=("every day", "always", "daily")),
)

LOINC_ANSWER_CODES: Mapping[str, str] = {
    "0": "LA6568-5",
    "1": "LA6569-3",
    "2": "LA6570-1",
    "3": "LA6571-9",
}


@dataclass(frozen=True)
class Item:
    """One scored item of an instrument."""

    number: int
    loinc: str
    text: str


@dataclass(frozen=True)
class Band:
    """A severity band: totals from `low` to `high` inclusive."""

    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire with its stem, items and severity bands."""

    key: str
    name: str
    stem: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    panel_loinc: str
    total_loinc: str

    @property
    def max_total(self) -> int:
        return 3 * len(self.items)

    def band_for(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        raise ValueError(f"{self.name} total {total} is outside 0–{self.max_total}")


PHQ9 = Instrument(
    key="phq9",
    name="PHQ-9",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        Item(1, "44250-9", "Little interest or pleasure in doing things"),
        Item(2, "44255-8", "Feeling down, depressed, or hopeless"),
        Item(3, "44259-0", "Trouble falling or staying asleep, or sleeping too much"),
        Item(4, "44254-1", "Feeling tired or having little energy"),
        Item(5, "44251-7", "Poor appetite or overeating"),
        Item(
            6,
            "44258-2",
            "Feeling bad about yourself — or that you are a failure or have let yourself "
            "or your family down",
        ),
        Item(
            7,
            "44252-5",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
        ),
        Item(
            8,
            "44253-3",
            "Moving or speaking so slowly that other people could have noticed? Or the opposite "
            "— being so fidgety or restless that you have been moving around a lot more than usual",
        ),
        Item(
            9,
            "44260-8",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
    ),
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    panel_loinc="44249-1",
    total_loinc="44261-6",
)

GAD7 = Instrument(
    key="gad7",
    name="GAD-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        Item(1, "69725-0", "Feeling nervous, anxious, or on edge"),
        Item(2, "68509-9", "Not being able to stop or control worrying"),
        Item(3, "69733-4", "Worrying too much about different things"),
        Item(4, "69734-2", "Trouble relaxing"),
        Item(5, "69735-9", "Being so restless that it is hard to sit still"),
        Item(6, "69689-8", "Becoming easily annoyed or irritable"),
        Item(7, "69736-7", "Feeling afraid, as if something awful might happen"),
    ),
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    panel_loinc="69737-5",
    total_loinc="70274-6",
)

PHQ9_FUNCTION_LOINC = "69722-7"
PHQ9_FUNCTION_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)
PHQ9_FUNCTION_OPTIONS: tuple[Option, ...] = (
    Option("not", "Not difficult at all"),
    Option("somewhat", "Somewhat difficult"),
    Option("very", "Very difficult"),
    Option("extremely", "Extremely difficult"),
)

SAFETY_ITEM = 9
"""PHQ-9 item 9: any answer above 0 starts the safety flow."""


@dataclass(frozen=True)
class Score:
    """An instrument's total; `band` is None unless every item was answered."""

    instrument: Instrument
    total: int
    answered: int
    item_scores: tuple[int | None, ...]

    @property
    def complete(self) -> bool:
        return self.answered == len(self.instrument.items)

    @property
    def band(self) -> str | None:
        # A partial total would understate severity, so it gets no band.
        return self.instrument.band_for(self.total) if self.complete else None


def score(instrument: Instrument, item_scores: Mapping[int, int | None]) -> Score:
    """Sum the answered items (0–3 each) of `instrument`, keyed by item number."""
    values: list[int | None] = []
    for item in instrument.items:
        value = item_scores.get(item.number)
        if value is not None and not 0 <= value <= 3:
            raise ValueError(f"{instrument.name} item {item.number} score {value} is not 0–3")
        values.append(value)
    answered = [v for v in values if v is not None]
    return Score(instrument, sum(answered), len(answered), tuple(values))
