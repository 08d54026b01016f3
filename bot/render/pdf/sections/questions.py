"""The patient's questions for the visit, numbered and verbatim."""

from __future__ import annotations

from bot.render.pdf.document import IntakePDF
from bot.render.pdf.layout import numbered, paragraph, section


def draw_questions(pdf: IntakePDF) -> None:
    questions = pdf.compiled.questions
    section(pdf, "Patient's questions (verbatim)" if questions else "Patient's questions")
    if not questions:
        paragraph(pdf, "None.")
        return
    numbered(pdf, [f"{n}." for n in range(1, len(questions) + 1)], list(questions), mark_width=8)
