"""Durable intake: a Twilio delivery that cannot be filed in time (DynamoDB down, slow or throttled,
the function failing) is kept in the spool as Twilio signed it, answered at once, and filed once by
the spool replay, in the order each sender sent it; its acknowledgement then goes out by text."""

import base64
import json
import secrets
from datetime import datetime, timezone
from urllib.parse import urlencode
from xml.etree import ElementTree

import boto3
import pytest
import time_machine
from twilio.request_validator import RequestValidator

from support import TWILIO_SID, TWILIO_TOKEN, sms_params, storage_down, twilio_post

BUCKET = "hotline-media-unit"


@pytest.fixture
def down(moto_store, media_bucket, twilio):
    """The app's DynamoDB client, ready to be taken down; brought back at the end."""
    from chalicelib.edge import dependencies

    client = dependencies.store().client
    restores = []
    yield lambda: restores.append(storage_down(client)) or restores[-1]
    for restore in restores:
        restore()


def _replay(client) -> dict:
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/spool_replay"])
    return client.lambda_.invoke("spool_replay", event).payload


def _spooled() -> list[dict]:
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="spool/").get("Contents", [])
    return [json.loads(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()) for item in listed]


def _message(response) -> str | None:
    assert response.status_code == 200, response.body
    node = ElementTree.fromstring(response.body).find("Message")
    return None if node is None else node.text


def test_a_text_that_cannot_be_stored_is_answered_kept_and_filed_once_when_dynamodb_is_back(
    client, moto_store, twilio, down
):
    """DynamoDB unreachable: the texter is told the reference follows (no reference is invented),
    the request waits in the spool as signed. Once DynamoDB is back the replay files it with the
    time it was received and texts the acknowledgement once; a second replay and Twilio's own retry
    of the same text change nothing."""
    phone = "+8613800138501"
    params = sms_params(phone, "自动取款机吞了我的卡，网点不给处理")
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        restore = down()
        holding = _message(twilio_post(client, "/twilio/sms", params))
        assert holding == "已收到您的短信。系统繁忙，受理编号将稍后另发短信告知。"
        [kept] = _spooled()
        assert (kept["route"], kept["source"]) == ("sms", "webhook")
        assert base64.b64decode(kept["body"]).decode() == urlencode(params)  # the raw body, as signed
        restore()
        assert moto_store.cases.open_for_contact(phone) == []
        traveller.shift(120)
        assert _replay(client) == {"filed": 1, "waiting": 0, "refused": 0}
        [reference] = moto_store.cases.open_for_contact(phone)
        case = moto_store.cases.get(reference)
        assert case.received_at == datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # when it came, not when filed
        assert case.description == "自动取款机吞了我的卡，网点不给处理"
        [ack] = twilio.sent_to(phone)
        assert reference in ack["body"]
        assert _spooled() == [] and _replay(client)["filed"] == 0
        # Twilio retries the first delivery: it was answered by the text already, nothing more goes
        assert _message(twilio_post(client, "/twilio/sms", params)) is None
    assert len(twilio.sent_to(phone)) == 1 and moto_store.cases.open_for_contact(phone) == [reference]


def test_a_webhook_whose_budget_a_slow_dynamodb_spends_stops_calling_it_and_answers_in_time(
    client, moto_store, twilio, media_bucket, monkeypatch
):
    """Every DynamoDB call takes 3 s (on the webhook's injected stopwatch): the third would start
    past the 8 s budget, so it is never sent; the text is kept in the spool and answered. botocore's
    own budget (1 s to connect, 3 s to read, 3 attempts) bounds the call already in flight."""
    from chalicelib.edge import dependencies
    from chalicelib.edge.twilio import WEBHOOK_BUDGET_SECONDS
    from chalicelib.runtime import budget, environment

    stopwatch = {"seconds": 0.0}
    monkeypatch.setattr(budget, "monotonic", lambda: stopwatch["seconds"])
    sent = []

    def slow(**kwargs):
        stopwatch["seconds"] += 3.0
        sent.append(kwargs["request"].headers.get("X-Amz-Target", b""))

    dynamodb = dependencies.store().client
    dynamodb.meta.events.register("before-send", slow)  # after the budget's own check
    phone = "+8613800138502"
    try:
        holding = _message(twilio_post(client, "/twilio/sms", sms_params(phone, "The queue at Pier Road took 2 hours")))
    finally:
        dynamodb.meta.events.unregister("before-send", slow)
    assert holding.startswith("We have your message")  # answered in English, as it was written
    assert len(sent) == 3 and stopwatch["seconds"] == 9.0 > WEBHOOK_BUDGET_SECONDS  # no fourth call
    [kept] = _spooled()
    assert kept["route"] == "sms"
    config = environment.client_config("dynamodb")
    assert (config.connect_timeout, config.read_timeout, config.retries) == (
        1,
        3,
        {"mode": "standard", "total_max_attempts": 3},
    )
    _replay(client)
    [reference] = moto_store.cases.open_for_contact(phone)
    assert reference in twilio.sent_to(phone)[0]["body"]


def _follow(client, url: str, params: dict):
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url)
    return twilio_post(client, parts.path, params, query=dict(parse_qsl(parts.query)) or None, fragment=parts.fragment)


def test_a_call_while_dynamodb_is_down_is_recorded_and_becomes_a_case_with_its_recording(
    client, moto_store, twilio, down
):
    """The greeting cannot be read from the register: the caller hears, in both languages, that
    the system is busy and is recorded; the recording's report and the call's status report wait in
    the spool; the replay makes one case with the recording and texts the reference."""
    caller = "+8613800138503"
    call = {"CallSid": "CA" + secrets.token_hex(16), "AccountSid": TWILIO_SID, "From": caller, "To": "+8675512340000"}
    restore = down()
    answer = ElementTree.fromstring(twilio_post(client, "/twilio/voice", {**call, "CallStatus": "ringing"}).body)
    said = [node.text for node in answer.iter("Say")]
    assert said[0].startswith("抱歉，系统繁忙") and said[1].startswith("We are sorry: our system is busy")
    record = answer.find("Record")
    assert record.get("action").startswith("https://hotline.example.org/twilio/voice/recorded#")
    recording_path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE{'5' * 32}"
    twilio.media[recording_path] = ("audio/x-wav", b"RIFF....WAVEfmt the caller's words")
    recording = {**call, "RecordingUrl": "https://api.twilio.com" + recording_path, "RecordingDuration": "25"}
    thanks = ElementTree.fromstring(_follow(client, record.get("action"), recording).body)
    assert thanks.find("Hangup") is not None and "reference number" in " ".join(n.text for n in thanks.iter("Say"))
    status = _follow(client, "/twilio/voice/status", {**call, "CallStatus": "completed"})
    assert status.status_code == 204
    assert sorted(kept["route"] for kept in _spooled()) == ["voice", "voice/recorded", "voice/status"]
    restore()
    assert _replay(client) == {"filed": 3, "waiting": 0, "refused": 0}
    [reference] = moto_store.cases.open_for_contact(caller)
    case = moto_store.cases.get(reference)
    assert case.channel == "voice" and [a.name for a in case.attachments] == ["recording.wav"]
    assert reference in twilio.sent_to(caller)[0]["body"]


def _fallback_object(params: dict, token: str = TWILIO_TOKEN, route: str = "sms") -> dict:
    """What API Gateway's mapping template writes for a request to the fallback endpoint."""
    from infra.fallback import STAGE, as_api_gateway_stores

    domain = "fb12345678.execute-api.ap-east-1.amazonaws.com"
    signature = RequestValidator(token).compute_signature(f"https://{domain}/{STAGE}/{route}", params)
    # received 2026-11-23T02:00:00Z
    return as_api_gateway_stores(domain, route, signature, urlencode(params).encode(), 1795399200000)


def test_requests_the_fallback_endpoint_kept_are_filed_and_forged_ones_set_aside(
    client, moto_store, twilio, media_bucket
):
    """Twilio reached the fallback endpoint (the function timed out): API Gateway stored the request
    in S3. The replay checks it against the fallback URL Twilio signed and files it; an object whose
    signature is not Twilio's is moved to spool-refused/ and files nothing."""
    s3 = boto3.client("s3")
    real, forged = sms_params("+8613800138504", "柜员态度很差"), sms_params("+8613800138505", "forged")
    s3.put_object(Bucket=BUCKET, Key="spool/fallback/req-1", Body=json.dumps(_fallback_object(real)))
    s3.put_object(Bucket=BUCKET, Key="spool/fallback/req-2", Body=json.dumps(_fallback_object(forged, "not-ours")))
    with time_machine.travel("2026-11-23T02:05:00Z", tick=False):
        assert _replay(client) == {"filed": 1, "waiting": 0, "refused": 1}
    [reference] = moto_store.cases.open_for_contact("+8613800138504")
    assert moto_store.cases.get(reference).received_at == datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    assert moto_store.cases.open_for_contact("+8613800138505") == []
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="spool")["Contents"]] == [
        "spool-refused/fallback/req-2"
    ]


def test_the_fallback_endpoint_answers_static_twiml_in_both_languages():
    from infra.fallback import static_answers

    answers = {route: ElementTree.fromstring(twiml) for route, twiml in static_answers().items()}
    words = answers["sms"].find("Message").text
    assert "受理编号将稍后另发短信告知" in words and "reference number will follow" in words
    record = answers["voice"].find("Record")
    assert record.get("action") == "voice/recorded"  # resolved by Twilio against .../spool/voice
    assert answers["voice/recorded"].find("Hangup") is not None


def test_the_replay_keeps_each_senders_order_and_a_failure_holds_back_what_came_after(
    client, moto_store, twilio, down, monkeypatch, capsys
):
    """Three texts from a new number waited in the spool. The first fails again at replay: the
    other two wait behind it (filing them first would make the second text the complaint), and the
    spool-age metric reports how long the oldest has waited. The next run files all three in order."""
    from support import fail_calls

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "hotline-harbour-city-bank-spool-replay")
    phone = "+8613800138506"
    words = ["First: the card machine ate my card", "Second: the branch would not help", "Third: still no card"]
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False) as traveller:
        restore = down()
        for text in words:
            twilio_post(client, "/twilio/sms", sms_params(phone, text))
            traveller.shift(5)
        restore()
        traveller.shift(420)
        from chalicelib.edge import dependencies

        fail_calls(dependencies.store().client, "TransactWriteItems", 1, "InternalServerError")
        assert _replay(client) == {"filed": 0, "waiting": 3, "refused": 0}
        assert moto_store.cases.open_for_contact(phone) == []
        ages = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
        assert [line["SpoolOldestAgeSeconds"] for line in ages if "SpoolOldestAgeSeconds" in line] == [435]
        traveller.shift(60)
        assert _replay(client)["filed"] == 3
    [reference] = moto_store.cases.open_for_contact(phone)
    timeline = moto_store.cases.timeline(reference)
    assert moto_store.cases.get(reference).description == words[0]
    assert [e.text for e in timeline if e.kind == "complainant_message"] == words[1:]


def test_a_url_with_connection_overrides_is_checked_as_twilio_signs_it():
    """Twilio's documented example (auth token 12345, its URL and fields) gives the documented
    signature; Twilio signs the URL as configured, fragment included, though the fragment never
    reaches us: both forms verify, another fragment does not."""
    from chalicelib.notify.twilio import CONNECTION_OVERRIDES, Forbidden, candidate_urls, verify

    validator = RequestValidator("12345")
    fields = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    documented = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert validator.compute_signature(documented, fields) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    urls = candidate_urls("https://mycompany.com", "/myapp.php", [("foo", "1"), ("bar", "2")])
    with_overrides = f"{documented}#{CONNECTION_OVERRIDES}"
    for signed in (documented, with_overrides):
        assert verify("12345", urls, fields, validator.compute_signature(signed, fields)) == signed
    with pytest.raises(Forbidden):
        verify("12345", urls, fields, validator.compute_signature(documented + "#rc=5", fields))
