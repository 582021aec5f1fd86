"""Calls to the hotline number. Twilio walks the caller through: greeting (and an out-of-hours
notice, which never refuses the complaint), language, an optional category menu, a recording;
the case exists as soon as the recording does, the transcript is added when it arrives; a caller
who hangs up first, or leaves less than `intake.contact_call_seconds`, leaves a contact with a
call-back task - registered, not a complaint, and not told one was accepted.

Every step's answer is TwiML; every URL handed to Twilio is absolute and signed-checkable."""

import contextlib
from datetime import datetime

from chalicelib.intake.errors import BadWebhook
from chalicelib.intake.filing import file_complaint, promote_contact
from chalicelib.intake.media import keep_twilio_media
from chalicelib.model.case import Attachment, Complainant, Event, NewComplaint
from chalicelib.model.contacts import can_receive_texts
from chalicelib.model.institution import Institution
from chalicelib.notify.complainant import complainant_time
from chalicelib.notify.twilio import action_url
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.language import Language
from chalicelib.runtime.rendering import text
from chalicelib.store.stores import Stores
from chalicelib.store.table import DuplicateSubmission, Once

SPEECH = {"zh": "zh-CN", "en": "en-US"}
ENDED = {"completed", "busy", "no-answer", "canceled", "failed"}


def _response():
    from twilio.twiml.voice_response import VoiceResponse

    return VoiceResponse()


def _say(node, language: Language, words: str) -> None:
    node.say(words, language=SPEECH[language])


def _language(value: str | None, institution: Institution) -> Language:
    return value if value in SPEECH else institution.default_language


def greeting(institution: Institution, base_url: str, now: datetime) -> str:
    response = _response()
    open_now = institution.calendar.work_calendar().is_working_time(now)
    language_step = action_url(base_url, "/twilio/voice/language")
    gather = response.gather(num_digits=1, action=language_step, timeout=6)
    for language in ("zh", "en"):
        words = []
        if institution.voice.greeting:
            words.append(institution.voice.greeting.in_(language))
        if not open_now:
            words.append(text(language, "voice_closed"))
        words.append(text(language, "voice_language_prompt"))
        _say(gather, language, " ".join(words))
    response.redirect(language_step)  # no key pressed: the institution's default language
    return str(response)


def choose_language(institution: Institution, params: dict, base_url: str) -> str:
    digits = params.get("Digits", "")
    language = {"1": "zh", "2": "en"}.get(digits, institution.default_language)
    if not institution.voice.menu:
        return _record(institution, language, None, base_url)
    response = _response()
    category_step = action_url(base_url, "/twilio/voice/category", lang=language)
    gather = response.gather(num_digits=1, action=category_step, timeout=8)
    options = [
        text(language, "voice_menu_item", name=institution.category(code).name.in_(language), digit=i)
        for i, code in enumerate(institution.voice.menu, start=1)
    ]
    _say(gather, language, " ".join(options + [text(language, "voice_menu_other")]))
    response.redirect(category_step)
    return str(response)


def choose_category(institution: Institution, params: dict, query: dict, base_url: str) -> str:
    language = _language(query.get("lang"), institution)
    digits = params.get("Digits", "")
    menu = institution.voice.menu
    keyed = digits.isascii() and digits.isdigit() and len(digits) <= 2  # "²" is a digit to Python, not to int()
    category = menu[int(digits) - 1] if keyed and 1 <= int(digits) <= len(menu) else None
    return _record(institution, language, category, base_url)


def _record(institution: Institution, language: Language, category: str | None, base_url: str) -> str:
    response = _response()
    _say(response, language, text(language, "voice_record_prompt"))
    query = {"lang": language, **({"category": category} if category else {})}
    # Twilio's built-in transcription is English only; Chinese needs another engine (see README).
    transcription = (
        {"transcribe": True, "transcribe_callback": action_url(base_url, "/twilio/voice/transcription", lang=language)}
        if language == "en"
        else {}
    )
    response.record(
        max_length=institution.voice.max_recording_seconds,
        finish_on_key="#",
        play_beep=True,
        action=action_url(base_url, "/twilio/voice/recorded", **query),
        **transcription,
    )
    # Silence: Twilio skips the action and goes on here; the call is still registered.
    response.redirect(action_url(base_url, "/twilio/voice/recorded", **query))
    return str(response)


HOLDING_RECORDING_SECONDS = 300  # the longest voicemail a holding answer takes (no config to read then)


def holding(record_action: str) -> str:
    """What a caller hears when the call cannot be filed now (the webhook's storage is down, or
    Twilio reached the fallback endpoint): both languages, no menu, then a recording whose report goes
    to `record_action` and from there into the spool. Needs nothing but the text catalogs."""
    response = _response()
    for language in ("zh", "en"):
        _say(response, language, text(language, "voice_spooled_prompt"))
    response.record(max_length=HOLDING_RECORDING_SECONDS, finish_on_key="#", play_beep=True, action=record_action)
    response.redirect(record_action)  # silence: the report still comes, and the call is registered
    return str(response)


def holding_thanks() -> str:
    response = _response()
    for language in ("zh", "en"):
        _say(response, language, text(language, "voice_spooled_thanks"))
    response.hangup()
    return str(response)


TWILIO_TRANSCRIPTION_LIMIT = 120  # seconds: Twilio does not transcribe a longer recording


def _transcribe_in(institution: Institution, language: Language, seconds: int) -> str | None:
    """The language Amazon Transcribe hears this recording in, or None where Twilio transcribes it
    (English up to 120 seconds) or the institution turned it off."""
    if language != "en":
        return institution.voice.transcribe_chinese
    return institution.voice.transcribe_long_english if seconds > TWILIO_TRANSCRIPTION_LIMIT else None


def recorded(deps: Dependencies, params: dict, query: dict, now: datetime, received_at: datetime | None = None) -> str:
    """received_at: when the recording's report came, if before now (the spool replay)."""
    store, institution = deps.store, deps.institution
    call_sid, caller = params.get("CallSid", ""), params.get("From", "")
    if not call_sid or not caller:
        raise BadWebhook("CallSid and From are required")
    language = _language(query.get("lang"), institution)
    recording_url = params.get("RecordingUrl", "")
    duration = params.get("RecordingDuration") or "0"
    seconds = int(duration) if duration.isascii() and duration.isdigit() and len(duration) <= 6 else 0
    response = _response()
    if not recording_url or seconds < max(1, institution.intake.contact_call_seconds):
        # nothing to handle yet: a contact to call back; the caller is not told a complaint was accepted
        kept = (
            [keep_twilio_media(deps, recording_url, "audio/x-wav", f"media/voice/{call_sid}", "recording")]
            if recording_url and seconds
            else []
        )
        _register_call(
            deps,
            call_sid,
            caller,
            language,
            now,
            text(language, "voice_missed"),
            category=query.get("category"),
            attachments=kept,
            received_at=received_at,
            as_contact=True,
        )
        _say(response, language, text(language, "voice_contact_noted"))
        response.hangup()
        return str(response)
    recording = keep_twilio_media(deps, recording_url, "audio/x-wav", f"media/voice/{call_sid}", "recording")
    engine_language = _transcribe_in(institution, language, seconds)
    if engine_language:
        deps.transcription.start(recording, call_sid, engine_language)
    filed = _register_call(
        deps,
        call_sid,
        caller,
        language,
        now,
        text(language, "voice_description", seconds=seconds),
        category=query.get("category"),
        attachments=[recording],
        recording_sid=params.get("RecordingSid", ""),
        received_at=received_at,
    )
    if filed.replayed and filed.case.type == "contact":  # the hang-up's report came first: now the details
        event = Event(at=now, actor="complainant", kind="recording", data={"recording_sid": params.get("RecordingSid")})
        filed = promote_contact(
            deps,
            filed.case,
            text(language, "voice_description", seconds=seconds),
            event,
            now,
            Once("recording", params.get("RecordingSid") or call_sid),
            [recording],
            reply_inline=False,
            text_back=can_receive_texts(caller),
        )
    elif filed.replayed and not any(a.name.startswith("recording") for a in filed.case.attachments):
        _add_recording(store, filed.case, recording, params.get("RecordingSid", ""), seconds, language, now)
    _read_reference(response, filed, institution, language)
    response.hangup()
    return str(response)


def _register_call(
    deps: Dependencies,
    call_sid,
    caller,
    language,
    now,
    description,
    category=None,
    attachments=(),
    recording_sid="",
    received_at=None,
    as_contact=False,
):
    complaint = NewComplaint(
        channel="voice",
        description=description,
        category=category,
        attachments=list(attachments),
        complainant=Complainant(phone=caller, language=language),
        received_on=deps.institution.channels.sms_number,
    )
    events = [
        Event(at=now, actor="complainant", kind="call", data={"call_sid": call_sid, "recording_sid": recording_sid})
    ]
    return file_complaint(
        deps,
        complaint,
        now,
        once=Once("call", call_sid),
        extra_events=events,
        text_back=can_receive_texts(caller),
        received_at=received_at,
        as_contact=as_contact,
    )


def _add_recording(store, case, recording: Attachment, recording_sid, seconds, language, now) -> None:
    """The call's status report made the case first (a missed call); the recording completes it."""
    event = Event(
        at=now,
        actor="complainant",
        kind="recording",
        text=text(language, "voice_description", seconds=seconds),
        data={"recording_sid": recording_sid},
    )
    with contextlib.suppress(DuplicateSubmission):  # the same recording, delivered again
        store.cases.add_to(
            case,
            [event],
            now,
            Once("recording", recording_sid or case.reference),
            set_fields={
                "attachments": [a.model_dump() for a in case.attachments + [recording]],
                "description": event.text,
            },
        )


def _read_reference(response, filed, institution: Institution, language: Language) -> None:
    """Digit by digit, twice, in the caller's language, then the expected response time."""
    case = filed.case
    spelled = ", ".join(ch for ch in case.reference if ch.isalnum())
    expected = complainant_time(case, institution, case.expected_response_by(), short=True)
    _say(response, language, text(language, "voice_registered", spelled=spelled, expected=expected))
    if any(message.channel == "sms" for message in filed.messages):
        _say(response, language, text(language, "voice_sms_sent"))
    _say(response, language, text(language, "voice_goodbye"))


def transcription(deps: Dependencies, params: dict, query: dict, now: datetime) -> None:
    """Twilio's transcription callback (English). Its failure for a recording over its 120 seconds
    is no news: Amazon Transcribe was asked for that one."""
    store = deps.store
    succeeded = params.get("TranscriptionStatus") == "completed" and params.get("TranscriptionText")
    if not succeeded and deps.transcription.started(params.get("CallSid", "")):
        return
    add_transcript(
        store,
        params.get("CallSid", ""),
        params.get("RecordingSid", ""),
        params["TranscriptionText"] if succeeded else None,
        params,
        now,
    )


def add_transcript(
    store: Stores, call_sid: str, recording_sid: str, words: str | None, details: dict, now: datetime
) -> str:
    """The transcript (or the news that there is none) on the call's case, once. A transcript
    for a call we have no case for is quarantined, never dropped."""
    call = store.deliveries.seen(Once("call", call_sid)) if call_sid else None
    if call is None or not call.reference:
        store.abuse.quarantine("voice", "transcription for a call with no case", details, now)
        return "quarantined"
    case = store.cases.get(call.reference)
    language = case.complainant.language
    shown = words or text(language, "voice_transcript_failed")
    event = Event(
        at=now,
        actor="system",
        kind="transcript" if words else "transcript_failed",
        text=shown,
        data={"recording_sid": recording_sid},
    )
    try:
        store.cases.add_to(
            case,
            [event],
            now,
            Once("transcription", recording_sid or call_sid),
            set_fields={"description": words, "transcript": words} if words else None,
            indexed_text=words,
        )
    except DuplicateSubmission:
        return "duplicate"
    return "transcribed" if words else "failed"


def call_ended(deps: Dependencies, params: dict, now: datetime, received_at: datetime | None = None) -> None:
    """The call status report. A call that ends with nothing registered (a hang-up before the
    recording) leaves a contact with a call-back task: not a complaint, and the caller is not told one."""
    store, institution = deps.store, deps.institution
    call_sid, caller = params.get("CallSid", ""), params.get("From", "")
    if params.get("CallStatus") not in ENDED or not call_sid or not caller:
        return
    if store.deliveries.seen(Once("call", call_sid)):
        return
    language = institution.default_language
    description = text(language, "voice_missed")
    _register_call(deps, call_sid, caller, language, now, description, received_at=received_at, as_contact=True)
