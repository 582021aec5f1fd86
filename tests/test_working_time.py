"""Deadline arithmetic on real calendars (more scenarios come with the deadline engine)."""
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.working_time import WorkCalendar, add_duration

SHANGHAI = WorkCalendar(timezone="Asia/Shanghai", official_calendar="CN")


def _local(moment, calendar=SHANGHAI):
    return moment.astimezone(calendar.zone).strftime("%Y-%m-%d %a %H:%M")


def test_three_working_days_from_friday_evening_end_on_wednesday_evening():
    friday_evening = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)  # 18:00 in Shanghai
    assert _local(add_duration(SHANGHAI, friday_evening, 3, "working_days")) == "2026-11-25 Wed 18:00"


def test_national_day_holiday_is_skipped_and_make_up_saturday_counts():
    before_holiday = datetime(2026, 9, 30, 10, 0, tzinfo=timezone.utc)  # Wed 18:00, Oct 1-7 off
    # 6 hours of Sep 30, Oct 8 and 9, then Saturday Oct 10 is a make-up working day.
    assert _local(add_duration(SHANGHAI, before_holiday, 3, "working_days")) == "2026-10-10 Sat 18:00"


def test_business_hours_count_only_opening_time():
    calendar = WorkCalendar(official_calendar="CN", business_hours=(time(9), time(17)))
    friday_evening = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
    assert _local(add_duration(calendar, friday_evening, 3, "working_days"), calendar) == "2026-11-25 Wed 17:00"
    assert _local(add_duration(calendar, friday_evening, 4, "working_hours"), calendar) == "2026-11-23 Mon 13:00"


def test_hours_are_elapsed_time_whatever_the_calendar():
    saturday = datetime(2026, 11, 21, 4, 0, tzinfo=timezone.utc)
    assert add_duration(SHANGHAI, saturday, 24, "hours") == saturday + timedelta(hours=24)


def test_configured_holiday_and_make_up_day_override_the_weekend_rule():
    calendar = WorkCalendar(timezone="Europe/London", holidays=frozenset({date(2026, 12, 28)}),
                            make_up_workdays=frozenset({date(2026, 12, 27)}))
    assert calendar.is_working_day(date(2026, 12, 27)) and not calendar.is_working_day(date(2026, 12, 28))


@given(start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(timezone.utc)),
       days=st.integers(0, 20))
def test_adding_more_working_days_never_gives_an_earlier_deadline(start, days):
    assert add_duration(SHANGHAI, start, days, "working_days") <= add_duration(SHANGHAI, start, days + 1, "working_days")
    assert add_duration(SHANGHAI, start, days, "working_days") >= start
