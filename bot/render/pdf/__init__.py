"""The compiled intake as a printable PDF: the provider summary's content, laid out for paper.

The PDF says what the Telegram summary (bot.render.summary) says, in words and figures only:
flags first, then scores (AUDIT-C too on a first visit), changes since the last intake, why the
patient is coming (first visit), medications, past medicines, allergies and health, sleep,
energy/appetite/focus, side effects, alcohol and other substances, therapy, physical health,
stressors, check-ins with their chart, and the patient's questions (picked ones marked, typed
ones verbatim). Nothing is interpreted.

Rendering is pure Python (fpdf2), with text shaping (uharfbuzz) so Arabic joins and runs right
to left. Text is set in DejaVu Sans, which matplotlib ships inside its package; what DejaVu
lacks falls back to Noto fonts shipped in Python packages (other scripts, CJK, symbols,
emoji), so nothing is downloaded or read from the system. A character no font has is written
as "[text in a script this PDF cannot show — see the Telegram message]", never as boxes, so
patient text never breaks rendering. The same input always gives the same bytes: the PDF's
creation date is the intake's submission time.

This module is the entry point and the order of the sections. The rest of the package:

- `style`: page geometry, type sizes, colours, when tables are kept together.
- `fonts`: DejaVu Sans, and the packaged fallback fonts only when the text needs them.
- `text`: patient text made drawable; local dates and times.
- `wording`: scores, changes and side effects said as the Telegram summary says them.
- `document`: the FPDF document, its metadata, and the header and footer on every page.
- `layout`: headings, paragraphs, notes and numbered lists.
- `tables`: tables and label/value pairs that split across pages sensibly.
- `sections`: one module per group of sections, each drawing into the document.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.render.pdf.document import FOOTER_NOTE, IntakePDF
from bot.render.pdf.sections.checkins import draw_checkins
from bot.render.pdf.sections.masthead import draw_flags, draw_title
from bot.render.pdf.sections.medications import draw_medications, draw_side_effects
from bot.render.pdf.sections.questions import draw_questions
from bot.render.pdf.sections.scores import draw_changes, draw_scores
from bot.render.pdf.sections.wellbeing import (
    draw_answered_sections,
    draw_pairs_section,
    draw_stressors,
)
from bot.render.pdf.wording import change_text, medication_side_effects, score_text
from flows.report import CompiledIntake

__all__ = [
    "FOOTER_NOTE",
    "change_text",
    "medication_side_effects",
    "render_intake_pdf",
    "score_text",
]


def render_intake_pdf(
    compiled: CompiledIntake, *, clinic: str, zone: str, chart_png: bytes | None
) -> bytes:
    """The provider's printable copy of one intake, as PDF bytes (US Letter, portrait).

    `zone` is the clinic's time zone for the submission time and dates; `chart_png` the
    check-in chart (bot.render.chart.render_checkin_chart), placed after the check-in figures, or
    None for no chart. The same arguments always give the same bytes.
    """
    pdf = IntakePDF(compiled, clinic=clinic, zone=ZoneInfo(zone))
    pdf.start()
    _draw_sections(pdf, chart_png)
    return bytes(pdf.output())


def _draw_sections(pdf: IntakePDF, chart_png: bytes | None) -> None:
    """Every section, in the order the provider reads them."""
    compiled = pdf.compiled
    draw_title(pdf)
    draw_flags(pdf)
    draw_scores(pdf)
    if compiled.changes is not None:
        draw_changes(pdf, compiled.changes)
    draw_answered_sections(pdf, "reasons")
    draw_medications(pdf)
    draw_answered_sections(pdf, "past_medications", "background")
    draw_pairs_section(pdf, "Sleep", compiled.sleep)
    daily = "(past two weeks)" if compiled.first_visit else "(vs. before last visit)"
    draw_pairs_section(pdf, f"Energy, appetite, focus {daily}", compiled.daily)
    if not compiled.first_visit:  # not asked on a first visit
        draw_side_effects(pdf)
    draw_answered_sections(pdf, "substances", "therapy", "physical")
    draw_stressors(pdf)
    if compiled.checkins is not None or chart_png is not None:
        draw_checkins(pdf, chart_png)
    draw_questions(pdf)
