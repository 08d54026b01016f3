"""Sleep, energy/appetite/focus, life stressors with the patient's note on them, and the sections
reported as plain answers (reasons, past medicines, allergies and health, substances, therapy,
physical health)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.pdf.document import IntakePDF
from bot.render.pdf.layout import paragraph, section
from bot.render.pdf.style import TABLE_SIZE
from bot.render.pdf.tables import pairs, pairs_start
from bot.render.summary import answered_sections

STRESS_LEVELS = (
    ("A lot", "A lot"),
    ("A little", "A little"),
    ("Not at all", "Not at all"),
    ("not answered", "Not answered"),
)
"""(answer, row label), in the order the rows are listed."""


def draw_pairs_section(pdf: IntakePDF, title: str, rows: Sequence[tuple[str, str]]) -> None:
    """A section of question/answer pairs (sleep; energy, appetite, focus)."""
    section(pdf, title, keep=pairs_start(pdf, rows))
    pairs(pdf, rows)


def draw_stressors(pdf: IntakePDF) -> None:
    """The stress domains grouped by how much each weighs, then the patient's note verbatim."""
    compiled = pdf.compiled
    rows = []
    for level, label in STRESS_LEVELS:
        domains = [domain.lower() for domain, said in compiled.stressors if said == level]
        if domains:
            rows.append((label, ", ".join(domains)))
    section(pdf, "Life stressors", keep=pairs_start(pdf, rows, label_share=0.2))
    if rows:
        pairs(pdf, rows, label_share=0.2)
    if compiled.stress_notes:
        pdf.ln(2)
        paragraph(pdf, "Patient's note (verbatim)", style="B", size=TABLE_SIZE)
        paragraph(pdf, f"“{compiled.stress_notes}”")


def draw_answered_sections(pdf: IntakePDF, *names: str) -> None:
    """Each named section this intake has: its answers in order, the patient's words quoted."""
    for found in answered_sections(pdf.compiled, *names):
        rows = [
            (line.label, f"“{line.value}”" if line.own_words else line.value)
            for line in found.lines
        ]
        section(pdf, found.title, keep=pairs_start(pdf, rows))
        pairs(pdf, rows)
