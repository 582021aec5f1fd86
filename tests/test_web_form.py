"""The web form: filing a complaint, being told the reference, finding it again."""
import re
from datetime import datetime, timezone

import pytest

from chalicelib.complaint import Event
from conftest import FORM_HEADERS, form_body


def _token(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def _reference(page: str) -> str:
    return re.search(r'id="reference">([^<]+)<', page).group(1)


@pytest.fixture(params=["moto_store", "local_store"])
def store(request, twilio):
    return request.getfixturevalue(request.param)


def test_form_is_served_in_chinese_by_default_and_english_on_request(client, store):
    chinese = client.http.get("/complaints/new")
    assert chinese.status_code == 200
    assert "我要投诉" in chinese.body.decode()
    english = client.http.get("/complaints/new?lang=en")
    assert "Make a complaint" in english.body.decode()
    by_browser = client.http.get("/complaints/new", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert "Make a complaint" in by_browser.body.decode()


def test_filed_complaint_is_stored_acknowledged_and_found_by_status_lookup(client, store, twilio):
    page = client.http.get("/complaints/new?lang=en").body.decode()
    response = client.http.post("/complaints?lang=en", headers=FORM_HEADERS, body=form_body(
        form_token=_token(page), description="The ATM at Pier Road kept my card and nobody helped.",
        type="complaint", category="channel", name="Li Wei", phone="138 0013 8000",
        email="li.wei@example.com", language="en", location="Pier Road branch"))
    assert response.status_code == 200
    confirmation = response.body.decode()
    reference = _reference(confirmation)
    assert re.fullmatch(r"HCB-\d{9}", reference)
    assert "We will respond by" in confirmation

    case = store.get_case(reference)
    assert case.complainant.phone == "+8613800138000"
    assert case.complainant.email == "li.wei@example.com"
    assert case.category == "channel" and case.channel == "web" and case.status == "received"
    assert [clock.name for clock in case.clocks] == ["acknowledge", "respond", "resolve"]

    texts = twilio.sent_to("+8613800138000")
    assert len(texts) == 1 and reference in texts[0]["body"] and "respond by" in texts[0]["body"]
    messages = {message.channel: message for message in store.messages_for_case(reference)}
    assert messages["sms"].status == "sent" and messages["sms"].provider_id == texts[0]["sid"]
    assert messages["email"].status == "sent" and reference in messages["email"].subject

    store.append_event(reference, Event(at=datetime.now(timezone.utc), actor="staff:zhang", kind="note",
                                        text="Internal: branch manager suspects card skimmer", public=False))
    lookup = client.http.post("/complaints/status?lang=en", headers=FORM_HEADERS,
                              body=form_body(ref=reference.lower().replace("-", " "), contact="13800138000"))
    assert lookup.status_code == 200
    shown = lookup.body.decode()
    assert "Received" in shown and reference in shown
    assert "complaint received, ref " + reference in shown  # the acknowledgement is a public update
    assert "skimmer" not in shown  # internal notes never reach the complainant
