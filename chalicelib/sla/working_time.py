"""Deadline arithmetic: pure functions, no I/O, no clock reads.

Minutes, hours and working hours are elapsed time from the minute of receipt (working hours count
only the time inside working windows). Day limits follow the statutory convention (Civil Code art.
201-203): the day a period starts is not counted, so N working days end at the close of the Nth
working day after the day of receipt, whatever the hour of receipt - at closing time where business
hours are set, else at the end of the day (shown as 23:59); N calendar days end at the end of the Nth
day after the day of receipt, or of the next working day when that one is a rest day. From Friday
18:00, 3 working days end on Wednesday at the close of business; from Saturday, also Wednesday.
Extensions and resumed clocks count the same way.
"""

from datetime import datetime, timedelta

from chalicelib.model.calendar import WorkCalendar, official_workday
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
        last = calendar.local_date(start) + timedelta(days=amount)
        return calendar.close_of(calendar.first_working_day_from(last) if amount else last)
    if unit == "working_days":
        return calendar.close_of(calendar.working_day_after(calendar.local_date(start), amount))
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
    """The new deadline of a clock paused at paused_at and resumed at resumed_at: what was left when
    it paused, counted again from the resumption the way its unit counts (whole days for day limits:
    the days after the day it paused, up to its last day). Never earlier than before."""
    if unit == "working_days":
        left = calendar.working_days_between(calendar.local_date(paused_at), calendar.local_date(due))
        return max(add_duration(calendar, resumed_at, left, unit), due)
    if unit == "calendar_days":
        left = (calendar.local_date(due) - calendar.local_date(paused_at)).days
        return max(add_duration(calendar, resumed_at, max(left, 0), unit), due)
    left = remaining(calendar, unit, paused_at, due)
    if is_working_unit(unit):
        return max(calendar.add_working_time(resumed_at, left), due)
    return max(resumed_at + left, due)
