"""A critical alert at night that nobody acknowledges is also placed as a voice call reading it
(`escalation.night_calls`), once, to the person the alert went to, where their number may be called."""

import json

import time_machine

from support import sms_params, twilio_post


def _sweep(client):
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
    return client.lambda_.invoke("sla_sweep", event).payload


DIRECTOR_ON_DUTY = "duty.leader"
THREAT = "柜员说要炸了我的车，我要同归于尽"  # raises the case to critical


def _phone(institution, staff_id: str) -> str:
    return institution.staff_member(staff_id).phone


def test_an_unacknowledged_critical_alert_at_night_rings_the_on_duty_leader_once(
    client, moto_store, twilio, institution
):
    leader = _phone(institution, DIRECTOR_ON_DUTY)
    with time_machine.travel("2026-11-23T15:30:00Z", tick=False) as traveller:  # 23:30 in Shanghai, a Monday
        twilio_post(client, "/twilio/sms", sms_params("+8613800138601", THREAT))
        [reference] = moto_store.cases.open_for_contact("+8613800138601")
        assert moto_store.cases.get(reference).severity == "critical"
        assert any(reference in m["body"] for m in twilio.sent_to(leader))  # the leadership text, at once
        traveller.shift(14 * 60)
        _sweep(client)
        assert twilio.calls == []  # 14 minutes: not yet
        traveller.shift(60)
        _sweep(client)
        [call] = twilio.calls
        assert call["to"] == leader
        assert call["twiml"].count("<Say") == 2 and reference in call["twiml"] and "无人确认" in call["twiml"]
        traveller.shift(600)
        _sweep(client)
    assert len(twilio.calls) == 1  # once
    timeline = moto_store.cases.timeline(reference)
    assert [e.data["to"] for e in timeline if e.kind == "alert" and e.data.get("step_kind") == "call"] == [
        DIRECTOR_ON_DUTY
    ]


def test_an_acknowledged_case_or_a_daytime_alert_rings_nobody(client, moto_store, twilio, institution):
    """The handler acknowledged within the quarter hour: no call. The same threat at 10:00: texts only."""
    from chalicelib.edge import dependencies
    from chalicelib.staff.actions import acknowledge

    with time_machine.travel("2026-11-23T15:30:00Z", tick=False) as traveller:
        twilio_post(client, "/twilio/sms", sms_params("+8613800138602", THREAT))
        [reference] = moto_store.cases.open_for_contact("+8613800138602")
        traveller.shift(5 * 60)
        from chalicelib.runtime.clock import now

        acknowledge(dependencies.current(), reference, "staff:chen.jing", now())
        traveller.shift(30 * 60)
        _sweep(client)
    with time_machine.travel("2026-11-24T02:00:00Z", tick=False) as traveller:  # 10:00 in Shanghai
        twilio_post(client, "/twilio/sms", sms_params("+8613800138603", THREAT))
        traveller.shift(30 * 60)
        _sweep(client)
    assert twilio.calls == []


def test_a_number_whose_country_may_not_be_called_gets_the_texts_only(client, moto_store, twilio, institution):
    document = json.loads(institution.model_dump_json())
    for profile in document["channels"]["sms_profiles"]:
        profile["calls"] = False
    moto_store.config.put(document)
    from chalicelib.edge import dependencies

    dependencies.reset()
    with time_machine.travel("2026-11-23T15:30:00Z", tick=False) as traveller:
        twilio_post(client, "/twilio/sms", sms_params("+8613800138604", THREAT))
        [reference] = moto_store.cases.open_for_contact("+8613800138604")
        traveller.shift(20 * 60)
        _sweep(client)
        _sweep(client)
    assert twilio.calls == []
    assert any(key.endswith(":call") for key in moto_store.cases.get(reference).fired)  # decided once, not again
