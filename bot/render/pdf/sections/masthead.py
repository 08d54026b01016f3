"""The top of the first page: the clinic, the title, who and when, and the flags box."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.enums import TableBordersLayout, XPos, YPos

from bot.render.pdf.document import IntakePDF
from bot.render.pdf.fonts import FONT
from bot.render.pdf.layout import body_font, page_room, wrapped_lines
from bot.render.pdf.style import (
    BODY_LINE,
    BODY_SIZE,
    FLAG_FILL,
    FLAG_RED,
    INK,
    MUTED,
    RULE,
    SECTION_SIZE,
    TITLE_SIZE,
    WHITE,
)
from bot.render.pdf.tables import grid
from bot.render.pdf.text import printable, when
from bot.render.summary import flag_rows
from flows.report import CompiledIntake

FLAG_PAD = 3.0
"""Space (mm) between the flags box and its text."""
FLAG_TITLE_LINE = 6.5


def draw_title(pdf: IntakePDF) -> None:
    """The clinic, "Pre-visit intake", then patient, appointment, submission time and intake."""
    compiled = pdf.compiled
    pdf.set_font(FONT, "B", 10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, printable(pdf.clinic), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", TITLE_SIZE)
    pdf.set_text_color(*INK)
    pdf.cell(0, 10, "Pre-visit intake", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    submitted = (
        when(compiled.submitted_at, pdf.zone)
        if compiled.submitted_at is not None
        else "not recorded"
    )
    widths = (22.0, 62.0, 26.0, pdf.epw - 110.0)
    grid(
        pdf,
        None,
        [
            (
                "Patient",
                compiled.patient_name,
                "Appointment",
                compiled.appointment or "not set",
            ),
            ("Submitted", submitted, "Intake", f"#{compiled.intake_id}"),
        ],
        widths,
        borders=TableBordersLayout.NONE,
    )
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.6)
    pdf.ln(1.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)


def draw_flags(pdf: IntakePDF) -> None:
    """The flags and safety answers in a box (red when there are any), or "Flags: none".

    The box stays on one page; flags too long for any page are written without it.
    """
    flagged = bool(pdf.compiled.flags)
    title = "⚠ Flags" if flagged else "Flags: none"
    lines = _flag_lines(pdf.compiled)
    inner = pdf.epw - 2 * FLAG_PAD
    height = _box_height(pdf, lines, inner)
    boxed = height <= page_room(pdf)
    if boxed and pdf.will_page_break(height):
        pdf.add_page()
    top = pdf.get_y()
    if boxed:
        pdf.set_line_width(0.6 if flagged else 0.3)
        pdf.set_draw_color(*(FLAG_RED if flagged else RULE))
        pdf.set_fill_color(*(FLAG_FILL if flagged else WHITE))
        pdf.rect(pdf.l_margin, top, pdf.epw, height, style="DF")
    pdf.set_xy(pdf.l_margin + FLAG_PAD, top + FLAG_PAD)
    pdf.set_font(FONT, "B", SECTION_SIZE)
    pdf.set_text_color(*(FLAG_RED if flagged else INK))
    pdf.cell(inner, FLAG_TITLE_LINE, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
    if lines:
        pdf.ln(1)
    body_font(pdf)
    for line in lines:
        pdf.set_x(pdf.l_margin + FLAG_PAD)
        pdf.multi_cell(inner, BODY_LINE, line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_fill_color(*WHITE)
    pdf.set_xy(pdf.l_margin, top + height if boxed else pdf.get_y() + FLAG_PAD)
    pdf.ln(1)


def _flag_lines(compiled: CompiledIntake) -> list[str]:
    """Each flag as a bullet, each answer to the safety question under its safety flag."""
    lines = [
        f"    Safety question: {text}" if answer else f"• {text}"
        for answer, text in flag_rows(compiled)
    ]
    return [printable(line) for line in lines]


def _box_height(pdf: IntakePDF, lines: Sequence[str], inner: float) -> float:
    """The flags box's height (mm): its title and `lines` wrapped to `inner`, padded."""
    pdf.set_font(FONT, "", BODY_SIZE)
    body = sum(len(wrapped_lines(pdf, inner, BODY_LINE, line)) for line in lines)
    return 2 * FLAG_PAD + FLAG_TITLE_LINE + body * BODY_LINE + (1 if lines else -1.5)
