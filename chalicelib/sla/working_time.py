"""Deadline arithmetic: pure functions, no I/O, no clock reads.

Minutes and hours are elapsed time (as the rules count hour limits). Calendar days keep the local
wall-clock time. Working days and working hours count only time inside working windows: each
working day of the institution calendar, between its business hours (the whole day when none are
set). A working day is one window's length, so with no business hours "3 working days" from
Friday 18:00 ends on Wednesday 18:00, and from a Saturday it ends at the end of Wednesday.
"""

from datetime import datetime, timedelta

from chalicelib.model.calendar import WorkCalendar, local_to_utc, official_workday
from chalicelib.model.literals import DurationUnit

__all__ = [
    "DurationUnit",
    "WorkCalendar",
    "add_duration",
    "is_working_unit",
    "official_workday",
    "remaining",
    "resume_due",
]


def add_duration(calendar: WorkCalendar, start: datetime, amount: int, unit: DurationUnit) -> datetime:
    if amount < 0:
        raise ValueError("a duration cannot be negative")
    if unit == "minutes":
        return start + timedelta(minutes=amount)
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "calendar_days":
        local = start.astimezone(calendar.zone).replace(tzinfo=None)
        return local_to_utc(local + timedelta(days=amount), calendar.zone)
    if unit == "working_days":
        return calendar.add_working_time(start, calendar.window_length() * amount)
    if unit == "working_hours":
        return calendar.add_working_time(start, timedelta(hours=amount))
    raise ValueError(f"unknown duration unit {unit!r}")


def is_working_unit(unit: DurationUnit) -> bool:
    return unit in ("working_days", "working_hours")


def remaining(calendar: WorkCalendar, unit: DurationUnit, now: datetime, due: datetime) -> timedelta:
    """What is left of a clock at `now`, counted the way its unit counts time."""
    if is_working_unit(unit):
        return calendar.working_time_between(now, due)
    return max(due - now, timedelta(0))


def resume_due(
    calendar: WorkCalendar, unit: DurationUnit, paused_at: datetime, due: datetime, resumed_at: datetime
) -> datetime:
    """The new deadline of a clock paused at paused_at and resumed at resumed_at: the time that
    was left when it paused, counted again from the resumption. Never earlier than before."""
    left = remaining(calendar, unit, paused_at, due)
    if is_working_unit(unit):
        return max(calendar.add_working_time(resumed_at, left), due)
    return max(resumed_at + left, due)
