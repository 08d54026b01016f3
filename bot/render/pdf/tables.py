"""Tables for the PDF: grids with headings, label/value pairs, and how much room they need.

A short table stays on one page; a long one starts under its heading with a few rows and
repeats its headings on every page. A row too tall for any page is written out as text.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout

from bot.render.pdf.fonts import FONT
from bot.render.pdf.layout import body_font, page_room, paragraph, wrapped_lines
from bot.render.pdf.style import (
    HEADING_FILL,
    INK,
    KEEP_ROWS,
    KEEP_TOGETHER,
    MUTED,
    NAVY,
    RULE,
    TABLE_LINE,
    TABLE_PADDING,
    TABLE_SIZE,
)
from bot.render.pdf.text import printable


def grid(
    pdf: FPDF,
    headings: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    label_column: bool = False,
    borders: TableBordersLayout = TableBordersLayout.HORIZONTAL_LINES,
) -> None:
    """A table of `widths` (mm); headings repeat on every page it spans.

    A row too tall for one page (a very long verbatim answer) cannot go in a table: it is
    written out as labelled text between the rows before and after it, which stay tables.
    """
    drawn = [[printable(cell) for cell in row] for row in rows]
    if pdf.will_page_break(grid_start(pdf, headings, drawn, widths)):
        pdf.add_page()  # a short table stays on one page, a long one starts with a few rows
    run: list[list[str]] = []
    for row in drawn:
        if _row_height(pdf, row, widths) <= page_room(pdf) * 0.8:
            run.append(row)
            continue
        if run:
            _table(pdf, headings, run, widths, label_column=label_column, borders=borders)
            run = []
        _stacked(pdf, headings, row, label_column=label_column)
    if run:
        _table(pdf, headings, run, widths, label_column=label_column, borders=borders)
    body_font(pdf)


def grid_start(
    pdf: FPDF,
    headings: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
) -> float:
    """How much of a page the table must have to start under its heading (mm, erring tall).

    Its whole height when that is at most KEEP_TOGETHER, else its headings and first rows.
    """
    every = [headings, *rows] if headings is not None else list(rows)
    heights = [_row_height(pdf, [printable(c) for c in row], widths) for row in every]
    if sum(heights) <= KEEP_TOGETHER:
        return sum(heights)
    return sum(heights[: KEEP_ROWS + (headings is not None)])


def pairs(pdf: FPDF, rows: Sequence[tuple[str, str]], label_share: float = 0.34) -> None:
    """Label/value rows, the label in bold taking `label_share` of the width."""
    grid(pdf, None, rows, _pair_widths(pdf, label_share), label_column=True)


def pairs_start(pdf: FPDF, rows: Sequence[tuple[str, str]], label_share: float = 0.34) -> float:
    """grid_start for `pairs`."""
    return grid_start(pdf, None, rows, _pair_widths(pdf, label_share))


def _pair_widths(pdf: FPDF, label_share: float) -> tuple[float, float]:
    label = round(pdf.epw * label_share, 1)
    return label, pdf.epw - label


def _row_height(pdf: FPDF, row: Sequence[str], widths: Sequence[float]) -> float:
    pdf.set_font(FONT, "B", TABLE_SIZE)  # bold is the wider (headings, labels): errs tall
    inner = [width - 2 * TABLE_PADDING[1] for width in widths]
    lines = max(
        len(wrapped_lines(pdf, max(width, 5), TABLE_LINE, text))
        for width, text in zip(inner, row, strict=False)
    )
    return lines * TABLE_LINE + 2 * TABLE_PADDING[0]


def _table(
    pdf: FPDF,
    headings: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    label_column: bool,
    borders: TableBordersLayout,
) -> None:
    pdf.set_font(FONT, "", TABLE_SIZE)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        width=sum(widths),
        col_widths=tuple(widths),
        align="LEFT",
        text_align="LEFT",
        v_align="TOP",
        line_height=TABLE_LINE,
        padding=TABLE_PADDING,
        borders_layout=borders,
        first_row_as_headings=headings is not None,
        headings_style=FontFace(emphasis="BOLD", color=NAVY, fill_color=HEADING_FILL),
        repeat_headings=1,
    ) as table:
        if headings is not None:
            heading_row = table.row()
            for heading in headings:
                heading_row.cell(heading)
        label_style = FontFace(emphasis="BOLD", color=MUTED)
        for row in rows:
            cells = table.row()
            for n, text in enumerate(row):
                cells.cell(text, style=label_style if label_column and n == 0 else None)


def _stacked(
    pdf: FPDF, headings: Sequence[str] | None, row: Sequence[str], *, label_column: bool
) -> None:
    """One table row as text: its first cell in bold, then each other cell under its heading."""
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.3)
    paragraph(pdf, row[0], style="B", size=TABLE_SIZE)
    names = headings[1:] if headings is not None else [""] * (len(row) - 1)
    for heading, text in zip(names, row[1:], strict=False):
        if heading and not label_column:
            paragraph(pdf, heading, style="B", size=TABLE_SIZE - 1)
        paragraph(pdf, text, size=TABLE_SIZE)
    pdf.ln(1.3)
