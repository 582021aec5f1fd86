"""The /twilio/* webhooks: check the signature (403 and nothing stored when it fails), parse
Twilio's form fields, call the channel logic, answer in TwiML."""

import logging
import time

from chalice import Response

from chalicelib.edge.http import TooLarge, body_bytes, plain
from chalicelib.intake.errors import BadWebhook
from chalicelib.notify.twilio import Forbidden, candidate_urls, form_params, verify
from chalicelib.runtime import environment
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event

logger = logging.getLogger(__name__)
XML = {"Content-Type": "application/xml; charset=utf-8"}
# The steps of the call flow after "A call comes in": URLs handed to Twilio in our TwiML ("status"
# is the number's "Call status changes" callback).
VOICE_STEPS = ("language", "category", "recorded", "transcription", "status")


def signed_params(deps: Dependencies, request) -> dict[str, str]:
    """The posted fields of a request Twilio really sent, or Forbidden / TooLarge."""
    raw = body_bytes(request)
    params = form_params(raw)
    query = [(name, value) for name in (request.query_params or {}) for value in request.query_params.getlist(name)]
    path = request.path.format(**(request.uri_params or {}))  # "/twilio/voice/{step}" -> the real path
    urls = candidate_urls(environment.setting("PUBLIC_BASE_URL"), path, query)
    verify(environment.secret("TWILIO_AUTH_TOKEN"), urls, params, request.headers.get("x-twilio-signature"))
    return params


def handle(deps: Dependencies, request, answer) -> Response:
    """Runs answer(params, query) for a verified request; maps refusals to clear 4xx answers."""
    try:
        params = signed_params(deps, request)
    except Forbidden as refusal:
        log_event(logger, "twilio_signature_refused", path=request.path, reason=str(refusal))
        return plain(403, "Forbidden: invalid Twilio signature")
    except TooLarge:
        return plain(413, "Payload too large")
    try:
        return answer(params, dict(request.query_params or {}))
    except BadWebhook as problem:
        return plain(400, f"Bad request: {problem}")


def messaging_twiml(reply: str | None) -> Response:
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(body=str(response), status_code=200, headers=XML)


# Twilio waits 15 s for a webhook's answer. A reply written after this much of it may reach Twilio
# too late to be sent, so it is also queued in the outbox (tracked, retried): a complainant may then
# get it twice, which is counted (RepliesAlsoQueued), but never not at all.
LATE_REPLY_SECONDS = 10.0
elapsed_clock = time.monotonic  # how long the webhook took; tests put their own clock here


def sms_webhook(deps: Dependencies, request, now) -> Response:
    from chalicelib.intake.sms import handle_sms, queue_late_reply

    monotonic = elapsed_clock
    started = monotonic()

    def answer(params, _query):
        reply = handle_sms(deps, params, now)
        if reply and monotonic() - started > LATE_REPLY_SECONDS:
            queue_late_reply(deps, params, reply, now)
        return messaging_twiml(reply)

    return handle(deps, request, answer)


def status_webhook(deps: Dependencies, request, now) -> Response:
    from chalicelib.notify.sender import record_delivery_report

    def answer(params, query):
        if query.get("m"):
            record_delivery_report(deps, query["m"], params, now)
        return Response(body="", status_code=204)

    return handle(deps, request, answer)


def _twiml(xml: str) -> Response:
    return Response(body=xml, status_code=200, headers=XML)


def voice_webhook(deps: Dependencies, request, now, step: str) -> Response:
    """One step of the call flow: "start" or one of VOICE_STEPS; another step is 404."""
    if step != "start" and step not in VOICE_STEPS:
        return plain(404, "Not found")
    from chalicelib.intake import voice

    def answer(params, query):
        institution, base_url = deps.institution, deps.base_url
        if step == "start":
            return _twiml(voice.greeting(institution, base_url, now))
        if step == "language":
            return _twiml(voice.choose_language(institution, params, base_url))
        if step == "category":
            return _twiml(voice.choose_category(institution, params, query, base_url))
        if step == "recorded":
            return _twiml(voice.recorded(deps, params, query, now))
        if step == "transcription":
            voice.transcription(deps, params, query, now)
        else:
            voice.call_ended(deps, params, now)
        return Response(body="", status_code=204)

    return handle(deps, request, answer)
