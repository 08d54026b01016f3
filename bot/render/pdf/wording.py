"""Wording shared with the Telegram summary: scores, changes, medicines and their side effects."""

from __future__ import annotations

import re

from bot.render.pdf.style import NOTHING
from flows.audit_c import AuditScore
from flows.instruments import Score
from flows.report import CompiledIntake, MedicationReport, ScoreChange


def score_text(score: Score) -> tuple[str, str]:
    """(score, band) as the summary says them; an incomplete total gets no band."""
    if score.complete:
        return f"{score.total} / {score.instrument.max_total}", score.band or NOTHING
    items = len(score.instrument.items)
    return (
        f"incomplete ({score.answered} of {items} items answered, {score.total} points so far)",
        NOTHING,
    )


def audit_c_text(score: AuditScore) -> tuple[str, str]:
    """(score, band) for the AUDIT-C: both cut-offs in the band, sex never inferred."""
    if score.complete:
        return f"{score.total} / {score.max_total}", score.band or NOTHING
    answered = sum(1 for v in score.item_scores if v is not None)
    return f"incomplete ({answered} of 3 items answered, {score.total} points so far)", NOTHING


def change_text(change: ScoreChange, since: str, against: str = "the first intake") -> str:
    """The difference and the fixed-rule flags as they are: "+6 since 3 Nov (meaningful change)";
    a response names the intake it is judged against (`against`) and its total there."""
    if change.delta is None:
        missing = "last intake" if change.previous is None else "this intake"
        text = f"not compared: {missing} incomplete"
    else:
        text = f"{change.delta:+d} {since}"
    marks = [
        word
        for word, on in (
            ("meaningful change", change.meaningful),
            (f"response vs. {against}, {change.baseline}", change.response),
            ("remission", change.remission),
        )
        if on
    ]
    return text + (f" ({', '.join(marks)})" if marks else "")


def medication_side_effects(compiled: CompiledIntake, med: MedicationReport) -> tuple[str, ...]:
    """The side effects whose suspected medicine names `med` (its name, as a whole word)."""
    name = med.name.strip().casefold()
    if not name:
        return ()
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    return tuple(
        effect.name
        for effect in compiled.side_effects
        if pattern.search(effect.suspected.casefold())
    )


def taking(med: MedicationReport) -> str:
    """How the patient takes `med`, with the dose they take now when it differs."""
    return med.taking_text
