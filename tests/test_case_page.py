"""The case page as staff use it: every fact of the register in words (never a code), the action
the case needs first and only actions that still apply, confirmation before ending the handling,
a 409 that keeps what was typed and shows what changed, files behind a scoped route that signs a
short-lived URL, a bundled alert's link that opens the cases it names and nothing else."""

import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest

from support import FORM_HEADERS, signed_in_cookie

BRANCH_HANDLER, BRANCH_HEAD = "chen.jing", "li.qiang"


def _file(client, **fields) -> str:
    body = {"description": "The teller refused my withdrawal and shouted at me", "phone": "+8613800138600", **fields}
    response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["reference"]


@pytest.fixture
def session(client, twilio, institution):
    """A signed-in person's Cookie header, by staff id (signed in once each)."""
    cookies = {}

    def of(staff_id: str) -> dict:
        if staff_id not in cookies:
            cookies[staff_id] = signed_in_cookie(client, twilio, institution.staff_member(staff_id).phone)
        return {"Cookie": cookies[staff_id]}

    return of


def _page(client, reference, who, lang="en") -> str:
    response = client.http.get(f"/staff/cases/{reference}?lang={lang}", headers=who)
    assert response.status_code == 200, response.body
    return response.body.decode()


def _hidden(page: str) -> dict:
    return {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1) for name in ("csrf", "version", "shown")}


def _act(client, reference, who, page=None, **fields):
    page = page or _page(client, reference, who)
    return client.http.post(
        f"/staff/cases/{reference}?lang=en",
        headers={**FORM_HEADERS, **who},
        body=urlencode({**_hidden(page), **fields}),
    )


def _primary(page: str) -> str:
    """The id of the first button after the "Next step" heading: the action the page puts first."""
    after = page.split('id="next-step"', 1)[1]
    return re.search(r'<button type="submit"(?: class="[^"]*")? id="([\w-]+)"', after).group(1)


def test_the_page_shows_everything_the_register_records_in_words_never_codes(client, moto_store, twilio, session):
    reference = _file(
        client,
        category="service_attitude",
        occurred="Monday morning, about 10",
        location="Pier Road branch, counter 3",
        subject="the teller at counter 3",
        demands="An apology and my money today",
        name="Wang Fang",
        language="en",
    )
    english = _page(client, reference, session(BRANCH_HANDLER))
    for fact in (
        "Service attitude",  # the category's name, not service_attitude
        "Website or app",  # the channel
        "Monday morning, about 10",
        "Pier Road branch, counter 3",
        "the teller at counter 3",
        "An apology and my money today",
        "Pier Road branch",  # the owning unit's name
        "Wang Fang",
        "Branch head: 李强",  # the chain, by role name and person
        "Head-office service director: 何军",
        "Complaint received",  # the timeline in words
    ):
        assert fact in english, fact
    chinese = _page(client, reference, session(BRANCH_HANDLER), lang="zh")
    for fact in (
        "服务态度",
        "码头路支行",
        "网点负责人：李强" if "网点负责人：" in chinese else "网点负责人: 李强",
        "一般",
    ):
        assert fact in chinese, fact
    for page in (english, chinese):
        visible = re.sub(r"<[^>]+>", " ", page.split("<main>", 1)[1])  # what a reader sees, not attribute values
        for code in ("service_attitude", "pier-road-branch", "staff:", "acknowledgement_queued", "case_filed", "api"):
            assert code not in visible.split(), code
        assert "general" not in visible and "staff:" not in visible


def test_the_action_the_case_needs_comes_first_and_actions_that_no_longer_apply_are_not_offered(
    client, moto_store, twilio, session
):
    reference = _file(client, language="en")
    chen = session(BRANCH_HANDLER)
    page = _page(client, reference, chen)
    assert _primary(page) == "acknowledge"
    assert 'id="more-actions"' in page and "<details" in page  # the rest folded
    _act(client, reference, chen, action="acknowledge")
    page = _page(client, reference, chen)
    assert 'id="acknowledge"' not in page and _primary(page) == "send-reply"
    _act(client, reference, chen, action="reply", text="We are looking into it today.")
    page = _page(client, reference, chen)
    assert _primary(page) == "resolve"  # answered: resolving is what is left
    _act(
        client,
        reference,
        chen,
        action="resolve",
        confirm="yes",
        summary="Refunded and apologised.",
        validity="valid",
        cause="Teller error",
        compensation="50 CNY",
    )
    page = _page(client, reference, chen)
    forms = re.findall(r'name="action" value="(\w+)"', page)
    # finished: nothing is next; a note, or reopening (a callback may find it persists), folded
    assert forms == ["show_contact", "note", "reopen"] and 'id="next-step"' not in page
    outcome = page.split('id="outcome"', 1)[1].split("</div>", 1)[0]
    for saved in ("Refunded and apologised.", "Valid", "Teller error", "50 CNY", "陈静"):
        assert saved in outcome, saved


def test_resolving_and_not_accepting_ask_for_confirmation_and_keep_what_was_typed(client, moto_store, twilio, session):
    reference = _file(client, language="en")
    chen = session(BRANCH_HANDLER)
    unconfirmed = _act(client, reference, chen, action="resolve", summary="Refund made on the spot", validity="valid")
    body = unconfirmed.body.decode()
    assert unconfirmed.status_code == 422 and "tick the box to confirm first" in body
    assert ">Refund made on the spot</textarea>" in body  # what was typed is still there
    refusal = _act(client, reference, chen, action="not_accept", reason="Another bank's card")
    assert refusal.status_code == 422 and ">Another bank&#39;s card</textarea>" in refusal.body.decode()
    assert moto_store.cases.get(reference).status == "received"
    assert "required> I have checked the result" in body  # the browser asks too


def test_a_409_keeps_what_was_typed_and_shows_what_changed_meanwhile(client, moto_store, twilio, session):
    reference = _file(client, language="en")
    chen, li = session(BRANCH_HANDLER), session(BRANCH_HEAD)
    opened = _page(client, reference, chen)
    _act(client, reference, li, action="note", text="Called the branch; the teller is off today.")
    stale = _act(client, reference, chen, page=opened, action="reply", text="Sorry - we will call you by 5pm.")
    body = stale.body.decode()
    assert stale.status_code == 409
    assert ">Sorry - we will call you by 5pm.</textarea>" in body
    changed = body.split('id="changed"', 1)[1].split("</div>", 1)[0]
    assert "李强" in changed and "Called the branch; the teller is off today." in changed
    assert not [e for e in moto_store.cases.timeline(reference) if e.kind == "replied"]


def test_files_open_through_a_route_that_checks_scope_and_signs_a_short_lived_url(
    client, moto_store, twilio, media_bucket, session, institution
):
    from chalicelib.model.case import Attachment
    from chalicelib.sla.plan import next_due

    reference = _file(client, language="en")
    boto3.client("s3").put_object(Bucket=media_bucket, Key=f"media/{reference}/call.mp3", Body=b"ID3 recording")
    case = moto_store.cases.get(reference)
    recording = Attachment(
        name="call.mp3",
        content_type="audio/mpeg",
        size=2048,
        location=f"s3://{media_bucket}/media/{reference}/call.mp3",
    )
    case = case.model_copy(update={"attachments": [recording]})
    moto_store.table.put_item(Item=moto_store.cases.item(case, next_due(case, institution)))

    chen = session(BRANCH_HANDLER)
    page = client.http.get(f"/staff/cases/{reference}?lang=en", headers=chen)
    body = page.body.decode()
    assert f'<audio controls preload="none" src="{reference}/files/0"' in body
    policy = page.headers["Content-Security-Policy"]
    assert "media-src 'self' " in policy and "default-src 'none'" in policy
    signed = client.http.get(f"/staff/cases/{reference}/files/0", headers=chen)
    assert signed.status_code == 302
    location = urlsplit(signed.headers["Location"])
    assert location.path.endswith(f"/media/{reference}/call.mp3")
    assert f"{location.scheme}://{location.netloc}" in policy  # the page may play what it redirects to
    query = parse_qs(location.query)
    assert int(query.get("X-Amz-Expires", query.get("Expires", ["0"]))[0]) <= 300

    product = _file(client, language="en", category="product")  # branch service management's, not the branch's
    moto_store.table.put_item(
        Item=moto_store.cases.item(moto_store.cases.get(product).model_copy(update={"attachments": [recording]}), None)
    )
    assert client.http.get(f"/staff/cases/{product}/files/0", headers=session("sun.li")).status_code == 302
    for who, path in (
        (chen, f"/staff/cases/{product}/files/0"),  # out of the handler's scope: as if it did not exist
        ({}, f"/staff/cases/{reference}/files/0"),
        (chen, f"/staff/cases/{reference}/files/1"),
        (chen, f"/staff/cases/{reference}/files/x"),
        (chen, "/staff/cases/HCB-000000000/files/0"),
    ):
        assert client.http.get(path, headers=who).status_code == 404, path


def test_a_bundled_alert_link_opens_each_case_it_names_and_asks_for_sign_in_for_any_other(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.notify.staff import issue_link

    first, second, other = (_file(client, language="en", description=f"Complaint number {n}: rude") for n in range(3))
    url = issue_link(context.current(), first, BRANCH_HANDLER, datetime.now(timezone.utc), also=(first, second))
    path = url.removeprefix("https://hotline.example.org")
    lead = client.http.get(path + "?lang=en").body.decode()
    assert f"<h1>Case {first}" in lead and "This text named 2 cases" in lead
    assert f'href="?case={second}"' in lead
    listed = lead.split('id="named-cases"', 1)[1].split("</nav>", 1)[0]
    assert re.search(rf"{second}</a> · Received · <span>acknowledgement: 23h \d+min left</span>", listed)
    page = client.http.get(f"{path}?case={second}&lang=en")
    assert page.status_code == 200 and f"<h1>Case {second}" in page.body.decode()
    acted = client.http.post(
        f"{path}?case={second}&lang=en",
        headers=FORM_HEADERS,
        body=urlencode({**_hidden(page.body.decode()), "action": "acknowledge"}),
    )
    assert acted.status_code == 200 and moto_store.cases.get(second).status == "acknowledged"
    assert moto_store.cases.get(first).status == "received"
    refused = client.http.get(f"{path}?case={other}&lang=en")
    body = refused.body.decode()
    assert refused.status_code == 404 and other not in body and "Complaint number 2" not in body
    assert 'href="../staff/sign-in"' in body
    posted = client.http.post(f"{path}?case={other}", headers=FORM_HEADERS, body=urlencode({"action": "acknowledge"}))
    assert posted.status_code == 404 and moto_store.cases.get(other).status == "received"


def test_a_link_never_opens_a_case_about_its_holder(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.notify.staff import issue_link

    about_li = _file(client, language="en", subject="李强", category="service_attitude")
    url = issue_link(context.current(), about_li, BRANCH_HEAD, datetime.now(timezone.utc))
    page = client.http.get(url.removeprefix("https://hotline.example.org") + "?lang=en")
    assert page.status_code == 404 and about_li not in page.body.decode()


def test_a_transfer_from_the_page_moves_the_case_to_the_unit_chosen(client, moto_store, twilio, session):
    reference = _file(client, language="en", category="service_attitude")
    chen = session(BRANCH_HANDLER)
    page = _page(client, reference, chen)
    assert '<option value="branch-service-management">Branch service management</option>' in page
    done = _act(client, reference, chen, action="transfer", to_unit="branch-service-management", reason="Fee rules")
    assert done.status_code == 200
    case = moto_store.cases.get(reference)
    assert case.unit == "branch-service-management" and case.clock("transfer") is not None


def _upload_form(page: str) -> tuple[str, dict]:
    import html

    form = page.split('id="upload-form"', 1)[0].rsplit("<form", 1)[1] + page.split('id="upload-form"', 1)[1]
    url = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.split("</form>")[0])
    }
    return url, fields


def test_staff_add_a_file_straight_to_the_bucket_and_only_a_picture_recording_or_pdf_is_kept(
    client, moto_store, twilio, media_bucket, session
):
    import base64

    reference = _file(client, language="en")
    chen = session(BRANCH_HANDLER)
    page = client.http.get(f"/staff/cases/{reference}?lang=en", headers=chen)
    url, fields = _upload_form(page.body.decode())
    policy = json.loads(base64.b64decode(fields["policy"]))
    prefix = fields["key"].removesuffix("${filename}")
    assert prefix.startswith(f"cases/{reference}/staff/")
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]  # S3 refuses anything larger
    assert ["starts-with", "$key", prefix] in policy["conditions"]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    assert f"form-action 'self' {origin}" in page.headers["Content-Security-Policy"]

    s3 = boto3.client("s3")

    def uploaded(name: str, body: bytes, key_prefix: str = prefix):
        s3.put_object(Bucket=media_bucket, Key=key_prefix + name, Body=body)  # what the browser's POST leaves
        query = urlencode({"bucket": media_bucket, "key": key_prefix + name, "etag": '"x"'})
        return client.http.get(f"/staff/cases/{reference}/uploaded?{query}", headers=chen)

    done = uploaded("receipt.jpg", b"\xff\xd8\xff\xe0 a photo of the receipt")
    assert done.status_code == 303 and done.headers["Location"] == f"../{reference}?said=staff_upload_done"
    assert uploaded("receipt.jpg", b"\xff\xd8\xff\xe0 a photo of the receipt").status_code == 303  # a reload
    [kept] = moto_store.cases.get(reference).attachments
    assert (kept.name, kept.content_type, kept.size) == ("receipt.jpg", "image/jpeg", 27)
    assert [e.kind for e in moto_store.cases.timeline(reference)].count("file_added") == 1
    shown = client.http.get(f"/staff/cases/{reference}?said=staff_upload_done&lang=en", headers=chen).body.decode()
    assert "The file is on the case." in shown and f'<img src="{reference}/files/0" alt="receipt.jpg">' in shown

    disguised = uploaded("photo.jpg", b"MZ\x90\x00 a program, named like a picture")
    assert disguised.headers["Location"].endswith("said=staff_upload_wrong_kind")
    assert "Contents" not in s3.list_objects_v2(Bucket=media_bucket, Prefix=prefix + "photo.jpg")  # not kept
    forged = uploaded("x.pdf", b"%PDF-1.7", key_prefix=f"cases/{reference}/staff/0000.0000000000000000/")
    assert forged.headers["Location"].endswith("said=staff_upload_refused")
    assert len(moto_store.cases.get(reference).attachments) == 1


def test_a_message_after_the_result_is_a_task_the_page_puts_first_and_staff_may_reopen(
    client, moto_store, twilio, session
):
    from xml.etree import ElementTree

    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import resolve
    from support import sms_params, twilio_post

    reference = _file(client, language="en")
    resolve(
        context.current(), reference, "staff:chen.jing", "Refunded.", "valid", "", "", "", datetime.now(timezone.utc)
    )
    answer = twilio_post(client, "/twilio/sms", sms_params("+8613800138600", "Which card will the refund go to?"))
    assert "Someone will contact you by" in ElementTree.fromstring(answer.body).find("Message").text
    chen = session(BRANCH_HANDLER)
    page = _page(client, reference, chen)
    assert _primary(page) == "close-task" and "Which card will the refund go to?" in page
    assert "reading the complainant&#39;s message" in page or "reading the complainant's message" in page
    done = _act(client, reference, chen, action="close_task", outcome="replied")
    assert done.status_code in (200, 303), done.body
    case = moto_store.cases.get(reference)
    assert case.open_tasks() == [] and [c.outcome for c in case.clocks if c.name == "message"] == ["replied"]
    assert case.status == "resolved"
    page = _page(client, reference, chen)
    assert 'id="next-step"' not in page and "Task done" in page
    refused = _act(client, reference, chen, action="reopen", reason="")
    assert refused.status_code == 422 and "reopening a case needs a reason" in refused.body.decode()
    _act(client, reference, chen, action="reopen", reason="Callback: the refund never arrived.")
    case = moto_store.cases.get(reference)
    assert case.status == "reopened" and case.clock("resolve").round == 1
    assert _primary(_page(client, reference, chen)) == "send-reply"  # the new response is what is due
