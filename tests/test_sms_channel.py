"""Texts to the hotline: signed webhooks in, TwiML out, one case per complainant conversation."""

import re
import threading
from xml.etree import ElementTree

import pytest
import time_machine

from chalicelib.model.references import find_references
from chalicelib.store.table import Once
from support import TWILIO_SID, sms_params, twilio_post

COMPLAINANT = "+8613800138100"


def _reply(response) -> str | None:
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.body)
    assert root.tag == "Response"
    message = root.find("Message")
    return None if message is None else message.text


def _text(client, body, sender=COMPLAINANT, **extra):
    return _reply(twilio_post(client, "/twilio/sms", sms_params(sender, body, **extra)))


def test_first_text_opens_a_case_and_the_reply_carries_reference_and_expected_time(client, moto_store, twilio):
    reply = _text(client, "The Pier Road ATM swallowed my card at 9pm and nobody answered the phone")
    [reference] = find_references(reply)
    assert reply.startswith("HC Bank: complaint received, ref " + reference) and "respond by" in reply
    case = moto_store.cases.get(reference)
    assert case.channel == "sms" and case.complainant.phone == COMPLAINANT and case.complainant.language == "en"
    assert twilio.sent_to(COMPLAINANT) == []  # the TwiML reply is the acknowledgement; no second text
    assert any(
        event.kind == "acknowledgement_replied" and event.public for event in moto_store.cases.timeline(reference)
    )


def test_follow_up_texts_append_to_the_open_case(client, moto_store, twilio):
    reference = find_references(_text(client, "Loan officer was rude to my mother"))[0]
    reply = _text(client, "It happened on Monday at the Harbour Road branch")
    assert reference in reply and "added to your complaint" in reply
    messages = [e.text for e in moto_store.cases.timeline(reference) if e.kind == "complainant_message"]
    assert messages == ["It happened on Monday at the Harbour Road branch"]
    assert moto_store.cases.open_for_contact(COMPLAINANT) == [reference]


def test_a_text_naming_a_reference_of_someone_else_opens_its_own_case(client, moto_store, twilio):
    others = find_references(_text(client, "My deposit is missing", sender="+8613800138101"))[0]
    reply = _text(client, f"About {others}: I want to see the file")
    mine = find_references(reply)
    assert mine and mine[0] != others
    assert [e for e in moto_store.cases.timeline(others) if e.kind == "complainant_message"] == []


def test_chinese_text_is_answered_in_chinese(client, moto_store, twilio):
    reply = _text(client, "柜台工作人员态度很差，让我等了两个小时", sender="+8613800138102")
    assert reply.startswith("【海港银行】您的投诉已受理，编号")
    case = moto_store.cases.get(find_references(reply)[0])
    assert case.complainant.language == "zh"


@pytest.mark.parametrize("keyword", ["STATUS", "status", "查询"])
def test_status_keyword_reports_the_latest_case(client, moto_store, twilio, keyword):
    reference = find_references(_text(client, "Card fee charged twice"))[0]
    reply = _text(client, keyword)
    assert reference in reply
    assert ("Received" in reply) if keyword != "查询" else ("已受理" in reply)
    assert len(moto_store.cases.open_for_contact(COMPLAINANT)) == 1  # a keyword is not a complaint


def test_status_keyword_with_someone_elses_reference_reveals_nothing(client, moto_store, twilio):
    others = find_references(_text(client, "Mortgage documents lost", sender="+8613800138103"))[0]
    reply = _text(client, f"STATUS {others}", sender="+8613800138104")
    assert others not in reply and "no complaint for this number" in reply


def test_stop_suppresses_later_texts_until_start(client, moto_store, twilio):
    from datetime import datetime, timezone

    from chalicelib.edge import dependencies as context
    from chalicelib.intake.filing import file_complaint
    from chalicelib.model.case import Complainant, NewComplaint

    assert _text(client, "STOP") is None
    filed = file_complaint(
        context.current(),
        NewComplaint(
            channel="web",
            description="Filed on the web after STOP",
            complainant=Complainant(phone=COMPLAINANT, language="en"),
        ),
        datetime.now(timezone.utc),
    )
    assert twilio.sent_to(COMPLAINANT) == []
    [message] = moto_store.outbox.for_case(filed.case.reference)
    assert message.status == "opted_out"
    assert any(e.kind == "message_suppressed_opt_out" for e in moto_store.cases.timeline(filed.case.reference))
    assert "texts resumed" in _text(client, "START")
    assert not moto_store.outbox.is_opted_out(COMPLAINANT)


def test_help_keyword_in_both_languages(client, moto_store, twilio):
    assert "STATUS for progress" in _text(client, "HELP") and "95500-123" in _text(client, "help")
    assert "退订" in _text(client, "帮助")


def test_staff_number_is_not_a_complaint(client, moto_store, twilio):
    reply = _text(client, "12a", sender="+8613911110001")  # no alert gave this number code 12
    assert reply.startswith("回复代码：")
    assert moto_store.cases.open_for_contact("+8613911110001") == []


def test_mms_picture_is_kept_in_the_media_bucket(client, moto_store, twilio, media_bucket):
    import boto3

    path = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/MM{'1' * 32}/Media/ME{'2' * 32}"
    twilio.media[path] = ("image/jpeg", b"\xff\xd8\xff\xe0 fake jpeg of a receipt")
    reply = _text(
        client,
        "Receipt attached: wrong amount",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com" + path,
        MediaContentType0="image/jpeg",
    )
    case = moto_store.cases.get(find_references(reply)[0])
    [attachment] = case.attachments
    assert attachment.content_type == "image/jpeg" and attachment.location.startswith(f"s3://{media_bucket}/media/sms/")
    key = attachment.location.split("/", 3)[3]
    assert boto3.client("s3").get_object(Bucket=media_bucket, Key=key)["Body"].read().startswith(b"\xff\xd8")


def test_duplicate_delivery_of_one_message_sid_makes_one_case_and_the_same_reply(client, moto_store, twilio):
    params = sms_params(COMPLAINANT, "Interest charged on a closed account")
    first = _reply(twilio_post(client, "/twilio/sms", params))
    second = _reply(twilio_post(client, "/twilio/sms", params))
    assert first == second
    assert len(moto_store.cases.open_for_contact(COMPLAINANT)) == 1
    follow_up = sms_params(COMPLAINANT, "And again this month")
    twilio_post(client, "/twilio/sms", follow_up)
    twilio_post(client, "/twilio/sms", follow_up)
    reference = find_references(first)[0]
    assert len([e for e in moto_store.cases.timeline(reference) if e.kind == "complainant_message"]) == 1


def test_concurrent_duplicates_of_one_message_sid_make_one_case_on_dynamodb_local(local_store, institution, twilio):
    from dataclasses import replace
    from datetime import datetime, timezone

    import boto3

    from chalicelib.edge import dependencies as context
    from chalicelib.intake.sms import handle_sms
    from chalicelib.store.stores import Stores

    params = sms_params("+8613800138105", "Concurrent retries of the same text")
    replies, barrier = [], threading.Barrier(6)

    def deliver():
        store = Stores(boto3.session.Session().resource("dynamodb").Table(local_store.name))
        barrier.wait()
        replies.append(handle_sms(replace(context.current(), store=store), params, datetime.now(timezone.utc)))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 6 and len(set(replies)) == 1
    assert len(local_store.cases.open_for_contact("+8613800138105")) == 1


def test_five_texts_at_once_from_a_new_number_join_one_case_on_dynamodb_local(local_store, institution, twilio):
    """Someone texts their complaint in five quick parts; the parts reach five Lambdas at once. The
    first to file opens the case, the other four are added to it: one case, every word kept."""
    from dataclasses import replace
    from datetime import datetime, timezone

    import boto3

    from chalicelib.edge import dependencies as context
    from chalicelib.intake.sms import handle_sms
    from chalicelib.store.stores import Stores

    parts = [f"Part {number}: the branch lost my passbook" for number in range(5)]
    replies, barrier = [], threading.Barrier(5)

    def deliver(words):
        store = Stores(boto3.session.Session().resource("dynamodb").Table(local_store.name))
        barrier.wait()
        replies.append(
            handle_sms(
                replace(context.current(), store=store), sms_params("+8613800138107", words), datetime.now(timezone.utc)
            )
        )

    threads = [threading.Thread(target=deliver, args=(words,)) for words in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [reference] = local_store.cases.open_for_contact("+8613800138107")
    assert all(reference in reply for reply in replies) and len(replies) == 5
    timeline = local_store.cases.timeline(reference)
    kept = [local_store.cases.get(reference).description] + [
        e.text for e in timeline if e.kind == "complainant_message"
    ]
    assert sorted(kept) == sorted(parts)


def test_wrong_missing_or_tampered_signatures_get_403_and_store_nothing(client, moto_store, twilio):
    params = sms_params("+8613800138106", "Forged complaint")
    assert twilio_post(client, "/twilio/sms", params, token="not-the-auth-token").status_code == 403
    assert twilio_post(client, "/twilio/sms", params, signature="").status_code == 403
    from urllib.parse import urlencode

    tampered = urlencode({**params, "Body": "Tampered complaint"})
    assert twilio_post(client, "/twilio/sms", params, body=tampered).status_code == 403
    assert moto_store.cases.open_for_contact("+8613800138106") == []
    assert moto_store.deliveries.seen(Once("sms", params["MessageSid"])) is None
    assert twilio_post(client, "/twilio/sms", params, query={"extra": "1"}).status_code == 200  # signed query: fine
    assert len(moto_store.cases.open_for_contact("+8613800138106")) == 1


def test_missing_fields_huge_bodies_and_odd_text_get_clear_answers(client, moto_store, twilio):
    missing = twilio_post(client, "/twilio/sms", {"MessageSid": "SM" + "3" * 32, "Body": "no sender"})
    assert missing.status_code == 400 and b"From" in missing.body
    huge = twilio_post(client, "/twilio/sms", sms_params("+8613800138107", "x" * 70_000))
    assert huge.status_code == 413
    raw = b"From=%2B8613800138108&Body=\xff\xfe&MessageSid=SM1"
    assert twilio_post(client, "/twilio/sms", {}, body=raw).status_code == 403
    emoji = _text(client, "😡😡 ATM 吞卡 card gone 💳", sender="+8613800138109")
    assert find_references(emoji)
    assert _text(client, "", sender="+8613800138110").startswith("【海港银行】您的短信没有内容")


def test_a_chinese_complainant_stays_answered_in_chinese_until_they_clearly_write_english(client, moto_store, twilio):
    sender = "+8613800138555"
    first = _reply(twilio_post(client, "/twilio/sms", sms_params(sender, "柜员态度很差，让我等了一个小时")))
    reference = re.search(r"[A-Z]{3}-\d+", first).group(0)
    for short in ("STATUS", "ok", "START"):
        answer = _reply(twilio_post(client, "/twilio/sms", sms_params(sender, short)))
        assert answer.startswith("【海港银行】"), (short, answer)
        assert short == "START" or reference in answer  # the status and the addition name the case
    english = _reply(twilio_post(client, "/twilio/sms", sms_params(sender, "Please call me back tomorrow morning")))
    assert english.startswith("HC Bank"), english  # three English words: clearly English now


def test_what_comes_in_after_the_clock_was_set_back_reads_after_what_came_before(client, moto_store, twilio):
    """The sandbox runs days ahead, then resets its clock to now: a text, a staff action and a
    delivery note written after the reset are later on the case's timeline, though their times
    are earlier."""
    from chalicelib.edge import dependencies as context
    from chalicelib.model.case import Event
    from chalicelib.runtime.clock import now
    from chalicelib.staff.actions import acknowledge

    with time_machine.travel("2026-12-09T02:00:00Z", tick=False) as traveller:
        reference = find_references(_text(client, "First: the branch lost my passbook"))[0]
        _text(client, "Second: still nothing")
        traveller.move_to("2026-12-01T02:00:00Z")  # back, as the sandbox's reset does
        _text(client, "Third: written after the reset")
        acknowledge(context.current(), reference, "staff:chen.jing", now())
        moto_store.cases.append_event(reference, Event(at=now(), actor="system", kind="note", text="Fourth: a note"))
        _text(client, "Fifth: the last one")
    timeline = moto_store.cases.timeline(reference)
    written = [event.text for event in timeline if event.kind in ("complainant_message", "note")]
    assert written == [
        "Second: still nothing",
        "Third: written after the reset",
        "Fourth: a note",
        "Fifth: the last one",
    ]
    kinds = [event.kind for event in timeline]
    assert kinds.index("acknowledged") == kinds.index("complainant_message") + 2  # after the third text
    assert kinds[0] == "received"


def test_a_reply_written_late_in_twilios_wait_also_goes_through_the_outbox_once(
    client, moto_store, twilio, monkeypatch
):
    """Twilio waits 15 s for the TwiML. Filing that took 11 s (DynamoDB slow): the acknowledgement is
    in the TwiML and also queued and sent as a text, so it arrives even if the TwiML came too late;
    Twilio's retry of the same text queues nothing more. A quick filing sends no second text."""
    from chalicelib.edge import twilio as webhook

    ticks = iter([0.0, 11.0, 100.0, 111.0, 200.0, 201.0])
    monkeypatch.setattr(webhook, "elapsed_clock", lambda: next(ticks))
    params = sms_params("+8613800138108", "The Harbour Road branch refused to open an account for me")
    slow = _reply(twilio_post(client, "/twilio/sms", params))
    [reference] = find_references(slow)
    [texted] = twilio.sent_to("+8613800138108")
    assert texted["body"] == slow  # the same words, as a tracked text of their own, on the case
    assert moto_store.outbox.get("reply" + params["MessageSid"]).case_reference == reference
    again = _reply(twilio_post(client, "/twilio/sms", params))  # Twilio retries the slow delivery
    assert again == slow and len(twilio.sent_to("+8613800138108")) == 1
    quick = _reply(twilio_post(client, "/twilio/sms", sms_params("+8613800138109", "Long queue at Pier Road")))
    assert quick and twilio.sent_to("+8613800138109") == []  # answered in time: the TwiML alone
