"""Deadline arithmetic on real calendars (more scenarios come with the deadline engine)."""

from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.sla.working_time import WorkCalendar, add_duration

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
    calendar = WorkCalendar(
        timezone="Europe/London",
        holidays=frozenset({date(2026, 12, 28)}),
        make_up_workdays=frozenset({date(2026, 12, 27)}),
    )
    assert calendar.is_working_day(date(2026, 12, 27)) and not calendar.is_working_day(date(2026, 12, 28))


@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(timezone.utc)
    ),
    days=st.integers(0, 20),
)
def test_adding_more_working_days_never_gives_an_earlier_deadline(start, days):
    assert add_duration(SHANGHAI, start, days, "working_days") <= add_duration(
        SHANGHAI, start, days + 1, "working_days"
    )
    assert add_duration(SHANGHAI, start, days, "working_days") >= start


def test_chinese_new_year_week_is_skipped_and_both_make_up_saturdays_count():
    friday_evening = datetime(2026, 2, 13, 10, 0, tzinfo=timezone.utc)  # Fri 18:00; Sat 14 Feb is a make-up day
    # 6 hours of Friday, all of Saturday 14th, then Feb 15-23 off, then Tue 24th and 18 hours of Wed 25th.
    assert _local(add_duration(SHANGHAI, friday_evening, 3, "working_days")) == "2026-02-25 Wed 18:00"
    assert _local(add_duration(SHANGHAI, friday_evening, 6, "working_days")) == "2026-02-28 Sat 18:00"


NEW_YORK = WorkCalendar(timezone="America/New_York")


def test_a_us_zone_across_the_end_of_daylight_saving_keeps_wall_clock_times():
    friday_5pm = datetime(2026, 10, 30, 21, 0, tzinfo=timezone.utc)  # 17:00 EDT; clocks go back Sun 1 Nov
    due = add_duration(NEW_YORK, friday_5pm, 1, "working_days")
    assert _local(due, NEW_YORK) == "2026-11-02 Mon 17:00" and due == datetime(2026, 11, 2, 22, 0, tzinfo=timezone.utc)
    saturday_noon = datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc)
    next_day = add_duration(NEW_YORK, saturday_noon, 1, "calendar_days")
    assert _local(next_day, NEW_YORK) == "2026-11-01 Sun 12:00" and next_day - saturday_noon == timedelta(hours=25)
    office = WorkCalendar(timezone="America/New_York", business_hours=(time(9), time(17)))
    friday_4pm = datetime(2026, 10, 30, 20, 0, tzinfo=timezone.utc)
    assert _local(add_duration(office, friday_4pm, 8, "working_hours"), office) == "2026-11-02 Mon 16:00"


def test_spring_forward_gap_does_not_produce_an_impossible_time():
    saturday_2_30 = datetime(2026, 3, 7, 7, 30, tzinfo=timezone.utc)  # Sat 02:30 EST; Sun 02:30 does not exist
    assert _local(add_duration(NEW_YORK, saturday_2_30, 1, "calendar_days"), NEW_YORK) == "2026-03-08 Sun 03:30"


@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 1), timezones=st.just(timezone.utc)
    ),
    amount=st.integers(1, 15),
    unit=st.sampled_from(["hours", "calendar_days", "working_days", "working_hours"]),
    paused_after=st.timedeltas(timedelta(0), timedelta(days=20)),
    paused_for=st.timedeltas(timedelta(0), timedelta(days=20)),
    office=st.booleans(),
)
def test_pause_and_resume_never_shortens_a_deadline(start, amount, unit, paused_after, paused_for, office):
    from chalicelib.sla.working_time import resume_due

    calendar = WorkCalendar(official_calendar="CN", business_hours=(time(9), time(17, 30)) if office else None)
    due = add_duration(calendar, start, amount, unit)
    paused_at = start + paused_after
    resumed = resume_due(calendar, unit, paused_at, due, paused_at + paused_for)
    assert resumed >= due
    if paused_at < due:  # the time that was left is all still there after the pause
        from chalicelib.sla.working_time import remaining

        assert remaining(calendar, unit, paused_at + paused_for, resumed) >= remaining(
            calendar, unit, paused_at, due
        ) - timedelta(seconds=1)
