"""Reading typed dates, times, weekdays and zones; showing moments on a patient's wall clock.

`now` is always passed in (an injected clock). Expected results are concrete UTC instants and
the local wall-clock reading.
"""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

# Lets `.venv/bin/pytest` import `flows` before the project is installed into the venv.
import pytest

from flows.when import (
    US_ZONE_CHOICES,
    format_local,
    parse_clock,
    parse_weekday,
    parse_when,
    parse_zone,
    split_name_and_when,
)

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 10, 1, 17, 0, tzinfo=UTC)  # Thu 1 Oct 2026, 12:00 CDT


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- zones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("AMERICA/CHICAGO", "America/Chicago"),
        ("america/new york", "America/New_York"),
        (" Europe/London ", "Europe/London"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Eastern", "America/New_York"),
        ("eastern time", "America/New_York"),
        ("Eastern Standard Time", "America/New_York"),
        ("ET", "America/New_York"),
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("Central", "America/Chicago"),
        ("CT", "America/Chicago"),
        ("CST", "America/Chicago"),
        ("central daylight time", "America/Chicago"),
        ("Mountain", "America/Denver"),
        ("MT", "America/Denver"),
        ("MST", "America/Denver"),
        ("Arizona", "America/Phoenix"),
        ("AZ", "America/Phoenix"),
        ("Pacific", "America/Los_Angeles"),
        ("PT", "America/Los_Angeles"),
        ("pst", "America/Los_Angeles"),
        ("Alaska", "America/Anchorage"),
        ("AKST", "America/Anchorage"),
        ("Hawaii", "Pacific/Honolulu"),
        ("HST", "Pacific/Honolulu"),
        ("US/Eastern", "US/Eastern"),
        ("chicago", "America/Chicago"),
        ("New York", "America/New_York"),
        ("los angeles", "America/Los_Angeles"),
    ],
)
def test_parse_zone(text, expected):
    zone = parse_zone(text)
    assert zone == ZoneInfo(expected)
    assert zone.key == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Mars",
        "Narnia/Capital",
        "UTC-5",
        "+05:00",
        "GMT+5",
        "eastern standard",
        "indianapolis",  # America/Indianapolis and America/Indiana/Indianapolis
        "../../etc/passwd",
        "America/",
        "et time",
    ],
)
def test_parse_zone_rejects(text):
    assert parse_zone(text) is None


def test_us_zone_choices_are_the_buttons_in_order_and_each_parses():
    assert US_ZONE_CHOICES == (
        ("Eastern", "America/New_York"),
        ("Central", "America/Chicago"),
        ("Mountain", "America/Denver"),
        ("Arizona", "America/Phoenix"),
        ("Pacific", "America/Los_Angeles"),
        ("Alaska", "America/Anchorage"),
        ("Hawaii", "Pacific/Honolulu"),
    )
    for label, name in US_ZONE_CHOICES:
        assert parse_zone(label).key == name
        assert parse_zone(name).key == name


# --- clock times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20:00", time(20, 0)),
        ("08:00", time(8, 0)),
        ("8:00", time(8, 0)),
        ("0:15", time(0, 15)),
        ("23:59", time(23, 59)),
        ("20:00:00", time(20, 0)),
        ("8.30", time(8, 30)),
        ("8pm", time(20, 0)),
        ("8 pm", time(20, 0)),
        ("8PM", time(20, 0)),
        ("8 p.m.", time(20, 0)),
        ("8:30 am", time(8, 30)),
        ("8:30am", time(8, 30)),
        ("7:30 pm", time(19, 30)),
        ("8.30 pm", time(20, 30)),
        ("at 8pm", time(20, 0)),
        ("eight pm", time(20, 0)),
        ("twelve am", time(0, 0)),
        ("12am", time(0, 0)),
        ("12:30 am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:15 pm", time(12, 15)),
        ("noon", time(12, 0)),
        ("Midday", time(12, 0)),
        ("midnight", time(0, 0)),
        ("0830", time(8, 30)),
        ("2000", time(20, 0)),
        ("830pm", time(20, 30)),
        ("1030 am", time(10, 30)),
    ],
)
def test_parse_clock(text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "8",  # morning or evening?
        "20",
        "830",  # three bare digits
        "24:00",
        "25:00",
        "8:60",
        "8:5",
        "13pm",
        "0am",
        "0:30 pm",
        "2460",
        "evening",
        "soon",
        "once pm",
        "8 or 9 pm",
        "8pm tomorrow",
    ],
)
def test_parse_clock_rejects(text):
    assert parse_clock(text) is None


# --- weekdays ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday", 0),
        ("Mon", 0),
        ("mon.", 0),
        ("Mondays", 0),
        ("every monday", 0),
        ("tues", 1),
        ("Tue", 1),
        ("tu", 1),
        ("wed", 2),
        ("Weds", 2),
        ("Wednesday", 2),
        ("thursday", 3),
        ("thu", 3),
        ("thurs", 3),
        ("th", 3),
        ("on Friday", 4),
        ("sat", 5),
        ("SUNDAY", 6),
        ("sun", 6),
    ],
)
def test_parse_weekday(text, expected):
    assert parse_weekday(text) == expected


@pytest.mark.parametrize(
    "text", ["", "t", "s", "m", "1", "7", "mondayy", "weekend", "tomorrow", "monday tuesday"]
)
def test_parse_weekday_rejects(text):
    assert parse_weekday(text) is None


# --- appointment date and time -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected_utc", "expected_local"),
    [
        ("2026-12-03 15:00", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("2026-12-03 3pm", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("2026-12-03 3:30 p.m.", utc(2026, 12, 3, 21, 30), "Thu 3 Dec 2026, 3:30 PM CST"),
        ("2026-12-03T15:00", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("2026-12-03T15:00:00", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("2026-12-03 at 3pm", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("12/03/2026 15:00", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("12/3/2026 3 pm", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("12/03/2026, 3pm", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        ("12/03/26 15:00", utc(2026, 12, 3, 21, 0), "Thu 3 Dec 2026, 3:00 PM CST"),
        # summer: CDT
        ("2026-07-01 09:00", utc(2026, 7, 1, 14, 0), "Wed 1 Jul 2026, 9:00 AM CDT"),
        # a named zone after the time
        ("2026-12-03 15:00 America/New_York", utc(2026, 12, 3, 20, 0), "Thu 3 Dec 2026, 2:00 PM CST"),
        ("2026-12-03 15:00 UTC", utc(2026, 12, 3, 15, 0), "Thu 3 Dec 2026, 9:00 AM CST"),
        ("2026-12-03 15:00 Eastern", utc(2026, 12, 3, 20, 0), "Thu 3 Dec 2026, 2:00 PM CST"),
        ("2026-12-03 3 pm eastern time", utc(2026, 12, 3, 20, 0), "Thu 3 Dec 2026, 2:00 PM CST"),
        ("12/03/2026 3pm PT", utc(2026, 12, 3, 23, 0), "Thu 3 Dec 2026, 5:00 PM CST"),
        ("2026-12-03 15:00 Pacific/Honolulu", utc(2026, 12, 4, 1, 0), "Thu 3 Dec 2026, 7:00 PM CST"),
        # an ISO offset straight after the time
        ("2026-12-03T15:00Z", utc(2026, 12, 3, 15, 0), "Thu 3 Dec 2026, 9:00 AM CST"),
        ("2026-12-03T15:00-05:00", utc(2026, 12, 3, 20, 0), "Thu 3 Dec 2026, 2:00 PM CST"),
        ("2026-12-03T15:00+0100", utc(2026, 12, 3, 14, 0), "Thu 3 Dec 2026, 8:00 AM CST"),
        # DST: the repeated hour takes the first; the missing hour moves forward
        ("2026-11-01 01:30", utc(2026, 11, 1, 6, 30), "Sun 1 Nov 2026, 1:30 AM CDT"),
        ("2027-03-14 02:30", utc(2027, 3, 14, 8, 30), "Sun 14 Mar 2027, 3:30 AM CDT"),
        ("2027-03-14 03:30", utc(2027, 3, 14, 8, 30), "Sun 14 Mar 2027, 3:30 AM CDT"),
        # a past date is read as written: the caller decides what to do with it
        ("2026-01-05 10:00", utc(2026, 1, 5, 16, 0), "Mon 5 Jan 2026, 10:00 AM CST"),
    ],
)
def test_parse_when(text, expected_utc, expected_local):
    moment = parse_when(text, CHICAGO, NOW)
    assert moment == expected_utc
    assert moment.tzinfo is UTC
    assert format_local(moment, CHICAGO) == expected_local


@pytest.mark.parametrize(
    ("text", "now", "expected_utc"),
    [
        # without a year: this year while the date is today or later ...
        ("12/03 3pm", NOW, utc(2026, 12, 3, 21, 0)),
        ("10/01 9am", NOW, utc(2026, 10, 1, 14, 0)),
        # ... else next year
        ("9/30 9am", NOW, utc(2027, 9, 30, 14, 0)),
        ("1/5 10:00", utc(2026, 12, 20, 18, 0), utc(2027, 1, 5, 16, 0)),
        # 29 February: the next leap year
        ("2/29 10:00", NOW, utc(2028, 2, 29, 16, 0)),
        # "today" is the local date: 23:30 CDT on 30 Sep is already 1 Oct in UTC
        ("9/30 23:45", utc(2026, 10, 1, 4, 30), utc(2026, 10, 1, 4, 45)),
    ],
)
def test_parse_when_without_a_year(text, now, expected_utc):
    assert parse_when(text, CHICAGO, now) == expected_utc


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow 3pm",
        "3pm",
        "2026-12-03",
        "12/03/2026",
        "2026-12-03 3",  # no am/pm, no minutes
        "2026-02-30 15:00",
        "2026-13-01 15:00",
        "13/03/2026 15:00",  # US month/day: there is no month 13
        "2026-12-03 25:00",
        "2026-12-03 15:00 Mars",
        "2026-12-03 15:00 UTC+5",
        "2026-12-03T15:00+25:00",
        "2026-12-03T15:00-05:75",
        "2026-12-03 15:00 and then some",
        "Dec 3 2026 3pm",
        "2026/12/03 15:00",
        "next thursday at 3",
    ],
)
def test_parse_when_rejects(text):
    assert parse_when(text, CHICAGO, NOW) is None


def test_parse_when_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_when("2026-12-03 15:00", CHICAGO, datetime(2026, 10, 1, 12, 0))


@pytest.mark.parametrize(
    ("text", "expected_name", "expected_utc"),
    [
        ("Jane D. 2026-12-03 15:00", "Jane D.", utc(2026, 12, 3, 21, 0)),
        ("Jane D. 2026-12-03 3 pm", "Jane D.", utc(2026, 12, 3, 21, 0)),
        ("  Jane   D.   12/03/2026 3pm Eastern ", "Jane   D.", utc(2026, 12, 3, 20, 0)),
        ("Jane D. 2026-12-03T15:00-05:00", "Jane D.", utc(2026, 12, 3, 20, 0)),
        ("Mary-Ann O'Neil 12/03 3pm", "Mary-Ann O'Neil", utc(2026, 12, 3, 21, 0)),
        ("2026-12-03 15:00", "", utc(2026, 12, 3, 21, 0)),
        ("Jane D.", "Jane D.", None),
        ("  Jane D.  ", "Jane D.", None),
        ("Jane D. 2026-12-03", "Jane D. 2026-12-03", None),
        ("Jane D. tomorrow", "Jane D. tomorrow", None),
        ("", "", None),
    ],
)
def test_split_name_and_when(text, expected_name, expected_utc):
    assert split_name_and_when(text, CHICAGO, NOW) == (expected_name, expected_utc)


# --- display -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (utc(2026, 12, 3, 21, 0), "America/Chicago", "Thu 3 Dec 2026, 3:00 PM CST"),
        (utc(2026, 7, 1, 14, 5), "America/Chicago", "Wed 1 Jul 2026, 9:05 AM CDT"),
        (utc(2026, 12, 3, 6, 0), "America/Chicago", "Thu 3 Dec 2026, 12:00 AM CST"),
        (utc(2026, 12, 3, 18, 0), "America/Chicago", "Thu 3 Dec 2026, 12:00 PM CST"),
        (utc(2026, 11, 1, 6, 30), "America/Chicago", "Sun 1 Nov 2026, 1:30 AM CDT"),
        (utc(2026, 11, 1, 7, 30), "America/Chicago", "Sun 1 Nov 2026, 1:30 AM CST"),
        (utc(2027, 3, 14, 8, 0), "America/Chicago", "Sun 14 Mar 2027, 3:00 AM CDT"),
        (utc(2026, 12, 3, 21, 0), "UTC", "Thu 3 Dec 2026, 9:00 PM UTC"),
        (utc(2026, 12, 3, 21, 0), "Pacific/Honolulu", "Thu 3 Dec 2026, 11:00 AM HST"),
        (utc(2026, 12, 3, 21, 0), "America/New_York", "Thu 3 Dec 2026, 4:00 PM EST"),
        (datetime(2026, 12, 3, 15, 0, tzinfo=CHICAGO), "America/Phoenix", "Thu 3 Dec 2026, 2:00 PM MST"),
    ],
)
def test_format_local(moment, zone, expected):
    assert format_local(moment, ZoneInfo(zone)) == expected
