"""Twilio's status callbacks: delivery states recorded, failures retried and shown on the case."""

import json

import time_machine

from support import twilio_post

JSON = {"Content-Type": "application/json"}
PHONE = "+8613800138200"


def _filed_sms(client, store, twilio):
    response = client.http.post(
        "/api/complaints",
        headers=JSON,
        body=json.dumps(
            {"description": "Branch manager ignored my written complaint", "phone": PHONE, "language": "en"}
        ),
    )
    reference = json.loads(response.body)["reference"]
    [message] = store.outbox.for_case(reference)
    [sent] = twilio.sent_to(PHONE)
    return reference, message, sent


def _report(client, message, sid, status, error_code=None):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC", "To": PHONE}
    if error_code:
        params["ErrorCode"] = error_code
    return twilio_post(client, "/twilio/status", params, query={"m": message.id})


def test_texts_ask_for_status_callbacks_to_the_status_route(client, moto_store, twilio):
    _, message, sent = _filed_sms(client, moto_store, twilio)
    # with Twilio's connection overrides: a report we cannot record at once is retried
    assert sent["status_callback"] == (
        f"https://hotline.example.org/twilio/status?m={message.id}#ct=2000&rc=2&rp=ct,5xx&tt=15000"
    )


def test_delivered_report_is_recorded_and_a_late_sent_report_does_not_undo_it(client, moto_store, twilio):
    _, message, sent = _filed_sms(client, moto_store, twilio)
    assert _report(client, message, sent["sid"], "delivered").status_code == 204
    assert _report(client, message, sent["sid"], "sent").status_code == 204
    stored = moto_store.outbox.get(message.id)
    assert stored.delivery_status == "delivered" and stored.status == "sent"


def test_failed_report_is_shown_on_the_case_once_and_the_text_is_retried(client, moto_store, twilio):
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        reference, message, sent = _filed_sms(client, moto_store, twilio)
        for _ in range(2):  # Twilio may deliver the same callback twice
            _report(client, message, sent["sid"], "undelivered", "30003")
        stored = moto_store.outbox.get(message.id)
        assert stored.status == "pending" and stored.error_code == "30003"
        events = [e for e in moto_store.cases.timeline(reference) if e.kind == "message_not_delivered"]
        assert len(events) == 1 and "30003" in events[0].text
        traveller.shift(61)
        event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
        assert client.lambda_.invoke("sla_sweep", event).payload["messages_sent"] == 1
    assert len(twilio.sent_to(PHONE)) == 2
    assert moto_store.outbox.get(message.id).status == "sent"


def test_report_for_an_unknown_send_changes_nothing(client, moto_store, twilio):
    _, message, _ = _filed_sms(client, moto_store, twilio)
    assert _report(client, message, "SM" + "9" * 32, "failed", "30008").status_code == 204
    assert moto_store.outbox.get(message.id).delivery_status is None


def test_unsigned_status_callback_is_refused(client, moto_store, twilio):
    _, message, sent = _filed_sms(client, moto_store, twilio)
    response = twilio_post(
        client,
        "/twilio/status",
        {"MessageSid": sent["sid"], "MessageStatus": "failed"},
        query={"m": message.id},
        token="wrong",
    )
    assert response.status_code == 403
    assert moto_store.outbox.get(message.id).delivery_status is None
