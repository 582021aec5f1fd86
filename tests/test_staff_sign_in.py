"""Staff sign-in without passwords: a one-time link by text or email (10 minutes, once), a button
that spends it (a link preview's GET does not), an 8-hour session cookie, sign-out."""

import json
import re

import time_machine

from support import FORM_HEADERS, form_body

CHEN = "+8613911110001"  # chen.jing in the bank's directory


def _ask(client, contact: str):
    return client.http.post("/staff/sign-in", headers=FORM_HEADERS, body=form_body(contact=contact))


def _token(twilio, phone: str) -> str:
    [message] = [m for m in twilio.sent_to(phone) if "/staff/sign-in/" in m["body"]][-1:]
    return re.search(r"/staff/sign-in/([A-Za-z0-9_-]+)", message["body"]).group(1)


def _cookie(response) -> str:
    return response.headers["Set-Cookie"].split(";")[0]


def test_a_person_in_the_directory_signs_in_through_the_link_and_out_again(client, moto_store, twilio):
    sent = _ask(client, "139 1111 0001")  # as people type it: national format
    assert sent.status_code == 200 and "登录链接已发出" in sent.body.decode()
    token = _token(twilio, CHEN)
    for _ in range(2):  # a link preview, then the person: opening it spends nothing
        opened = client.http.get(f"/staff/sign-in/{token}")
        assert opened.status_code == 200 and "以陈静的身份登录" in opened.body.decode()
    signed = client.http.post(f"/staff/sign-in/{token}", headers=FORM_HEADERS, body="")
    assert signed.status_code == 303 and signed.headers["Location"] == "https://hotline.example.org/staff/home"
    cookie = signed.headers["Set-Cookie"]
    for part in ("HttpOnly", "Secure", "SameSite=Lax", "Max-Age=28800", "Path=/staff"):
        assert part in cookie
    home = client.http.get("/staff/home", headers={"Cookie": _cookie(signed)})
    assert home.status_code == 200 and "已登录：陈静" in home.body.decode()
    again = client.http.post(f"/staff/sign-in/{token}", headers=FORM_HEADERS, body="")
    assert again.status_code == 404 and "已使用、已过期或无效" in again.body.decode()  # once only
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', home.body.decode()).group(1)
    forged = client.http.post(
        "/staff/sign-out", headers={**FORM_HEADERS, "Cookie": _cookie(signed)}, body=form_body(csrf="0" * 32)
    )
    assert forged.status_code == 403
    out = client.http.post(
        "/staff/sign-out", headers={**FORM_HEADERS, "Cookie": _cookie(signed)}, body=form_body(csrf=csrf)
    )
    assert out.status_code == 200 and "Max-Age=0" in out.headers["Set-Cookie"]
    assert client.http.get("/staff/home", headers={"Cookie": _cookie(signed)}).status_code == 401


def test_an_unknown_contact_gets_the_same_answer_and_nothing_is_sent(client, moto_store, twilio):
    known = _ask(client, CHEN)
    sent_before = len(twilio.messages)
    for stranger in ("+8613800138999", "nobody@example.org", "not a contact at all"):
        unknown = _ask(client, stranger)
        assert (unknown.status_code, unknown.body) == (known.status_code, known.body)  # byte for byte
    assert len(twilio.messages) == sent_before


def test_a_link_expires_after_ten_minutes_and_a_contact_gets_only_a_few_an_hour(client, moto_store, twilio):
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        _ask(client, CHEN)
        token = _token(twilio, CHEN)
        traveller.shift(11 * 60)
        assert client.http.get(f"/staff/sign-in/{token}").status_code == 404
        assert client.http.post(f"/staff/sign-in/{token}", headers=FORM_HEADERS, body="").status_code == 404
        for _ in range(5):
            _ask(client, CHEN)
    assert len([m for m in twilio.sent_to(CHEN) if "/staff/sign-in/" in m["body"]]) == 3


def test_one_address_asking_for_many_people_gets_links_sent_for_twenty_an_hour(client, moto_store, twilio, institution):
    """Someone trying the directory's numbers from one address: after 20 requests in the hour
    nothing more is sent, whoever they ask for - and the answer stays the same."""
    phones = [member.phone for member in institution.staff if member.phone]
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False):
        answers = {_ask(client, phones[number % len(phones)]).body for number in range(24)}
    sent = [m for m in twilio.messages if "/staff/sign-in/" in m["body"]]
    assert len(answers) == 1
    assert len(sent) == 20 and all(len([m for m in sent if m["to"] == phone]) <= 3 for phone in phones)


def test_a_session_ends_when_its_person_leaves_the_directory_and_each_sign_in_starts_a_new_one(
    client, moto_store, twilio, institution
):
    _ask(client, CHEN)
    first = client.http.post(f"/staff/sign-in/{_token(twilio, CHEN)}", headers=FORM_HEADERS, body="")
    _ask(client, CHEN)
    second = client.http.post(
        f"/staff/sign-in/{_token(twilio, CHEN)}", headers={**FORM_HEADERS, "Cookie": _cookie(first)}, body=""
    )
    assert _cookie(second) != _cookie(first)
    assert client.http.get("/staff/home", headers={"Cookie": _cookie(first)}).status_code == 401  # rotated
    assert client.http.get("/staff/home", headers={"Cookie": _cookie(second)}).status_code == 200
    document = json.loads(institution.model_dump_json())
    document["staff"] = [member for member in document["staff"] if member["id"] != "chen.jing"]
    for unit in document["units"]:
        unit["handlers"] = [h for h in unit.get("handlers", []) if h != "chen.jing"]
    for level in document["escalation"]["chain"]:
        if level["primary"] == "chen.jing":
            level["primary"] = "zhou.min"
            level["backup"] = None
    moto_store.config.put(document)
    from chalicelib.edge import dependencies

    dependencies.reset()
    assert client.http.get("/staff/home", headers={"Cookie": _cookie(second)}).status_code == 401


def test_the_cookie_is_scoped_to_the_stage_prefix_without_a_custom_domain(client, moto_store, twilio, monkeypatch):
    from chalicelib.edge import dependencies

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://abc123.execute-api.ap-southeast-1.amazonaws.com/api/")
    dependencies.reset()
    _ask(client, CHEN)
    signed = client.http.post(f"/staff/sign-in/{_token(twilio, CHEN)}", headers=FORM_HEADERS, body="")
    assert "Path=/api/staff;" in signed.headers["Set-Cookie"]
    assert signed.headers["Location"] == "https://abc123.execute-api.ap-southeast-1.amazonaws.com/api/staff/home"
