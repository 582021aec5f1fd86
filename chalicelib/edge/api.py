"""The JSON intake API (`POST /api/complaints`) for the institution's own website and apps: the
same rules as the web form, answers in JSON with the field that is wrong named."""

import json
from datetime import datetime

from chalice import Response

from chalicelib.edge.http import MAX_BODY_BYTES, TooLarge, body_bytes, source_address
from chalicelib.edge.pages import field_messages, over_limit
from chalicelib.intake.filing import file_complaint
from chalicelib.intake.submission import Rejected, validate_submission
from chalicelib.model.case import Event
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.store.table import Once


def _json(status: int, document: dict, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(document, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def api_submit(deps: Dependencies, request, now: datetime) -> Response:
    institution = deps.institution
    try:
        raw = body_bytes(request)
    except TooLarge:
        return _json(413, {"error": "body_too_large", "message": f"at most {MAX_BODY_BYTES} bytes"})
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _json(400, {"error": "invalid_json", "message": "the body is not valid UTF-8 JSON"})
    if not isinstance(data, dict):
        return _json(400, {"error": "invalid_json", "message": "the body must be a JSON object"})
    key = request.headers.get("idempotency-key", "")
    if key and not (8 <= len(key) <= 128 and key.isprintable()):
        return _json(
            400, {"error": "invalid_idempotency_key", "message": "Idempotency-Key: 8 to 128 printable characters"}
        )
    presented = request.headers.get("x-api-key")
    client = None
    if presented is not None:
        client = deps.store.abuse.api_client_for(presented)
        if client is None:
            return _json(
                401,
                {
                    "error": "unknown_api_key",
                    "message": "X-Api-Key is not a key of this hotline "
                    "(or was revoked); leave it out to file as the public",
                },
            )
    if client:
        over = over_limit(deps, "api", f"key:{client.name}", now, client.per_hour)
    else:
        over = over_limit(deps, "api", source_address(request), now, institution.intake.submissions_per_source_per_hour)
    if over:
        return _json(
            429,
            {"error": "rate_limited", "message": "too many submissions from this source; retry later"},
            {"Retry-After": "3600"},
        )
    try:
        submission = validate_submission(data, institution)
    except Rejected as rejected:
        if rejected.unknown:
            return _json(
                400,
                {
                    "error": "unknown_fields",
                    "fields": rejected.unknown,
                    "message": "unknown fields: " + ", ".join(rejected.unknown),
                },
            )
        messages = field_messages("en", rejected)
        return _json(
            422,
            {
                "error": "invalid_fields",
                "fields": {
                    field: {"code": key, "message": messages[field]} for field, (key, _) in rejected.fields.items()
                },
            },
        )
    complaint = submission.to_new_complaint("api", institution.default_language, institution.default_language)
    via = [Event(at=now, actor=f"api:{client.name}", kind="received_from_client")] if client else []
    filed = file_complaint(
        deps,
        complaint,
        now,
        once=Once(f"api:{client.name}" if client else "api", key) if key else None,
        extra_events=via,
    )
    case = filed.case
    expected = case.expected_response_by()
    return _json(
        200 if filed.replayed else 201,
        {
            "reference": case.reference,
            "status": case.status,
            "received_at": case.received_at.isoformat(),
            "expected_response_by": expected.isoformat() if expected else None,
            "acknowledgements": [message.channel for message in filed.messages],
        },
        {"Idempotent-Replayed": "true"} if filed.replayed else None,
    )
