"""The between-visit check-ins: their figures, the patient's notes, and the check-in chart."""

from __future__ import annotations

import io
import struct

from bot.render.pdf.document import IntakePDF
from bot.render.pdf.layout import numbered, page_room, paragraph, section
from bot.render.pdf.style import CHART_WIDTH_SHARE, TABLE_SIZE
from bot.render.pdf.tables import pairs, pairs_start
from bot.render.pdf.text import day
from flows.report import CheckinSummary

CHART_ALT_TEXT = "Check-in chart: mood and hours slept per check-in, visits marked"


def draw_checkins(pdf: IntakePDF, chart_png: bytes | None) -> None:
    """The check-in figures and notes since the last visit (or that there were none), and the chart."""
    compiled = pdf.compiled
    summary = compiled.checkins
    period = (
        f"since {day(compiled.checkins_since, pdf.zone)}"
        if compiled.checkins_since is not None
        else "since the patient joined"
    )
    if summary is None or summary.count == 0:
        section(pdf, "Check-ins")
        paragraph(pdf, f"None {period}.")
    else:
        figures = _figures(summary)
        section(pdf, f"Check-ins {period}", keep=pairs_start(pdf, figures, label_share=0.25))
        pairs(pdf, figures, label_share=0.25)
        pdf.ln(2)
        _notes(pdf, summary)
    if chart_png is not None:
        _chart(pdf, chart_png)


def _figures(summary: CheckinSummary) -> list[tuple[str, str]]:
    """How many check-ins, mood, sleep and side effects, as label/value pairs."""
    count = f"{summary.count} check-in{'' if summary.count == 1 else 's'}"
    if summary.late:
        count += f" ({summary.late} late)"
    count += f", {summary.missed} missed" if summary.missed else ", none missed"
    if summary.mood_average is None:
        mood = "not answered"
    else:
        mood = (
            f"average {summary.mood_average:.1f} (lowest {summary.mood_lowest}, "
            f"highest {summary.mood_highest}), {summary.mood_direction or 'too few to tell'}"
        )
    sleep = (
        "not answered"
        if summary.sleep_average is None
        else f"average {summary.sleep_average:.1f} h"
    )
    effects = ", ".join(f"{label} ×{times}" for label, times in summary.side_effects)
    return [
        ("Check-ins", count),
        ("Mood (0–10)", mood),
        ("Sleep", sleep),
        ("Side effects reported", effects or "none"),
    ]


def _notes(pdf: IntakePDF, summary: CheckinSummary) -> None:
    """The patient's check-in notes verbatim, each beside its date."""
    if summary.notes:
        paragraph(pdf, "Notes (verbatim)", style="B", size=TABLE_SIZE)
        pdf.ln(0.5)
        numbered(
            pdf,
            [day(at, pdf.zone) for at, _ in summary.notes],
            [f"“{note}”" for _, note in summary.notes],
            mark_width=18,
        )
    else:
        paragraph(pdf, "Notes: none")


def _chart(pdf: IntakePDF, png: bytes) -> None:
    """The chart centred at most CHART_WIDTH_SHARE of the width, and never taller than a page."""
    width = pdf.epw * CHART_WIDTH_SHARE
    size = _png_size(png)
    height = width * size[1] / size[0] if size else width * 0.6
    if height > page_room(pdf):
        height = page_room(pdf) - 2
        width = height * size[0] / size[1] if size else height / 0.6
    pdf.ln(2)
    if pdf.will_page_break(height):
        pdf.add_page()
    top = pdf.get_y()
    pdf.image(
        io.BytesIO(png),
        x=pdf.l_margin + (pdf.epw - width) / 2,
        y=top,
        w=width,
        h=height,
        alt_text=CHART_ALT_TEXT,
    )
    pdf.set_xy(pdf.l_margin, top + height)


def _png_size(png: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels from a PNG's header, or None if `png` is not a PNG."""
    if png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 24:
        width, height = struct.unpack(">II", png[16:24])
        if width and height:
            return width, height
    return None
