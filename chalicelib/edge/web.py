"""The complainant's pages and the JSON intake API: parse the request, call intake, answer.
Every page escapes what it shows (Jinja2 autoescape); errors are pages in the user's language,
with what they typed kept."""
import json
import secrets
from datetime import datetime
from urllib.parse import parse_qs

from chalice import Response

from chalicelib.runtime import context
from chalicelib.model.case import Case, Event
from chalicelib.model.institution import Institution
from chalicelib.intake.filing import file_complaint
from chalicelib.model.language import Language, choose, from_accept_language, from_choice
from chalicelib.model.references import normalise_reference
from chalicelib.runtime.rendering import local_time, render_page, text
from chalicelib.store.table import Once
from chalicelib.intake.submission import Rejected, validate_submission

MAX_BODY_BYTES = 64 * 1024
LOOKUPS_PER_SOURCE_PER_HOUR = 30
_FORM_FIELDS = ("description", "type", "category", "occurred", "location", "subject", "demands",
                "name", "phone", "email", "language", "anonymous")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class TooLarge(Exception):
    pass


def body_bytes(request) -> bytes:
    """The body, or TooLarge before anything is parsed (413)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge()
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge()
    return raw


def page_language(request, institution: Institution, preferred: Language | None = None) -> Language:
    """The page's own switch (?lang=), then what we know the reader prefers, then the browser's."""
    query = request.query_params or {}
    return choose(from_choice(query.get("lang")), preferred, from_accept_language(request.headers.get("accept-language")),
                  default=institution.default_language)


def _root(request) -> str:
    """The relative path from this page to the app's root, so links work behind a stage prefix."""
    depth = max(request.path.strip("/").count("/"), 0)
    return "../" * depth if depth else "./"


def _source(request) -> str:
    identity = (request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or "unknown"


def _page(request, name: str, language: Language, institution: Institution, status: int = 200, **values) -> Response:
    body = render_page(name, language, root=_root(request), institution_name=institution.name.in_(language), **values)
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS})


def message_page(request, language: Language, institution: Institution, status: int, title_key: str,
                 body_key: str) -> Response:
    return _page(request, "message", language, institution, status, title=text(language, title_key),
                 body=text(language, body_key))


def _over_limit(kind: str, request, now: datetime, limit: int, source: str | None = None) -> bool:
    count = context.store().abuse.count_in_window(f"{kind}#{source or _source(request)}", now.strftime("%Y%m%d%H"), 7200)
    return count > limit


# -- the web form -----------------------------------------------------------------------------
def _form(request, institution, language, status=200, values=None, errors=None, banner=None) -> Response:
    return _page(request, "new", language, institution, status, values=values or {}, errors=errors or {},
                 banner=banner, categories=institution.categories, allow_anonymous=institution.intake.allow_anonymous,
                 max_text=institution.intake.max_text_chars,
                 form_token=(values or {}).get("form_token") or secrets.token_urlsafe(16))


def new_form(request) -> Response:
    institution = context.institution()
    return _form(request, institution, page_language(request, institution))


def _decode_form(raw: bytes) -> dict[str, str]:
    fields = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}


def submit_form(request, now: datetime) -> Response:
    institution = context.institution()
    language = page_language(request, institution)
    try:
        fields = _decode_form(body_bytes(request))
    except TooLarge:
        return message_page(request, language, institution, 413, "error_title", "error_413")
    values = {name: fields.get(name, "") for name in (*_FORM_FIELDS, "form_token")}
    store = context.store()
    if fields.get("website"):  # the honeypot: people never see it, form-filling robots do
        store.abuse.quarantine("web", "honeypot", fields, now)
        return message_page(request, language, institution, 200, "spam_title", "spam_body")
    if _over_limit("web", request, now, institution.intake.submissions_per_source_per_hour):
        return _form(request, institution, language, 429, values, banner=text(language, "error_429"))
    data = {name: fields[name] for name in _FORM_FIELDS if name in fields}
    data["anonymous"] = bool(fields.get("anonymous"))
    try:
        submission = validate_submission(data, institution)
    except Rejected as rejected:
        return _form(request, institution, language, 422, values, field_messages(language, rejected),
                     text(language, "form_has_errors"))
    complaint = submission.to_new_complaint("web", language, institution.default_language)
    token = fields.get("form_token", "")
    filed = file_complaint(store, institution, complaint, now, context.setting("PUBLIC_BASE_URL"),
                           once=Once("web", token) if 16 <= len(token) <= 64 else None)
    return _confirmation(request, institution, filed)


def field_messages(language: Language, rejected: Rejected) -> dict[str, str]:
    messages = {}
    for field, (key, args) in rejected.fields.items():
        try:
            messages[field] = text(language, f"error_{key}", **args)
        except KeyError:  # a rule without its own wording
            messages[field] = text(language, "error_invalid")
    return messages


def _confirmation(request, institution: Institution, filed) -> Response:
    case: Case = filed.case
    language = case.complainant.language
    zone = institution.calendar.timezone
    notices = [text(language, f"confirm_sent_{message.channel}", contact=message.to) for message in filed.messages]
    if not filed.messages:
        notices.append(text(language, "confirm_no_contact"))
    expected = case.expected_response_by()
    return _page(request, "confirmation", language, institution, reference=case.reference,
                 received=local_time(case.received_at, zone, language),
                 expected=local_time(expected, zone, language) if expected else None, notices=notices)


# -- status lookup ----------------------------------------------------------------------------
def status_page(request, now: datetime) -> Response:
    """GET shows the lookup form (and looks up when both values are in the query); POST looks up
    without putting the contact in a URL. A wrong contact and an unknown reference get the same
    answer, so the page reveals nothing about cases that are not yours."""
    institution = context.institution()
    language = page_language(request, institution)
    if request.method == "POST":
        try:
            fields = _decode_form(body_bytes(request))
        except TooLarge:
            return message_page(request, language, institution, 413, "error_title", "error_413")
    else:
        fields = dict(request.query_params or {})
    reference_text, contact = fields.get("ref", ""), fields.get("contact", "")
    values = {"ref": reference_text}
    if not contact:
        return _page(request, "status", language, institution, values=values, case=None, banner=None)
    if _over_limit("lookup", request, now, LOOKUPS_PER_SOURCE_PER_HOUR):
        return _page(request, "status", language, institution, 429, values=values, case=None,
                     banner=text(language, "error_429"))
    case = find_own_case(reference_text, contact, institution)
    if case is None:
        return _page(request, "status", language, institution, 404, values=values, case=None,
                     banner=text(language, "status_not_found"))
    zone = institution.calendar.timezone
    updates = [{"at": local_time(event.at, zone, language), "text": event.text}
               for event in context.store().cases.timeline(case.reference) if event.public]
    expected = case.expected_response_by()
    return _page(request, "status", language, institution, values=values, case=case, banner=None,
                 updates=updates, received=local_time(case.received_at, zone, language),
                 expected=local_time(expected, zone, language) if expected else None)


def find_own_case(reference_text: str, contact: str, institution: Institution) -> Case | None:
    from chalicelib.model.contacts import InvalidContact, normalise_email, normalise_phone

    reference = normalise_reference(reference_text)
    try:
        if "@" in contact:
            given = normalise_email(contact)
        else:
            given = normalise_phone(contact, institution.intake.default_phone_region)
    except InvalidContact:
        given = None
    # The read happens whatever the input, so timing does not tell a valid reference apart.
    case = context.store().cases.get(reference or "NONE-000000000")
    if case is None or given is None or given not in case.complainant.contacts():
        return None
    return case


# -- JSON API ---------------------------------------------------------------------------------
def _json(status: int, document: dict, headers: dict | None = None) -> Response:
    return Response(body=json.dumps(document, ensure_ascii=False), status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def api_submit(request, now: datetime) -> Response:
    institution = context.institution()
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
        return _json(400, {"error": "invalid_idempotency_key", "message": "Idempotency-Key: 8 to 128 printable characters"})
    presented = request.headers.get("x-api-key")
    client = None
    if presented is not None:
        client = context.store().abuse.api_client_for(presented)
        if client is None:
            return _json(401, {"error": "unknown_api_key", "message": "X-Api-Key is not a key of this hotline "
                                                                      "(or was revoked); leave it out to file as the public"})
    over = _over_limit("api", request, now, client.per_hour, f"key:{client.name}") if client else \
        _over_limit("api", request, now, institution.intake.submissions_per_source_per_hour)
    if over:
        return _json(429, {"error": "rate_limited", "message": "too many submissions from this source; retry later"},
                     {"Retry-After": "3600"})
    try:
        submission = validate_submission(data, institution)
    except Rejected as rejected:
        if rejected.unknown:
            return _json(400, {"error": "unknown_fields", "fields": rejected.unknown,
                               "message": "unknown fields: " + ", ".join(rejected.unknown)})
        messages = field_messages("en", rejected)
        return _json(422, {"error": "invalid_fields", "fields": {
            field: {"code": key, "message": messages[field]} for field, (key, _) in rejected.fields.items()}})
    complaint = submission.to_new_complaint("api", institution.default_language, institution.default_language)
    via = [Event(at=now, actor=f"api:{client.name}", kind="received_from_client")] if client else []
    filed = file_complaint(context.store(), institution, complaint, now, context.setting("PUBLIC_BASE_URL"),
                           once=Once(f"api:{client.name}" if client else "api", key) if key else None, extra_events=via)
    case = filed.case
    expected = case.expected_response_by()
    return _json(200 if filed.replayed else 201, {
        "reference": case.reference,
        "status": case.status,
        "received_at": case.received_at.isoformat(),
        "expected_response_by": expected.isoformat() if expected else None,
        "acknowledgements": [message.channel for message in filed.messages],
    }, {"Idempotent-Replayed": "true"} if filed.replayed else None)
