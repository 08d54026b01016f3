"""Layout primitives for running text: fonts, section headings, paragraphs, notes, numbered lists.

Each takes the document and writes at its current position, leaving the body font set.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from bot.render.pdf.fonts import FONT
from bot.render.pdf.style import (
    BODY_LINE,
    BODY_SIZE,
    INK,
    MUTED,
    NAVY,
    SECTION_SIZE,
    TOP_MARGIN,
)
from bot.render.pdf.text import printable


def body_font(pdf: FPDF, style: str = "", size: float = BODY_SIZE) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*INK)


def page_room(pdf: FPDF) -> float:
    """The height (mm) a page has for content, below the top margin and above the footer."""
    return pdf.page_break_trigger - TOP_MARGIN


def wrapped_lines(pdf: FPDF, width: float, line_height: float, text: str) -> list[str]:
    """The lines `text` wraps to in `width` (mm) in the current font; nothing is drawn."""
    lines = pdf.multi_cell(width, line_height, text, dry_run=True, output=MethodReturnValue.LINES)
    # fpdf2 types every kind of multi_cell result as one union; LINES gives the list of lines.
    if not isinstance(lines, list):
        raise TypeError(f"multi_cell gave {type(lines).__name__} for its lines")
    return lines


def fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` shortened with "…" to fit on one line of `width`."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def section(pdf: FPDF, title: str, keep: float = 20) -> None:
    """A section heading, on the next page unless `keep` mm of what follows fit under it."""
    if pdf.will_page_break(14 + min(keep, page_room(pdf) / 2)):
        pdf.add_page()
    elif pdf.get_y() > TOP_MARGIN + 1:
        pdf.ln(4.5)
    pdf.set_font(FONT, "B", SECTION_SIZE)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.35)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    body_font(pdf)


def paragraph(pdf: FPDF, text: str, *, style: str = "", size: float = BODY_SIZE) -> None:
    """`text` (patient text allowed) wrapped to the full width."""
    body_font(pdf, style, size)
    pdf.multi_cell(0, BODY_LINE, printable(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def note(pdf: FPDF, text: str) -> None:
    """A small muted line, e.g. what a table's empty cells mean."""
    pdf.set_font(FONT, "I", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    body_font(pdf)


def numbered(pdf: FPDF, marks: Sequence[str], texts: Sequence[str], mark_width: float) -> None:
    """Items with a hanging indent: "1." or a date in the margin, the text wrapped beside it."""
    body_font(pdf)
    for mark, text in zip(marks, texts, strict=True):
        if pdf.will_page_break(BODY_LINE):
            pdf.add_page()
        pdf.set_x(pdf.l_margin)
        pdf.set_font(FONT, "B", BODY_SIZE)
        pdf.cell(mark_width, BODY_LINE, mark)
        body_font(pdf)
        pdf.multi_cell(
            pdf.epw - mark_width,
            BODY_LINE,
            printable(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(1)
