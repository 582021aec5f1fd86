"""The institution's working calendar as a value: time zone, weekend days, holidays and make-up
working days (the official Chinese schedule where asked for), and business hours; which moments are
working time, and working time added or counted between moments. Pure: no I/O, no clock reads."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

_MAX_DAYS_SCANNED = 3660  # a calendar with no working day at all must fail, not loop forever


@cache
def official_workday(day: date) -> bool | None:
    """The official Chinese working-day schedule (holidays and make-up days), where it is published."""
    import chinese_calendar  # imported where used: keeps cold start small

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the State Council has not published yet
        return None


@dataclass(frozen=True)
class WorkCalendar:
    timezone: str = "Asia/Shanghai"
    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0
    holidays: frozenset[date] = frozenset()
    make_up_workdays: frozenset[date] = frozenset()
    official_calendar: Literal["CN", None] = None
    business_hours: tuple[time, time] | None = None
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))
        if self.business_hours and not self.business_hours[0] < self.business_hours[1]:
            raise ValueError("business hours must open before they close")

    def is_working_day(self, day: date) -> bool:
        if day in self.make_up_workdays:
            return True
        if day in self.holidays:
            return False
        if self.official_calendar == "CN":
            official = official_workday(day)
            if official is not None:
                return official
        return day.weekday() not in self.weekend

    def window_length(self) -> timedelta:
        if self.business_hours is None:
            return timedelta(days=1)
        opens, closes = self.business_hours
        return datetime.combine(date.min, closes) - datetime.combine(date.min, opens)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """The working window of a day in naive local wall-clock time."""
        opens = self.business_hours[0] if self.business_hours else time(0)
        start = datetime.combine(day, opens)
        return start, start + self.window_length()

    def close_of(self, day: date) -> datetime:
        """The end of a day's business: closing time where business hours are set, else the end of
        the day (23:59:59, shown as 23:59). The moment a day-counted deadline falls."""
        closes = self.business_hours[1] if self.business_hours else time(23, 59, 59)
        return local_to_utc(datetime.combine(day, closes), self.zone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def working_day_after(self, day: date, count: int) -> date:
        """The `count`th working day after `day` (`day` itself never counts: Civil Code art. 201)."""
        for _ in range(count):
            day = self._next_working_day(day)
        return day

    def working_days_between(self, after: date, until: date) -> int:
        """How many working days lie after `after`, up to and including `until`."""
        count, day = 0, after
        while day < until:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def first_working_day_from(self, day: date) -> date:
        """`day` if it is a working day, else the next one (art. 203: a period ending on a rest day
        ends on the next working day)."""
        return day if self.is_working_day(day) else self._next_working_day(day)

    def unpublished_years(self, first: date, last: date) -> list[int]:
        """The years between two dates whose official calendar is asked for but not yet published:
        those days are counted by the weekend alone, and administrators must be told."""
        if self.official_calendar != "CN":
            return []
        return [year for year in range(first.year, last.year + 1) if official_workday(date(year, 6, 30)) is None]

    def _next_working_day(self, day: date) -> date:
        for _ in range(_MAX_DAYS_SCANNED):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("the calendar has no working day within ten years")

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        local = start.astimezone(self.zone).replace(tzinfo=None)
        day = local.date()
        window_start, window_end = self._window(day)
        if not self.is_working_day(day) or local >= window_end:
            day = self._next_working_day(day)
            position = self._window(day)[0]
        else:
            position = max(local, window_start)
        remaining = amount
        while True:
            available = self._window(day)[1] - position
            if remaining <= available:
                return local_to_utc(position + remaining, self.zone)
            remaining -= available
            day = self._next_working_day(day)
            position = self._window(day)[0]

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies between two moments (zero when end is not after start)."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        first = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        day = first
        while day <= last:
            if self.is_working_day(day):
                window_start, window_end = (local_to_utc(moment, self.zone) for moment in self._window(day))
                overlap = min(window_end, end) - max(window_start, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def is_working_time(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        window_start, window_end = self._window(local.date())
        return self.is_working_day(local.date()) and window_start <= local < window_end


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Local wall-clock -> UTC-comparable aware time (a time skipped by DST moves forward)."""
    aware = local.replace(tzinfo=zone)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:  # in a spring-forward gap
        aware = (local + timedelta(hours=1)).replace(tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC"))


def after_quiet_hours(at: datetime, quiet: tuple[time, time] | None, zone) -> datetime:
    """`at`, or the end of quiet hours when it falls inside them (they may span midnight)."""
    if quiet is None:
        return at
    start, end = quiet
    local = at.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    inside = (moment >= start or moment < end) if start > end else (start <= moment < end)
    if not inside:
        return at
    day = local.date() + timedelta(days=1) if moment >= end and start > end else local.date()
    return local_to_utc(datetime.combine(day, end), zone)
