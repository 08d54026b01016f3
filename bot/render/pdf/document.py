"""The PDF document for one intake: page size, fonts, metadata, and the header and footer.

`IntakePDF` is the FPDF that the sections (bot.render.pdf.sections) write into. It holds the
intake, the clinic and its time zone, and draws the furniture on every page: from page 2 a
header naming the patient and clinic, and on every page a footer with the licence line, what
the instruments are, and "Page n of N".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.render.pdf.fonts import FONT, PLACEHOLDER, register_fonts
from bot.render.pdf.layout import fit, wrapped_lines
from bot.render.pdf.style import (
    BOTTOM_GAP,
    FOOTER_LINE,
    FOOTER_SIZE,
    INK,
    MUTED,
    PAGE_FORMAT,
    RULE,
    SIDE_MARGIN,
    TOP_MARGIN,
)
from bot.render.pdf.text import printable, texts
from flows.audit_c import LICENCE_NOTE as AUDIT_C_LICENCE
from flows.instruments import LICENCE_LINE
from flows.report import CompiledIntake

FOOTER_NOTE = (
    "PHQ-9 and GAD-7 are validated instruments; medications, sleep, energy/appetite/focus, side "
    "effects, stressors and check-ins are clinic questions, not validated scales. Compiled "
    "without interpretation."
)

FIRST_VISIT_FOOTER_NOTE = (
    "PHQ-9, GAD-7 and AUDIT-C (Bush et al. 1998; cut-offs Bradley et al. 2007) are validated "
    "instruments, as is the single drug-use question (Smith et al. 2010); everything else is "
    "the clinic's own questions, not validated scales. Compiled without interpretation. "
    + AUDIT_C_LICENCE
)

UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=UTC)
"""The PDF's creation date when the intake has no submission time: fixed, so bytes repeat."""


def _runs_of(characters: frozenset[str]) -> re.Pattern[str] | None:
    """A pattern for runs of `characters`, spaces between them included; None for none."""
    if not characters:
        return None
    chars = "".join(re.escape(char) for char in sorted(characters))
    return re.compile(rf"[{chars}]+(?:\s+[{chars}]+)*")


def _placeholder(match: re.Match[str]) -> str:
    # Invisible format characters (zero-width joiners) alone are dropped, not announced.
    if all(unicodedata.category(char) == "Cf" for char in match.group().strip()):
        return ""
    return PLACEHOLDER


class IntakePDF(FPDF):
    """One intake's PDF: US Letter, portrait, millimetres; call `start` before drawing."""

    def __init__(self, compiled: CompiledIntake, *, clinic: str, zone: ZoneInfo) -> None:
        super().__init__(orientation="portrait", unit="mm", format=PAGE_FORMAT)
        self.compiled = compiled
        self.clinic = clinic
        self.zone = zone
        self.cannot_show = _runs_of(register_fonts(self, (clinic, *texts(compiled))))

        self.set_creation_date(compiled.submitted_at or UNKNOWN_DATE)
        self.set_title(f"Pre-visit intake #{compiled.intake_id}")
        self.set_author(printable(clinic))
        self.set_subject("Pre-visit intake for a medication-management visit")
        self.set_creator("intake-bot")
        self.set_lang("en-US")

        self.set_margins(SIDE_MARGIN, TOP_MARGIN, SIDE_MARGIN)
        self.set_text_color(*INK)
        self.footer_height = 0.0  # measured once the first page exists (measuring needs a page)

    def normalize_text(self, text: str) -> str:
        """Text as drawn and measured: characters no font has become `PLACEHOLDER` (once per
        run of them), so the provider reads a note instead of empty boxes."""
        if self.cannot_show is not None:
            text = self.cannot_show.sub(_placeholder, text)
        return super().normalize_text(text)

    @property
    def footer_note(self) -> str:
        """Which questions are validated: AUDIT-C and the drug question too on a first visit."""
        return FIRST_VISIT_FOOTER_NOTE if self.compiled.first_visit else FOOTER_NOTE

    def start(self) -> None:
        """The first page; then the footer is measured and pages break above it."""
        self.add_page()
        self.footer_height = self._footer_height()
        self.set_auto_page_break(True, margin=self.footer_height + 4)

    def _footer_height(self) -> float:
        self.set_font(FONT, "", FOOTER_SIZE)
        lines = sum(
            len(wrapped_lines(self, self.epw, FOOTER_LINE, text))
            for text in (LICENCE_LINE, self.footer_note)
        )
        return (lines + 1) * FOOTER_LINE + 2.5 + BOTTOM_GAP

    def header(self) -> None:
        """From page 2: the patient and intake on the left, the clinic on the right, a rule."""
        if self.page_no() == 1:
            return
        self.set_y(8)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        left = f"Pre-visit intake: {self.compiled.patient_name} · intake #{self.compiled.intake_id}"
        half = self.epw / 2
        self.cell(half, 4, fit(self, printable(left), half - 2))
        self.cell(half, 4, fit(self, printable(self.clinic), half - 2), align="R")
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 12.6, self.w - self.r_margin, 12.6)
        self.set_xy(self.l_margin, TOP_MARGIN)
        self.set_text_color(*INK)

    def footer(self) -> None:
        """A rule, the licence line and FOOTER_NOTE, then who this is about and the page number."""
        top = self.h - self.footer_height
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, top, self.w - self.r_margin, top)
        self.set_xy(self.l_margin, top + 1.5)
        self.set_font(FONT, "", FOOTER_SIZE)
        self.set_text_color(*MUTED)
        for text in (LICENCE_LINE, self.footer_note):
            self.multi_cell(0, FOOTER_LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        page = f"Page {self.page_no()} of {{nb}}"
        who = f"{self.clinic} · {self.compiled.patient_name} · intake #{self.compiled.intake_id}"
        y = self.get_y()
        self.cell(self.epw - 30, FOOTER_LINE, fit(self, printable(who), self.epw - 32))
        self.set_xy(self.w - self.r_margin - 30, y)
        self.set_font(FONT, "B", FOOTER_SIZE)
        self.cell(30, FOOTER_LINE, page, align="R")
        self.set_text_color(*INK)
