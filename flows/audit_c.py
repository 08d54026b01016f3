"""AUDIT-C (alcohol) and the single-question screen for other substances: wording, answers,
LOINC codes, the 0–12 total and the sex-specific cut-offs.

Sources (as in shared/clinical/reference.md, "First visit: alcohol and other substances"):

- AUDIT-C: Bush K, Kivlahan DR, McDonell MB, Fihn SD, Bradley KA. The AUDIT alcohol consumption
  questions (AUDIT-C). Arch Intern Med 1998;158(16):1789–95; and Bradley KA, DeBenedetti AF,
  Volk RJ, et al. AUDIT-C as a brief screen for alcohol misuse in primary care. Alcohol Clin Exp
  Res 2007;31(7):1208–17. The items are the first three of the WHO AUDIT, whose manual allows
  reproduction without permission. Answers score 0–4 in order; total 0–12. Positive screen:
  4 or more for men, 3 or more for women (Bradley 2007). Both cut-offs are reported; sex is
  never inferred. When item 1 is "Never", items 2 and 3 score 0 and are not asked.
- LOINC: items 68518-0, 68519-8, 68520-6; total 75626-2 ("Total score [AUDIT-C]"); panel
  72109-2 ("Alcohol use disorder identification test - consumption [AUDIT-C]"), confirmed in
  the HL7 US Multiple Chronic Conditions IG's table of LOINC panel codes.
- Other substances: Smith PC, Schmidt SM, Allensworth-Davies D, Saitz R. A single-question
  screening test for drug use in primary care. Arch Intern Med 2010;170(13):1155–60. One use or
  more in the past year is positive. The follow-up ("which ones?") is written for this project.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.options import Option

AUDIT_C_NAME = "AUDIT-C"
AUDIT_C_KEY = "audit"
PANEL_LOINC = "72109-2"
PANEL_DISPLAY = "Alcohol use disorder identification test - consumption [AUDIT-C]"
TOTAL_LOINC = "75626-2"
TOTAL_DISPLAY = "Total score [AUDIT-C]"
MAX_TOTAL = 12
CUT_OFF_MEN = 4
CUT_OFF_WOMEN = 3
SOURCE = "Bush et al. 1998; cut-offs Bradley et al. 2007"
LICENCE_NOTE = (
    "AUDIT-C: the first three items of the WHO AUDIT (Babor et al., WHO 2001), reproduced "
    "as its manual allows; Bush et al. 1998, Bradley et al. 2007."
)


def _points(*labels: str) -> tuple[Option, ...]:
    return tuple(Option(str(points), label) for points, label in enumerate(labels))


@dataclass(frozen=True)
class AuditItem:
    number: int
    loinc: str
    text: str
    options: tuple[Option, ...]


AUDIT_C_ITEMS: tuple[AuditItem, ...] = (
    AuditItem(
        1,
        "68518-0",
        "How often do you have a drink containing alcohol?",
        _points(
            "Never",
            "Monthly or less",
            "2–4 times a month",
            "2–3 times a week",
            "4 or more times a week",
        ),
    ),
    AuditItem(
        2,
        "68519-8",
        "How many standard drinks containing alcohol do you have on a typical day?",
        _points("1 or 2", "3 or 4", "5 or 6", "7 to 9", "10 or more"),
    ),
    AuditItem(
        3,
        "68520-6",
        "How often do you have six or more drinks on one occasion?",
        _points("Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily"),
    ),
)

DRUG_QUESTION = (
    "How many times in the past year have you used an illegal drug or used a prescription "
    "medication for non-medical reasons?"
)
DRUG_OPTIONS = (
    Option("0", "Never", aliases=("none", "no", "zero")),
    Option("1", "Once", aliases=("one",)),
    Option("2", "2 to 5 times"),
    Option("6", "6 or more times"),
)
SUBSTANCE_OPTIONS = (
    Option("cannabis", "Cannabis", aliases=("marijuana", "weed", "pot", "thc")),
    Option("stimulants", "Stimulants", aliases=("cocaine", "meth", "speed", "adderall")),
    Option("opioids", "Opioids", aliases=("heroin", "fentanyl", "oxycodone", "painkillers")),
    Option("sedatives", "Sedatives or sleeping pills", aliases=("benzos", "xanax", "sedatives")),
    Option("other", "Something else", aliases=("other",)),
    Option("private", "Prefer not to say", exclusive=True),
)


@dataclass(frozen=True)
class AuditScore:
    """The AUDIT-C total; `band` (both cut-offs in words) only when complete, since a partial
    total would understate it. Plain fields, so the JSON export carries them all."""

    total: int
    max_total: int
    item_scores: tuple[int | None, ...]  # items 2 and 3 are 0 (not asked) after "Never"
    complete: bool
    band: str | None
    positive_men: bool  # at or above 4 (Bradley 2007)
    positive_women: bool  # at or above 3 (Bradley 2007)
    source: str = SOURCE


def _band(total: int) -> str:
    if total >= CUT_OFF_MEN:
        return f"positive screen for men (≥{CUT_OFF_MEN}) and for women (≥{CUT_OFF_WOMEN})"
    if total >= CUT_OFF_WOMEN:
        return (
            f"positive screen for women (≥{CUT_OFF_WOMEN}); below the cut-off for men "
            f"(≥{CUT_OFF_MEN})"
        )
    return f"below the cut-offs for women (≥{CUT_OFF_WOMEN}) and men (≥{CUT_OFF_MEN})"


def audit_score(values: dict[int, int | None]) -> AuditScore | None:
    """The AUDIT-C total from item answers (0–4 each), or None when nothing was answered."""
    if all(values.get(item.number) is None for item in AUDIT_C_ITEMS):
        return None
    scores = tuple(values.get(item.number) for item in AUDIT_C_ITEMS)
    if scores[0] == 0:
        scores = (0, 0, 0)  # "Never": items 2 and 3 score 0 and are not asked
    for number, value in enumerate(scores, start=1):
        if value is not None and not 0 <= value <= 4:
            raise ValueError(f"AUDIT-C item {number} score {value} is not 0–4")
    total = sum(v for v in scores if v is not None)
    complete = all(v is not None for v in scores)
    return AuditScore(
        total=total,
        max_total=MAX_TOTAL,
        item_scores=scores,
        complete=complete,
        band=_band(total) if complete else None,
        positive_men=complete and total >= CUT_OFF_MEN,
        positive_women=complete and total >= CUT_OFF_WOMEN,
    )


def drug_screen_positive(times: int | float | None) -> bool:
    """Smith et al. 2010: one use or more in the past year is a positive screen."""
    return isinstance(times, int | float) and times >= 1
