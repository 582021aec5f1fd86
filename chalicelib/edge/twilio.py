"""The /twilio/* webhooks: check the signature (403 and nothing stored when it fails), parse
Twilio's form fields, call the channel logic, answer in TwiML."""
import logging

from chalice import Response

from chalicelib.runtime import context
from chalicelib.runtime.logs import log_event
from chalicelib.notify.twilio_signature import Forbidden, candidate_urls, form_params, verify
from chalicelib.edge.web import TooLarge, body_bytes

logger = logging.getLogger(__name__)
XML = {"Content-Type": "application/xml; charset=utf-8"}


def signed_params(request) -> dict[str, str]:
    """The posted fields of a request Twilio really sent, or Forbidden / TooLarge."""
    raw = body_bytes(request)
    params = form_params(raw)
    query = [(name, value) for name in (request.query_params or {})
             for value in request.query_params.getlist(name)]
    path = request.path.format(**(request.uri_params or {}))  # "/twilio/voice/{step}" -> the real path
    urls = candidate_urls(context.setting("PUBLIC_BASE_URL"), path, query)
    verify(context.secret("TWILIO_AUTH_TOKEN"), urls, params, request.headers.get("x-twilio-signature"))
    return params


def handle(request, answer) -> Response:
    """Runs answer(params, query) for a verified request; maps refusals to clear 4xx answers."""
    from chalicelib.intake.sms import BadWebhook

    try:
        params = signed_params(request)
    except Forbidden as refusal:
        log_event(logger, "twilio_signature_refused", path=request.path, reason=str(refusal))
        return Response(body="Forbidden: invalid Twilio signature\n", status_code=403,
                        headers={"Content-Type": "text/plain"})
    except TooLarge:
        return Response(body="Payload too large\n", status_code=413, headers={"Content-Type": "text/plain"})
    try:
        return answer(params, dict(request.query_params or {}))
    except BadWebhook as problem:
        return Response(body=f"Bad request: {problem}\n", status_code=400, headers={"Content-Type": "text/plain"})


def messaging_twiml(reply: str | None) -> Response:
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(body=str(response), status_code=200, headers=XML)


def sms_webhook(request, now) -> Response:
    from chalicelib.intake.sms import handle_sms

    def answer(params, _query):
        return messaging_twiml(handle_sms(context.store(), context.institution(), params, now,
                                          context.setting("PUBLIC_BASE_URL")))

    return handle(request, answer)


def status_webhook(request, now) -> Response:
    from chalicelib.notify.sender import record_delivery_report

    def answer(params, query):
        if query.get("m"):
            record_delivery_report(context.store(), context.institution(), query["m"], params, now,
                                   context.setting("PUBLIC_BASE_URL"))
        return Response(body="", status_code=204)

    return handle(request, answer)


def _twiml(xml: str) -> Response:
    return Response(body=xml, status_code=200, headers=XML)


def voice_webhook(request, now, step: str) -> Response:
    """One step of the call flow: "start", "language", "category", "recorded", "transcription", "status"."""
    from chalicelib.intake import voice

    def answer(params, query):
        institution, base_url = context.institution(), context.setting("PUBLIC_BASE_URL")
        if step == "start":
            return _twiml(voice.greeting(institution, base_url, now))
        if step == "language":
            return _twiml(voice.choose_language(institution, params, base_url))
        if step == "category":
            return _twiml(voice.choose_category(institution, params, query, base_url))
        if step == "recorded":
            return _twiml(voice.recorded(context.store(), institution, params, query, now, base_url))
        if step == "transcription":
            voice.transcription(context.store(), institution, params, query, now)
        else:
            voice.call_ended(context.store(), institution, params, now, base_url)
        return Response(body="", status_code=204)

    return handle(request, answer)
