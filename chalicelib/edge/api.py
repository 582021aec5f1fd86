"""The JSON intake API (`POST /api/complaints`) for the institution's own website and apps: the
same rules as the web form, answers in JSON with the field that is wrong named. Every refusal has
one shape: {"status", "error" (a stable code), "message"}, and "fields" where fields are at fault
(a list of unknown ones, with "accepted"; or per field a code and a message)."""

import hashlib
import json
from datetime import datetime

from chalice import Response

from chalicelib.edge.http import MAX_BODY_BYTES, TooLarge, body_bytes, source_address
from chalicelib.edge.pages import field_messages, filing_window
from chalicelib.intake.filing import file_complaint
from chalicelib.intake.submission import Rejected, validate_submission
from chalicelib.model.case import Event
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.store.abuse import OverLimit
from chalicelib.store.table import Once


def accepted_fields() -> list[str]:
    from chalicelib.intake.submission import Submission

    return sorted(Submission.model_fields)


def _json(status: int, document: dict, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(document, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def refusal(status: int, error: str, message: str, headers: dict | None = None, **more) -> Response:
    """The one shape of every refusal of the API."""
    return _json(status, {"status": status, "error": error, "message": message, **more}, headers)


def _body_digest(data: dict) -> str:
    """The request as the Idempotency-Key promises it: the same JSON, whatever its key order."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "body:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def api_submit(deps: Dependencies, request, now: datetime) -> Response:
    institution = deps.institution
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return refusal(415, "unsupported_media_type", "send the complaint as Content-Type: application/json")
    try:
        raw = body_bytes(request)
    except TooLarge:
        return refusal(413, "body_too_large", f"at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return refusal(400, "invalid_json", "the body is not valid UTF-8 JSON")
    if not isinstance(data, dict):
        return refusal(400, "invalid_json", "the body must be a JSON object")
    key = request.headers.get("idempotency-key", "")
    if key and not (8 <= len(key) <= 128 and key.isprintable()):
        return refusal(400, "invalid_idempotency_key", "Idempotency-Key: 8 to 128 printable characters")
    presented = request.headers.get("x-api-key")
    client = None
    if presented is not None:
        client = deps.store.abuse.api_client_for(presented)
        if client is None:
            return refusal(
                401,
                "unknown_api_key",
                "X-Api-Key is not a key of this hotline (or was revoked); leave it out to file as the public",
            )
    if client:  # a keyed client's window is sharded: its filings are no hot key
        window = filing_window("api", f"key:{client.name}", now, client.per_hour, sharded=True)
    else:
        window = filing_window("api", source_address(request), now, institution.intake.submissions_per_source_per_hour)
    try:
        submission = validate_submission(data, institution)
    except Rejected as rejected:
        if rejected.unknown:
            return refusal(
                400,
                "unknown_fields",
                "unknown fields: " + ", ".join(rejected.unknown),
                fields=rejected.unknown,
                accepted=accepted_fields(),
            )
        messages = field_messages("en", rejected)
        return refusal(
            422,
            "invalid_fields",
            "; ".join(f"{field}: {messages[field]}" for field in rejected.fields),
            fields={field: {"code": key, "message": messages[field]} for field, (key, _) in rejected.fields.items()},
        )
    complaint = submission.to_new_complaint("api", institution.default_language, institution.default_language)
    via = [Event(at=now, actor=f"api:{client.name}", kind="received_from_client")] if client else []
    digest = _body_digest(data)
    try:
        filed = file_complaint(
            deps,
            complaint,
            now,
            once=Once(f"api:{client.name}" if client else "api", key, digest) if key else None,
            extra_events=via,
            window=window,
        )
    except OverLimit:
        return refusal(
            429, "rate_limited", "too many submissions from this source; retry later", {"Retry-After": "3600"}
        )
    if filed.replayed and filed.reply and filed.reply != digest:
        return refusal(
            422,
            "idempotency_key_reused",
            "Idempotency-Key was used for another complaint; use a new key for a new complaint",
            fields={"Idempotency-Key": {"code": "reused", "message": "already used with a different body"}},
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
