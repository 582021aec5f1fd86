"""The /tencent/* callbacks of Tencent Cloud SMS (mainland China numbers): replies (upstream
texts) and status reports. Each must present our callback token in its path (Tencent does not
sign callbacks: 403 and nothing read otherwise); replies feed the same SMS intake, keywords and
reply codes as Twilio's webhook, and what intake answers goes back as an approved template send."""

import json
import logging

from chalice import Response

from chalicelib.edge.http import TooLarge, body_bytes, plain
from chalicelib.intake.errors import BadWebhook
from chalicelib.notify.tencent import Forbidden, delivery_reports, replies, verify_token
from chalicelib.runtime import environment
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event

logger = logging.getLogger(__name__)
JSON = {"Content-Type": "application/json; charset=utf-8"}


def _accepted() -> Response:
    """Tencent's documented answer: result 0 (anything else, or a non-200, and it pushes again)."""
    return Response(body=json.dumps({"result": 0, "errmsg": "OK"}), status_code=200, headers=JSON)


def _body(request, token: str) -> bytes:
    try:
        expected = environment.secret("TENCENT_SMS_CALLBACK_TOKEN")
    except environment.MissingSetting:  # this stack takes no Tencent callbacks at all
        expected = ""
    verify_token(expected, token)
    return body_bytes(request)


def _guarded(request, token: str, answer) -> Response:
    try:
        body = _body(request, token)
    except Forbidden:
        log_event(logger, "tencent_callback_refused", path=request.path.split("/{")[0])
        return plain(403, "Forbidden: unknown callback token")
    except TooLarge:
        return plain(413, "Payload too large")
    try:
        return answer(body)
    except (ValueError, BadWebhook) as problem:
        return plain(400, f"Bad request: {problem}")


def reply_callback(deps: Dependencies, request, token: str, now) -> Response:
    from chalicelib.intake.sms import handle_sms, send_answer

    def answer(body: bytes) -> Response:
        for reply in replies(body):
            sid = f"tencent-{reply.delivery_id}"
            answered = handle_sms(deps, {"From": reply.phone, "Body": reply.text, "MessageSid": sid}, now, False)
            if answered:  # a push delivered again is answered once
                send_answer(deps, reply.phone, answered, f"re{reply.delivery_id[:24]}", now)
        return _accepted()

    return _guarded(request, token, answer)


def status_callback(deps: Dependencies, request, token: str, now) -> Response:
    from chalicelib.notify.sender import record_provider_reports

    def answer(body: bytes) -> Response:
        record_provider_reports(deps, delivery_reports(body), "Tencent Cloud SMS", now)
        return _accepted()

    return _guarded(request, token, answer)
