"""The provider's check-in chart (a PNG) and the check-in block of the provider's message."""

from __future__ import annotations

import io
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from html_checks import assert_valid_html
from matplotlib.colors import to_rgb
from matplotlib.image import imread
from matplotlib.text import Text

from bot.render.chart import (
    MOOD_COLOUR,
    NO_ANSWERS,
    NO_CHECKINS,
    SLEEP_COLOUR,
    VISIT_COLOUR,
    checkin_chart_figure,
    render_checkin_chart,
)
from bot.render.html import to_plain
from bot.render.summary import render_checkin_summary
from flows.report import CheckinRecord, CheckinSummary

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 2 Nov, 8 pm in Chicago
TITLE = "Check-ins since 2 Nov: Jane D."
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def record(day: float, mood: int | None = 5, sleep: float | None = 7.0) -> CheckinRecord:
    return CheckinRecord(
        at=START + timedelta(days=day), mood=mood, sleep_hours=sleep, energy="ok",
        side_effects=(), note=None,
    )


def month(days: int = 28) -> list[CheckinRecord]:
    return [record(d, mood=3 + d % 6, sleep=5 + (d % 4) / 2) for d in range(days)]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    assert png[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", png[16:24])


def pixels(png: bytes) -> np.ndarray:
    image = imread(io.BytesIO(png), format="png")
    return image[..., :3]


def mask(image: np.ndarray, colour: str, tolerance: float = 0.05) -> np.ndarray:
    return np.all(np.abs(image - np.array(to_rgb(colour))) < tolerance, axis=-1)


def plotted(image: np.ndarray, colour: str) -> int:
    """Pixels of `colour` inside the plot area, away from the axis labels, ticks and legend."""
    return int(mask(image[95:500, 90:910], colour).sum())


def vertical_lines(hits: np.ndarray, min_pixels: int = 120) -> list[float]:
    """Centres of the runs of columns holding at least `min_pixels` matching pixels."""
    columns = np.flatnonzero(hits.sum(axis=0) >= min_pixels)
    groups: list[list[int]] = []
    for column in columns:
        if groups and column - groups[-1][-1] <= 1:
            groups[-1].append(int(column))
        else:
            groups.append([int(column)])
    return [sum(group) / len(group) for group in groups]


def texts(records: list[CheckinRecord], visits: list[datetime], title: str = TITLE) -> list[str]:
    figure = checkin_chart_figure(records, visits, CHICAGO, title=title)
    return [text.get_text() for text in figure.findobj(Text)]


# --- the PNG --------------------------------------------------------------------------------


def test_a_month_renders_as_a_1000_by_600_png_with_mood_sleep_and_visits() -> None:
    png = render_checkin_chart(month(), [START - timedelta(hours=6), START + timedelta(days=28)],
                               CHICAGO, title=TITLE)
    assert png_size(png) == (1000, 600)
    image = pixels(png)
    assert image.shape == (600, 1000, 3)
    assert plotted(image, MOOD_COLOUR) > 2000  # the mood line and its points
    assert plotted(image, SLEEP_COLOUR) > 20000  # 28 bars
    assert len(vertical_lines(mask(image, VISIT_COLOUR))) == 2
    assert b"Software" not in png and b"tIME" not in png


def test_the_same_input_gives_the_same_bytes_and_different_input_different_bytes() -> None:
    visits = [START + timedelta(days=10)]
    first = render_checkin_chart(month(), visits, CHICAGO, title=TITLE)
    assert render_checkin_chart(month(), visits, CHICAGO, title=TITLE) == first
    assert render_checkin_chart(month(), [], CHICAGO, title=TITLE) != first


def test_renders_the_same_from_several_threads_at_once() -> None:
    expected = render_checkin_chart(month(), [START], CHICAGO, title=TITLE)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(
            lambda _: render_checkin_chart(month(), [START], CHICAGO, title=TITLE), range(4),
        ))
    assert results == [expected] * 4


def test_no_records_says_so_instead_of_failing() -> None:
    png = render_checkin_chart([], [], CHICAGO, title=TITLE)
    assert png_size(png) == (1000, 600)
    image = pixels(png)
    assert not mask(image, MOOD_COLOUR).any()
    assert not mask(image, SLEEP_COLOUR).any()
    assert NO_CHECKINS in texts([], [])
    assert TITLE in texts([], [])


def test_no_records_but_a_visit_still_marks_the_visit() -> None:
    png = render_checkin_chart([], [START], CHICAGO, title=TITLE)
    assert len(vertical_lines(mask(pixels(png), VISIT_COLOUR))) == 1
    shown = texts([], [START])
    assert NO_CHECKINS in shown
    assert "visit 2 Nov" in shown


def test_one_record_draws_its_point_and_bar() -> None:
    png = render_checkin_chart([record(0, mood=6, sleep=7.5)], [], CHICAGO, title=TITLE)
    assert png_size(png) == (1000, 600)
    image = pixels(png)
    assert plotted(image, MOOD_COLOUR) > 50
    assert plotted(image, SLEEP_COLOUR) > 2000
    unanswered = pixels(render_checkin_chart([record(0, mood=None, sleep=None)], [], CHICAGO, title=TITLE))
    assert plotted(unanswered, MOOD_COLOUR) == plotted(unanswered, SLEEP_COLOUR) == 0


def test_missing_mood_or_sleep_is_left_out_not_failed() -> None:
    records = [record(0, mood=None), record(1, sleep=None), record(2, mood=None, sleep=None),
               record(3, mood=0, sleep=0.0), record(4)]
    png = render_checkin_chart(records, [], CHICAGO, title=TITLE)
    assert png_size(png) == (1000, 600)
    assert plotted(pixels(png), MOOD_COLOUR) > 200
    assert plotted(pixels(png), SLEEP_COLOUR) > 2000
    assert NO_ANSWERS not in texts(records, [])


def test_records_without_any_mood_or_sleep_say_so() -> None:
    records = [record(0, mood=None, sleep=None), record(1, mood=None, sleep=None)]
    png = render_checkin_chart(records, [], CHICAGO, title=TITLE)
    assert png_size(png) == (1000, 600)
    assert not mask(pixels(png), SLEEP_COLOUR).any()
    assert NO_ANSWERS in texts(records, [])


def test_check_ins_at_the_same_moment_and_naive_times_are_accepted() -> None:
    naive = CheckinRecord(at=datetime(2026, 11, 4, 2, 0), mood=4, sleep_hours=6.0, energy=None,
                          side_effects=(), note=None)
    records = [record(0), record(0, mood=7), naive]
    png = render_checkin_chart(records, [datetime(2026, 11, 10, 3, 0)], CHICAGO, title=TITLE)
    assert png_size(png) == (1000, 600)
    assert "visit 9 Nov" in texts(records, [datetime(2026, 11, 10, 3, 0)])  # naive = UTC


def test_visits_outside_the_records_widen_the_axis() -> None:
    visits = [START - timedelta(days=20), START + timedelta(days=40)]
    png = render_checkin_chart(month(10), visits, CHICAGO, title=TITLE)
    image = pixels(png)
    lines = vertical_lines(mask(image, VISIT_COLOUR))
    mood_columns = 90 + np.flatnonzero(mask(image[95:500, 90:910], MOOD_COLOUR).any(axis=0))
    assert len(lines) == 2
    assert len(mood_columns) > 50
    assert lines[0] < mood_columns.min() and mood_columns.max() < lines[1]
    assert {"visit 13 Oct", "visit 12 Dec"} <= set(texts(month(10), visits))


def test_unusual_sleep_hours_extend_the_right_axis() -> None:
    records = [record(0, sleep=16.0), record(1, sleep=4.0)]
    figure = checkin_chart_figure(records, [], CHICAGO, title=TITLE)
    sleep_axes = figure.axes[1]
    assert sleep_axes.get_ylim()[1] >= 16.0
    assert figure.axes[0].get_ylim() == (0, 12)


def test_dates_are_local_to_the_zone() -> None:
    visit = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    assert "visit 2 Nov" in texts([], [visit])
    figure = checkin_chart_figure([], [visit], ZoneInfo("Asia/Tokyo"), title=TITLE)
    assert "visit 3 Nov" in [text.get_text() for text in figure.findobj(Text)]


def test_the_title_is_shown_verbatim_dollars_and_tags_included() -> None:
    title = "Check-ins since 2 Nov: $Jane <b>D.</b>"
    png = render_checkin_chart(month(3), [], CHICAGO, title=title)  # no mathtext error on "$"
    assert png_size(png) == (1000, 600)
    assert title in texts(month(3), [], title=title)


def test_a_long_title_is_wrapped_to_two_lines() -> None:
    title = "Check-ins since 2 Nov: " + "Bartholomew Featherstonehaugh-Cholmondeley " * 4
    shown = texts([], [], title=title)
    wrapped = [t for t in shown if t.startswith("Check-ins since 2 Nov:")]
    assert len(wrapped) == 1
    assert wrapped[0].count("\n") == 1
    assert wrapped[0].endswith("…")
    assert png_size(render_checkin_chart([], [], CHICAGO, title=title)) == (1000, 600)


# --- the check-in block of the provider's message --------------------------------------------


def summary(**changes: object) -> CheckinSummary:
    values: dict[str, object] = {
        "count": 12, "late": 2, "missed": 3,
        "mood_average": 5.75, "mood_lowest": 3, "mood_highest": 8, "mood_direction": "rising",
        "sleep_average": 6.44,
        "side_effects": (("nausea", 3), ("headache", 1)),
        "notes": ((datetime(2026, 12, 4, 3, 0, tzinfo=UTC), "Felt <worse> & tired"),),
    }
    values.update(changes)
    return CheckinSummary(**values)  # type: ignore[arg-type]


SINCE = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)


def test_summary_block_has_the_figures_in_order_with_local_dates() -> None:
    block = render_checkin_summary(summary(), SINCE, "America/Chicago")
    assert_valid_html(block)
    assert to_plain(block).split("\n") == [
        "Check-ins since 3 Nov",
        "12 check-ins (2 late), 3 missed",
        "Mood: average 5.8 (lowest 3, highest 8), rising",
        "Sleep: average 6.4 h",
        "Side effects reported: nausea ×3, headache ×1",
        "Notes:",
        "• 3 Dec: “Felt <worse> & tired”",  # 4 Dec 03:00 UTC is 3 Dec in Chicago
    ]
    assert block.startswith("<b>Check-ins since 3 Nov</b>\n")


def test_patient_text_is_escaped() -> None:
    block = render_checkin_summary(
        summary(side_effects=(("<b>dizzy</b> & faint", 2),)), SINCE, "America/Chicago",
    )
    assert_valid_html(block)
    assert "&lt;b&gt;dizzy&lt;/b&gt; &amp; faint ×2" in block
    assert "“Felt &lt;worse&gt; &amp; tired”" in block
    assert "<worse>" not in block


def test_singular_counts_and_nothing_reported() -> None:
    block = render_checkin_summary(
        summary(count=1, late=0, missed=0, mood_average=4.0, mood_lowest=4, mood_highest=4,
                mood_direction=None, side_effects=(), notes=()),
        None, "America/Chicago",
    )
    assert to_plain(block).split("\n") == [
        "Check-ins since the patient joined",
        "1 check-in, none missed",
        "Mood: average 4.0 (lowest 4, highest 4), too few to tell",
        "Sleep: average 6.4 h",
        "Side effects reported: none",
        "Notes: none",
    ]


def test_one_late_and_one_missed_and_unanswered_mood_and_sleep() -> None:
    block = render_checkin_summary(
        summary(count=2, late=1, missed=1, mood_average=None, mood_lowest=None, mood_highest=None,
                mood_direction=None, sleep_average=None),
        SINCE, "Europe/London",
    )
    lines = to_plain(block).split("\n")
    assert lines[1] == "2 check-ins (1 late), 1 missed"
    assert "Mood: not answered" in lines
    assert "Sleep: not answered" in lines
    assert "• 4 Dec: “Felt <worse> & tired”" in lines  # 03:00 UTC is 4 Dec in London


@pytest.mark.parametrize("direction", ["rising", "falling", "steady"])
def test_mood_direction_words(direction: str) -> None:
    block = render_checkin_summary(summary(mood_direction=direction), SINCE, "America/Chicago")
    assert f"Mood: average 5.8 (lowest 3, highest 8), {direction}\n" in block


@pytest.mark.parametrize("nothing", [None, summary(count=0, late=0, missed=4)])
def test_no_check_ins(nothing: CheckinSummary | None) -> None:
    assert render_checkin_summary(nothing, SINCE, "America/Chicago") == (
        "<b>Check-ins</b>\nNone since 3 Nov."
    )
    assert render_checkin_summary(nothing, None, "America/Chicago") == (
        "<b>Check-ins</b>\nNone since the patient joined."
    )
