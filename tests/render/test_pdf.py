"""The provider's printable intake: sections in order, patient text verbatim, page furniture, bytes."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from answer_samples import LAMICTAL, base_answers
from pypdf import PdfReader

from bot.render.chart import render_checkin_chart
from bot.render.pdf import (
    FOOTER_NOTE,
    change_text,
    medication_side_effects,
    render_intake_pdf,
)
from bot.render.pdf.fonts import PLACEHOLDER
from flows.checkin_summary import summarise_checkins
from flows.compiled import compile_intake
from flows.instruments import LICENCE_LINE
from flows.report import Changes, CheckinRecord, CompiledIntake, DoseChange, ScoreChange

ZONE = "America/Chicago"
CLINIC = "Lakeview Behavioral Health"
SUBMITTED = datetime(2026, 11, 30, 2, 12, tzinfo=UTC)  # Sun 29 Nov, 20:12 in Chicago
LAST_INTAKE = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
LAST_VISIT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)

QUESTION = "Can I take “Zoloft” & <ibuprofen> at 8 o’clock? — café, naïve, Ñandú"
NOTE = 'My boss said "night shifts" & <b>not</b> negotiable; ça va.'


def returning_answers(**changes: Any) -> dict[str, Any]:
    answers = base_answers(
        **{
            "med.1.missed": 2,
            "med.1.reasons": ["forgot", "other"],
            "med.1.reasons_other": "busy mornings",
            "med.1.more": "another",
            "med.2.name": LAMICTAL,
            "med.2.status": "as_prescribed",
            "med.2.missed": 0,
            "med.2.more": "done",
            "phq9.1": "2",
            "phq9.2": "2",
            "phq9.3": "2",
            "phq9.function": "somewhat",
            "se.checklist": ["nausea", "tremor"],
            "se.nausea.frequency": "most_days",
            "se.nausea.severity": "moderate",
            "se.nausea.interference": "a_lot",
            "se.nausea.medication": "m1",
            "se.tremor.frequency": "rarely",
            "se.tremor.severity": "mild",
            "se.tremor.interference": "a_little",
            "se.tremor.medication": "m2",
            "stress.work": "a_lot",
            "stress.notes": NOTE,
            "q.1": QUESTION,
            "q.2": "Second question?",
            "q.3": {"choice": "done"},
        }
    )
    answers.update(changes)
    return answers


def changes() -> Changes:
    return Changes(
        previous_submitted_at=LAST_INTAKE,
        scores=(
            ScoreChange("PHQ-9", previous=0, current=6, baseline=0, delta=6,
                        meaningful=True, response=False, remission=False),
            ScoreChange("GAD-7", previous=9, current=0, baseline=12, delta=-9,
                        meaningful=True, response=True, remission=True),
        ),
        medications_started=("Lamictal",),
        medications_stopped=("buspirone",),
        dose_changes=(DoseChange("sertraline", "25 mg once a day", "50 mg once a day"),),
        side_effects_new=("nausea or upset stomach",),
        side_effects_resolved=("headache",),
        stressors_new=("Work or school",),
        baseline_intake_id=3,
        baseline_submitted_at=datetime(2026, 9, 1, 15, 0, tzinfo=UTC),
    )


def records() -> list[CheckinRecord]:
    start = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    return [
        CheckinRecord(
            at=start + timedelta(days=day), mood=4 + day % 4, sleep_hours=6.0 + day % 3,
            energy="ok", side_effects=("Nausea or upset stomach",) if day == 2 else (),
            note="Felt “off” today & tired" if day == 5 else None,
        )
        for day in range(10)
    ]


def intake(answers: dict[str, Any] | None = None, **fields: Any) -> CompiledIntake:
    compiled = compile_intake(
        answers if answers is not None else returning_answers(),
        intake_id=42,
        patient_name="Zoë O’Brien",
        submitted_at=SUBMITTED,
        appointment="Tue 1 Dec, 10:30",
        checkins=summarise_checkins(records(), missed=1),
        checkins_since=LAST_VISIT,
    )
    return replace(compiled, **fields)


def chart() -> bytes:
    return render_checkin_chart(records(), [LAST_VISIT], ZoneInfo(ZONE), title="Check-ins")


def render(compiled: CompiledIntake, chart_png: bytes | None = None) -> bytes:
    return render_intake_pdf(compiled, clinic=CLINIC, zone=ZONE, chart_png=chart_png)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line wraps) as single spaces.

    pypdf reads a NUL (or a backspace) before some CJK and Devanagari glyphs of the embedded
    fonts, where poppler's pdftotext reads none: those are dropped.
    """
    reader = PdfReader(io.BytesIO(pdf))
    return [
        " ".join(page.extract_text().replace("\x00", "").replace("\x08", "").split())
        for page in reader.pages
    ]


def body_text(pdf: bytes) -> str:
    """All pages' text without the running header and the footer, so long texts read unbroken."""
    bodies = []
    for n, text in enumerate(pages_text(pdf), start=1):
        text = text.split(LICENCE_LINE)[0]
        if n > 1:  # "Pre-visit intake: <patient> · intake #<id> <clinic>" runs above the body
            text = re.sub(rf"^Pre-visit intake: .*? · intake #\d+ {re.escape(CLINIC)} ", "", text)
        bodies.append(text.strip())
    return " ".join(bodies)


def assert_in_order(text: str, parts: list[str]) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} not found after position {position}"
        position = found + len(part)


@pytest.fixture(scope="module")
def full() -> bytes:
    return render(intake(changes=changes()), chart())


# --- bytes ------------------------------------------------------------------------------------


def test_it_is_a_pdf_and_the_same_input_gives_the_same_bytes(full: bytes) -> None:
    assert full.startswith(b"%PDF-")
    assert render(intake(changes=changes()), chart()) == full


def test_the_creation_date_is_the_submission_time(full: bytes) -> None:
    assert PdfReader(io.BytesIO(full)).metadata.creation_date == SUBMITTED


def test_an_intake_without_a_submission_time_still_gives_the_same_bytes() -> None:
    compiled = intake(submitted_at=None)
    assert render(compiled) == render(compiled)
    assert "Submitted not recorded" in " ".join(pages_text(render(compiled)))


# --- content and order ------------------------------------------------------------------------


def test_the_sections_come_in_order(full: bytes) -> None:
    assert_in_order(
        " ".join(pages_text(full)),
        [
            CLINIC,
            "Pre-visit intake",
            "Patient Zoë O’Brien",
            "Appointment Tue 1 Dec, 10:30",
            "Submitted Sun 29 Nov 2026, 20:12 CST",
            "Intake #42",
            "Flags",
            "Scores",
            "Changes since the last intake (3 Nov)",
            "Medications",
            "Sleep",
            "Energy, appetite, focus",
            "Side effects",
            "Life stressors",
            "Check-ins since 2 Nov",
            "Patient's questions (verbatim)",
        ],
    )


def test_flags_come_first_in_their_box_with_the_compiled_wording(full: bytes) -> None:
    text = pages_text(full)[0]
    assert_in_order(
        text,
        [
            "Flags",
            "Missed doses: sertraline on 2 of the past 7 days",
            "Side effect gets in the way a lot: nausea or upset stomach",
            "Scores",
        ],
    )


def test_scores_with_bands_item_9_difficulty_and_the_change_since_last_intake(full: bytes) -> None:
    text = " ".join(pages_text(full))
    assert_in_order(
        text,
        [
            "PHQ-9 6 / 27 mild 0 +6 since 3 Nov (meaningful change)",
            "GAD-7 0 / 21 minimal 9 -9 since 3 Nov (meaningful change, response vs. the first "
            "intake #3 of 1 Sep, 12, remission)",
            "PHQ-9 item 9 (self-harm thoughts) 0 of 3",
            "Somewhat difficult",
        ],
    )


def test_without_changes_there_is_no_change_column_or_section() -> None:
    text = " ".join(pages_text(render(intake())))
    assert "Changes since" not in text
    assert "Last intake" not in text
    assert "PHQ-9 6 / 27 mild" in text


def test_changes_since_the_last_intake(full: bytes) -> None:
    assert_in_order(
        " ".join(pages_text(full)),
        [
            "Medications started Lamictal",
            "Medications stopped buspirone",
            "sertraline: 25 mg once a day → 50 mg once a day",
            "Side effects, new nausea or upset stomach",
            "Side effects, resolved headache",
            "Work or school",
            "Medications",
        ],
    )


def test_the_medication_table_ties_side_effects_to_each_medicine(full: bytes) -> None:
    text = " ".join(pages_text(full))
    assert_in_order(
        text,
        [
            "sertraline 50 mg once a day taking as prescribed 2 of 7 forgot, other: busy mornings "
            "nausea or upset stomach",
            "Lamictal 100 mg twice a day taking as prescribed 0 of 7",
            "shaking or tremor",
            "New medicines or supplements none reported",
        ],
    )


def test_side_effects_are_tied_by_whole_medicine_name() -> None:
    compiled = intake()
    sertraline, lamictal = compiled.medications
    assert medication_side_effects(compiled, sertraline) == ("nausea or upset stomach",)
    assert medication_side_effects(compiled, lamictal) == ("shaking or tremor",)
    typed = replace(compiled.side_effects[0], suspected="maybe the LAMICTAL?")
    unrelated = replace(compiled.side_effects[1], suspected="lamictalx")
    compiled = replace(compiled, side_effects=(typed, unrelated))
    assert medication_side_effects(compiled, lamictal) == ("nausea or upset stomach",)


def test_change_text() -> None:
    change = changes().scores[0]
    assert change_text(change, "since 3 Nov") == "+6 since 3 Nov (meaningful change)"
    small = replace(change, delta=-2, meaningful=False)
    assert change_text(small, "since 3 Nov") == "-2 since 3 Nov"
    incomplete = replace(change, previous=None, delta=None, meaningful=False)
    assert change_text(incomplete, "since 3 Nov") == "not compared: last intake incomplete"


def test_patient_text_appears_verbatim(full: bytes) -> None:
    text = " ".join(pages_text(full))
    assert QUESTION in text
    assert f"“{NOTE}”" in text
    assert "“Felt “off” today & tired”" in text  # a check-in note
    assert "1. " + QUESTION in text and "2. Second question?" in text


def test_sleep_energy_and_stressors_in_words(full: bytes) -> None:
    text = " ".join(pages_text(full))
    assert "Time to fall asleep Less than 15 minutes" in text
    assert "Energy About the same" in text
    assert "A lot work or school" in text


def test_check_ins_figures(full: bytes) -> None:
    text = " ".join(pages_text(full))
    assert "10 check-ins, 1 missed" in text
    assert "Side effects reported Nausea or upset stomach ×1" in text


def test_footer_on_every_page(full: bytes) -> None:
    pages = pages_text(full)
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert LICENCE_LINE in text
        assert FOOTER_NOTE in text
        assert f"Page {n} of {len(pages)}" in text


def test_empty_sections_say_so() -> None:
    answers = base_answers(**{"med.1.name": {"choice": "none"}})
    for key in ("med.1.status", "med.1.missed", "med.1.more"):
        answers.pop(key)
    compiled = compile_intake(answers, intake_id=3, patient_name="Alex")
    text = " ".join(pages_text(render(compiled)))
    assert_in_order(
        text,
        [
            "Flags: none",
            "Takes no medication.",
            "None of the listed side effects.",
            "Patient's questions None.",
        ],
    )
    assert "Submitted not recorded" in text and "Appointment not set" in text
    assert "Check-ins" not in text  # no check-ins and no chart: no section


# --- the chart --------------------------------------------------------------------------------


def test_the_chart_is_embedded_when_given(full: bytes) -> None:
    images = [image for page in PdfReader(io.BytesIO(full)).pages for image in page.images]
    assert len(images) == 1
    assert images[0].image.size == (1000, 600)


def test_no_chart_no_image() -> None:
    pdf = render(intake())
    assert all(not page.images for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Check-ins since 2 Nov" in " ".join(pages_text(pdf))


# --- long intakes and awkward text ------------------------------------------------------------


def long_answers() -> dict[str, Any]:
    answers = returning_answers()
    for n in range(1, 31):
        answers[f"med.{n}.name"] = {
            "name": f"medicine{n}", "dose": f"{n} mg", "frequency": "twice a day", "raw": "x"
        }
        answers[f"med.{n}.status"] = "as_prescribed"
        answers[f"med.{n}.missed"] = n % 8
        answers[f"med.{n}.more"] = "another" if n < 30 else "done"
    answers["stress.notes"] = "A long note about a long month. " * 150
    for n in range(1, 40):
        answers[f"q.{n}"] = f"Question {n}: " + "what about this & that? " * (n % 6 + 1)
    answers["q.40"] = {"choice": "done"}
    return answers


def test_a_long_intake_runs_over_several_pages_with_table_headings_repeated() -> None:
    pdf = render(intake(long_answers(), changes=changes()), chart())
    pages = pages_text(pdf)
    assert len(pages) >= 4
    assert "Page 2 of" in pages[1]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    medication_pages = [text for text in pages if re.search(r"medicine\d+ \d+ mg", text)]
    assert len(medication_pages) >= 2
    for text in medication_pages:  # the headings row again on each page the table spans
        assert "Medication Dose Schedule Taking Missed days Reasons" in text
    text = body_text(pdf)
    assert "medicine30 30 mg twice a day" in text
    assert "Question 39: what about this & that?" in text
    assert ("A long note about a long month. " * 150).strip() in text


def test_a_table_row_taller_than_a_page_is_written_out_instead() -> None:
    answers = returning_answers(
        **{"med.1.reasons_other": "because " * 1200, "med.1.reasons": ["other"]}
    )
    text = body_text(render(intake(answers)))
    assert ("because " * 1200).strip() in text
    assert "Lamictal 100 mg twice a day" in text  # the other rows are still a table


def test_emoji_and_characters_the_font_lacks_do_not_break_rendering() -> None:
    question = "Is this normal? 🫠 😀 漢字 ✓"
    answers = returning_answers(**{"q.1": question, "stress.notes": "tab\there, bell\x07, ok ⚠️"})
    pdf = render(intake(answers))
    text = " ".join(pages_text(pdf))
    assert question in text
    assert "tab here, bell, ok ⚠" in text


def test_odd_names_and_clinic_text_in_the_running_header_and_footer() -> None:
    compiled = intake(long_answers(), patient_name="Dr. <Ann> “A” & Co " + "x" * 200)
    pdf = render_intake_pdf(compiled, clinic="Clinic & <Sons>", zone=ZONE, chart_png=None)
    pages = pages_text(pdf)
    assert "Clinic & <Sons>" in pages[0]
    assert "Pre-visit intake: Dr. <Ann> “A” & Co" in pages[1]


def embedded_fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


DEJAVU = {"DejaVuSansBook", "DejaVuSansBold", "DejaVuSansOblique"}


def test_fallback_fonts_are_embedded_only_for_characters_dejavu_lacks(full: bytes) -> None:
    assert embedded_fonts(full) == DEJAVU
    with_cjk = render(intake(returning_answers(**{"q.1": "漢字?"})))
    assert embedded_fonts(with_cjk) == {*DEJAVU, "NotoSansCJKJP"}
    assert "1. 漢字?" in " ".join(pages_text(with_cjk))


def subset_glyphs(pdf: bytes, font_name: str) -> set[str]:
    """The glyph names in the embedded subset of a TrueType font."""
    from fontTools.ttLib import TTFont

    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if str(font["/BaseFont"]).endswith(font_name):
                descendant = font["/DescendantFonts"][0].get_object()
                stream = descendant["/FontDescriptor"]["/FontFile2"].get_object()
                return set(TTFont(io.BytesIO(stream.get_data())).getGlyphOrder())
    raise AssertionError(f"{font_name} is not embedded")


def test_arabic_is_shaped_and_japanese_and_emoji_are_drawn_from_packaged_fonts() -> None:
    arabic, japanese, emoji = "مرحبا بالعالم", "日本語のテキスト", "😀 🎉"
    answers = returning_answers(**{"q.1": arabic, "q.2": japanese, "q.3": f"ok {emoji}"})
    answers["q.4"] = {"choice": "done"}
    pdf = render(intake(answers))
    text = " ".join(pages_text(pdf))
    for said in (arabic, japanese, emoji):
        assert said in text
    assert embedded_fonts(pdf) == {*DEJAVU, "NotoSansCJKJP", "NotoEmoji"}
    glyphs = subset_glyphs(pdf, "DejaVuSansBook")
    # Shaped, the letters take their joined forms (beh initial, alef final, meem final...)
    # instead of the isolated letters an unshaped line draws.
    assert {"uniFE91", "uniFE8E", "uniFEE2"} <= glyphs
    assert "uni0628" not in glyphs and "uni0627" not in glyphs
    assert PLACEHOLDER not in text


def test_a_script_no_packaged_font_has_is_named_instead_of_drawn_as_boxes() -> None:
    answers = returning_answers(**{"q.1": "Hieroglyphs: 𓀀𓀁 𓀂 end, then 日本"})
    text = " ".join(pages_text(render(intake(answers))))
    assert f"Hieroglyphs: {PLACEHOLDER} end, then 日本" in text
    assert "𓀀" not in text


def test_the_safety_answer_sits_under_the_safety_flag_it_answers() -> None:
    compiled = compile_intake(
        returning_answers(),
        intake_id=42,
        patient_name="Zoë O’Brien",
        submitted_at=SUBMITTED,
        safety_alerts=("risk language in a typed answer",),
        safety_responses=("the patient answered that they are safe right now",),
    )
    assert [flag.kind for flag in compiled.flags][:2] == ["safety", "missed_doses"]
    text = " ".join(pages_text(render(compiled)))
    assert_in_order(
        text,
        [
            "• Safety: risk language in a typed answer",
            "Safety question: the patient answered that they are safe right now",
            "• Missed doses",
        ],
    )
