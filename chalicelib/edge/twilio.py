"""The /twilio/* webhooks: check the signature (403 and nothing stored when it fails), parse
Twilio's form fields, call the channel logic, answer in TwiML."""

import logging
import time
from collections.abc import Callable

from chalice import Response

from chalicelib.edge.http import TooLarge, body_bytes, plain
from chalicelib.intake.errors import BadWebhook
from chalicelib.notify.twilio import Forbidden, action_url, candidate_urls, form_params, verify
from chalicelib.runtime import budget, environment
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event

logger = logging.getLogger(__name__)
XML = {"Content-Type": "application/xml; charset=utf-8"}
# The steps of the call flow after "A call comes in": URLs handed to Twilio in our TwiML ("status"
# is the number's "Call status changes" callback).
VOICE_STEPS = ("language", "category", "recorded", "transcription", "status")


def signed_params(request) -> tuple[dict[str, str], str]:
    """The posted fields of a request Twilio really sent and the URL it signed, or Forbidden / TooLarge."""
    raw = body_bytes(request)
    params = form_params(raw)
    query = [(name, value) for name in (request.query_params or {}) for value in request.query_params.getlist(name)]
    path = request.path.format(**(request.uri_params or {}))  # "/twilio/voice/{step}" -> the real path
    urls = candidate_urls(environment.setting("PUBLIC_BASE_URL"), path, query)
    url = verify(environment.secret("TWILIO_AUTH_TOKEN"), urls, params, request.headers.get("x-twilio-signature"))
    return params, url


# What a webhook may spend on storage before it keeps the delivery in the spool and answers: Twilio
# waits 15 s, an attempt already sent may take one more DynamoDB read timeout (3 s), and the spool's
# S3 write and the answer need well under a second.
WEBHOOK_BUDGET_SECONDS = 8.0


def handle(deps_of: Callable[[], Dependencies], request, now, answer, holding) -> Response:
    """Runs answer(deps, params, query) for a verified request within the webhook's budget; maps
    refusals to clear 4xx answers. When the delivery cannot be filed in time (storage slow, throttled
    or down, the config unreadable, or any other failure) it is kept in the spool as signed, and
    `holding(params)` answers Twilio at once: nothing a complainant sends is lost to an outage."""
    try:
        params, url = signed_params(request)
    except Forbidden as refusal:
        log_event(logger, "twilio_signature_refused", path=request.path, reason=str(refusal))
        return plain(403, "Forbidden: invalid Twilio signature")
    except TooLarge:
        return plain(413, "Payload too large")
    try:
        with budget.within(WEBHOOK_BUDGET_SECONDS):
            return answer(deps_of(), params, dict(request.query_params or {}))
    except BadWebhook as problem:
        return plain(400, f"Bad request: {problem}")
    except Exception as failure:  # noqa: BLE001 - whatever failed, the delivery is kept, never lost
        return _spool(request, url, params, now, failure, holding)


def _spool(request, url: str, params: dict[str, str], now, failure: Exception, holding) -> Response:
    from chalicelib.edge.dependencies import spool
    from chalicelib.runtime import metrics
    from chalicelib.store.spool import SpooledDelivery, route_of

    delivery = SpooledDelivery(
        received_at=now,
        route=route_of(request.path.format(**(request.uri_params or {}))),
        url=url,
        signature=request.headers.get("x-twilio-signature") or "",
        body=(request.raw_body or b"").decode("utf-8"),
        source="webhook",
    )
    key = spool().keep(delivery)  # if even this fails, the 500 sends Twilio to the fallback URL
    log_event(logger, "twilio_delivery_spooled", key=key, route=delivery.route, error=f"{type(failure).__name__}")
    metrics.count("DeliveriesSpooled", Reason=type(failure).__name__)
    return holding(params)


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


def sms_webhook(deps_of: Callable[[], Dependencies], request, now) -> Response:
    from chalicelib.intake.sms import handle_sms, holding_reply, queue_reply

    monotonic = elapsed_clock
    started = monotonic()

    def answer(deps, params, _query):
        reply = handle_sms(deps, params, now)
        if reply and monotonic() - started > LATE_REPLY_SECONDS and queue_reply(deps, params, reply, now):
            from chalicelib.runtime import metrics

            metrics.count("RepliesAlsoQueued")
        return messaging_twiml(reply)

    return handle(deps_of, request, now, answer, lambda params: messaging_twiml(holding_reply(params)))


def _no_content(_params=None) -> Response:
    return Response(body="", status_code=204)


def status_webhook(deps_of: Callable[[], Dependencies], request, now) -> Response:
    from chalicelib.notify.sender import record_delivery_report

    def answer(deps, params, query):
        if query.get("m"):
            record_delivery_report(deps, query["m"], params, now)
        return _no_content()

    # A report that cannot be recorded now is answered 503: Twilio's connection overrides retry it.
    return handle(deps_of, request, now, answer, lambda _params: plain(503, "Try again"))


def _twiml(xml: str) -> Response:
    return Response(body=xml, status_code=200, headers=XML)


def voice_webhook(deps_of: Callable[[], Dependencies], request, now, step: str) -> Response:
    """One step of the call flow: "start" or one of VOICE_STEPS; another step is 404."""
    if step != "start" and step not in VOICE_STEPS:
        return plain(404, "Not found")
    from chalicelib.intake import voice

    def answer(deps, params, query):
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
        return _no_content()

    def holding(_params) -> Response:
        """The caller is still on the line: record now, file later (the recording's report is spooled too)."""
        if step in ("transcription", "status"):
            return _no_content()
        if step == "recorded":
            return _twiml(voice.holding_thanks())
        base_url = environment.optional("PUBLIC_BASE_URL") or ""
        return _twiml(voice.holding(action_url(base_url, "/twilio/voice/recorded")))

    return handle(deps_of, request, now, answer, holding)


def replay_spool(deps: Dependencies, now) -> dict[str, int]:
    """The spool replay (a function of its own, every minute): each kept delivery is checked as
    the webhook would have checked it, against the URL Twilio signed, then filed once."""
    from chalicelib.intake.spool import Refused
    from chalicelib.intake.spool import replay_spool as replay

    token = environment.secret("TWILIO_AUTH_TOKEN")

    def params_of(delivery) -> dict[str, str]:
        try:
            params = form_params(delivery.body.encode("utf-8"))
            verify(token, [delivery.url], params, delivery.signature)
        except Forbidden as refusal:
            raise Refused(str(refusal)) from None
        return params

    return replay(deps, now, params_of)
