"""Contacts that are not complaints (issue 19, 先受理、后处理): a text with nothing in it from an
unknown number, a short or silent call are registered - kind "contact", a call-back task due in
the first working hour, listed in the queue, no complaint clocks, nobody told a complaint was
accepted - and become the complaint, under the same reference, when details follow."""

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
import time_machine

from support import FORM_HEADERS, signed_in_cookie, sms_params, twilio_post

TEXTER = "+8613800138950"
SUPERVISOR = "+8613911110003"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


def _text(client, body, sender=TEXTER) -> str | None:
    message = ElementTree.fromstring(twilio_post(client, "/twilio/sms", sms_params(sender, body)).body).find("Message")
    return None if message is None else message.text


ASK = {
    "zh": "【海港银行】您好，请问遇到了什么问题？请直接回复说明情况，我们将为您登记投诉。",
    "en": "HC Bank: hello, what happened? Reply with the details and we will register your complaint.",
}


@pytest.mark.parametrize(
    "greeting, language", [("hi", "en"), ("你好", "zh"), ("在吗？", "zh"), ("test", "en"), ("wrong number", "en")]
)
def test_a_text_with_nothing_in_it_is_a_contact_asked_what_happened_not_a_complaint(
    client, moto_store, twilio, greeting, language
):
    with time_machine.travel(MONDAY_10, tick=False):
        reply = _text(client, greeting)
    assert reply == ASK[language]  # in the language it was written in
    [reference] = moto_store.cases.open_for_contact(TEXTER)
    case = moto_store.cases.get(reference)
    assert case.type == "contact" and case.description == greeting and case.received_at == MONDAY_10
    [callback] = case.clocks
    assert callback.name == "callback" and callback.due_at == MONDAY_10 + timedelta(hours=1)
    assert "受理" not in reply and reference not in reply


def test_details_turn_the_contact_into_the_complaint_under_the_same_reference(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        _text(client, "你好")
        again = _text(client, "在吗")  # still nothing: asked again, still one contact
        [reference] = moto_store.cases.open_for_contact(TEXTER)
        assert again == ASK["zh"]
    with time_machine.travel(MONDAY_10 + timedelta(minutes=20), tick=False):
        acknowledged = _text(client, "ATM吞了我的卡，柜台说要等三天")
    assert moto_store.cases.open_for_contact(TEXTER) == [reference]
    assert acknowledged.startswith(f"【海港银行】您的投诉已受理，编号{reference}")
    case = moto_store.cases.get(reference)
    assert case.type == "complaint" and case.description == "ATM吞了我的卡，柜台说要等三天"
    assert case.received_at == MONDAY_10  # registered at the first contact
    assert case.clock("acknowledge").started_at == MONDAY_10 + timedelta(minutes=20)  # clocks from the details
    assert [(c.name, c.outcome) for c in case.clocks if c.name == "callback"] == [("callback", "details_followed")]
    assert [e.kind for e in moto_store.cases.timeline(reference)][-3:] == [
        "complainant_message",
        "became_complaint",
        "acknowledgement_replied",
    ]


def test_a_contact_is_a_call_back_in_the_queue_alerts_when_not_done_and_closes_with_its_outcome(
    client, moto_store, twilio, institution
):
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    with time_machine.travel(MONDAY_10, tick=False):
        _text(client, "你好")
        [reference] = moto_store.cases.open_for_contact(TEXTER)
        cookie = {"Cookie": signed_in_cookie(client, twilio, institution.staff_member("li.qiang").phone)}
        queue = client.http.get("/staff/cases?lang=en", headers=cookie).body.decode()
        assert f'data-reference="{reference}"' in queue and "call back: 1h left" in queue
    twilio.messages.clear()
    run_sweep(context.current(), MONDAY_10 + timedelta(minutes=30))
    assert twilio.sent_to(SUPERVISOR) == [] and twilio.sent_to("+8613911110001") == []  # no "new complaint"
    run_sweep(context.current(), MONDAY_10 + timedelta(hours=1, minutes=1))
    [late] = twilio.sent_to(SUPERVISOR)
    assert reference in late["body"] and "回电" in late["body"]
    with time_machine.travel(MONDAY_10 + timedelta(hours=2), tick=False):
        page = client.http.get(f"/staff/cases/{reference}?lang=en", headers=cookie).body.decode()
        assert re.findall(r'<option value="(\w+)">', page.split('id="task-outcome"')[1].split("</select>")[0]) == [
            "reached",
            "no_answer",
            "wrong_number",
        ]
        fields = {n: re.search(rf'name="{n}" value="([^"]*)"', page).group(1) for n in ("csrf", "version", "shown")}
        done = client.http.post(
            f"/staff/cases/{reference}?lang=en",
            headers={**FORM_HEADERS, **cookie},
            body=urlencode({**fields, "action": "close_task", "outcome": "no_answer"}),
        )
    assert done.status_code in (200, 303)
    case = moto_store.cases.get(reference)
    assert case.status == "closed" and case.open_tasks() == [] and case.clocks[0].outcome == "no_answer"
