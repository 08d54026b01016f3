"""The scores (PHQ-9, GAD-7, with the last intake's when there was one) and what changed since."""

from __future__ import annotations

from bot.render.pdf.document import IntakePDF
from bot.render.pdf.layout import paragraph, section
from bot.render.pdf.style import NOTHING
from bot.render.pdf.tables import grid, grid_start, pairs, pairs_start
from bot.render.pdf.text import day
from bot.render.pdf.wording import audit_c_text, change_text, score_text
from bot.render.summary import baseline_words
from flows.report import Changes, CompiledIntake, ScoreChange


def draw_scores(pdf: IntakePDF) -> None:
    """A table of both questionnaires, then PHQ-9 item 9 and the difficulty question if answered."""
    headings, rows, widths = _score_table(pdf)
    section(pdf, "Scores", keep=grid_start(pdf, headings, rows, widths))
    grid(pdf, headings, rows, widths)

    details = _score_details(pdf.compiled)
    if details:
        pdf.ln(1.5)
        pairs(pdf, details, label_share=0.4)


def _score_table(pdf: IntakePDF) -> tuple[list[str], list[list[str]], list[float]]:
    """Headings, rows and column widths; "Last intake" and "Change" only for a returning patient."""
    compiled = pdf.compiled
    changes = compiled.changes
    headings = ["Questionnaire", "Score", "Severity band"]
    widths = [32.0, 60.0]
    if changes is not None:
        since = (
            f"since {day(changes.previous_submitted_at, pdf.zone)}"
            if changes.previous_submitted_at is not None
            else "since last intake"
        )
        by_name = {change.instrument: change for change in changes.scores}
        against = baseline_words(changes, pdf.zone.key)
        headings += ["Last intake", "Change"]
        widths = [30.0, 24.0, 29.0, 24.0]
    widths.append(pdf.epw - sum(widths))
    rows = []
    for score in (compiled.phq9, compiled.gad7):
        total, band = score_text(score)
        row = [score.instrument.name, total, band]
        if changes is not None:
            row += _change_cells(by_name.get(score.instrument.name), since, against)
        rows.append(row)
    if compiled.audit_c is not None:
        row = ["AUDIT-C", *audit_c_text(compiled.audit_c)]
        if changes is not None:
            row += [NOTHING, "not compared"]
        rows.append(row)
    return headings, rows, widths


def _change_cells(change: ScoreChange | None, since: str, against: str) -> list[str]:
    """The last intake's score and the change since, or that there is nothing to compare."""
    if change is None:
        return [NOTHING, "not compared"]
    previous = "incomplete" if change.previous is None else str(change.previous)
    return [previous, change_text(change, since, against)]


def _score_details(compiled: CompiledIntake) -> list[tuple[str, str]]:
    details = []
    item9 = compiled.phq9.item_scores[8]
    if item9 is not None:
        details.append(("PHQ-9 item 9 (self-harm thoughts)", f"{item9} of 3"))
    if compiled.phq9_function:
        details.append(("PHQ-9 difficulty (work, home, people)", compiled.phq9_function))
    return details


def draw_changes(pdf: IntakePDF, changes: Changes) -> None:
    """Medicines started and stopped, dose changes, side effects and stressors new or gone."""
    since = (
        f" ({day(changes.previous_submitted_at, pdf.zone)})"
        if changes.previous_submitted_at is not None
        else ""
    )
    rows = _change_rows(changes)
    section(pdf, f"Changes since the last intake{since}", keep=pairs_start(pdf, rows))
    if rows:
        pairs(pdf, rows)
    else:
        paragraph(pdf, "No changes in medications, side effects or stressors.")


def _change_rows(changes: Changes) -> list[tuple[str, str]]:
    rows = [
        (label, ", ".join(items))
        for label, items in (
            ("Medications started", changes.medications_started),
            ("Medications stopped", changes.medications_stopped),
        )
        if items
    ]
    if changes.dose_changes:
        rows.append(
            (
                "Dose or schedule changed",
                "\n".join(f"{d.name}: {d.before} → {d.after}" for d in changes.dose_changes),
            )
        )
    rows += [
        (label, ", ".join(items))
        for label, items in (
            ("Side effects, new", changes.side_effects_new),
            ("Side effects, resolved", changes.side_effects_resolved),
            ("Stressors, new", changes.stressors_new),
        )
        if items
    ]
    return rows
