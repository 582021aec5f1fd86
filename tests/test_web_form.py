"""The web form: filing a complaint, being told the reference, finding it again."""

import re
from datetime import datetime, timezone

import pytest

from chalicelib.model.case import Event
from support import FORM_HEADERS, form_body


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
    response = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(
            form_token=_token(page),
            description="The ATM at Pier Road kept my card and nobody helped.",
            type="complaint",
            category="channel",
            name="Li Wei",
            phone="138 0013 8000",
            email="li.wei@example.com",
            language="en",
            location="Pier Road branch",
        ),
    )
    assert response.status_code == 200
    confirmation = response.body.decode()
    reference = _reference(confirmation)
    assert re.fullmatch(r"HCB-\d{9}", reference)
    assert "We will respond by" in confirmation

    case = store.cases.get(reference)
    assert case.complainant.phone == "+8613800138000"
    assert case.complainant.email == "li.wei@example.com"
    assert case.category == "channel" and case.channel == "web" and case.status == "received"
    assert [clock.name for clock in case.clocks] == ["acknowledge", "respond", "resolve"]

    texts = twilio.sent_to("+8613800138000")
    assert len(texts) == 1 and reference in texts[0]["body"] and "respond by" in texts[0]["body"]
    messages = {message.channel: message for message in store.outbox.for_case(reference)}
    assert messages["sms"].status == "sent" and messages["sms"].provider_id == texts[0]["sid"]
    assert messages["email"].status == "sent" and reference in messages["email"].subject

    store.cases.append_event(
        reference,
        Event(
            at=datetime.now(timezone.utc),
            actor="staff:zhang",
            kind="note",
            text="Internal: branch manager suspects card skimmer",
            public=False,
        ),
    )
    lookup = client.http.post(
        "/complaints/status?lang=en",
        headers=FORM_HEADERS,
        body=form_body(ref=reference.lower().replace("-", " "), contact="13800138000"),
    )
    assert lookup.status_code == 200
    shown = lookup.body.decode()
    assert "Received" in shown and reference in shown
    assert "complaint received, ref " + reference in shown  # the acknowledgement is a public update
    assert "skimmer" not in shown  # internal notes never reach the complainant


def test_validation_errors_are_shown_next_to_fields_in_english_keeping_what_was_typed(client, store):
    response = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(
            description="", phone="12345", email="not-an-email", name="Wang <b>Fang</b>", location="Harbour Rd"
        ),
    )
    assert response.status_code == 422
    page = response.body.decode()
    assert "Please correct the fields marked below" in page
    assert 'id="description-error">Please fill this in.' in page
    assert 'id="phone-error">This does not look like a valid phone number.' in page
    assert 'id="email-error">This does not look like a valid email address.' in page
    assert 'value="Harbour Rd"' in page and 'value="12345"' in page  # nothing typed is lost
    assert "Wang &lt;b&gt;Fang&lt;/b&gt;" in page


def test_validation_errors_are_shown_in_chinese(client, store):
    response = client.http.post(
        "/complaints?lang=zh", headers=FORM_HEADERS, body=form_body(description="短", phone="abc")
    )
    page = response.body.decode()
    assert response.status_code == 422
    assert "请修改下面标出的内容" in page
    assert "请再多写一些。" in page and "手机号码格式不正确。" in page


def test_chinese_complaint_gets_chinese_acknowledgement(client, store, twilio):
    response = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(description="柜台工作人员态度恶劣，排队两个小时无人处理。", phone="+86 139 0000 1111"),
    )
    reference = _reference(response.body.decode())
    assert "您的投诉已受理" in response.body.decode()
    assert "您的投诉已受理，编号" + reference in twilio.sent_to("+8613900001111")[0]["body"]


def test_received_time_is_shown_to_the_minute_with_weekday_in_institution_zone(client, store, twilio):
    import time_machine

    with time_machine.travel("2026-11-20T10:05:00Z", tick=False):  # Friday 18:05 in Shanghai
        response = client.http.post(
            "/complaints?lang=en",
            headers=FORM_HEADERS,
            body=form_body(description="Card blocked without notice", language="en"),
        )
    page = response.body.decode()
    # Read in English, not the bank's language: the zone is named with every time.
    assert 'id="received">Fri 20 Nov 2026 18:05 (UTC+8)<' in page
    # 3 working days after Friday 20 Nov: Monday, Tuesday, Wednesday, to the close of business (17:30)
    assert 'id="expected">Wed 25 Nov 2026 17:30 (UTC+8)<' in page


@pytest.mark.parametrize(
    "phone,language,zoned",
    [
        ("+8613800138111", "zh", False),  # at home in the bank's zone and language
        ("+8613800138112", "en", True),  # another language than the institution's
        ("+447911123456", "zh", True),  # a foreign number
    ],
)
def test_the_zone_is_named_for_complainants_who_may_not_live_in_it(client, moto_store, twilio, phone, language, zoned):
    import json

    import time_machine

    with time_machine.travel("2026-11-20T02:05:00Z", tick=False):  # Friday 10:05 in Shanghai
        filed = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": "Card blocked", "phone": phone, "language": language}),
        )
    assert filed.status_code == 201, filed.body
    [acknowledgement] = twilio.sent_to(phone)
    assert ("UTC+8" in acknowledgement["body"]) is zoned, acknowledgement["body"]


def test_html_in_every_field_is_shown_escaped(client, store, twilio):
    attack = '<script>alert("x")</script>'
    response = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(
            description=attack,
            occurred=attack,
            location=attack,
            subject=attack,
            demands=attack,
            name=attack,
            phone=attack,
            email=attack,
        ),
    )
    page = response.body.decode()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    filed = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(description=attack + " is what they wrote on my receipt", phone="13800138001"),
    )
    reference = _reference(filed.body.decode())
    lookup = client.http.post(
        "/complaints/status?lang=en", headers=FORM_HEADERS, body=form_body(ref=reference, contact="13800138001")
    )
    assert "<script>" not in lookup.body.decode()
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_status_lookup_gives_the_same_answer_for_a_wrong_contact_and_an_unknown_reference(client, store, twilio):
    filed = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(description="Overcharged on my loan fee", phone="13800138002"),
    )
    reference = _reference(filed.body.decode())
    wrong_contact = client.http.post(
        "/complaints/status?lang=en", headers=FORM_HEADERS, body=form_body(ref=reference, contact="13800138003")
    )
    digits = reference.split("-")[1]
    unknown = "HCB-" + str(int(digits[:-1]) + 1).zfill(len(digits) - 1)
    from chalicelib.model.references import damm_digit

    unknown += str(damm_digit(unknown.split("-")[1]))
    unknown_reference = client.http.post(
        "/complaints/status?lang=en", headers=FORM_HEADERS, body=form_body(ref=unknown, contact="13800138003")
    )
    assert wrong_contact.status_code == unknown_reference.status_code == 404
    strip = lambda page: re.sub(r'name="ref" value="[^"]*"', "", page.decode())  # noqa: E731
    assert strip(wrong_contact.body) == strip(unknown_reference.body)
    assert "Overcharged" not in wrong_contact.body.decode()


def test_honeypot_submission_is_quarantined_not_filed_and_not_acknowledged(client, store, twilio):
    response = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(
            description="Buy cheap watches at example dot com", phone="13800138004", website="http://spam.example"
        ),
    )
    assert response.status_code == 200 and "Your message has been received." in response.body.decode()
    assert twilio.sent_to("+8613800138004") == []
    kept = store.abuse.quarantined("web")
    assert len(kept) == 1 and kept[0]["payload"]["description"].startswith("Buy cheap watches")


def test_too_many_submissions_from_one_source_get_429_with_the_text_kept(client, store, twilio, institution):
    limit = institution.intake.submissions_per_source_per_hour
    for number in range(limit):
        ok = client.http.post(
            "/complaints?lang=en",
            headers=FORM_HEADERS,
            body=form_body(description=f"Complaint number {number} about fees"),
        )
        assert ok.status_code == 200
    refused = client.http.post(
        "/complaints?lang=en", headers=FORM_HEADERS, body=form_body(description="One more complaint about fees")
    )
    assert refused.status_code == 429
    assert "One more complaint about fees" in refused.body.decode()
    assert "or call our hotline 95500-123." in refused.body.decode()  # the lock-out says whom to call


def test_pages_sent_back_with_errors_do_not_count_against_the_source_limit(client, store, twilio, institution):
    for _ in range(institution.intake.submissions_per_source_per_hour + 3):
        sent_back = client.http.post(
            "/complaints?lang=en", headers=FORM_HEADERS, body=form_body(description="", phone="12")
        )
        assert sent_back.status_code == 422
    filed = client.http.post(
        "/complaints?lang=en", headers=FORM_HEADERS, body=form_body(description="Fees charged twice")
    )
    assert filed.status_code == 200 and _reference(filed.body.decode())


@pytest.mark.parametrize("description, accepted", [("被扣费", True), ("扣费", True), ("扣", False), ("hi", False)])
def test_a_short_chinese_complaint_is_accepted_a_short_latin_one_asked_for_more(
    client, store, twilio, description, accepted
):
    page = client.http.post("/complaints?lang=zh", headers=FORM_HEADERS, body=form_body(description=description))
    if accepted:
        assert page.status_code == 200 and re.match(r"HCB-\d{9}$", _reference(page.body.decode()))
    else:
        assert page.status_code == 422 and "请再多写一些。" in page.body.decode()


def test_double_submission_of_the_same_form_makes_one_case(client, store, twilio):
    page = client.http.get("/complaints/new?lang=en").body.decode()
    body = form_body(form_token=_token(page), description="Double-clicked the submit button", phone="13800138005")
    first = _reference(client.http.post("/complaints", headers=FORM_HEADERS, body=body).body.decode())
    second = _reference(client.http.post("/complaints", headers=FORM_HEADERS, body=body).body.decode())
    assert first == second
    assert len(twilio.sent_to("+8613800138005")) == 1


def _switch(client, page: str):
    """Press the page's language switch as a browser would: GET its link, or POST its form."""
    import html
    from urllib.parse import urlencode

    form = re.search(r'<form class="language-switch" method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    if form is None:
        return None
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(2))
    }
    return form.group(1), fields, urlencode(fields)


def test_the_language_switch_after_a_form_post_shows_the_same_answer_in_the_other_language(client, moto_store, twilio):
    typed = "太短"
    invalid = client.http.post(
        "/complaints?lang=zh", headers=FORM_HEADERS, body=form_body(description=typed, phone="abc")
    )
    action, fields, body = _switch(client, invalid.body.decode())
    assert action == "?lang=en" and fields["description"] == typed
    again = client.http.post("/complaints" + action, headers=FORM_HEADERS, body=body)
    page = again.body.decode()
    assert again.status_code == 422 and 'lang="en"' in page and typed in page  # the form again, its messages in English

    filed = client.http.post(
        "/complaints?lang=zh",
        headers=FORM_HEADERS,
        body=form_body(description="柜员态度很差，拒绝办理业务", phone="13800138555", form_token="t" * 20),
    )
    reference = re.search(r"HCB-\d{9}", filed.body.decode()).group(0)
    action, _, body = _switch(client, filed.body.decode())
    confirmation = client.http.post("/complaints" + action, headers=FORM_HEADERS, body=body)
    assert confirmation.status_code == 200 and 'lang="en"' in confirmation.body.decode()
    assert reference in confirmation.body.decode()
    assert len(moto_store.cases.open_for_contact("+8613800138555")) == 1  # the same case, not a second one

    found = client.http.post(
        "/complaints/status?lang=zh", headers=FORM_HEADERS, body=form_body(ref=reference, contact="13800138555")
    )
    action, fields, body = _switch(client, found.body.decode())
    assert fields == {"ref": reference, "contact": "13800138555"}
    switched = client.http.post("/complaints/status" + action, headers=FORM_HEADERS, body=body)
    assert switched.status_code == 200 and 'lang="en"' in switched.body.decode()
    assert f'<p class="reference">{reference}</p>' in switched.body.decode()  # the result stays on screen
    assert '<dd id="status">Received</dd>' in switched.body.decode()
