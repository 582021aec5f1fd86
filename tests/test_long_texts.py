"""Long texts to complainants: one segment as it is, up to three as numbered texts, longer as a
short text linking to the status page, which shows the whole reply; and no body over Twilio's
1,600 characters (error 21617) is ever attempted."""

import html
import json
from datetime import datetime, timezone
from urllib.parse import urlencode

import time_machine

from support import FORM_HEADERS

COMPLAINANT = "+8613800138700"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def _reply(client, words: str, language: str):
    """A case filed in `language` and the handler's reply through the staff page."""
    import re

    from chalicelib.edge import dependencies as context
    from chalicelib.notify.staff import issue_link

    response = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"description": "My card was charged twice", "phone": COMPLAINANT, "language": language}),
    )
    reference = json.loads(response.body)["reference"]
    path = issue_link(context.current(), reference, "chen.jing", MONDAY_10).removeprefix("https://hotline.example.org")
    page = client.http.get(path).body.decode()
    form = {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1) for name in ("csrf", "version")}
    answer = client.http.post(path, headers=FORM_HEADERS, body=urlencode({**form, "action": "reply", "text": words}))
    assert answer.status_code == 200
    return reference


def test_a_two_thousand_character_reply_arrives_as_a_link_and_the_status_page_shows_it_whole(
    client, moto_store, twilio
):
    words = ("我们已核实您反映的重复扣款问题，" * 125)[:2000]
    with time_machine.travel(MONDAY_10, tick=False):
        reference = _reply(client, words, "zh")
        status = client.http.post(
            "/complaints/status", headers=FORM_HEADERS, body=urlencode({"ref": reference, "contact": COMPLAINANT})
        )
    [_acknowledgement, reply] = twilio.sent_to(COMPLAINANT)
    assert reply["body"].startswith(f"【海港银行】您的投诉{reference}有新消息，内容较长，请点击查看全文：")
    assert f"/complaints/status?ref={reference}" in reply["body"]
    assert all(len(message["body"]) <= 1600 for message in twilio.messages)
    assert words in html.unescape(status.body.decode())  # the whole text, on the case's status page


def test_a_reply_of_two_segments_goes_as_two_numbered_texts_in_order(client, moto_store, twilio):
    words = "We checked your account: the fee of 25 yuan was charged twice by mistake. " * 2 + "It is refunded today."
    with time_machine.travel(MONDAY_10, tick=False):
        _reply(client, words, "en")
    texts = [message["body"] for message in twilio.sent_to(COMPLAINANT)][1:]
    assert [body[:6] for body in texts] == ["(1/2) ", "(2/2) "]
    assert all(len(body) <= 160 for body in texts)
    assert " ".join(body[6:] for body in texts) == f"HC Bank: {words}".strip()


def test_a_queued_text_over_1600_characters_is_never_attempted_and_shows_on_the_case(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.model.message import new_message
    from chalicelib.notify import sender

    with time_machine.travel(MONDAY_10, tick=False):
        message = new_message(MONDAY_10, "sms", COMPLAINANT, "x" * 1601, "reply", "en")
        moto_store.outbox.queue(message)
        sender.deliver(context.current(), [message.id], MONDAY_10)
    assert twilio.sent_to(COMPLAINANT) == []
    kept = moto_store.outbox.get(message.id)
    assert kept.status == "gave_up" and "1601 characters" in kept.last_error
