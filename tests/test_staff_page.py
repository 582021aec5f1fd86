"""Staff links and the page they open: each action through GET then POST with the CSRF token."""

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
import time_machine

from support import FORM_HEADERS

COMPLAINANT = "+8613800138600"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def case_link(client, moto_store, twilio):
    """A case filed through the API and a link for its handler (陈静), as an alert would carry."""
    from chalicelib.edge import dependencies as context
    from chalicelib.notify.staff import issue_link

    def make(description="The teller refused my withdrawal <script>alert(1)</script>", staff="chen.jing", now=None):
        response = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": description, "phone": COMPLAINANT, "language": "en"}),
        )
        reference = json.loads(response.body)["reference"]
        url = issue_link(context.current(), reference, staff, now or datetime.now(timezone.utc))
        return reference, url.removeprefix("https://hotline.example.org")

    return make


def _form(page: str) -> dict:
    return {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),
        "version": re.search(r'name="version" value="([^"]+)"', page).group(1),
    }


def _post(client, path, **fields):
    return client.http.post(path + "?lang=en", headers=FORM_HEADERS, body=urlencode(fields))


def _act(client, path, **fields):
    """An action from the page as it stands now: its CSRF token and version, then the POST."""
    return _post(client, path, **fields, **_form(client.http.get(path).body.decode()))


def _status_page(client, reference) -> str:
    """What the complainant sees when they look the case up."""
    return client.http.post(
        "/complaints/status?lang=en", headers=FORM_HEADERS, body=urlencode({"ref": reference, "contact": COMPLAINANT})
    ).body.decode()


def test_the_page_shows_the_case_its_deadlines_and_escapes_what_the_complainant_wrote(client, moto_store, case_link):
    with time_machine.travel(MONDAY_10, tick=False):
        reference, path = case_link()
        page = client.http.get(path + "?lang=en")
    body = page.body.decode()
    assert page.status_code == 200 and reference in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "acknowledgement: Tue 24 Nov 2026 10:00 (1d 0h left)" in body
    assert "response: Thu 26 Nov 2026 17:30 (3d 7h left)" in body  # calendar time until the deadline


def test_acknowledge_stops_its_clock_and_is_on_the_timeline_with_the_actor(client, moto_store, case_link):
    reference, path = case_link()
    response = _act(client, path, action="acknowledge")
    assert response.status_code == 200 and "Done." in response.body.decode()
    case = moto_store.cases.get(reference)
    assert case.status == "acknowledged" and case.clock("acknowledge").stopped_at is not None
    assert case.clock("respond").stopped_at is None
    assert any(e.kind == "acknowledged" and e.actor == "staff:chen.jing" for e in moto_store.cases.timeline(reference))


def test_reply_goes_to_the_complainant_and_stops_the_respond_clock(client, moto_store, twilio, case_link):
    reference, path = case_link()
    _act(client, path, action="reply", text="We have reversed the charge; it shows within 2 days.")
    assert twilio.sent_to(COMPLAINANT)[-1]["body"] == "HC Bank: We have reversed the charge; it shows within 2 days."
    case = moto_store.cases.get(reference)
    assert case.status == "responded" and case.clock("respond").stopped_at is not None
    status = _status_page(client, reference)
    assert "We have reversed the charge" in status  # a public reply


def test_holding_reply_and_internal_note_leave_the_respond_clock_running(client, moto_store, twilio, case_link):
    reference, path = case_link()
    _act(client, path, action="reply", text="We are looking into it.", holding="yes")
    _act(client, path, action="note", text="Teller says the system was down")
    case = moto_store.cases.get(reference)
    assert case.clock("respond").stopped_at is None and case.status == "received"
    status = _status_page(client, reference)
    assert "We are looking into it." in status and "system was down" not in status


def test_resolve_records_findings_stops_every_clock_and_tells_the_complainant(client, moto_store, twilio, case_link):
    reference, path = case_link()
    page = _act(
        client,
        path,
        action="resolve",
        confirm="yes",
        summary="Refunded in full and the teller was retrained.",
        validity="valid",
        cause="Teller error",
        corrective_action="Retraining",
        compensation="50 HKD",
    )
    case = moto_store.cases.get(reference)
    assert case.status == "resolved" and all(clock.stopped_at for clock in case.clocks)
    resolved = next(e for e in moto_store.cases.timeline(reference) if e.kind == "resolved")
    assert resolved.data["validity"] == "valid" and resolved.data["compensation"] == "50 HKD"
    first, second = (m["body"] for m in twilio.sent_to(COMPLAINANT)[-2:])  # numbered: it says where to turn next
    assert first.startswith("(1/2) ") and "Refunded in full and the teller was retrained." in first
    assert second.startswith("(2/2) ") and second.endswith("regulator's consumer hotline 12378.")
    assert 'id="resolve"' not in page.body.decode()  # nothing left to act on


def test_two_people_resolving_at_once_produce_one_resolution(client, moto_store, twilio, case_link):
    from chalicelib.edge import dependencies as context
    from chalicelib.notify.staff import issue_link

    reference, path = case_link()
    other = issue_link(context.current(), reference, "li.qiang", datetime.now(timezone.utc)).removeprefix(
        "https://hotline.example.org"
    )
    mine, theirs = _form(client.http.get(path).body.decode()), _form(client.http.get(other).body.decode())
    first = _post(
        client, path, action="resolve", confirm="yes", summary="Resolved by the handler", validity="valid", **mine
    )
    second = _post(
        client, other, action="resolve", confirm="yes", summary="Resolved by the supervisor", validity="valid", **theirs
    )
    assert first.status_code == 200 and second.status_code == 409
    assert "Someone else changed this case" in second.body.decode()
    assert [e.text for e in moto_store.cases.timeline(reference) if e.kind == "resolved"] == ["Resolved by the handler"]


def test_forms_from_another_link_tampered_or_guessed_tokens_are_refused_without_a_leak(client, moto_store, case_link):
    reference, path = case_link()
    _, other_path = case_link("Another customer's complaint")
    stolen = _post(
        client,
        path,
        action="resolve",
        confirm="yes",
        summary="x",
        validity="valid",
        **_form(client.http.get(other_path).body.decode()),
    )
    assert stolen.status_code == 403 and moto_store.cases.get(reference).status == "received"
    token = path.rsplit("/", 1)[1]
    tampered = "/s/" + token[:-1] + ("A" if token[-1] != "A" else "B")
    guessed = "/s/" + "A" * len(token)
    pages = [client.http.get(p + "?lang=en") for p in (tampered, guessed, "/s/x", "/s/" + "é" * 30)]
    assert {p.status_code for p in pages} == {404}
    assert len({p.body for p in pages}) == 1 and reference.encode() not in pages[0].body


def test_tokens_are_stored_only_as_hashes(client, moto_store, case_link):
    _, path = case_link()
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 22  # 128 random bits, URL-safe
    everything = json.dumps(moto_store.table.scan()["Items"], default=str)
    assert token not in everything


def test_an_expired_link_offers_a_fresh_one_to_the_directory_number_only(client, moto_store, twilio, case_link):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference, path = case_link()
        traveller.shift(timedelta(days=8))  # links last 7 days for this bank
        expired = client.http.get(path + "?lang=en")
        assert expired.status_code == 410 and "This link has expired." in expired.body.decode()
        assert reference.encode() not in expired.body
        _post(client, path, action="fresh_link")
    [fresh] = twilio.sent_to("+8613911110001")  # 陈静's number in the directory, nobody else's
    assert reference in fresh["body"] and "/s/" in fresh["body"]
    new_path = "/s/" + fresh["body"].rsplit("/s/", 1)[1]
    assert client.http.get(new_path).status_code == 200


def test_not_accepting_needs_a_reason_which_the_complainant_receives(client, moto_store, twilio, case_link):
    reference, path = case_link()
    refused = _act(client, path, action="not_accept", confirm="yes", reason="")
    assert refused.status_code == 422 and moto_store.cases.get(reference).status == "received"
    _act(
        client,
        path,
        action="not_accept",
        confirm="yes",
        reason="This concerns another bank; please contact them directly.",
    )
    case = moto_store.cases.get(reference)
    assert case.status == "not_accepted" and all(clock.stopped_at for clock in case.clocks)
    told = " ".join(m["body"] for m in twilio.sent_to(COMPLAINANT)[-2:])
    assert "please contact them directly." in told and "Reply NOT SOLVED and we will review it" in told


def test_raising_severity_records_the_reason_and_leadership_hears_at_the_next_sweep(
    client, moto_store, twilio, case_link
):
    reference, path = case_link()
    _act(client, path, action="severity", severity="major", reason="Customer says a TV crew is coming")
    case = moto_store.cases.get(reference)
    changed = next(e for e in moto_store.cases.timeline(reference) if e.kind == "severity_changed")
    assert case.severity == "major" and changed.text == "Customer says a TV crew is coming"
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
    client.lambda_.invoke("sla_sweep", event)
    steps = [e.data["step"] for e in moto_store.cases.timeline(reference) if e.kind == "alert"]
    assert steps.count("intake:leadership") == 1


def test_reassign_revokes_the_old_link_and_texts_the_new_handler_their_own(client, moto_store, twilio, case_link):
    reference, path = case_link()
    _act(client, path, action="reassign", to="zhou.min")
    case = moto_store.cases.get(reference)
    assert case.assignee == "zhou.min" and case.chain[0].primary.id == "zhou.min"
    assert client.http.get(path).status_code == 404  # the old handler's link no longer opens the case
    [text] = twilio.sent_to("+8613911110002")
    new_path = "/s/" + re.match(r"[\w-]{22}", text["body"].rsplit("/s/", 1)[1]).group(0)
    assert client.http.get(new_path).status_code == 200


def test_the_person_complained_about_cannot_be_given_the_case(client, moto_store, twilio, case_link):
    reference, path = case_link("柜员周敏态度恶劣，拒绝办理业务")
    response = _act(client, path, action="reassign", to="zhou.min")
    assert response.status_code == 422 and "回避" in response.body.decode()
    assert moto_store.cases.get(reference).assignee is None


def test_extension_request_goes_to_the_level_above_who_approves_it_and_the_complainant_is_told(
    client, moto_store, twilio, case_link
):
    with time_machine.travel(MONDAY_10, tick=False):
        reference, path = case_link()
        before = moto_store.cases.get(reference).clock("respond").due_at
        _act(
            client,
            path,
            action="request_extension",
            clock="respond",
            amount="2",
            unit="working_days",
            reason="Waiting for the card network's records",
        )
        own = _act(client, path, action="approve_extension")
        assert own.status_code == 422 and "not yours to decide" in own.body.decode()
        [request] = twilio.sent_to("+8613911110003")  # the supervisor, one level above the handler
        approver_path = "/s/" + re.search(r"/s/([\w-]{22})", request["body"]).group(1)
        page = client.http.get(approver_path + "?lang=en").body.decode()
        assert 'id="extension-decision"' in page and "card network" in page
        _post(client, approver_path, action="approve_extension", **_form(page))
    case = moto_store.cases.get(reference)
    assert case.clock("respond").due_at == before + timedelta(days=4)  # Thu -> Mon over the weekend
    assert case.clock("respond").extensions[0].approver == "staff:li.qiang" and case.pending_extension is None
    assert "card network's records" in twilio.sent_to(COMPLAINANT)[-1]["body"]


def test_a_denied_extension_changes_no_deadline(client, moto_store, twilio, case_link):
    reference, path = case_link()
    before = moto_store.cases.get(reference).clock("resolve").due_at
    _act(
        client, path, action="request_extension", clock="resolve", amount="3", unit="working_days", reason="Busy month"
    )
    [request] = twilio.sent_to("+8613911110003")
    approver_path = "/s/" + re.search(r"/s/([\w-]{22})", request["body"]).group(1)
    _post(client, approver_path, action="deny_extension", **_form(client.http.get(approver_path).body.decode()))
    case = moto_store.cases.get(reference)
    assert case.clock("resolve").due_at == before and case.pending_extension is None
    assert any(
        e.kind == "extension_denied" and e.actor == "staff:li.qiang" for e in moto_store.cases.timeline(reference)
    )


def test_the_page_opens_in_the_language_the_directory_gives_the_person(client, moto_store, case_link, institution):
    from chalicelib.edge import dependencies as context

    staff = [m.model_copy(update={"language": "en"}) if m.id == "li.qiang" else m for m in institution.staff]
    moto_store.config.put(json.loads(institution.model_copy(update={"staff": staff}).model_dump_json()))
    context.reset()
    _, english_reader = case_link(staff="li.qiang")
    _, chinese_reader = case_link(staff="chen.jing")
    chinese_phone = {"Accept-Language": "zh-CN,zh;q=0.9"}
    assert "Acknowledge" in client.http.get(english_reader, headers=chinese_phone).body.decode()
    assert "确认受理" in client.http.get(english_reader + "?lang=zh", headers=chinese_phone).body.decode()
    assert "确认受理" in client.http.get(chinese_reader, headers=chinese_phone).body.decode()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_page_labels_every_code_it_shows(client, case_link, moto_store, twilio, language):
    """No raw event kinds, severities, roles, unit codes or staff ids on the page, after an alert,
    a note and a reassignment have written the timeline."""
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        _reference, link = case_link()
        page = client.http.get(link + f"?lang={language}").body.decode()
        _post(client, link, **_form(page), action="note", text="Called the branch")
        traveller.move_to(MONDAY_10 + timedelta(hours=25))
        run_sweep(context.current(), MONDAY_10 + timedelta(hours=25))
        shown = client.http.get(link + f"?lang={language}").body.decode()
    visible = re.sub(r"<[^>]+>", " ", re.sub(r'(value|name|id|for|href|class)="[^"]*"', "", shown))
    for raw in (
        "staff:",
        "acknowledgement_queued",
        "received_from",
        "chen.jing",
        "supervisor",
        "general",
        "acknowledge:",
        "late0",
        "complainant_message",
        "working_days",
    ):
        assert raw not in visible, raw
    expected = {
        "zh": ("提醒", "内部备注", "已发送受理回执", "一般"),
        "en": ("Alert", "Internal note", "Acknowledgement sent", "General"),
    }
    assert all(words in visible for words in expected[language])
