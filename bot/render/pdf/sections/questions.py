"""The patient's questions for the visit, numbered: picked from the list (marked so), then
typed ones verbatim."""

from __future__ import annotations

from bot.render.pdf.document import IntakePDF
from bot.render.pdf.layout import numbered, paragraph, section
from bot.render.summary import question_rows


def draw_questions(pdf: IntakePDF) -> None:
    questions = question_rows(pdf.compiled)
    if pdf.compiled.picked_questions:
        title = "Patient's questions (typed ones verbatim)"
    else:
        title = "Patient's questions (verbatim)" if questions else "Patient's questions"
    section(pdf, title)
    if not questions:
        paragraph(pdf, "None.")
        return
    numbered(pdf, [f"{n}." for n in range(1, len(questions) + 1)], questions, mark_width=8)
