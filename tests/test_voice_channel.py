"""Calls to the hotline: a full signed call flow produces one case with recording and transcript."""

import secrets
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import time_machine

from support import TWILIO_SID, twilio_post

CALLER = "+8613800138300"


def _call(**extra):
    return {
        "CallSid": "CA" + secrets.token_hex(16),
        "AccountSid": TWILIO_SID,
        "From": CALLER,
        "To": "+8675512340000",
        "CallStatus": "in-progress",
        **extra,
    }


def _twiml(response):
    assert response.status_code == 200, response.body
    return ElementTree.fromstring(response.body)


def _follow(client, url, params):
    """Posts to an action URL from TwiML the way Twilio does: same URL, signed."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "https://hotline.example.org"
    return twilio_post(client, parts.path, params, query=dict(parse_qsl(parts.query)) or None, fragment=parts.fragment)


def _said(root) -> str:
    return " ".join(node.text or "" for node in root.iter("Say"))


def test_full_call_greeting_language_menu_recording_transcription_makes_one_case(
    client, moto_store, twilio, media_bucket
):
    call = _call()
    greeting = _twiml(twilio_post(client, "/twilio/voice", call))
    gather = greeting.find("Gather")
    assert "Harbour City Bank complaint line" in _said(greeting) and "海港城市商业银行" in _said(greeting)
    menu = _twiml(_follow(client, gather.get("action"), {**call, "Digits": "2"}))  # English
    assert "For Service attitude, press 1." in _said(menu)
    record = _twiml(_follow(client, menu.find("Gather").get("action"), {**call, "Digits": "2"}))  # work error
    verb = record.find("Record")
    assert verb.get("maxLength") == "300" and verb.get("transcribe") == "true"

    recording_path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE{'4' * 32}"
    twilio.media[recording_path] = ("audio/x-wav", b"RIFF....WAVEfmt fake recording")
    recording = {
        **call,
        "RecordingUrl": "https://api.twilio.com" + recording_path,
        "RecordingSid": "RE" + "4" * 32,
        "RecordingDuration": "42",
        "Digits": "#",
    }
    readback = _twiml(_follow(client, verb.get("action"), recording))
    spoken = _said(readback)
    [case_reference] = moto_store.cases.open_for_contact(CALLER)
    assert ", ".join(ch for ch in case_reference if ch.isalnum()) in spoken  # read digit by digit
    assert "sent the reference number to you by text message" in spoken
    assert readback.find("Hangup") is not None

    transcription = {
        **call,
        "RecordingSid": "RE" + "4" * 32,
        "TranscriptionStatus": "completed",
        "TranscriptionText": "The teller at Pier Road counted my cash wrong and refused to recount.",
    }
    for _ in range(2):  # a repeated callback adds nothing
        assert _follow(client, verb.get("transcribeCallback"), transcription).status_code == 204
    _follow(client, verb.get("action"), recording)  # and neither does a repeated recording webhook

    case = moto_store.cases.get(case_reference)
    assert case.channel == "voice" and case.category == "work_error" and case.complainant.language == "en"
    assert case.transcript.startswith("The teller at Pier Road") and case.description == case.transcript
    [attachment] = case.attachments
    assert attachment.content_type == "audio/x-wav" and attachment.location.startswith(f"s3://{media_bucket}/")
    timeline = moto_store.cases.timeline(case_reference)
    assert [e.kind for e in timeline].count("transcript") == 1
    assert moto_store.words.find(["recount", "teller"]) == [case_reference]  # staff find it by what was said
    assert moto_store.cases.open_for_contact(CALLER) == [case_reference]
    [sms] = twilio.sent_to(CALLER)
    assert case_reference in sms["body"]


def test_chinese_caller_hears_chinese_and_the_case_exists_before_any_transcript(
    client, moto_store, twilio, media_bucket
):
    call = _call()
    greeting = _twiml(twilio_post(client, "/twilio/voice", call))
    menu = _twiml(_follow(client, greeting.find("Gather").get("action"), {**call, "Digits": "1"}))
    assert "服务态度，请按1。" in _said(menu)
    record = _twiml(_follow(client, menu.find("Gather").get("action"), {**call, "Digits": "9"}))  # not on the menu
    verb = record.find("Record")
    assert verb.get("transcribe") is None  # Twilio transcribes English only
    readback = _twiml(
        _follow(
            client,
            verb.get("action"),
            {
                **call,
                "RecordingUrl": "https://api.twilio.com/missing",
                "RecordingSid": "RE" + "5" * 32,
                "RecordingDuration": "17",
            },
        )
    )
    assert "您的投诉已受理" in _said(readback)
    case = moto_store.cases.get(moto_store.cases.open_for_contact(CALLER)[0])
    assert case.category is None and "17" in case.description and case.transcript is None
    assert case.attachments[0].location == "https://api.twilio.com/missing"  # not fetched, still pointed at


def _transcribe_event(client, job: str, status: str = "COMPLETED"):
    return client.events.generate_cw_event(
        "aws.transcribe",
        "Transcribe Job State Change",
        {"TranscriptionJobName": job, "TranscriptionJobStatus": status},
        [],
    )


def test_chinese_voicemail_is_transcribed_by_amazon_transcribe_and_lands_on_the_case(
    client, moto_store, twilio, media_bucket
):
    import json

    import boto3

    call = _call()
    greeting = _twiml(twilio_post(client, "/twilio/voice", call))
    menu = _twiml(_follow(client, greeting.find("Gather").get("action"), {**call, "Digits": "1"}))
    record = _twiml(_follow(client, menu.find("Gather").get("action"), {**call, "Digits": "1"}))
    recording_path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE{'6' * 32}"
    twilio.media[recording_path] = ("audio/x-wav", b"RIFF....WAVEfmt fake chinese recording")
    recording = {
        **call,
        "RecordingUrl": "https://api.twilio.com" + recording_path,
        "RecordingSid": "RE" + "6" * 32,
        "RecordingDuration": "35",
    }
    _twiml(_follow(client, record.find("Record").get("action"), recording))
    _twiml(_follow(client, record.find("Record").get("action"), recording))  # delivered twice: one job
    [reference] = moto_store.cases.open_for_contact(CALLER)
    assert moto_store.cases.get(reference).transcript is None  # the case exists before any transcript

    transcribe = boto3.client("transcribe")
    job_name = f"{moto_store.name}-{call['CallSid']}"
    job = transcribe.get_transcription_job(TranscriptionJobName=job_name)["TranscriptionJob"]
    assert job["LanguageCode"] == "zh-CN"
    assert job["Media"]["MediaFileUri"] == moto_store.cases.get(reference).attachments[0].location
    words = "柜员态度很差，还不让我取钱。"
    boto3.client("s3").put_object(  # what Transcribe writes to the OutputKey it was given
        Bucket=media_bucket,
        Key=f"media/transcripts/{call['CallSid']}.json",
        Body=json.dumps(
            {
                "jobName": job_name,
                "status": "COMPLETED",
                "results": {"transcripts": [{"transcript": words}], "items": []},
            },
            ensure_ascii=False,
        ),
    )
    assert client.lambda_.invoke("transcribed", _transcribe_event(client, job_name)).payload == "transcribed"
    assert client.lambda_.invoke("transcribed", _transcribe_event(client, job_name)).payload == "duplicate"
    assert (
        client.lambda_.invoke("transcribed", _transcribe_event(client, "hotline-other-bank-CA1")).payload == "not ours"
    )
    case = moto_store.cases.get(reference)
    assert case.transcript == words and case.description == words and case.complainant.language == "zh"
    assert [e.kind for e in moto_store.cases.timeline(reference)].count("transcript") == 1


def test_a_failed_transcription_is_noted_and_the_recording_stays(client, moto_store, twilio, media_bucket):
    call = _call()
    recording_path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE{'7' * 32}"
    twilio.media[recording_path] = ("audio/x-wav", b"RIFF....WAVEfmt noise")
    _twiml(
        twilio_post(
            client,
            "/twilio/voice/recorded",
            {
                **call,
                "RecordingUrl": "https://api.twilio.com" + recording_path,
                "RecordingSid": "RE" + "7" * 32,
                "RecordingDuration": "8",
            },
            query={"lang": "zh"},
        )
    )
    [reference] = moto_store.cases.open_for_contact(CALLER)
    job = f"{moto_store.name}-{call['CallSid']}"
    assert client.lambda_.invoke("transcribed", _transcribe_event(client, job, "FAILED")).payload == "failed"
    [failed] = [e for e in moto_store.cases.timeline(reference) if e.kind == "transcript_failed"]
    assert "录音" in failed.text
    assert moto_store.cases.get(reference).attachments[0].location.startswith(f"s3://{media_bucket}/")


def test_caller_who_hangs_up_before_recording_leaves_a_contact_to_call_back_not_a_complaint(client, moto_store, twilio):
    call = _call()
    twilio_post(client, "/twilio/voice", call)
    assert twilio_post(client, "/twilio/voice/status", {**call, "CallStatus": "completed"}).status_code == 204
    assert twilio_post(client, "/twilio/voice/status", {**call, "CallStatus": "completed"}).status_code == 204
    [reference] = moto_store.cases.open_for_contact(CALLER)
    case = moto_store.cases.get(reference)
    assert case.channel == "voice" and case.type == "contact" and "回电" in case.description
    assert [clock.name for clock in case.clocks] == ["callback"]  # no complaint clocks
    assert twilio.sent_to(CALLER) == []  # never told a complaint was accepted
    call_sid = next(e for e in moto_store.cases.timeline(reference) if e.kind == "call").data["call_sid"]
    assert call_sid == call["CallSid"]


def test_recording_that_arrives_after_the_call_ended_report_completes_the_same_case(
    client, moto_store, twilio, media_bucket
):
    call = _call()
    twilio_post(client, "/twilio/voice/status", {**call, "CallStatus": "completed"})
    recording = {
        **call,
        "RecordingUrl": "https://api.twilio.com/late",
        "RecordingSid": "RE" + "6" * 32,
        "RecordingDuration": "30",
    }
    answer = _twiml(twilio_post(client, "/twilio/voice/recorded", recording, query={"lang": "en"}))
    [reference] = moto_store.cases.open_for_contact(CALLER)
    case = moto_store.cases.get(reference)
    assert [a.name for a in case.attachments] == ["recording"] and "30 seconds" in case.description
    assert case.type == "complaint" and case.clock("respond") is not None  # the contact became the complaint
    assert ", ".join(ch for ch in reference if ch.isalnum()) in _said(answer)
    assert reference in twilio.sent_to(CALLER)[0]["body"]  # acknowledged now, by text


def test_silence_or_a_4_second_message_registers_a_contact_to_call_back_and_a_landline_gets_no_text(
    client, moto_store, twilio, media_bucket
):
    call = _call(From="+861087654321")  # a Beijing landline
    answer = _twiml(twilio_post(client, "/twilio/voice/recorded", call, query={"lang": "en"}))
    assert "We have noted your call and will call you back." in _said(answer) and "text message" not in _said(answer)
    [reference] = moto_store.cases.open_for_contact("+861087654321")
    assert ", ".join(ch for ch in reference if ch.isalnum()) not in _said(answer)  # no complaint was accepted
    assert moto_store.cases.get(reference).type == "contact" and twilio.sent_to("+861087654321") == []
    short = _call(From="+8613800138311", RecordingUrl="https://api.twilio.com/short", RecordingDuration="4")
    short["RecordingSid"] = "RE" + "8" * 32
    answer = _twiml(twilio_post(client, "/twilio/voice/recorded", short, query={"lang": "zh"}))
    assert "我们已记录您的来电，稍后将给您回电。" in _said(answer)
    [contact] = moto_store.cases.open_for_contact("+8613800138311")
    case = moto_store.cases.get(contact)
    assert case.type == "contact" and [a.name for a in case.attachments] == ["recording"]  # kept, to listen to
    assert twilio.sent_to("+8613800138311") == []


def test_out_of_hours_callers_are_told_and_still_recorded(client, moto_store, twilio):
    with time_machine.travel("2026-11-21T14:00:00Z", tick=False):  # Saturday night in Shanghai
        greeting = _twiml(twilio_post(client, "/twilio/voice", _call()))
    assert "office is closed now" in _said(greeting) and "非工作时间" in _said(greeting)
    assert greeting.find("Gather") is not None
    with time_machine.travel("2026-11-23T02:00:00Z", tick=False):  # Monday morning
        assert "office is closed" not in _said(_twiml(twilio_post(client, "/twilio/voice", _call())))


def test_transcription_for_an_unknown_call_is_kept_not_dropped(client, moto_store, twilio):
    params = _call(RecordingSid="RE" + "7" * 32, TranscriptionStatus="completed", TranscriptionText="orphan words")
    assert twilio_post(client, "/twilio/voice/transcription", params, query={"lang": "en"}).status_code == 204
    assert moto_store.abuse.quarantined("voice")[0]["payload"]["TranscriptionText"] == "orphan words"


def test_voice_webhooks_refuse_bad_signatures_and_unknown_steps(client, moto_store, twilio):
    assert twilio_post(client, "/twilio/voice", _call(), token="wrong").status_code == 403
    assert twilio_post(client, "/twilio/voice/recorded", _call(), token="wrong").status_code == 403
    assert twilio_post(client, "/twilio/voice/nonsense", _call()).status_code == 404
    assert moto_store.cases.open_for_contact(CALLER) == []


def test_english_voicemail_longer_than_twilio_transcribes_goes_to_amazon_transcribe(
    client, moto_store, twilio, media_bucket
):
    import boto3

    def leave(seconds: int, call_sid: str):
        call = {**_call(), "CallSid": call_sid}
        recording_path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE{call_sid[-1] * 32}"
        twilio.media[recording_path] = ("audio/x-wav", b"RIFF....WAVEfmt long english recording")
        twilio_post(
            client,
            "/twilio/voice/recorded",
            {
                **call,
                "RecordingUrl": "https://api.twilio.com" + recording_path,
                "RecordingSid": "RE" + call_sid[-1] * 32,
                "RecordingDuration": str(seconds),
            },
            query={"lang": "en"},
        )
        try:
            return boto3.client("transcribe").get_transcription_job(
                TranscriptionJobName=f"{moto_store.name}-{call_sid}"
            )["TranscriptionJob"]
        except boto3.client("transcribe").exceptions.BadRequestException:
            return None

    long_job = leave(121, "CA" + "8" * 32)  # past Twilio's 120-second limit
    assert long_job is not None and long_job["LanguageCode"] == "en-US"
    # Twilio then reports that it could not transcribe it: no "transcript failed" note on the case.
    twilio_post(
        client,
        "/twilio/voice/transcription",
        {**_call(), "CallSid": "CA" + "8" * 32, "RecordingSid": "RE" + "8" * 32, "TranscriptionStatus": "failed"},
        query={"lang": "en"},
    )
    [reference] = moto_store.cases.open_for_contact(CALLER)
    assert "transcript_failed" not in [e.kind for e in moto_store.cases.timeline(reference)]
    assert leave(120, "CA" + "9" * 32) is None  # Twilio's own transcription covers it
