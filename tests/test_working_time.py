"""Deadline arithmetic on real calendars (more scenarios come with the deadline engine)."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.sla.working_time import WorkCalendar, add_duration

SHANGHAI = WorkCalendar(timezone="Asia/Shanghai", official_calendar="CN")


def _local(moment, calendar=SHANGHAI):
    return moment.astimezone(calendar.zone).strftime("%Y-%m-%d %a %H:%M")


def test_three_working_days_from_friday_evening_end_at_the_end_of_wednesday():
    friday_evening = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)  # 18:00 in Shanghai
    # Friday is the day of receipt and does not count (art. 201): Mon 23, Tue 24, Wed 25.
    assert _local(add_duration(SHANGHAI, friday_evening, 3, "working_days")) == "2026-11-25 Wed 23:59"


def test_national_day_holiday_is_skipped_and_make_up_saturday_counts():
    before_holiday = datetime(2026, 9, 30, 10, 0, tzinfo=timezone.utc)  # Wed 18:00, Oct 1-7 off
    # Oct 8 and 9, then Saturday Oct 10 is a make-up working day.
    assert _local(add_duration(SHANGHAI, before_holiday, 3, "working_days")) == "2026-10-10 Sat 23:59"


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
    # Saturday 14th, then Feb 15-23 off, then Tue 24th and Wed 25th; Thu 26, Fri 27 and make-up Sat 28.
    assert _local(add_duration(SHANGHAI, friday_evening, 3, "working_days")) == "2026-02-25 Wed 23:59"
    assert _local(add_duration(SHANGHAI, friday_evening, 6, "working_days")) == "2026-02-28 Sat 23:59"


NEW_YORK = WorkCalendar(timezone="America/New_York")


def test_a_us_zone_across_the_end_of_daylight_saving_keeps_wall_clock_times():
    friday_5pm = datetime(2026, 10, 30, 21, 0, tzinfo=timezone.utc)  # 17:00 EDT; clocks go back Sun 1 Nov
    due = add_duration(NEW_YORK, friday_5pm, 1, "working_days")
    assert _local(due, NEW_YORK) == "2026-11-02 Mon 23:59"
    assert due == datetime(2026, 11, 3, 4, 59, 59, tzinfo=timezone.utc)  # EST by then: UTC-5
    saturday_noon = datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc)
    next_day = add_duration(NEW_YORK, saturday_noon, 1, "calendar_days")
    # Sunday is a rest day, so the period ends at the end of Monday (art. 203).
    assert _local(next_day, NEW_YORK) == "2026-11-02 Mon 23:59"
    office = WorkCalendar(timezone="America/New_York", business_hours=(time(9), time(17)))
    friday_4pm = datetime(2026, 10, 30, 20, 0, tzinfo=timezone.utc)
    assert _local(add_duration(office, friday_4pm, 8, "working_hours"), office) == "2026-11-02 Mon 16:00"


def test_spring_forward_gap_does_not_produce_an_impossible_time():
    saturday_2_30 = datetime(2026, 3, 7, 7, 30, tzinfo=timezone.utc)  # Sat 02:30 EST; Sun 02:30 does not exist
    office = WorkCalendar(timezone="America/New_York", business_hours=(time(2, 30), time(17)))
    assert _local(add_duration(NEW_YORK, saturday_2_30, 1, "calendar_days"), NEW_YORK) == "2026-03-09 Mon 23:59"
    assert _local(add_duration(office, saturday_2_30, 3, "working_hours"), office) == "2026-03-09 Mon 05:30"


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
    if paused_at < due and unit == "working_days":  # day limits keep the whole working days that were left

        def days_left(moment, until):
            return calendar.working_days_between(calendar.local_date(moment), calendar.local_date(until))

        assert days_left(paused_at + paused_for, resumed) >= days_left(paused_at, due)
    elif paused_at < due and unit != "calendar_days":  # the time that was left is all still there
        from chalicelib.sla.working_time import remaining

        assert remaining(calendar, unit, paused_at + paused_for, resumed) >= remaining(
            calendar, unit, paused_at, due
        ) - timedelta(seconds=1)


# -- the statutory day count (Civil Code art. 201-203), worked by hand from the State Council's
# 2025 and 2026 schedules: 2025 Dec 31 a working day, 2026 Jan 1-3 off and Sun Jan 4 a make-up day;
# Oct 1-7 off and Sat Oct 10 a make-up day (Sun Oct 11 off). The day of receipt never counts; the
# period ends at the close of business (17:00) of its last day.
BANK = WorkCalendar(official_calendar="CN", business_hours=(time(9), time(17)))


@pytest.mark.parametrize(
    "received,amount,unit,due",
    [
        ("2026-11-23 08:00", 3, "working_days", "2026-11-26 Thu 17:00"),  # before opening
        ("2026-11-23 09:00", 3, "working_days", "2026-11-26 Thu 17:00"),  # at opening
        ("2026-11-23 14:30", 3, "working_days", "2026-11-26 Thu 17:00"),  # during
        ("2026-11-23 17:00", 3, "working_days", "2026-11-26 Thu 17:00"),  # at closing
        ("2026-11-23 20:00", 3, "working_days", "2026-11-26 Thu 17:00"),  # after closing
        ("2026-10-01 10:00", 3, "working_days", "2026-10-10 Sat 17:00"),  # on a holiday: Oct 8, 9, make-up 10
        ("2026-10-10 10:00", 3, "working_days", "2026-10-14 Wed 17:00"),  # on the make-up Saturday
        ("2026-11-21 10:00", 3, "working_days", "2026-11-25 Wed 17:00"),  # on a weekend
        ("2025-12-30 15:00", 3, "working_days", "2026-01-05 Mon 17:00"),  # Dec 31, make-up Jan 4, Jan 5
        ("2026-09-21 10:00", 15, "calendar_days", "2026-10-08 Thu 17:00"),  # Oct 6 is a holiday: the next working day
        ("2026-11-23 10:00", 24, "hours", "2026-11-24 Tue 10:00"),  # hour limits: elapsed from the minute
        ("2026-11-23 16:00", 2, "working_hours", "2026-11-24 Tue 10:00"),  # working hours: elapsed working time
    ],
)
def test_day_limits_end_at_the_close_of_their_last_day(received, amount, unit, due):
    start = datetime.strptime(received, "%Y-%m-%d %H:%M").replace(tzinfo=BANK.zone)
    assert _local(add_duration(BANK, start, amount, unit), BANK) == due


def test_without_business_hours_a_day_limit_ends_at_23_59():
    received = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI.zone)
    assert _local(add_duration(SHANGHAI, received, 3, "working_days")) == "2026-11-26 Thu 23:59"


def test_an_extension_across_national_day_counts_working_days_after_the_old_deadline():
    old_due = datetime(2026, 9, 30, 17, 0, tzinfo=BANK.zone)
    assert _local(add_duration(BANK, old_due, 2, "working_days"), BANK) == "2026-10-09 Fri 17:00"


def test_a_paused_clock_resumes_with_the_working_days_it_had_left():
    from chalicelib.sla.working_time import resume_due

    due = add_duration(BANK, datetime(2026, 11, 23, 10, 0, tzinfo=BANK.zone), 3, "working_days")
    assert _local(due, BANK) == "2026-11-26 Thu 17:00"
    paused, resumed = datetime(2026, 11, 24, 11, 0, tzinfo=BANK.zone), datetime(2026, 11, 30, 16, 0, tzinfo=BANK.zone)
    # Wed 25 and Thu 26 were left; counted again after Mon 30: Tue 1 and Wed 2 December.
    assert _local(resume_due(BANK, "working_days", paused, due, resumed), BANK) == "2026-12-02 Wed 17:00"


def test_a_year_without_a_published_official_calendar_is_named_not_silently_counted():
    # chinesecalendar 1.11 has the State Council's schedule up to 2026; 2027 is not published in it.
    received = datetime(2026, 12, 31, 10, 0, tzinfo=BANK.zone)
    due = add_duration(BANK, received, 3, "working_days")
    assert _local(due, BANK) == "2027-01-05 Tue 17:00"  # weekend-only: Fri 1, Mon 4, Tue 5
    assert BANK.unpublished_years(received.date(), due.date()) == [2027]
    assert BANK.unpublished_years(received.date(), received.date()) == []
