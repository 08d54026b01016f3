"""The compiled intake as a printable PDF: the provider summary's content, laid out for paper.

The PDF says what the Telegram summary (bot.render.summary) says, in words and figures only:
flags first, then scores, changes since the last intake, medications, sleep, energy/appetite/
focus, side effects, stressors, check-ins with their chart, and the patient's questions
verbatim. Nothing is interpreted.

Rendering is pure Python (fpdf2). Text is set in DejaVu Sans, which matplotlib ships inside its
package, so nothing is downloaded or installed on the system; characters DejaVu lacks (CJK,
newer emoji…) fall back to matplotlib's Last Resort font, which draws a labelled box for any
code point, so patient text never breaks rendering. The same input always gives the same
bytes: the PDF's creation date is the intake's submission time.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import MethodReturnValue, TableBordersLayout, XPos, YPos

from flows.changes import Changes, ScoreChange
from flows.compiled import CompiledIntake, MedicationReport
from flows.instruments import LICENCE_LINE, Score

FOOTER_NOTE = (
    "PHQ-9 and GAD-7 are validated instruments; medications, sleep, energy/appetite/focus, side "
    "effects, stressors and check-ins are clinic questions, not validated scales. Compiled "
    "without interpretation."
)

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "dejavu"
FALLBACK_FONT = "lastresort"

# US Letter, portrait, millimetres: the clinics are in the US.
PAGE_FORMAT = "letter"
SIDE_MARGIN = 18.0
TOP_MARGIN = 16.0
BOTTOM_GAP = 9.0  # below the footer
FOOTER_SIZE = 7.0
FOOTER_LINE = 3.1

BODY_SIZE = 10.0
BODY_LINE = 5.0
TABLE_SIZE = 9.0
TABLE_LINE = 4.3
TABLE_PADDING = (1.3, 1.6)  # vertical, horizontal
SECTION_SIZE = 12.5
TITLE_SIZE = 18.0

INK = (20, 20, 20)
MUTED = (90, 90, 90)
NAVY = (31, 78, 156)  # the chart's mood colour
FLAG_RED = (178, 24, 43)  # the chart's visit colour
FLAG_FILL = (253, 236, 234)
RULE = (185, 185, 185)
HEADING_FILL = (232, 236, 243)

CHART_WIDTH_SHARE = 0.9
UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=UTC)
"""The PDF's creation date when the intake has no submission time: fixed, so bytes repeat."""

NOTHING = "—"
KEEP_TOGETHER = 45.0
"""Tables up to this height (mm) are not split across pages; a longer one starts on the page of
its heading only when its headings and first two rows fit there."""
KEEP_ROWS = 2

# Control characters cannot be drawn; emoji presentation selectors would show as boxes.
_UNDRAWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufe0e\ufe0f]")


def render_intake_pdf(
    compiled: CompiledIntake, *, clinic: str, zone: str, chart_png: bytes | None
) -> bytes:
    """The provider's printable copy of one intake, as PDF bytes (US Letter, portrait).

    `zone` is the clinic's time zone for the submission time and dates; `chart_png` the
    check-in chart (bot.render.chart.render_checkin_chart), placed after the check-in figures, or
    None for no chart. The same arguments always give the same bytes.
    """
    pdf = _IntakePDF(compiled, clinic=clinic, zone=ZoneInfo(zone))
    pdf.render(chart_png)
    return bytes(pdf.output())


def _printable(text: str) -> str:
    """Patient text as drawn: line breaks kept, tabs as spaces, control characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _UNDRAWABLE.sub("", text)


def _texts(value: object) -> Iterator[str]:
    """Every string in `value`, looking inside dataclasses, tuples, lists and dicts."""
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from _texts(getattr(value, item.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)


def _day(moment: datetime, zone: ZoneInfo) -> str:
    """A local date the way the chart and the Telegram summary say it: "3 Nov"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b}"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")


def _png_size(png: bytes) -> tuple[int, int] | None:
    if png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 24:
        width, height = struct.unpack(">II", png[16:24])
        if width and height:
            return width, height
    return None


# --- wording shared with the Telegram summary ---------------------------------------------------


def score_text(score: Score) -> tuple[str, str]:
    """(score, band) as the summary says them; an incomplete total gets no band."""
    if score.complete:
        return f"{score.total} / {score.instrument.max_total}", score.band or NOTHING
    items = len(score.instrument.items)
    return (
        f"incomplete ({score.answered} of {items} items answered, {score.total} points so far)",
        NOTHING,
    )


def change_text(change: ScoreChange, since: str) -> str:
    """The difference and the fixed-rule flags as they are: "+6 since 3 Nov (meaningful change)"."""
    if change.delta is None:
        missing = "last intake" if change.previous is None else "this intake"
        text = f"not compared: {missing} incomplete"
    else:
        text = f"{change.delta:+d} {since}"
    marks = [
        word
        for word, on in (
            ("meaningful change", change.meaningful),
            ("response", change.response),
            ("remission", change.remission),
        )
        if on
    ]
    return text + (f" ({', '.join(marks)})" if marks else "")


def medication_side_effects(compiled: CompiledIntake, med: MedicationReport) -> tuple[str, ...]:
    """The side effects whose suspected medicine names `med` (its name, as a whole word)."""
    name = med.name.strip().casefold()
    if not name:
        return ()
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    return tuple(
        effect.name
        for effect in compiled.side_effects
        if pattern.search(effect.suspected.casefold())
    )


def _taking(med: MedicationReport) -> str:
    return med.status_label + (f" (now {med.current_dose})" if med.current_dose else "")


# --- the document --------------------------------------------------------------------------------


class _IntakePDF(FPDF):
    def __init__(self, compiled: CompiledIntake, *, clinic: str, zone: ZoneInfo) -> None:
        super().__init__(orientation="portrait", unit="mm", format=PAGE_FORMAT)
        self.compiled = compiled
        self.clinic = clinic
        self.zone = zone

        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        fallbacks = [FONT]
        # Last Resort covers every code point, which makes it slow to load (about a second):
        # it is loaded only when the text has characters DejaVu Sans lacks.
        covered = set(self.fonts[FONT].cmap).intersection(self.fonts[FONT + "B"].cmap)
        if any(
            ord(char) not in covered
            for text in (clinic, *_texts(compiled))
            for char in _printable(text)
            if char != "\n"
        ):
            self.add_font(FALLBACK_FONT, "", str(FONT_DIR / "LastResortHE-Regular.ttf"))
            fallbacks.append(FALLBACK_FONT)
        self.set_fallback_fonts(fallbacks, exact_match=False)

        self.set_creation_date(compiled.submitted_at or UNKNOWN_DATE)
        self.set_title(f"Pre-visit intake #{compiled.intake_id}")
        self.set_author(_printable(clinic))
        self.set_subject("Pre-visit intake for a medication-management visit")
        self.set_creator("intake-bot")
        self.set_lang("en-US")

        self.set_margins(SIDE_MARGIN, TOP_MARGIN, SIDE_MARGIN)
        self.set_text_color(*INK)
        self.footer_height = 0.0  # measured once the first page exists (measuring needs a page)

    # --- page furniture ---------------------------------------------------------------------

    def _footer_height(self) -> float:
        self.set_font(FONT, "", FOOTER_SIZE)
        lines = sum(len(self._lines(text, self.epw)) for text in (LICENCE_LINE, FOOTER_NOTE))
        return (lines + 1) * FOOTER_LINE + 2.5 + BOTTOM_GAP

    def _lines(self, text: str, width: float) -> list[str]:
        return self.multi_cell(
            width, FOOTER_LINE, text, dry_run=True, output=MethodReturnValue.LINES
        )

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(8)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        left = f"Pre-visit intake: {self.compiled.patient_name} · intake #{self.compiled.intake_id}"
        half = self.epw / 2
        self.cell(half, 4, self._fit(_printable(left), half - 2))
        self.cell(half, 4, self._fit(_printable(self.clinic), half - 2), align="R")
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 12.6, self.w - self.r_margin, 12.6)
        self.set_xy(self.l_margin, TOP_MARGIN)
        self.set_text_color(*INK)

    def footer(self) -> None:
        top = self.h - self.footer_height
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, top, self.w - self.r_margin, top)
        self.set_xy(self.l_margin, top + 1.5)
        self.set_font(FONT, "", FOOTER_SIZE)
        self.set_text_color(*MUTED)
        for text in (LICENCE_LINE, FOOTER_NOTE):
            self.multi_cell(0, FOOTER_LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        page = f"Page {self.page_no()} of {{nb}}"
        who = f"{self.clinic} · {self.compiled.patient_name} · intake #{self.compiled.intake_id}"
        y = self.get_y()
        self.cell(self.epw - 30, FOOTER_LINE, self._fit(_printable(who), self.epw - 32))
        self.set_xy(self.w - self.r_margin - 30, y)
        self.set_font(FONT, "B", FOOTER_SIZE)
        self.cell(30, FOOTER_LINE, page, align="R")
        self.set_text_color(*INK)

    def _fit(self, text: str, width: float) -> str:
        """`text` shortened with "…" to fit on one line of `width`."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    # --- building blocks --------------------------------------------------------------------

    def body_font(self, style: str = "", size: float = BODY_SIZE) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*INK)

    def section(self, title: str, keep: float = 20) -> None:
        """A section heading, on the next page unless `keep` mm of what follows fit under it."""
        if self.will_page_break(14 + min(keep, self._page_room() / 2)):
            self.add_page()
        elif self.get_y() > TOP_MARGIN + 1:
            self.ln(4.5)
        self.set_font(FONT, "B", SECTION_SIZE)
        self.set_text_color(*NAVY)
        self.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*NAVY)
        self.set_line_width(0.35)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.body_font()

    def paragraph(self, text: str, *, style: str = "", size: float = BODY_SIZE) -> None:
        self.body_font(style, size)
        self.multi_cell(
            0, BODY_LINE, _printable(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def note(self, text: str) -> None:
        """A small muted line, e.g. what a table's empty cells mean."""
        self.set_font(FONT, "I", 8)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.body_font()

    def numbered(self, marks: Sequence[str], texts: Sequence[str], mark_width: float) -> None:
        """Items with a hanging indent: "1." or a date in the margin, the text wrapped beside it."""
        self.body_font()
        for mark, text in zip(marks, texts, strict=True):
            if self.will_page_break(BODY_LINE):
                self.add_page()
            self.set_x(self.l_margin)
            self.set_font(FONT, "B", BODY_SIZE)
            self.cell(mark_width, BODY_LINE, mark)
            self.body_font()
            self.multi_cell(
                self.epw - mark_width,
                BODY_LINE,
                _printable(text),
                align="L",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            self.ln(1)

    def grid(
        self,
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
        rows = [[_printable(cell) for cell in row] for row in rows]
        if self.will_page_break(self.grid_start(headings, rows, widths)):
            self.add_page()  # a short table stays on one page, a long one starts with a few rows
        run: list[list[str]] = []
        for row in rows:
            if self._row_height(row, widths) <= self._page_room() * 0.8:
                run.append(row)
                continue
            if run:
                self._table(headings, run, widths, label_column=label_column, borders=borders)
                run = []
            self._stacked(headings, row, label_column=label_column)
        if run:
            self._table(headings, run, widths, label_column=label_column, borders=borders)
        self.body_font()

    def _table(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        label_column: bool,
        borders: TableBordersLayout,
    ) -> None:
        self.set_font(FONT, "", TABLE_SIZE)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        with self.table(
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
        self, headings: Sequence[str] | None, row: Sequence[str], *, label_column: bool
    ) -> None:
        """One table row as text: its first cell in bold, then each other cell under its heading."""
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.3)
        self.paragraph(row[0], style="B", size=TABLE_SIZE)
        names = headings[1:] if headings is not None else [""] * (len(row) - 1)
        for heading, text in zip(names, row[1:], strict=False):
            if heading and not label_column:
                self.paragraph(heading, style="B", size=TABLE_SIZE - 1)
            self.paragraph(text, size=TABLE_SIZE)
        self.ln(1.3)

    def pairs(self, rows: Sequence[tuple[str, str]], label_share: float = 0.34) -> None:
        self.grid(None, rows, self._pair_widths(label_share), label_column=True)

    def _pair_widths(self, label_share: float) -> tuple[float, float]:
        label = round(self.epw * label_share, 1)
        return label, self.epw - label

    def pairs_start(self, rows: Sequence[tuple[str, str]], label_share: float = 0.34) -> float:
        return self.grid_start(None, rows, self._pair_widths(label_share))

    def grid_start(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
    ) -> float:
        """How much of a page the table must have to start under its heading (mm, erring tall).

        Its whole height when that is at most KEEP_TOGETHER, else its headings and first rows.
        """
        every = [headings, *rows] if headings is not None else list(rows)
        heights = [self._row_height([_printable(c) for c in row], widths) for row in every]
        if sum(heights) <= KEEP_TOGETHER:
            return sum(heights)
        return sum(heights[: KEEP_ROWS + (headings is not None)])

    def _page_room(self) -> float:
        return self.page_break_trigger - TOP_MARGIN

    def _row_height(self, row: Sequence[str], widths: Sequence[float]) -> float:
        self.set_font(FONT, "B", TABLE_SIZE)  # bold is the wider (headings, labels): errs tall
        inner = [width - 2 * TABLE_PADDING[1] for width in widths]
        lines = max(
            len(
                self.multi_cell(
                    max(width, 5), TABLE_LINE, text, dry_run=True, output=MethodReturnValue.LINES
                )
            )
            for width, text in zip(inner, row, strict=False)
        )
        return lines * TABLE_LINE + 2 * TABLE_PADDING[0]

    # --- sections ---------------------------------------------------------------------------

    def render(self, chart_png: bytes | None) -> None:
        self.add_page()
        self.footer_height = self._footer_height()
        self.set_auto_page_break(True, margin=self.footer_height + 4)
        self._title()
        self._flags()
        self._scores()
        if self.compiled.changes is not None:
            self._changes(self.compiled.changes)
        self._medications()
        self._pairs_section("Sleep", self.compiled.sleep)
        self._pairs_section("Energy, appetite, focus (vs. before last visit)", self.compiled.daily)
        self._side_effects()
        self._stressors()
        if self.compiled.checkins is not None or chart_png is not None:
            self._checkins(chart_png)
        self._questions()

    def _pairs_section(self, title: str, rows: Sequence[tuple[str, str]]) -> None:
        self.section(title, keep=self.pairs_start(rows))
        self.pairs(rows)

    def _title(self) -> None:
        compiled = self.compiled
        self.set_font(FONT, "B", 10)
        self.set_text_color(*MUTED)
        self.multi_cell(
            0, 5, _printable(self.clinic), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font(FONT, "B", TITLE_SIZE)
        self.set_text_color(*INK)
        self.cell(0, 10, "Pre-visit intake", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        submitted = (
            _when(compiled.submitted_at, self.zone)
            if compiled.submitted_at is not None
            else "not recorded"
        )
        widths = (22.0, 62.0, 26.0, self.epw - 110.0)
        self.grid(
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
        self.set_draw_color(*INK)
        self.set_line_width(0.6)
        self.ln(1.5)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def _flags(self) -> None:
        compiled = self.compiled
        flagged = bool(compiled.flags)
        title = "⚠ Flags" if flagged else "Flags: none"
        lines = [f"• {flag.text}" for flag in compiled.flags]
        lines += [f"Safety question: {said}" for said in compiled.safety_responses]
        lines = [_printable(line) for line in lines]

        pad = 3.0
        inner = self.epw - 2 * pad
        self.set_font(FONT, "", BODY_SIZE)
        body = sum(
            len(
                self.multi_cell(
                    inner, BODY_LINE, line, dry_run=True, output=MethodReturnValue.LINES
                )
            )
            for line in lines
        )
        height = 2 * pad + 6.5 + body * BODY_LINE + (1 if lines else -1.5)
        boxed = height <= self._page_room()
        if boxed and self.will_page_break(height):
            self.add_page()
        top = self.get_y()
        if boxed:
            self.set_line_width(0.6 if flagged else 0.3)
            self.set_draw_color(*(FLAG_RED if flagged else RULE))
            self.set_fill_color(*(FLAG_FILL if flagged else (255, 255, 255)))
            self.rect(self.l_margin, top, self.epw, height, style="DF")
        self.set_xy(self.l_margin + pad, top + pad)
        self.set_font(FONT, "B", SECTION_SIZE)
        self.set_text_color(*(FLAG_RED if flagged else INK))
        self.cell(inner, 6.5, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
        if lines:
            self.ln(1)
        self.body_font()
        for line in lines:
            self.set_x(self.l_margin + pad)
            self.multi_cell(inner, BODY_LINE, line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_fill_color(255, 255, 255)
        self.set_xy(self.l_margin, top + height if boxed else self.get_y() + pad)
        self.ln(1)

    def _scores(self) -> None:
        compiled = self.compiled
        changes = compiled.changes
        headings = ["Questionnaire", "Score", "Severity band"]
        widths = [32.0, 60.0]
        if changes is not None:
            since = (
                f"since {_day(changes.previous_submitted_at, self.zone)}"
                if changes.previous_submitted_at is not None
                else "since last intake"
            )
            by_name = {change.instrument: change for change in changes.scores}
            headings += ["Last intake", "Change"]
            widths = [30.0, 24.0, 29.0, 24.0]
        widths.append(self.epw - sum(widths))
        rows = []
        for score in (compiled.phq9, compiled.gad7):
            total, band = score_text(score)
            row = [score.instrument.name, total, band]
            if changes is not None:
                change = by_name.get(score.instrument.name)
                if change is None:
                    row += [NOTHING, "not compared"]
                else:
                    previous = "incomplete" if change.previous is None else str(change.previous)
                    row += [previous, change_text(change, since)]
            rows.append(row)
        self.section("Scores", keep=self.grid_start(headings, rows, widths))
        self.grid(headings, rows, widths)

        details = []
        item9 = compiled.phq9.item_scores[8]
        if item9 is not None:
            details.append(("PHQ-9 item 9 (self-harm thoughts)", f"{item9} of 3"))
        if compiled.phq9_function:
            details.append(("PHQ-9 difficulty (work, home, people)", compiled.phq9_function))
        if details:
            self.ln(1.5)
            self.pairs(details, label_share=0.4)

    def _changes(self, changes: Changes) -> None:
        since = (
            f" ({_day(changes.previous_submitted_at, self.zone)})"
            if changes.previous_submitted_at is not None
            else ""
        )
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
        self.section(f"Changes since the last intake{since}", keep=self.pairs_start(rows))
        if rows:
            self.pairs(rows)
        else:
            self.paragraph("No changes in medications, side effects or stressors.")

    def _medications(self) -> None:
        compiled = self.compiled
        if not compiled.medications:
            self.section("Medications")
            self.paragraph(
                "Takes no medication." if compiled.takes_no_medication else "None listed."
            )
        else:
            headings = (
                "Medication",
                "Dose",
                "Schedule",
                "Taking",
                "Missed days",
                "Reasons",
                "Side effects the patient ties to it",
            )
            widths = (26.0, 17.0, 23.0, 31.0, 17.0, 30.0)
            rows = [
                (
                    med.name,
                    med.dose or "not given",
                    med.frequency or "not given",
                    _taking(med),
                    NOTHING if med.missed_days is None else f"{med.missed_days} of 7",
                    ", ".join(med.reason_labels) or NOTHING,
                    ", ".join(medication_side_effects(compiled, med)) or NOTHING,
                )
                for med in compiled.medications
            ]
            widths = (*widths, self.epw - sum(widths))
            self.section("Medications", keep=self.grid_start(headings, rows, widths))
            if compiled.takes_no_medication:  # "none" and a list should not both happen; say both
                self.paragraph("Takes no medication.")
            self.grid(headings, rows, widths)
            self.note(f"{NOTHING} not answered or none.")
        self.ln(1)
        self.pairs([("New medicines or supplements", compiled.new_medicines or "none reported")])

    def _side_effects(self) -> None:
        compiled = self.compiled
        if compiled.no_side_effects or not compiled.side_effects:
            self.section("Side effects")
            self.paragraph(
                "None of the listed side effects." if compiled.no_side_effects else "Not answered."
            )
            return
        headings = (
            "Side effect",
            "How often",
            "How strong",
            "Gets in the way",
            "Suspected medicine",
        )
        rows = [
            (e.name, e.frequency, e.severity, e.interference, e.suspected)
            for e in compiled.side_effects
        ]
        widths = (44.0, 28.0, 26.0, 32.0)
        widths = (*widths, self.epw - sum(widths))
        self.section("Side effects", keep=self.grid_start(headings, rows, widths))
        self.grid(headings, rows, widths)

    def _stressors(self) -> None:
        compiled = self.compiled
        rows = []
        for level, label in (
            ("A lot", "A lot"),
            ("A little", "A little"),
            ("Not at all", "Not at all"),
            ("not answered", "Not answered"),
        ):
            domains = [domain.lower() for domain, said in compiled.stressors if said == level]
            if domains:
                rows.append((label, ", ".join(domains)))
        self.section("Life stressors", keep=self.pairs_start(rows, label_share=0.2))
        if rows:
            self.pairs(rows, label_share=0.2)
        if compiled.stress_notes:
            self.ln(2)
            self.paragraph("Patient's note (verbatim)", style="B", size=TABLE_SIZE)
            self.paragraph(f"“{compiled.stress_notes}”")

    def _checkins(self, chart_png: bytes | None) -> None:
        compiled = self.compiled
        summary = compiled.checkins
        period = (
            f"since {_day(compiled.checkins_since, self.zone)}"
            if compiled.checkins_since is not None
            else "since the patient joined"
        )
        if summary is None or summary.count == 0:
            self.section("Check-ins")
            self.paragraph(f"None {period}.")
        else:
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
            figures = [
                ("Check-ins", count),
                ("Mood (0–10)", mood),
                ("Sleep", sleep),
                ("Side effects reported", effects or "none"),
            ]
            self.section(f"Check-ins {period}", keep=self.pairs_start(figures, label_share=0.25))
            self.pairs(figures, label_share=0.25)
            self.ln(2)
            if summary.notes:
                self.paragraph("Notes (verbatim)", style="B", size=TABLE_SIZE)
                self.ln(0.5)
                self.numbered(
                    [_day(at, self.zone) for at, _ in summary.notes],
                    [f"“{note}”" for _, note in summary.notes],
                    mark_width=18,
                )
            else:
                self.paragraph("Notes: none")
        if chart_png is not None:
            self._chart(chart_png)

    def _chart(self, png: bytes) -> None:
        width = self.epw * CHART_WIDTH_SHARE
        size = _png_size(png)
        height = width * size[1] / size[0] if size else width * 0.6
        if height > self._page_room():
            height = self._page_room() - 2
            width = height * size[0] / size[1] if size else height / 0.6
        self.ln(2)
        if self.will_page_break(height):
            self.add_page()
        top = self.get_y()
        self.image(
            io.BytesIO(png),
            x=self.l_margin + (self.epw - width) / 2,
            y=top,
            w=width,
            h=height,
            alt_text="Check-in chart: mood and hours slept per check-in, visits marked",
        )
        self.set_xy(self.l_margin, top + height)

    def _questions(self) -> None:
        questions = self.compiled.questions
        self.section("Patient's questions (verbatim)" if questions else "Patient's questions")
        if not questions:
            self.paragraph("None.")
            return
        self.numbered(
            [f"{n}." for n in range(1, len(questions) + 1)], list(questions), mark_width=8
        )
