"""The filing path at its floor, counted on DynamoDB Local: each channel's complaint costs at most 3
requests in all, the acknowledgement's send record included (a warm container: its block of
reference numbers reserved, the config read). The bank as configured: its +86 numbers go through
Tencent Cloud SMS with the daily cap, the others through Twilio."""

import json
from collections import Counter

import pytest

from support import FORM_HEADERS, form_body, sms_params, twilio_post

BUDGET = 3  # DynamoDB requests per complaint


@pytest.fixture
def counted(local_store, twilio, tencent, monkeypatch):
    """The app on DynamoDB Local with the bank's real config; returns the request counter."""
    from chalicelib.edge import dependencies
    from infra import config

    local_store.config.put(json.loads(config.load("harbour-city-bank").model_dump_json()))
    dependencies.reset()
    calls: Counter = Counter()
    dependencies.store().client.meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.update([model.name])
    )
    return calls


def _api(client, number: int, phone: str):
    body = {"description": f"Complaint {number}: the ATM kept my card", "phone": phone, "category": "channel"}
    response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def _measure(calls: Counter, file_one, count: int = 6) -> list[int]:
    file_one(0)  # warm: the container reserves its block of references, reads the config
    per_complaint = []
    for number in range(1, count + 1):
        calls.clear()
        file_one(number)
        per_complaint.append(sum(calls.values()))
    return per_complaint


def test_an_api_complaint_with_a_mainland_phone_costs_three_requests_acknowledgement_included(client, counted, tencent):
    """The contact partition (one Query: repeat complaints, opt-out, the day's text count), the
    filing transaction (case, events, contact, acknowledgement, rate window, daily-cap count), the
    send's record (with the provider-id link, one transaction)."""
    per_complaint = _measure(counted, lambda n: _api(client, n, f"+86138000010{n:02d}"))
    assert max(per_complaint) <= BUDGET, per_complaint
    assert len(tencent.messages) == 7  # every acknowledgement went, within the cap


def test_an_api_complaint_with_a_twilio_phone_and_a_web_complaint_cost_three_requests(client, counted, twilio):
    api = _measure(counted, lambda n: _api(client, n, f"+14155550{n:03d}"))

    def web(number: int):
        fields = {
            "description": f"Web complaint {number}: the branch was closed in opening hours",
            "phone": f"+14155551{number:03d}",
            "form_token": f"token-of-form-{number:04d}-abcdef",
        }
        response = client.http.post("/complaints", headers=FORM_HEADERS, body=form_body(**fields))
        assert response.status_code == 200, response.body

    assert max(api) <= BUDGET and max(_measure(counted, web)) <= BUDGET
    assert len(twilio.messages) == 14


def test_an_sms_complaint_costs_two_requests_and_a_follow_up_text_three(client, counted, twilio):
    """A new number: the Query and the transaction (the acknowledgement goes in the TwiML). A second
    text of the same number: the Query, its open case, the transaction that adds to it."""
    new = _measure(counted, lambda n: twilio_post(client, "/twilio/sms", sms_params(f"+14155552{n:03d}", "Refused")))
    follow_up = _measure(
        counted, lambda n: twilio_post(client, "/twilio/sms", sms_params(f"+14155552{n:03d}", f"More, part {n}"))
    )
    assert max(new) <= 2 and max(follow_up) <= BUDGET, (new, follow_up)
