"""The provider's message: escaping, order, and clean splitting under Telegram's 4,096 characters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from html_checks import assert_valid_html

from bot.render.html import TELEGRAM_TEXT_LIMIT, split_blocks, to_plain
from bot.render.summary import render_alert, render_summary
from flows.compiled import compile_intake
from flows.report import CompiledIntake

BASE_ANSWERS: dict[str, object] = {
    "med.1.name": {"name": "sertraline", "dose": "50 mg", "frequency": "once a day", "raw": "x"},
    "med.1.status": "as_prescribed",
    "med.1.missed": 0,
    "med.1.more": "done",
    "meds.new": {"choice": "none"},
    **{f"phq9.{n}": "0" for n in range(1, 10)},
    **{f"gad7.{n}": "0" for n in range(1, 8)},
    "se.checklist": ["none"],
}


def compiled_with(**answers: object):  # type: ignore[no-untyped-def]
    return compile_intake(
        {**BASE_ANSWERS, **answers},
        intake_id=7,
        patient_name="Ana <P> & Co",
        submitted_at=datetime(2026, 11, 26, 18, 30, tzinfo=UTC),
    )


def test_patient_text_is_escaped_and_times_are_local() -> None:
    pages = render_summary(compiled_with(**{"q.1": "Is <b>this</b> & that ok?"}), "America/Chicago")
    assert len(pages) == 1
    page = pages[0]
    assert_valid_html(page)
    assert "Ana &lt;P&gt; &amp; Co" in page
    assert "Is &lt;b&gt;this&lt;/b&gt; &amp; that ok?" in page
    assert "Thu 26 Nov 2026, 12:30 CST" in to_plain(page)


def test_a_response_says_which_intake_it_is_judged_against() -> None:
    from dataclasses import replace

    from flows.changes import changes_since

    def intake(number: int, when: datetime, phq9: int) -> CompiledIntake:
        items = {f"phq9.{n}": str(min(3, max(0, phq9 - 3 * (n - 1)))) for n in range(1, 9)}
        answers = {**BASE_ANSWERS, **items, "phq9.9": "0"}
        return compile_intake(answers, intake_id=number, patient_name="Ana", submitted_at=when)

    first = intake(3, datetime(2026, 9, 1, 15, 0, tzinfo=UTC), 18)
    last = intake(5, datetime(2026, 10, 20, 15, 0, tzinfo=UTC), 12)
    now = intake(7, datetime(2026, 11, 26, 18, 30, tzinfo=UTC), 8)
    compiled = replace(now, changes=changes_since(now, last, first))
    text = to_plain(render_summary(compiled, "America/Chicago")[0])
    assert (
        "PHQ-9: 8 / 27 — mild (-4 since last intake: response vs. the first intake #3 of "
        "1 Sep, 18)"
    ) in text


def test_the_safety_answer_sits_under_the_safety_flag_it_answers() -> None:
    answers = {
        **BASE_ANSWERS,
        "med.1.name": {"name": "sertraline", "dose": "50 mg", "frequency": "once a day"},
        "med.1.status": "as_prescribed",
        "med.1.missed": 3,
        "med.1.more": "done",
    }
    compiled = compile_intake(
        answers,
        intake_id=7,
        patient_name="Ana",
        safety_alerts=("risk language in a typed answer",),
        safety_responses=("the patient answered that they are safe right now",),
    )
    text = to_plain(render_summary(compiled, "America/Chicago")[0])
    flags = text.split("Flags\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert flags == [
        "• Safety: risk language in a typed answer",
        "   safety question: the patient answered that they are safe right now",
        "• Missed doses: sertraline on 3 of the past 7 days",
    ]


def test_no_flags_is_said_plainly() -> None:
    text = to_plain(render_summary(compiled_with(), "America/Chicago")[0])
    assert "Flags: none" in text
    assert "PHQ-9: 0 / 27 — minimal" in text


@pytest.mark.parametrize("question_length", [500, 3000, 9000])
def test_long_intakes_split_cleanly_under_the_limit(question_length: int) -> None:
    questions = {
        f"q.{n}": f"Question {n}: " + "why & how <really>? " * (question_length // 20)
        for n in range(1, 8)
    }
    pages = render_summary(compiled_with(**questions), "America/Chicago")
    assert len(pages) > 1
    for page in pages:
        assert len(page) <= TELEGRAM_TEXT_LIMIT
        assert_valid_html(page)
    joined = to_plain("\n".join(pages))
    for n in range(1, 8):
        assert f"Question {n}:" in joined
    # flags and scores come before the details, on the first page
    assert to_plain(pages[0]).index("Flags") < to_plain(pages[0]).index("Scores")
    # nothing is lost in splitting: every character of the patient's text arrives
    total_why = sum(to_plain(page).count("why & how <really>?") for page in pages)
    assert total_why >= 7 * (question_length // 20) - 7 * 2


def test_split_blocks_never_cuts_a_tag_or_entity() -> None:
    block = "<b>" + "&amp;" * 1500 + "</b>"
    pages = split_blocks([block], limit=1000)
    assert all(len(page) <= 1000 for page in pages)
    for page in pages:
        assert_valid_html(page)
    assert sum(page.count("&amp;") for page in pages) == 1500


def test_alert_names_patient_and_trigger_only() -> None:
    alert = render_alert("Ana P.", "risk language in a typed message (suicidal thoughts)")
    assert_valid_html(alert)
    text = to_plain(alert)
    assert "URGENT" in text and "Patient: Ana P." in text
    assert "Trigger: risk language in a typed message (suicidal thoughts)" in text


def test_checkin_log_lists_every_checkin_newest_first_and_escapes_notes() -> None:
    from bot.render.summary import render_checkin_log
    from flows.report import CheckinRecord

    records = [
        CheckinRecord(
            datetime(2026, 11, 2, 2, 0, tzinfo=UTC),
            4,
            6.5,
            "low",
            ("headache",),
            "a <b>bad</b> day",
        ),
        CheckinRecord(
            datetime(2026, 11, 3, 2, 0, tzinfo=UTC), None, 7.0, None, (), None, late=True
        ),
    ]
    pages = render_checkin_log(records, "America/Chicago")
    assert len(pages) == 1
    assert_valid_html(pages[0])
    text = to_plain(pages[0])
    assert text.index("2 Nov (late)") < text.index("1 Nov")  # local dates, newest first
    assert "• 1 Nov: mood 4; sleep 6.5 h; energy low; headache — “a <b>bad</b> day”" in text
    assert "mood not answered; sleep 7 h; energy not answered; no side effects" in text
    assert render_checkin_log([], "America/Chicago") == ["<b>Check-in log</b>\nNo check-ins yet."]
