"""When reminders fall: wall-clock times, DST changes, quiet hours, cadences, catch-up, lateness.

Every test passes the current time in (an injected clock) and asserts concrete instants: the
UTC moment and the patient's local wall-clock time. America/Chicago changes clocks on
2026-11-01 (02:00 CDT -> 01:00 CST, so 01:00-02:00 happens twice) and on 2027-03-14
(02:00 CST -> 03:00 CDT, so 02:00-03:00 does not exist).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Lets `.venv/bin/pytest` import `flows` before the project is installed into the venv.
import pytest

from flows.schedule import (
    INTAKE_KINDS,
    Cadence,
    CatchUp,
    PlannedReminder,
    ReminderKind,
    ReminderPolicy,
    apply_quiet_hours,
    at_local,
    catch_up,
    intake_opens_at,
    is_late,
    next_checkin,
    plan_appointment_reminders,
    superseded_keys,
    to_local,
)

CHICAGO = ZoneInfo("America/Chicago")
HONOLULU = ZoneInfo("Pacific/Honolulu")
POLICY = ReminderPolicy()
K = ReminderKind


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wall(moment: datetime, zone: ZoneInfo = CHICAGO) -> tuple[str, str]:
    """The local wall-clock reading of `moment`: ("2026-11-01 01:30", "CDT")."""
    local = to_local(moment, zone)
    return local.strftime("%Y-%m-%d %H:%M"), local.tzname()


def plan(reminders: list[PlannedReminder]) -> list[tuple[str, datetime, tuple[str, str], str]]:
    return [(r.kind.value, r.due_at, wall(r.due_at), r.key) for r in reminders]


# --- to_local / at_local -----------------------------------------------------------------


def test_to_local_reads_the_wall_clock_and_rejects_naive_datetimes():
    assert wall(utc(2026, 12, 3, 21, 0)) == ("2026-12-03 15:00", "CST")
    assert wall(utc(2026, 7, 1, 20, 0)) == ("2026-07-01 15:00", "CDT")
    assert to_local(utc(2026, 12, 3, 21, 0), CHICAGO).tzinfo is CHICAGO
    with pytest.raises(ValueError, match="timezone-aware"):
        to_local(datetime(2026, 12, 3, 21, 0), CHICAGO)


@pytest.mark.parametrize(
    ("day", "clock", "expected_utc", "expected_wall"),
    [
        # ordinary winter and summer days
        (date(2026, 12, 3), time(15, 0), utc(2026, 12, 3, 21, 0), ("2026-12-03 15:00", "CST")),
        (date(2026, 7, 1), time(15, 0), utc(2026, 7, 1, 20, 0), ("2026-07-01 15:00", "CDT")),
        # fall back 2026-11-01: 01:00-02:00 happens twice; the first (CDT) is taken
        (date(2026, 11, 1), time(0, 30), utc(2026, 11, 1, 5, 30), ("2026-11-01 00:30", "CDT")),
        (date(2026, 11, 1), time(1, 0), utc(2026, 11, 1, 6, 0), ("2026-11-01 01:00", "CDT")),
        (date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 6, 30), ("2026-11-01 01:30", "CDT")),
        (date(2026, 11, 1), time(1, 30, fold=1), utc(2026, 11, 1, 6, 30), ("2026-11-01 01:30", "CDT")),
        (date(2026, 11, 1), time(2, 0), utc(2026, 11, 1, 8, 0), ("2026-11-01 02:00", "CST")),
        # spring forward 2027-03-14: 02:00-03:00 does not exist; moved forward by the hour
        (date(2027, 3, 14), time(1, 59), utc(2027, 3, 14, 7, 59), ("2027-03-14 01:59", "CST")),
        (date(2027, 3, 14), time(2, 0), utc(2027, 3, 14, 8, 0), ("2027-03-14 03:00", "CDT")),
        (date(2027, 3, 14), time(2, 30), utc(2027, 3, 14, 8, 30), ("2027-03-14 03:30", "CDT")),
        (date(2027, 3, 14), time(3, 0), utc(2027, 3, 14, 8, 0), ("2027-03-14 03:00", "CDT")),
        (date(2027, 3, 14), time(3, 30), utc(2027, 3, 14, 8, 30), ("2027-03-14 03:30", "CDT")),
    ],
)
def test_at_local(day, clock, expected_utc, expected_wall):
    moment = at_local(day, clock, CHICAGO)
    assert moment == expected_utc
    assert moment.tzinfo is UTC
    assert wall(moment) == expected_wall


# --- quiet hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected_utc", "expected_wall"),
    [
        # 22:00 -> 08:00 the next day
        (utc(2026, 12, 4, 4, 0), utc(2026, 12, 4, 14, 0), ("2026-12-04 08:00", "CST")),
        # 03:00 -> 08:00 the same day
        (utc(2026, 12, 3, 9, 0), utc(2026, 12, 3, 14, 0), ("2026-12-03 08:00", "CST")),
        # the start is quiet, the end is not
        (utc(2026, 12, 4, 3, 0), utc(2026, 12, 4, 14, 0), ("2026-12-04 08:00", "CST")),
        (utc(2026, 12, 3, 13, 59), utc(2026, 12, 3, 14, 0), ("2026-12-03 08:00", "CST")),
        (utc(2026, 12, 3, 14, 0), utc(2026, 12, 3, 14, 0), ("2026-12-03 08:00", "CST")),
        (utc(2026, 12, 4, 2, 59), utc(2026, 12, 4, 2, 59), ("2026-12-03 20:59", "CST")),
        # midnight is quiet
        (utc(2026, 12, 4, 6, 0), utc(2026, 12, 4, 14, 0), ("2026-12-04 08:00", "CST")),
        # across fall back: 23:30 CDT on 31 Oct -> 08:00 CST on 1 Nov, 9.5 elapsed hours later
        (utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 14, 0), ("2026-11-01 08:00", "CST")),
        # in the repeated hour (second 01:30, CST) -> 08:00 CST
        (utc(2026, 11, 1, 7, 30), utc(2026, 11, 1, 14, 0), ("2026-11-01 08:00", "CST")),
        # across spring forward: 22:00 CST on 13 Mar -> 08:00 CDT on 14 Mar
        (utc(2027, 3, 14, 4, 0), utc(2027, 3, 14, 13, 0), ("2027-03-14 08:00", "CDT")),
    ],
)
def test_quiet_hours_move_a_reminder_to_their_end(due, expected_utc, expected_wall):
    moved = apply_quiet_hours(due, CHICAGO, POLICY)
    assert moved == expected_utc
    assert moved.tzinfo is UTC
    assert wall(moved) == expected_wall


@pytest.mark.parametrize(
    "due", [utc(2026, 12, 4, 4, 0), utc(2026, 12, 3, 9, 0), utc(2026, 11, 1, 6, 30)]
)
def test_a_time_the_patient_chose_is_kept_in_quiet_hours(due):
    assert apply_quiet_hours(due, CHICAGO, POLICY, chosen_by_patient=True) == due


def test_quiet_hours_return_utc_for_a_local_input():
    due = datetime(2026, 12, 3, 22, 0, tzinfo=CHICAGO)
    moved = apply_quiet_hours(due, CHICAGO, POLICY)
    assert moved == utc(2026, 12, 4, 14, 0)
    assert moved.tzinfo is UTC
    kept = apply_quiet_hours(datetime(2026, 12, 3, 12, 0, tzinfo=CHICAGO), CHICAGO, POLICY)
    assert kept == utc(2026, 12, 3, 18, 0)
    assert kept.tzinfo is UTC


@pytest.mark.parametrize(
    ("local_due", "expected_wall"),
    [
        ("2026-12-03 13:00", "2026-12-03 14:00"),
        ("2026-12-03 13:30", "2026-12-03 14:00"),
        ("2026-12-03 12:59", "2026-12-03 12:59"),
        ("2026-12-03 14:00", "2026-12-03 14:00"),
        ("2026-12-03 22:00", "2026-12-03 22:00"),
        ("2026-12-03 03:00", "2026-12-03 03:00"),
    ],
)
def test_quiet_window_that_does_not_cross_midnight(local_due, expected_wall):
    policy = ReminderPolicy(quiet_start=time(13, 0), quiet_end=time(14, 0))
    due = datetime.fromisoformat(local_due).replace(tzinfo=CHICAGO)
    assert wall(apply_quiet_hours(due, CHICAGO, policy)) == (expected_wall, "CST")


def test_equal_start_and_end_means_no_quiet_hours():
    policy = ReminderPolicy(quiet_start=time(8, 0), quiet_end=time(8, 0))
    for due in (utc(2026, 12, 3, 9, 0), utc(2026, 12, 4, 4, 0), utc(2026, 12, 3, 14, 0)):
        assert apply_quiet_hours(due, CHICAGO, policy) == due


def test_quiet_hours_ending_inside_the_spring_forward_gap_end_at_the_moved_time():
    policy = ReminderPolicy(quiet_start=time(1, 0), quiet_end=time(2, 30))
    moved = apply_quiet_hours(utc(2027, 3, 14, 7, 15), CHICAGO, policy)  # 01:15 CST
    assert moved == utc(2027, 3, 14, 8, 30)
    assert wall(moved) == ("2027-03-14 03:30", "CDT")


# --- appointment reminders ---------------------------------------------------------------

EARLY = utc(2026, 10, 1, 12, 0)


def test_appointment_after_fall_back_keeps_the_local_wall_clock():
    starts = utc(2026, 11, 3, 16, 0)  # 10:00 CST
    assert wall(starts) == ("2026-11-03 10:00", "CST")
    assert plan(plan_appointment_reminders(12, starts, CHICAGO, POLICY, EARLY)) == [
        ("intake_open", utc(2026, 10, 31, 15, 0), ("2026-10-31 10:00", "CDT"), "appt:12:intake_open"),
        ("intake_48h", utc(2026, 11, 1, 16, 0), ("2026-11-01 10:00", "CST"), "appt:12:intake_48h"),
        ("intake_24h", utc(2026, 11, 2, 16, 0), ("2026-11-02 10:00", "CST"), "appt:12:intake_24h"),
        ("appointment", utc(2026, 11, 2, 23, 0), ("2026-11-02 17:00", "CST"), "appt:12:appointment"),
    ]


def test_appointment_after_spring_forward_keeps_the_local_wall_clock():
    starts = utc(2027, 3, 16, 15, 0)  # 10:00 CDT
    assert wall(starts) == ("2027-03-16 10:00", "CDT")
    assert plan(plan_appointment_reminders(5, starts, CHICAGO, POLICY, utc(2027, 3, 1))) == [
        ("intake_open", utc(2027, 3, 13, 16, 0), ("2027-03-13 10:00", "CST"), "appt:5:intake_open"),
        ("intake_48h", utc(2027, 3, 14, 15, 0), ("2027-03-14 10:00", "CDT"), "appt:5:intake_48h"),
        ("intake_24h", utc(2027, 3, 15, 15, 0), ("2027-03-15 10:00", "CDT"), "appt:5:intake_24h"),
        ("appointment", utc(2027, 3, 15, 22, 0), ("2027-03-15 17:00", "CDT"), "appt:5:appointment"),
    ]


@pytest.mark.parametrize(
    ("starts", "expected_utc", "expected_wall"),
    [
        # 10:00 CST on 3 Nov opens 10:00 CDT on 31 Oct: 73 elapsed hours, 3 wall-clock days
        (utc(2026, 11, 3, 16, 0), utc(2026, 10, 31, 15, 0), ("2026-10-31 10:00", "CDT")),
        # 10:00 CDT on 16 Mar opens 10:00 CST on 13 Mar: 71 elapsed hours
        (utc(2027, 3, 16, 15, 0), utc(2027, 3, 13, 16, 0), ("2027-03-13 10:00", "CST")),
        # 02:30 three days before 17 Mar does not exist: 03:30 CDT
        (utc(2027, 3, 17, 7, 30), utc(2027, 3, 14, 8, 30), ("2027-03-14 03:30", "CDT")),
        # quiet hours are not applied here: 23:00 stays 23:00
        (utc(2026, 12, 11, 5, 0), utc(2026, 12, 8, 5, 0), ("2026-12-07 23:00", "CST")),
    ],
)
def test_intake_opens_at(starts, expected_utc, expected_wall):
    opens = intake_opens_at(starts, CHICAGO, POLICY)
    assert opens == expected_utc
    assert wall(opens) == expected_wall


def test_early_morning_appointment_reminders_wait_for_the_end_of_quiet_hours():
    starts = utc(2026, 12, 10, 13, 0)  # 07:00 CST
    assert plan(plan_appointment_reminders(3, starts, CHICAGO, POLICY, EARLY)) == [
        ("intake_open", utc(2026, 12, 7, 14, 0), ("2026-12-07 08:00", "CST"), "appt:3:intake_open"),
        ("intake_48h", utc(2026, 12, 8, 14, 0), ("2026-12-08 08:00", "CST"), "appt:3:intake_48h"),
        ("intake_24h", utc(2026, 12, 9, 14, 0), ("2026-12-09 08:00", "CST"), "appt:3:intake_24h"),
        ("appointment", utc(2026, 12, 9, 23, 0), ("2026-12-09 17:00", "CST"), "appt:3:appointment"),
    ]


def test_reminders_at_the_same_moment_come_in_kind_order():
    starts = utc(2026, 12, 10, 23, 0)  # 17:00 CST: the 24 h and day-before reminders coincide
    reminders = plan_appointment_reminders(4, starts, CHICAGO, POLICY, EARLY)
    assert plan(reminders)[-2:] == [
        ("intake_24h", utc(2026, 12, 9, 23, 0), ("2026-12-09 17:00", "CST"), "appt:4:intake_24h"),
        ("appointment", utc(2026, 12, 9, 23, 0), ("2026-12-09 17:00", "CST"), "appt:4:appointment"),
    ]


def test_an_hour_count_that_is_not_whole_days_is_an_exact_duration():
    policy = ReminderPolicy(intake_reminder_hours=(30,))
    starts = utc(2026, 11, 2, 2, 0)  # 20:00 CST on 1 Nov
    assert wall(starts) == ("2026-11-01 20:00", "CST")
    # 30 elapsed hours before is 15:00 CDT on 31 Oct (30 wall-clock hours would be 14:00).
    assert plan(plan_appointment_reminders(9, starts, CHICAGO, policy, EARLY)) == [
        ("intake_open", utc(2026, 10, 30, 1, 0), ("2026-10-29 20:00", "CDT"), "appt:9:intake_open"),
        ("intake_24h", utc(2026, 10, 31, 20, 0), ("2026-10-31 15:00", "CDT"), "appt:9:intake_24h"),
        ("appointment", utc(2026, 10, 31, 22, 0), ("2026-10-31 17:00", "CDT"), "appt:9:appointment"),
    ]


def test_an_intake_reminder_not_after_the_intake_opens_is_dropped():
    # 72 h before is the moment the intake opens (3 days): it would only repeat the notice.
    policy = ReminderPolicy(intake_reminder_hours=(72, 24))
    starts = utc(2026, 12, 10, 16, 0)  # 10:00 CST
    assert plan(plan_appointment_reminders(1, starts, CHICAGO, policy, EARLY)) == [
        ("intake_open", utc(2026, 12, 7, 16, 0), ("2026-12-07 10:00", "CST"), "appt:1:intake_open"),
        ("intake_24h", utc(2026, 12, 9, 16, 0), ("2026-12-09 10:00", "CST"), "appt:1:intake_24h"),
        ("appointment", utc(2026, 12, 9, 23, 0), ("2026-12-09 17:00", "CST"), "appt:1:appointment"),
    ]


def test_the_day_before_reminder_time_is_a_setting():
    policy = ReminderPolicy(appointment_reminder_time=time(9, 30), intake_reminder_hours=())
    starts = utc(2027, 3, 15, 15, 0)  # 10:00 CDT on Monday 15 Mar; the day before is DST day
    assert plan(plan_appointment_reminders(2, starts, CHICAGO, policy, EARLY)) == [
        ("intake_open", utc(2027, 3, 12, 16, 0), ("2027-03-12 10:00", "CST"), "appt:2:intake_open"),
        ("appointment", utc(2027, 3, 14, 14, 30), ("2027-03-14 09:30", "CDT"), "appt:2:appointment"),
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # After the 48 h reminder, before the 24 h one: open now, 48 h dropped.
        (
            utc(2026, 11, 1, 18, 0),
            [
                ("intake_open", utc(2026, 11, 1, 18, 0), ("2026-11-01 12:00", "CST"), "appt:12:intake_open"),
                ("intake_24h", utc(2026, 11, 2, 16, 0), ("2026-11-02 10:00", "CST"), "appt:12:intake_24h"),
                ("appointment", utc(2026, 11, 2, 23, 0), ("2026-11-02 17:00", "CST"), "appt:12:appointment"),
            ],
        ),
        # Exactly at the 48 h reminder: the opening notice now, the 48 h reminder not as well.
        (
            utc(2026, 11, 1, 16, 0),
            [
                ("intake_open", utc(2026, 11, 1, 16, 0), ("2026-11-01 10:00", "CST"), "appt:12:intake_open"),
                ("intake_24h", utc(2026, 11, 2, 16, 0), ("2026-11-02 10:00", "CST"), "appt:12:intake_24h"),
                ("appointment", utc(2026, 11, 2, 23, 0), ("2026-11-02 17:00", "CST"), "appt:12:appointment"),
            ],
        ),
        # After both intake reminders, before the day-before reminder.
        (
            utc(2026, 11, 2, 18, 0),
            [
                ("intake_open", utc(2026, 11, 2, 18, 0), ("2026-11-02 12:00", "CST"), "appt:12:intake_open"),
                ("appointment", utc(2026, 11, 2, 23, 0), ("2026-11-02 17:00", "CST"), "appt:12:appointment"),
            ],
        ),
        # The morning of the appointment: only the opening notice is left.
        (
            utc(2026, 11, 3, 14, 30),
            [("intake_open", utc(2026, 11, 3, 14, 30), ("2026-11-03 08:30", "CST"), "appt:12:intake_open")],
        ),
        # Planned at 23:00 local: the opening notice waits for 08:00.
        (
            utc(2026, 11, 2, 5, 0),
            [
                ("intake_open", utc(2026, 11, 2, 14, 0), ("2026-11-02 08:00", "CST"), "appt:12:intake_open"),
                ("intake_24h", utc(2026, 11, 2, 16, 0), ("2026-11-02 10:00", "CST"), "appt:12:intake_24h"),
                ("appointment", utc(2026, 11, 2, 23, 0), ("2026-11-02 17:00", "CST"), "appt:12:appointment"),
            ],
        ),
        # Just before the intake opens: nothing is late, all four as planned.
        (
            utc(2026, 10, 31, 14, 59),
            [
                ("intake_open", utc(2026, 10, 31, 15, 0), ("2026-10-31 10:00", "CDT"), "appt:12:intake_open"),
                ("intake_48h", utc(2026, 11, 1, 16, 0), ("2026-11-01 10:00", "CST"), "appt:12:intake_48h"),
                ("intake_24h", utc(2026, 11, 2, 16, 0), ("2026-11-02 10:00", "CST"), "appt:12:intake_24h"),
                ("appointment", utc(2026, 11, 2, 23, 0), ("2026-11-02 17:00", "CST"), "appt:12:appointment"),
            ],
        ),
        # The appointment has started or passed: nothing.
        (utc(2026, 11, 3, 16, 0), []),
        (utc(2026, 11, 4, 12, 0), []),
    ],
)
def test_planning_late(now, expected):
    starts = utc(2026, 11, 3, 16, 0)  # 10:00 CST
    assert plan(plan_appointment_reminders(12, starts, CHICAGO, POLICY, now)) == expected


def test_planned_at_night_before_an_early_appointment_gives_nothing():
    # 05:00 for a 07:00 appointment: the notice would wait until 08:00, after the start.
    starts = utc(2026, 12, 10, 13, 0)  # 07:00 CST
    assert plan_appointment_reminders(3, starts, CHICAGO, POLICY, utc(2026, 12, 10, 11, 0)) == []


def test_planning_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="starts_at"):
        plan_appointment_reminders(1, datetime(2026, 12, 10, 16, 0), CHICAGO, POLICY, EARLY)
    with pytest.raises(ValueError, match="now"):
        plan_appointment_reminders(1, utc(2026, 12, 10, 16, 0), CHICAGO, POLICY, datetime(2026, 12, 1))


@pytest.mark.parametrize(
    "settings",
    [
        {"intake_reminder_hours": (72, 48, 24)},
        {"intake_reminder_hours": (24, 24)},
        {"intake_reminder_hours": (0,)},
        {"intake_reminder_hours": (-24,)},
        {"intake_open_days": 0},
        {"late_after": timedelta(hours=-1)},
    ],
)
def test_policy_rejects_settings_it_cannot_follow(settings):
    with pytest.raises(ValueError):
        ReminderPolicy(**settings)


def test_intake_kinds():
    assert frozenset({K.INTAKE_OPEN, K.INTAKE_48H, K.INTAKE_24H}) == INTAKE_KINDS
    assert K.APPOINTMENT not in INTAKE_KINDS
    assert K.CHECKIN not in INTAKE_KINDS


# --- check-in cadence --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "after", "expected_utc", "expected_wall", "key"),
    [
        # daily 20:00, from midday: the same evening
        (Cadence("daily", time(20, 0)), utc(2026, 12, 3, 18, 0), utc(2026, 12, 4, 2, 0),
         ("2026-12-03 20:00", "CST"), "checkin:7:2026-12-03"),
        # strictly after: exactly at 20:00 gives tomorrow's
        (Cadence("daily", time(20, 0)), utc(2026, 12, 4, 2, 0), utc(2026, 12, 5, 2, 0),
         ("2026-12-04 20:00", "CST"), "checkin:7:2026-12-04"),
        (Cadence("daily", time(20, 0)), utc(2026, 12, 4, 2, 1), utc(2026, 12, 5, 2, 0),
         ("2026-12-04 20:00", "CST"), "checkin:7:2026-12-04"),
        # the patient chose the time: 23:00 stays 23:00 despite quiet hours
        (Cadence("daily", time(23, 0)), utc(2026, 12, 3, 18, 0), utc(2026, 12, 4, 5, 0),
         ("2026-12-03 23:00", "CST"), "checkin:7:2026-12-03"),
        # 09:00 daily across fall back: 25 elapsed hours apart, same wall clock
        (Cadence("daily", time(9, 0)), utc(2026, 10, 31, 14, 0), utc(2026, 11, 1, 15, 0),
         ("2026-11-01 09:00", "CST"), "checkin:7:2026-11-01"),
        # spring forward: 02:30 does not exist on 14 Mar 2027 -> 03:30 CDT
        (Cadence("daily", time(2, 30)), utc(2027, 3, 13, 18, 0), utc(2027, 3, 14, 8, 30),
         ("2027-03-14 03:30", "CDT"), "checkin:7:2027-03-14"),
        # ... and the next day back at 02:30
        (Cadence("daily", time(2, 30)), utc(2027, 3, 14, 8, 30), utc(2027, 3, 15, 7, 30),
         ("2027-03-15 02:30", "CDT"), "checkin:7:2027-03-15"),
        # fall back: 01:30 happens twice on 1 Nov 2026; the first one (CDT) fires
        (Cadence("daily", time(1, 30)), utc(2026, 10, 31, 18, 0), utc(2026, 11, 1, 6, 30),
         ("2026-11-01 01:30", "CDT"), "checkin:7:2026-11-01"),
        # ... and not the second: from the first, the next is 2 Nov
        (Cadence("daily", time(1, 30)), utc(2026, 11, 1, 6, 30), utc(2026, 11, 2, 7, 30),
         ("2026-11-02 01:30", "CST"), "checkin:7:2026-11-02"),
        # ... even when asked during the repeated hour (01:15 CST, the second pass)
        (Cadence("daily", time(1, 30)), utc(2026, 11, 1, 7, 15), utc(2026, 11, 2, 7, 30),
         ("2026-11-02 01:30", "CST"), "checkin:7:2026-11-02"),
        # weekly on Thursday at 18:00, from Monday 30 Nov
        (Cadence("weekly", time(18, 0), weekday=3), utc(2026, 11, 30, 15, 0),
         utc(2026, 12, 4, 0, 0), ("2026-12-03 18:00", "CST"), "checkin:7:2026-12-03"),
        # from Thursday 17:59: the same day
        (Cadence("weekly", time(18, 0), weekday=3), utc(2026, 12, 3, 23, 59),
         utc(2026, 12, 4, 0, 0), ("2026-12-03 18:00", "CST"), "checkin:7:2026-12-03"),
        # from Thursday 19:00: a week later
        (Cadence("weekly", time(18, 0), weekday=3), utc(2026, 12, 4, 1, 0),
         utc(2026, 12, 11, 0, 0), ("2026-12-10 18:00", "CST"), "checkin:7:2026-12-10"),
        # weekly on Sunday at 02:30, the spring-forward Sunday
        (Cadence("weekly", time(2, 30), weekday=6), utc(2027, 3, 10, 12, 0),
         utc(2027, 3, 14, 8, 30), ("2027-03-14 03:30", "CDT"), "checkin:7:2027-03-14"),
        # weekly on Sunday at 01:30, the fall-back Sunday: the first 01:30
        (Cadence("weekly", time(1, 30), weekday=6), utc(2026, 10, 28, 12, 0),
         utc(2026, 11, 1, 6, 30), ("2026-11-01 01:30", "CDT"), "checkin:7:2026-11-01"),
    ],
)
def test_next_checkin(cadence, after, expected_utc, expected_wall, key):
    reminder = next_checkin(cadence, after, CHICAGO, patient_id=7)
    assert reminder == PlannedReminder(K.CHECKIN, expected_utc, key)
    assert reminder.due_at.tzinfo is UTC
    assert wall(reminder.due_at) == expected_wall


def test_daily_checkins_over_the_fall_back_night_fire_once_a_day():
    cadence = Cadence("daily", time(1, 30))
    moment = utc(2026, 10, 30, 12, 0)
    seen = []
    for _ in range(4):
        reminder = next_checkin(cadence, moment, CHICAGO, 7)
        seen.append((reminder.due_at, wall(reminder.due_at)))
        moment = reminder.due_at
    assert seen == [
        (utc(2026, 10, 31, 6, 30), ("2026-10-31 01:30", "CDT")),
        (utc(2026, 11, 1, 6, 30), ("2026-11-01 01:30", "CDT")),
        (utc(2026, 11, 2, 7, 30), ("2026-11-02 01:30", "CST")),
        (utc(2026, 11, 3, 7, 30), ("2026-11-03 01:30", "CST")),
    ]


def test_checkin_follows_the_patients_own_zone():
    reminder = next_checkin(Cadence("daily", time(8, 0)), utc(2027, 3, 13, 20, 0), HONOLULU, 7)
    assert reminder == PlannedReminder(K.CHECKIN, utc(2027, 3, 14, 18, 0), "checkin:7:2027-03-14")
    assert wall(reminder.due_at, HONOLULU) == ("2027-03-14 08:00", "HST")


@pytest.mark.parametrize(
    "cadence",
    [
        Cadence("off"),
        Cadence("off", time(20, 0)),
        Cadence("daily", time(20, 0), paused=True),
        Cadence("weekly", time(20, 0), weekday=0, paused=True),
    ],
)
def test_no_checkin_when_off_or_paused(cadence):
    assert next_checkin(cadence, utc(2026, 12, 3, 12, 0), CHICAGO, 7) is None


@pytest.mark.parametrize(
    "cadence", [Cadence("daily"), Cadence("weekly", time(20, 0)), Cadence("weekly", weekday=2)]
)
def test_an_incomplete_cadence_is_an_error(cadence):
    with pytest.raises(ValueError):
        next_checkin(cadence, utc(2026, 12, 3, 12, 0), CHICAGO, 7)


@pytest.mark.parametrize(
    "arguments", [("hourly", time(8, 0)), ("weekly", time(8, 0), 7), ("weekly", time(8, 0), -1)]
)
def test_cadence_rejects_unknown_kinds_and_days(arguments):
    with pytest.raises(ValueError):
        Cadence(*arguments)


# --- catch-up after downtime -------------------------------------------------------------

NOW = utc(2026, 11, 2, 18, 0)  # 12:00 CST
AHEAD = utc(2026, 11, 3, 16, 0)
PASSED = utc(2026, 11, 2, 16, 0)


@pytest.mark.parametrize(
    ("kind", "due", "starts", "submitted", "expected"),
    [
        # intake reminders: useful while not submitted and the appointment is ahead
        (K.INTAKE_24H, NOW - timedelta(hours=1), AHEAD, False, CatchUp.SEND),
        (K.INTAKE_48H, NOW - timedelta(hours=20), AHEAD, False, CatchUp.SEND),
        (K.INTAKE_OPEN, NOW - timedelta(days=2), AHEAD, False, CatchUp.SEND),
        (K.INTAKE_24H, NOW - timedelta(hours=1), AHEAD, True, CatchUp.MISSED),
        (K.INTAKE_OPEN, NOW - timedelta(minutes=5), AHEAD, True, CatchUp.MISSED),
        (K.INTAKE_48H, NOW - timedelta(hours=30), PASSED, False, CatchUp.MISSED),
        (K.INTAKE_24H, NOW - timedelta(hours=1), NOW, False, CatchUp.MISSED),
        # due exactly now is due, not early
        (K.INTAKE_24H, NOW, AHEAD, False, CatchUp.SEND),
        # the day-before reminder: useful while the appointment is ahead, submitted or not
        (K.APPOINTMENT, NOW - timedelta(hours=19), AHEAD, False, CatchUp.SEND),
        (K.APPOINTMENT, NOW - timedelta(hours=19), AHEAD, True, CatchUp.SEND),
        (K.APPOINTMENT, NOW - timedelta(hours=19), PASSED, False, CatchUp.MISSED),
        (K.APPOINTMENT, NOW - timedelta(hours=19), NOW, False, CatchUp.MISSED),
    ],
)
def test_catch_up_appointment_reminders(kind, due, starts, submitted, expected):
    result = catch_up(
        kind, due, NOW, appointment_starts_at=starts, intake_submitted=submitted, policy=POLICY
    )
    assert result is expected


@pytest.mark.parametrize(
    ("late_by", "expected"),
    [
        (timedelta(0), CatchUp.SEND),
        (timedelta(hours=1, minutes=59), CatchUp.SEND),
        (timedelta(hours=2), CatchUp.SEND),
        (timedelta(hours=2, minutes=1), CatchUp.MISSED),
        (timedelta(days=1), CatchUp.MISSED),
    ],
)
def test_catch_up_checkin_reminders_within_two_hours(late_by, expected):
    result = catch_up(
        K.CHECKIN, NOW - late_by, NOW, appointment_starts_at=None, intake_submitted=False,
        policy=POLICY,
    )
    assert result is expected


def test_catch_up_window_is_a_setting():
    policy = ReminderPolicy(checkin_catch_up=timedelta(minutes=30))
    due = NOW - timedelta(minutes=31)
    result = catch_up(
        K.CHECKIN, due, NOW, appointment_starts_at=None, intake_submitted=False, policy=policy
    )
    assert result is CatchUp.MISSED


@pytest.mark.parametrize("kind", [K.CHECKIN, K.INTAKE_24H, K.APPOINTMENT])
def test_catch_up_refuses_a_reminder_not_yet_due(kind):
    with pytest.raises(ValueError, match="not due"):
        catch_up(
            kind, NOW + timedelta(seconds=1), NOW, appointment_starts_at=AHEAD,
            intake_submitted=False, policy=POLICY,
        )


@pytest.mark.parametrize("kind", [K.INTAKE_OPEN, K.INTAKE_48H, K.INTAKE_24H, K.APPOINTMENT])
def test_catch_up_without_the_appointment_is_missed(kind):
    result = catch_up(
        kind, NOW - timedelta(hours=1), NOW, appointment_starts_at=None, intake_submitted=False,
        policy=POLICY,
    )
    assert result is CatchUp.MISSED


def test_superseded_keys_keeps_the_latest_overdue_intake_reminder_per_appointment():
    overdue = [
        PlannedReminder(K.INTAKE_OPEN, utc(2026, 10, 31, 15, 0), "appt:12:intake_open"),
        PlannedReminder(K.INTAKE_48H, utc(2026, 11, 1, 16, 0), "appt:12:intake_48h"),
        PlannedReminder(K.INTAKE_24H, utc(2026, 11, 2, 16, 0), "appt:12:intake_24h"),
        PlannedReminder(K.APPOINTMENT, utc(2026, 11, 2, 23, 0), "appt:12:appointment"),
        PlannedReminder(K.INTAKE_OPEN, utc(2026, 11, 2, 14, 0), "appt:13:intake_open"),
        PlannedReminder(K.CHECKIN, utc(2026, 11, 1, 2, 0), "checkin:7:2026-10-31"),
    ]
    assert superseded_keys(overdue) == {"appt:12:intake_open", "appt:12:intake_48h"}
    assert superseded_keys(overdue[:1]) == frozenset()
    assert superseded_keys([]) == frozenset()


# --- lateness ----------------------------------------------------------------------------

REMINDED = utc(2026, 12, 4, 2, 0)  # 20:00 CST


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        (REMINDED + timedelta(minutes=5), False),
        (REMINDED + timedelta(hours=11, minutes=59), False),
        (REMINDED + timedelta(hours=12), False),
        (REMINDED + timedelta(hours=12, seconds=1), True),
        (REMINDED + timedelta(days=2), True),
    ],
)
def test_is_late_after_twelve_hours(answered, expected):
    assert is_late(REMINDED, answered, POLICY) is expected


def test_is_late_without_a_reminder_and_with_a_custom_limit():
    assert is_late(None, REMINDED + timedelta(days=3), POLICY) is False
    policy = ReminderPolicy(late_after=timedelta(hours=6))
    assert is_late(REMINDED, REMINDED + timedelta(hours=6, minutes=1), policy) is True
    assert is_late(REMINDED, REMINDED + timedelta(hours=6), policy) is False
