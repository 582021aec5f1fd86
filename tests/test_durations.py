"""Durations people read: two units at most, time left rounded down, time late rounded up, and
"due now" at the deadline itself - never "0 minutes late"."""

from datetime import timedelta

import pytest

from chalicelib.runtime.rendering import duration_text, is_now


@pytest.mark.parametrize(
    "amount,late,zh,en",
    [
        (timedelta(hours=1, minutes=55, seconds=30), False, "1小时55分", "1h 55min"),  # left: rounded down
        (timedelta(hours=1, minutes=55, seconds=30), True, "1小时56分", "1h 56min"),  # late: rounded up
        (timedelta(days=2, hours=3, minutes=59), False, "2天3小时", "2d 3h"),
        (timedelta(days=2, hours=3, minutes=1), True, "2天4小时", "2d 4h"),
        (timedelta(hours=2), False, "2小时", "2h"),
        (timedelta(minutes=40, seconds=59), False, "40分钟", "40min"),
        (timedelta(seconds=1), True, "1分钟", "1min"),
        (timedelta(hours=23, minutes=59, seconds=30), True, "1天0小时", "1d 0h"),
    ],
)
def test_durations_show_two_units_rounded_the_safe_way(amount, late, zh, en):
    assert duration_text("zh", amount, late=late) == zh
    assert duration_text("en", amount, late=late) == en


def test_the_deadline_itself_is_due_now_not_zero_minutes():
    assert is_now(timedelta(seconds=59)) and is_now(timedelta(0), late=True)
    assert not is_now(timedelta(seconds=1), late=True) and not is_now(timedelta(minutes=1))


def test_an_alert_sent_at_the_deadline_says_due_now(institution):
    from datetime import datetime, timezone

    from chalicelib.model.case import Case, Complainant
    from chalicelib.sla.alerts import alert_text
    from chalicelib.sla.escalation import Step

    due = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
    case = Case(
        reference="HCB-261100013",
        channel="web",
        description="x",
        received_at=due - timedelta(hours=24),
        complainant=Complainant(),
    )
    step = Step(case.reference, "acknowledge", "acknowledge:late0", due, 1, "late", due)
    at_deadline = alert_text([(case, step, None)], institution, due, "https://h.example/s/x", None, "zh")
    assert "现在到期" in at_deadline and "0分钟" not in at_deadline
    a_minute_later = alert_text(
        [(case, step, None)], institution, due + timedelta(seconds=20), "https://h.example/s/x", None, "zh"
    )
    assert "已超时1分钟" in a_minute_later
