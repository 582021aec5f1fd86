"""Transfers (归口办理): a case changes unit only by a recorded transfer, which rebuilds its chain,
tells the receiving unit's handler, and starts its own clock (taken up within 2 hours, or the
receiving unit's head hears of it)."""

import json

import pytest
import time_machine

from support import sms_params, twilio_post


def _sweep(client):
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
    return client.lambda_.invoke("sla_sweep", event).payload


def _phone(institution, staff_id):
    return institution.staff_member(staff_id).phone


def _open(client, store, phone: str) -> str:
    twilio_post(client, "/twilio/sms", sms_params(phone, "The new savings product was sold to me with hidden fees"))
    [reference] = store.cases.open_for_contact(phone)
    return reference


def test_a_transfer_moves_the_case_and_its_chain_and_tells_the_receiving_handler(
    client, moto_store, twilio, institution
):
    from chalicelib.edge import dependencies
    from chalicelib.runtime.clock import now
    from chalicelib.staff.transfers import transfer

    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:  # Monday 10:00 in Shanghai
        reference = _open(client, moto_store, "+8613800138801")
        assert moto_store.cases.get(reference).unit == "pier-road-branch"
        traveller.shift(30 * 60)
        moved = transfer(
            dependencies.current(), reference, "staff:chen.jing", "branch-service-management", "a product rule", now()
        )
    assert moved.unit == "branch-service-management" and moved.chain[0].primary.id == "zheng.hao"
    [told] = twilio.sent_to(_phone(institution, "zheng.hao"))
    assert reference in told["body"] and "/s/" in told["body"]
    [event] = [e for e in moto_store.cases.timeline(reference) if e.kind == "transferred"]
    assert (event.actor, event.text) == ("staff:chen.jing", "a product rule")
    assert event.data["from"] == "pier-road-branch" and event.data["to"] == "branch-service-management"
    assert (event.data["minutes_after_receipt"], event.data["forwarded_late"]) == (30, False)
    clock = moto_store.cases.get(reference).clock("transfer")
    assert (clock.due_at - clock.started_at).total_seconds() == 120 * 60


def test_a_transferred_case_nobody_takes_up_in_two_hours_alerts_the_receiving_units_head(
    client, moto_store, twilio, institution
):
    from chalicelib.edge import dependencies
    from chalicelib.runtime.clock import now
    from chalicelib.staff.actions import acknowledge
    from chalicelib.staff.transfers import transfer

    head = _phone(institution, "sun.li")
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        late = _open(client, moto_store, "+8613800138802")
        taken = _open(client, moto_store, "+8613800138803")
        traveller.shift(20 * 60)
        for reference in (late, taken):
            transfer(
                dependencies.current(), reference, "staff:chen.jing", "branch-service-management", "product", now()
            )
        traveller.shift(30 * 60)
        acknowledge(dependencies.current(), taken, "staff:zheng.hao", now())  # the receiving unit starts
        traveller.shift(60 * 60)
        _sweep(client)
        assert not any(late in m["body"] for m in twilio.sent_to(head))  # 1 h 30 of 2 h
        traveller.shift(31 * 60)
        _sweep(client)
    texts = [m["body"] for m in twilio.sent_to(head)]
    assert any(late in body for body in texts) and not any(taken in body for body in texts)
    assert any("transfer" in key for key in moto_store.cases.get(late).fired)


def test_forwarding_after_the_hour_says_so_and_a_second_transfer_has_a_clock_of_its_own(
    client, moto_store, twilio, institution
):
    from chalicelib.edge import dependencies
    from chalicelib.runtime.clock import now
    from chalicelib.staff.transfers import transfer

    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        reference = _open(client, moto_store, "+8613800138804")
        traveller.shift(95 * 60)
        transfer(dependencies.current(), reference, "staff:chen.jing", "branch-service-management", "product", now())
        traveller.shift(10 * 60)
        transfer(
            dependencies.current(), reference, "staff:zheng.hao", "head-office-service-supervision", "rules", now()
        )
    case = moto_store.cases.get(reference)
    events = [e for e in moto_store.cases.timeline(reference) if e.kind == "transferred"]
    assert [e.data["forwarded_late"] for e in events] == [True, True]
    transfers = [clock for clock in case.clocks if clock.name == "transfer"]
    assert [clock.running for clock in transfers] == [False, True] and transfers[0].key != transfers[1].key
    assert case.unit == "head-office-service-supervision"


def test_a_transfer_needs_a_real_other_unit_and_a_reason(client, moto_store, twilio):
    from chalicelib.edge import dependencies
    from chalicelib.model.refusals import Refused
    from chalicelib.runtime.clock import now
    from chalicelib.staff.transfers import transfer

    reference = _open(client, moto_store, "+8613800138805")
    deps = dependencies.current()
    for unit, reason, key in (
        ("no-such-unit", "x", "unknown_unit"),
        ("pier-road-branch", "x", "same_unit"),
        ("branch-service-management", "  ", "transfer_needs_reason"),
    ):
        with pytest.raises(Refused) as refused:
            transfer(deps, reference, "staff:chen.jing", unit, reason, now())
        assert refused.value.key == key and refused.value.say("zh")
    assert moto_store.cases.get(reference).unit == "pier-road-branch"
    assert json.loads(moto_store.cases.get(reference).model_dump_json())["clocks"][-1]["name"] != "transfer"
