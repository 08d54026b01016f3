"""When reminders fall, in the patient's local wall-clock time.

Pure functions over an injected clock: every function that needs the current time takes it
as an argument (`now`, `after`); nothing here reads the system clock. All datetimes passed in
must be timezone-aware (a naive one raises ValueError); all datetimes returned are aware UTC.

Decisions a caller must know:

- Wall-clock times go through `at_local`: a time that does not exist (the spring-forward gap,
  02:00–03:00 in America/Chicago on 2027-03-14) moves forward by the length of the gap (02:30
  becomes 03:30 CDT); a time that happens twice (fall back, 01:00–02:00 on 2026-11-01) takes
  its first occurrence (CDT). So a daily 01:30 check-in fires once on a fall-back night.
- Intake reminders keep the appointment's local wall-clock time: a 10:00 appointment gets its
  "check-in is ready" at 10:00 local `intake_open_days` calendar days before, and its reminders
  at 10:00 local whole days before, whatever DST does in between. An hour count that is not a
  multiple of 24 is an exact duration instead.
- `intake_reminder_hours` holds at most two distinct positive values (ReminderPolicy raises
  ValueError otherwise). Whatever the hours, the reminder closest to the appointment is
  INTAKE_24H and the one before it INTAKE_48H; with a single value it is INTAKE_24H. Message
  text should say how long is left from the real times, not from the kind's name.
- An intake reminder due at or before the moment the intake-open notice is due (after quiet
  hours) is dropped: it would duplicate the notice or come before it. Any reminder due at or
  after the appointment's start is dropped.
- Planned late (`now` past a due time): INTAKE_OPEN moves to `now`, then goes through quiet
  hours like every appointment reminder, so a provider booking at 8 AM Eastern does not wake a
  patient in Hawaii; other past-due reminders are dropped. Planning when the appointment has
  already started gives no reminders.
- Two different kinds may fall at the same instant (a 17:00 appointment's 24-hour reminder and
  the day-before appointment reminder, both at 17:00 the day before); both are returned,
  ordered INTAKE_OPEN, INTAKE_48H, INTAKE_24H, APPOINTMENT. Combine them when sending if wanted.
- Quiet hours: start inclusive, end exclusive (21:00 is quiet, 08:00 is not). A time chosen by
  the patient (check-in cadence) is never moved.
- `catch_up` decides one overdue reminder; an intake or appointment reminder whose appointment
  is gone (`appointment_starts_at=None`) is missed. When several intake reminders of one appointment are
  overdue together, send only the latest: `superseded_keys` names the others (record as missed).
  A reminder caught up as SEND for an appointment may fall inside quiet hours; pass `now`
  through `apply_quiet_hours` if it should wait (check-in reminders should not: the patient
  chose that time).
- A check-in caught up exactly `checkin_catch_up` (2 h) after its moment is still sent; one
  answered exactly `late_after` (12 h) after its reminder is not late.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class ReminderKind(StrEnum):
    INTAKE_OPEN = "intake_open"  # "your pre-visit check-in is ready"
    INTAKE_48H = "intake_48h"  # the earlier intake reminder
    INTAKE_24H = "intake_24h"  # the last intake reminder
    APPOINTMENT = "appointment"  # the day before the visit
    CHECKIN = "checkin"


INTAKE_KINDS: frozenset[ReminderKind] = frozenset(
    {ReminderKind.INTAKE_OPEN, ReminderKind.INTAKE_48H, ReminderKind.INTAKE_24H}
)
_KIND_ORDER = {kind: position for position, kind in enumerate(ReminderKind)}
_INTAKE_REMINDER_KINDS = (ReminderKind.INTAKE_48H, ReminderKind.INTAKE_24H)


@dataclass(frozen=True)
class ReminderPolicy:
    """The clinic's reminder settings; local times are the patient's wall clock."""

    intake_open_days: int = 3
    intake_reminder_hours: tuple[int, ...] = (48, 24)
    appointment_reminder_time: time = time(17, 0)  # local, the day before
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    checkin_catch_up: timedelta = timedelta(hours=2)
    late_after: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        if self.intake_open_days < 1:
            raise ValueError("intake_open_days must be at least 1")
        hours = tuple(self.intake_reminder_hours)
        if any(h <= 0 for h in hours) or len(set(hours)) != len(hours):
            raise ValueError("intake_reminder_hours must be distinct positive hours")
        if len(hours) > len(_INTAKE_REMINDER_KINDS):
            raise ValueError("intake_reminder_hours holds at most two reminders")
        if self.checkin_catch_up < timedelta(0) or self.late_after < timedelta(0):
            raise ValueError("checkin_catch_up and late_after must not be negative")


@dataclass(frozen=True)
class PlannedReminder:
    kind: ReminderKind
    due_at: datetime  # timezone-aware UTC
    key: str  # unique per occurrence: "appt:12:intake_48h", "checkin:7:2026-12-03"


# --- local wall-clock time ---------------------------------------------------------------


def _utc(moment: datetime, name: str = "datetime") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC)


def to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` (aware) on the wall clock of `zone`."""
    return _utc(moment).astimezone(zone)


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `clock` on `day` in `zone`.

    A time in the spring-forward gap moves forward by the gap (02:30 -> 03:30 CDT); a time
    that happens twice takes the first (fold=0, daylight time).
    """
    wall = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    # PEP 495: fold=0 reads a gap time with the offset from before the transition, which is
    # exactly "moved forward by the gap", and an ambiguous time as its first occurrence.
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _is_quiet(clock: time, policy: ReminderPolicy) -> bool:
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def apply_quiet_hours(
    due_at: datetime,
    zone: ZoneInfo,
    policy: ReminderPolicy,
    *,
    chosen_by_patient: bool = False,
) -> datetime:
    """`due_at` in UTC, or the end of the quiet hours it falls in (local), unless chosen."""
    due_at = _utc(due_at, "due_at")
    if chosen_by_patient:
        return due_at
    local = to_local(due_at, zone)
    clock = local.time().replace(fold=0)
    if not _is_quiet(clock, policy):
        return due_at
    day = local.date()
    crosses_midnight = policy.quiet_start > policy.quiet_end
    if crosses_midnight and clock >= policy.quiet_start:
        day += timedelta(days=1)
    return at_local(day, policy.quiet_end, zone)


# --- appointment reminders ---------------------------------------------------------------


def _before_start(local_start: datetime, hours: int, zone: ZoneInfo) -> datetime:
    """`hours` before the start: whole local days when a multiple of 24, else exact."""
    if hours % 24 == 0:
        day = local_start.date() - timedelta(days=hours // 24)
        return at_local(day, local_start.time(), zone)
    return _utc(local_start) - timedelta(hours=hours)


def intake_opens_at(starts_at: datetime, zone: ZoneInfo, policy: ReminderPolicy) -> datetime:
    """When the intake opens (before quiet hours): the start's local time, whole days earlier."""
    return _before_start(to_local(starts_at, zone), policy.intake_open_days * 24, zone)


def _intake_reminder_hours(policy: ReminderPolicy) -> list[tuple[ReminderKind, int]]:
    """(kind, hours) for each intake reminder: the last one is INTAKE_24H."""
    hours = sorted(policy.intake_reminder_hours, reverse=True)
    kinds = _INTAKE_REMINDER_KINDS[len(_INTAKE_REMINDER_KINDS) - len(hours) :]
    return list(zip(kinds, hours, strict=True))


def plan_appointment_reminders(
    appointment_id: int,
    starts_at: datetime,
    zone: ZoneInfo,
    policy: ReminderPolicy,
    now: datetime,
) -> list[PlannedReminder]:
    """The reminders of one appointment still to send, sorted by due time; see module notes."""
    starts_at = _utc(starts_at, "starts_at")
    now = _utc(now, "now")
    if starts_at <= now:
        return []
    local_start = to_local(starts_at, zone)

    def planned(kind: ReminderKind, due_at: datetime) -> PlannedReminder:
        return PlannedReminder(kind, due_at, f"appt:{appointment_id}:{kind}")

    reminders: list[PlannedReminder] = []
    open_due = apply_quiet_hours(intake_opens_at(starts_at, zone, policy), zone, policy)
    if open_due < now:
        open_due = apply_quiet_hours(now, zone, policy)
    if open_due < starts_at:
        reminders.append(planned(ReminderKind.INTAKE_OPEN, open_due))

    for kind, hours in _intake_reminder_hours(policy):
        due = apply_quiet_hours(_before_start(local_start, hours, zone), zone, policy)
        if now <= due < starts_at and due > open_due:
            reminders.append(planned(kind, due))

    day_before = local_start.date() - timedelta(days=1)
    due = at_local(day_before, policy.appointment_reminder_time, zone)
    due = apply_quiet_hours(due, zone, policy)
    if now <= due < starts_at:
        reminders.append(planned(ReminderKind.APPOINTMENT, due))

    return sorted(reminders, key=lambda r: (r.due_at, _KIND_ORDER[r.kind]))


# --- check-in cadence --------------------------------------------------------------------

CADENCE_KINDS = ("off", "daily", "weekly")


@dataclass(frozen=True)
class Cadence:
    """How often the patient is reminded to check in; `at` is their local wall-clock time."""

    kind: str  # "off", "daily", "weekly"
    at: time | None = None
    weekday: int | None = None  # 0 = Monday, for weekly
    paused: bool = False

    def __post_init__(self) -> None:
        if self.kind not in CADENCE_KINDS:
            raise ValueError(f"cadence kind must be one of {CADENCE_KINDS}, got {self.kind!r}")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday!r}")


def next_checkin(
    cadence: Cadence, after: datetime, zone: ZoneInfo, patient_id: int
) -> PlannedReminder | None:
    """The first check-in reminder strictly after `after`; None when off or paused.

    Raises ValueError for a daily or weekly cadence without a time, or weekly without a day.
    """
    if cadence.kind == "off" or cadence.paused:
        return None
    if cadence.at is None:
        raise ValueError(f"a {cadence.kind} cadence needs a time")
    if cadence.kind == "weekly" and cadence.weekday is None:
        raise ValueError("a weekly cadence needs a weekday")
    after = _utc(after, "after")
    # Start a day early: a time pushed forward by a gap at midnight can land on the next date.
    day = to_local(after, zone).date() - timedelta(days=1)
    for _ in range(10):
        if cadence.kind == "daily" or day.weekday() == cadence.weekday:
            due = at_local(day, cadence.at, zone)
            if due > after:
                return PlannedReminder(
                    ReminderKind.CHECKIN, due, f"checkin:{patient_id}:{day.isoformat()}"
                )
        day += timedelta(days=1)
    raise AssertionError("unreachable: a week always has the weekday")  # pragma: no cover


# --- after downtime ----------------------------------------------------------------------


class CatchUp(StrEnum):
    SEND = "send"
    MISSED = "missed"


def catch_up(
    kind: ReminderKind,
    due_at: datetime,
    now: datetime,
    *,
    appointment_starts_at: datetime | None,
    intake_submitted: bool,
    policy: ReminderPolicy,
) -> CatchUp:
    """Send or record as missed a reminder whose moment passed while the bot was down.

    Intake reminders: send while the intake is not submitted and the appointment is ahead.
    Appointment reminder: send while the appointment is ahead. Check-in reminder: send only
    within `policy.checkin_catch_up` of its moment (inclusive). An intake or appointment
    reminder with no `appointment_starts_at` (the appointment is gone) is missed. A reminder
    not yet due raises ValueError.
    """
    due_at = _utc(due_at, "due_at")
    now = _utc(now, "now")
    if due_at > now:
        raise ValueError(f"reminder not due yet: due {due_at.isoformat()}, now {now.isoformat()}")
    kind = ReminderKind(kind)
    if kind is ReminderKind.CHECKIN:
        return CatchUp.SEND if now - due_at <= policy.checkin_catch_up else CatchUp.MISSED
    if appointment_starts_at is None or (kind in INTAKE_KINDS and intake_submitted):
        return CatchUp.MISSED
    ahead = _utc(appointment_starts_at, "appointment_starts_at") > now
    return CatchUp.SEND if ahead else CatchUp.MISSED


def superseded_keys(overdue: Iterable[PlannedReminder]) -> frozenset[str]:
    """Keys of overdue intake reminders that a later overdue one of the same appointment replaces.

    Pass every reminder found overdue at start; record the returned ones as missed and run
    `catch_up` on the rest, so a patient gets one intake message, not two or three at once.
    """
    latest: dict[str, PlannedReminder] = {}
    intake = [r for r in overdue if r.kind in INTAKE_KINDS]
    for reminder in intake:
        appointment = reminder.key.rsplit(":", 1)[0]
        best = latest.get(appointment)
        order = (reminder.due_at, _KIND_ORDER[reminder.kind])
        if best is None or order > (best.due_at, _KIND_ORDER[best.kind]):
            latest[appointment] = reminder
    keep = {r.key for r in latest.values()}
    return frozenset(r.key for r in intake if r.key not in keep)


def is_late(reminded_at: datetime | None, answered_at: datetime, policy: ReminderPolicy) -> bool:
    """Whether a check-in came more than `late_after` after its reminder (never without one)."""
    if reminded_at is None:
        return False
    return _utc(answered_at, "answered_at") - _utc(reminded_at, "reminded_at") > policy.late_after
