"""The institution's deadline policy: overrides, referrals, severity rules, calendars by country."""

from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.model.case import Complainant, NewComplaint
from chalicelib.sla.deadlines import opening_clocks
from chalicelib.sla.escalation import assess_severity

MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def _complaint(**fields):
    return NewComplaint(
        channel=fields.pop("channel", "web"),
        description=fields.pop("description", "x"),
        complainant=Complainant(),
        **fields,
    )


def _due(clocks, name):
    return next(clock for clock in clocks if clock.name == name).due_at


def test_complex_category_gets_the_longer_resolve_clock(institution):
    general = opening_clocks(institution, MONDAY_10, _complaint(category="service_attitude"))
    complex_ = opening_clocks(institution, MONDAY_10, _complaint(category="rule_violation"))
    assert _due(general, "respond") == _due(complex_, "respond")
    # 10 vs 7 working days: Wed 2 Dec -> Mon 7 Dec, over the weekend
    assert _due(complex_, "resolve") - _due(general, "resolve") == timedelta(days=5)


def test_critical_cases_get_the_short_clocks(institution):
    clocks = opening_clocks(institution, MONDAY_10, _complaint(severity="critical"))
    assert _due(clocks, "acknowledge") == MONDAY_10 + timedelta(hours=2)


def test_a_referred_case_keeps_the_referrers_earlier_deadline(institution):
    regulator_deadline = MONDAY_10 + timedelta(days=1)
    clocks = opening_clocks(
        institution, MONDAY_10, _complaint(channel="referral", referrer_deadline=regulator_deadline)
    )
    assert _due(clocks, "respond") == _due(clocks, "resolve") == regulator_deadline
    assert _due(clocks, "acknowledge") == MONDAY_10 + timedelta(hours=24)


@pytest.mark.parametrize(
    "words,group,recent,expected",
    [
        ("你们的柜员态度差", None, 0, "general"),
        ("我已经联系了报社记者", None, 0, "major"),
        ("I will take you to court", None, 0, "serious"),
        ("我们10个人一起来投诉", 12, 0, "critical"),
        ("Second time this month", None, 1, "serious"),
        ("The regulator and a journalist both know", None, 0, "major"),
    ],
)
def test_severity_rules_take_the_highest_level_that_applies(institution, words, group, recent, expected):
    level, reasons = assess_severity(institution, words, group, "general", recent)
    assert level == expected and (reasons != []) == (expected != "general")


def test_api_group_size_raises_severity_and_alerts_leadership(client, moto_store, twilio):
    import json

    response = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"description": "Residents of our building were all overcharged", "group_size": 6}),
    )
    case = moto_store.cases.get(json.loads(response.body)["reference"])
    assert case.severity == "major" and case.severity_reasons == ["group of 5 or more -> major"]


def test_country_holidays_are_written_into_the_config_by_the_admin_side(tmp_path):
    from infra import config

    path = tmp_path / "ny.yaml"
    path.write_text(
        "slug: ny-clinic\nname: {zh: 纽约诊所, en: NY Clinic}\nreference_prefix: NYC\n"
        "calendar: {timezone: America/New_York, country: US}\n",
        encoding="utf-8",
    )
    institution = config.load(str(path))
    assert date(2026, 11, 26) in institution.calendar.holidays  # Thanksgiving
    assert not institution.calendar.work_calendar().is_working_day(date(2026, 11, 26))
    path.write_text(path.read_text().replace("country: US", "country: XX"), encoding="utf-8")
    with pytest.raises(config.ConfigError, match=r"calendar\.country: 'XX'"):
        config.load(str(path))


def test_hospital_example_gives_written_complaints_15_working_days_and_its_night_roster_answers():
    from chalicelib.sla.escalation import chain_snapshot, recipient
    from infra import config

    hospital = config.load("riverside-hospital")
    by_email = opening_clocks(hospital, MONDAY_10, _complaint(channel="email"))
    by_phone = opening_clocks(hospital, MONDAY_10, _complaint(channel="voice"))
    # 15 working days after Monday 23 November: Monday 14 December, at the close of business (17:30 local)
    assert _due(by_email, "respond") == datetime(2026, 12, 14, 9, 30, tzinfo=timezone.utc)
    assert _due(by_phone, "respond") == datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)  # 3: Thursday 17:30
    handler = chain_snapshot(hospital)[0]
    calendar = hospital.calendar.work_calendar()
    night = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # Monday 23:00 in Shanghai
    assert recipient(handler, night, calendar, set()).id == "duty.night"
    assert recipient(handler, MONDAY_10, calendar, set()).id == "nurse.lin"


def test_a_complaint_whose_deadlines_run_into_an_unpublished_year_says_so_on_the_case(client, moto_store, twilio):
    """2027's official calendar is not in chinesecalendar 1.11: the case records it, with the years,
    and its staff page shows the warning in words."""
    import json

    import time_machine

    from chalicelib.runtime.labels import event_detail

    with time_machine.travel(datetime(2026, 12, 30, 2, 0, tzinfo=timezone.utc), tick=False):
        response = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": "The card machine charged me twice", "phone": "+8613800138901"}),
        )
    reference = json.loads(response.body)["reference"]
    [warning] = [e for e in moto_store.cases.timeline(reference) if e.kind == "calendar_unpublished"]
    assert warning.data["years"] == [2027]
    assert "2027年官方节假日安排尚未发布" in event_detail("zh", warning.kind, warning.data, None)
    filed_in_2026 = json.loads(response.body)["expected_response_by"]
    # Dec 31 is the bank's own closure; then Fri Jan 1 (weekend-only: 2027 unknown), Mon 4, Tue 5 at 17:30 local
    assert filed_in_2026.startswith("2027-01-05T09:30:00")
