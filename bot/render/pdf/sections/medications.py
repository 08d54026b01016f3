"""The medicines: how each is taken and missed, new medicines, and the side effects reported."""

from __future__ import annotations

from bot.render.pdf.document import IntakePDF
from bot.render.pdf.layout import note, paragraph, section
from bot.render.pdf.style import NOTHING
from bot.render.pdf.tables import grid, grid_start, pairs
from bot.render.pdf.wording import medication_side_effects, taking
from flows.report import CompiledIntake

MEDICATION_HEADINGS = (
    "Medication",
    "Dose",
    "Schedule",
    "Taking",
    "Missed days",
    "Reasons",
    "Side effects the patient ties to it",
)
MEDICATION_WIDTHS = (26.0, 21.0, 27.0, 27.0, 17.0, 26.0)
"""Every column but the last (mm); the last takes the rest of the width."""

SIDE_EFFECT_HEADINGS = (
    "Side effect",
    "How often",
    "How strong",
    "Gets in the way",
    "Suspected medicine",
)
SIDE_EFFECT_WIDTHS = (44.0, 28.0, 26.0, 32.0)
"""Every column but the last (mm); the last takes the rest of the width."""


def draw_medications(pdf: IntakePDF) -> None:
    """A table of the medicines (or that there are none), then new medicines or supplements."""
    compiled = pdf.compiled
    if not compiled.medications:
        section(pdf, "Medications")
        paragraph(pdf, "Takes no medication." if compiled.takes_no_medication else "None listed.")
    else:
        rows = _medication_rows(compiled)
        widths = (*MEDICATION_WIDTHS, pdf.epw - sum(MEDICATION_WIDTHS))
        section(pdf, "Medications", keep=grid_start(pdf, MEDICATION_HEADINGS, rows, widths))
        if compiled.takes_no_medication:  # "none" and a list should not both happen; say both
            paragraph(pdf, "Takes no medication.")
        grid(pdf, MEDICATION_HEADINGS, rows, widths)
        note(pdf, f"{NOTHING} not answered or none.")
        _draw_patients_words(pdf)
    pdf.ln(1)
    pairs(pdf, [("New medicines or supplements", compiled.new_medicines or "none reported")])


def _draw_patients_words(pdf: IntakePDF) -> None:
    """Each medication line that was not fully read, as the patient typed it."""
    typed = [med for med in pdf.compiled.medications if med.verbatim]
    if not typed:
        return
    pdf.ln(1)
    paragraph(pdf, "The patient's own words, where not every word was read:", style="B")
    pairs(pdf, [(med.name, f"“{med.verbatim}”") for med in typed])


def _medication_rows(compiled: CompiledIntake) -> list[tuple[str, ...]]:
    return [
        (
            med.name,
            ", ".join((med.dose_text or "not given", *filter(None, [med.titration]))),
            ", ".join((med.frequency or "not given", *filter(None, [med.timing, med.purpose]))),
            taking(med),
            NOTHING if med.missed_days is None else f"{med.missed_days} of 7",
            ", ".join(med.reason_labels) or NOTHING,
            ", ".join(medication_side_effects(compiled, med)) or NOTHING,
        )
        for med in compiled.medications
    ]


def draw_side_effects(pdf: IntakePDF) -> None:
    """A table of the side effects reported, or that there were none or no answer."""
    compiled = pdf.compiled
    if compiled.no_side_effects or not compiled.side_effects:
        section(pdf, "Side effects")
        paragraph(
            pdf,
            "None of the listed side effects." if compiled.no_side_effects else "Not answered.",
        )
        return
    rows = [
        (e.name, e.frequency, e.severity, e.interference, e.suspected)
        for e in compiled.side_effects
    ]
    widths = (*SIDE_EFFECT_WIDTHS, pdf.epw - sum(SIDE_EFFECT_WIDTHS))
    section(pdf, "Side effects", keep=grid_start(pdf, SIDE_EFFECT_HEADINGS, rows, widths))
    grid(pdf, SIDE_EFFECT_HEADINGS, rows, widths)
