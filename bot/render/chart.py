"""The provider's check-in chart: mood and hours slept over time, visits marked, as PNG bytes.

Drawn with matplotlib's object API (`Figure` + `FigureCanvasAgg`), never pyplot: no global
backend, no display, and each call owns its figure, so charts can be rendered from any thread.
Nothing is downloaded: text uses matplotlib's bundled DejaVu Sans. Matplotlib keeps a font
cache in MPLCONFIGDIR (default ~/.cache/matplotlib); when that cannot be written it falls back
to a temporary directory by itself, so a read-only or missing HOME only costs a warning.

The chart shows figures only: no trend lines, bands or thresholds, and the title is the
caller's.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from statistics import median
from zoneinfo import ZoneInfo

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, Locator
from matplotlib.transforms import blended_transform_factory

from flows.report import CheckinRecord

# matplotlib.dates ships no type hints (there is no dates.pyi): typed views of what is used.
_day_locator: Callable[..., Locator] = mdates.DayLocator
_num2date: Callable[..., datetime] = mdates.num2date
_date2num: Callable[[datetime], float] = mdates.date2num

WIDTH_INCHES = 8.0
HEIGHT_INCHES = 4.8
DPI = 125
"""8 × 4.8 inches at 125 dpi: a 1000 × 600 px PNG, large enough to read on a phone."""

MOOD_MAX = 10
SLEEP_AXIS_MIN_TOP = 12.0
HEADROOM = 1.2
"""Both y axes run to 120% of their top value, leaving a clear band for the visit labels."""

TITLE_SIZE = 18
LABEL_SIZE = 16
TICK_SIZE = 14
LEGEND_SIZE = 14
VISIT_LABEL_SIZE = 13
MESSAGE_SIZE = 20
TITLE_WRAP = 46
MAX_DATE_TICKS = 7

MOOD_COLOUR = "#1f4e9c"
SLEEP_COLOUR = "#f4b56a"
SLEEP_EDGE_COLOUR = "#c98a3e"
SLEEP_TEXT_COLOUR = "#8a5a1c"  # darker than the bars, so the right axis reads on white
VISIT_COLOUR = "#b2182b"
GRID_COLOUR = "#dddddd"

NO_CHECKINS = "No check-ins in this period"
NO_ANSWERS = "No mood or sleep answers\nin these check-ins"

# Without a "Software" entry Agg writes no metadata that changes between runs, so the same
# input always gives the same bytes.
PNG_METADATA: dict[str, str | None] = {"Software": None}


def render_checkin_chart(
    records: Sequence[CheckinRecord],
    visits: Sequence[datetime],
    zone: ZoneInfo,
    *,
    title: str,
) -> bytes:
    """A PNG (1000 × 600 px) of mood and hours slept per check-in, with each visit marked.

    Mood (0–10) is the left axis, points joined by a line; hours slept the right axis
    (0–12, or higher when someone reports more), as bars. The x axis is local dates in
    `zone`. Visits are dashed vertical lines labelled "visit" and their date, and the axis
    is widened to include them. With no records the chart says so instead of failing.
    Naive datetimes are taken to be UTC. The same input always gives the same bytes.
    """
    figure = checkin_chart_figure(records, visits, zone, title=title)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)  # attaches an Agg canvas: no display, no global backend
    figure.savefig(buffer, format="png", metadata=PNG_METADATA)
    return buffer.getvalue()


def checkin_chart_figure(
    records: Sequence[CheckinRecord],
    visits: Sequence[datetime],
    zone: ZoneInfo,
    *,
    title: str,
) -> Figure:
    """The chart as a matplotlib Figure, not yet rendered (see `render_checkin_chart`)."""
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    figure.suptitle(_wrap(title), fontsize=TITLE_SIZE, fontweight="bold", parse_math=False)

    points = sorted(((_local(record.at, zone), record) for record in records), key=lambda p: p[0])
    moments = sorted(_local(visit, zone) for visit in visits)

    if not points and not moments:
        axes = figure.add_subplot()
        axes.set_axis_off()
        _centred_message(axes, NO_CHECKINS)
    else:
        _draw(figure, points, moments, zone)
    return figure


def _draw(
    figure: Figure,
    points: list[tuple[datetime, CheckinRecord]],
    visits: list[datetime],
    zone: ZoneInfo,
) -> None:
    """Mood as a line and sleep as bars over local dates, visits marked, with a legend."""
    mood_axes = figure.add_subplot()
    sleep_axes = mood_axes.twinx()
    # Mood in front of the sleep bars: the twin is drawn first and the mood axes' background
    # is hidden so the bars show through.
    mood_axes.set_zorder(sleep_axes.get_zorder() + 1)
    mood_axes.patch.set_visible(False)

    moods = [(when, record.mood) for when, record in points if record.mood is not None]
    sleeps = [
        (when, record.sleep_hours) for when, record in points if record.sleep_hours is not None
    ]

    handles: list[Line2D | BarContainer] = []
    if moods:
        handles.append(_plot_moods(mood_axes, moods))
    if sleeps:
        handles.append(_plot_sleeps(sleep_axes, sleeps, [when for when, _ in points]))

    start, end = _x_range([when for when, _ in points] + visits)
    mood_axes.set_xlim(_num(start), _num(end))
    _style_mood_axis(mood_axes)
    _style_sleep_axis(sleep_axes, sleeps)
    _style_date_axis(mood_axes, start, end, zone)

    if visits:
        handles.append(_mark_visits(mood_axes, visits, start, end))

    if not points:
        _centred_message(mood_axes, NO_CHECKINS)
    elif not moods and not sleeps:
        _centred_message(mood_axes, NO_ANSWERS)

    if handles:
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=len(handles),
            fontsize=LEGEND_SIZE,
            frameon=False,
        )


def _plot_moods(axes: Axes, moods: Sequence[tuple[datetime, int]]) -> Line2D:
    """Mood per check-in: points joined by a line."""
    (line,) = axes.plot(
        [_num(when) for when, _ in moods],
        [mood for _, mood in moods],
        color=MOOD_COLOUR,
        linewidth=2.5,
        marker="o",
        markersize=7,
        label="Mood (0–10)",
    )
    return line


def _plot_sleeps(
    axes: Axes, sleeps: Sequence[tuple[datetime, float]], moments: list[datetime]
) -> BarContainer:
    """Hours slept per check-in as bars, as wide as the check-ins at `moments` allow."""
    return axes.bar(
        [_num(when) for when, _ in sleeps],
        [hours for _, hours in sleeps],
        width=_bar_width(moments),
        color=SLEEP_COLOUR,
        edgecolor=SLEEP_EDGE_COLOUR,
        linewidth=0.8,
        label="Hours slept",
    )


def _style_mood_axis(axes: Axes) -> None:
    """The left axis: mood 0–10 in steps of 2, with headroom, and the grid lines."""
    axes.set_ylim(0, MOOD_MAX * HEADROOM)
    axes.yaxis.set_major_locator(FixedLocator(range(0, MOOD_MAX + 1, 2)))
    axes.set_ylabel("Mood (0–10)", fontsize=LABEL_SIZE, color=MOOD_COLOUR)
    axes.tick_params(axis="y", labelsize=TICK_SIZE, colors=MOOD_COLOUR)
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)


def _style_sleep_axis(axes: Axes, sleeps: Sequence[tuple[datetime, float]]) -> None:
    """The right axis: hours slept from 0 to 12, or to the longest night reported, with headroom."""
    sleep_top = max([SLEEP_AXIS_MIN_TOP, *(hours for _, hours in sleeps)])
    axes.set_ylim(0, sleep_top * HEADROOM)
    step = 3 if sleep_top <= 15 else 6
    axes.yaxis.set_major_locator(FixedLocator(range(0, int(sleep_top) + 1, step)))
    axes.set_ylabel("Hours slept", fontsize=LABEL_SIZE, color=SLEEP_TEXT_COLOUR)
    axes.tick_params(axis="y", labelsize=TICK_SIZE, colors=SLEEP_TEXT_COLOUR)


def _style_date_axis(axes: Axes, start: datetime, end: datetime, zone: ZoneInfo) -> None:
    """Local dates ("3 Nov") on the x axis, every n days so at most about MAX_DATE_TICKS show."""
    span_days = (end - start).total_seconds() / 86400
    interval = max(1, -(-round(span_days) // MAX_DATE_TICKS))
    locator = _day_locator(interval=interval, tz=zone)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(FuncFormatter(_date_label(zone)))
    axes.tick_params(axis="x", labelsize=TICK_SIZE)


def _date_label(zone: ZoneInfo) -> Callable[[float, int | None], str]:
    """A tick formatter: a date number as the local date in `zone`."""

    def label(x: float, _pos: int | None) -> str:
        moment = _num2date(x, tz=zone)
        return _day(moment)

    return label


def _num(moment: datetime) -> float:
    """`moment` as a matplotlib date number (days since 1970), its x position on the chart."""
    number = _date2num(moment)
    return number


def _mark_visits(axes: Axes, visits: list[datetime], start: datetime, end: datetime) -> Line2D:
    """A dashed line per visit, labelled "visit 3 Nov" in the band above the data.

    `visits` must not be empty; the last line is returned, for the legend.
    """
    x_data_axes_y = blended_transform_factory(axes.transData, axes.transAxes)
    left, width = _num(start), _num(end) - _num(start)
    lines: list[Line2D] = []
    previous: float | None = None
    row = 0
    for visit in visits:
        x = _num(visit)
        lines.append(
            axes.axvline(
                x, color=VISIT_COLOUR, linestyle="--", linewidth=2, label="Visit", zorder=1
            )
        )
        fraction = (x - left) / width
        # A visit close to the previous one gets its label on the other row, so they do not overlap.
        row = 1 - row if previous is not None and fraction - previous < 0.16 else 0
        previous = fraction
        near_right_edge = fraction > 0.8
        axes.annotate(
            f"visit {_day(visit)}",
            xy=(x, 0.985 - 0.085 * row),
            xycoords=x_data_axes_y,
            xytext=(-5 if near_right_edge else 5, 0),
            textcoords="offset points",
            ha="right" if near_right_edge else "left",
            va="top",
            fontsize=VISIT_LABEL_SIZE,
            color=VISIT_COLOUR,
            fontweight="bold",
            annotation_clip=False,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
        )
    return lines[-1]


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def _x_range(moments: list[datetime]) -> tuple[datetime, datetime]:
    """From midday the day before the first moment to midday the day after the last, at least a week.

    Ending at midday keeps the date ticks (at midnight) off the edges, where they would collide
    with the y axis labels.
    """
    first = min(moments).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    last = max(moments).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    if last - first < timedelta(days=7):
        pad = timedelta(days=-(-(7 - (last - first).days) // 2))  # whole days: edges stay at midday
        first, last = first - pad, last + pad
    return first, last


def _bar_width(moments: list[datetime]) -> float:
    """Bars 70% of the typical gap between check-ins, in days, kept between 3 h and 0.8 day."""
    gaps = [(b - a).total_seconds() / 86400 for a, b in pairwise(moments)]
    gaps = [gap for gap in gaps if gap > 0]
    typical = median(gaps) if gaps else 1.0
    return min(0.8, max(0.125, 0.7 * typical))


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def _wrap(title: str) -> str:
    lines = textwrap.wrap(" ".join(title.split()), TITLE_WRAP) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), TITLE_WRAP, placeholder=" …")]
    return "\n".join(lines)


def _centred_message(axes: Axes, text: str) -> None:
    axes.text(
        0.5,
        0.5,
        text,
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=MESSAGE_SIZE,
        color="#555555",
        parse_math=False,
        bbox={"facecolor": "white", "edgecolor": "#cccccc", "boxstyle": "round,pad=0.6"},
    )
