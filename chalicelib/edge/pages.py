"""The complainant's pages: the complaint form, its confirmation and the status lookup. Every page
escapes what it shows (Jinja2 autoescape); errors are pages in the user's language, with what they
typed kept."""

import secrets
from datetime import datetime

from chalice import Response

from chalicelib.edge.http import TooLarge, form_fields, html_page, page_language, source_address
from chalicelib.intake.filing import Filed, file_complaint
from chalicelib.intake.submission import Rejected, validate_submission
from chalicelib.model.case import Case
from chalicelib.model.institution import Institution
from chalicelib.model.lifecycle import is_open
from chalicelib.model.references import normalise_reference
from chalicelib.notify.complainant import shows_zone
from chalicelib.runtime import labels
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.language import Language
from chalicelib.runtime.rendering import local_time, text
from chalicelib.store.abuse import OverLimit, Window
from chalicelib.store.table import Once

LOOKUPS_PER_SOURCE_PER_HOUR = 30
FORM_FIELDS = (
    "description",
    "type",
    "category",
    "occurred",
    "location",
    "subject",
    "demands",
    "name",
    "phone",
    "email",
    "language",
    "anonymous",
)


def page(
    request, name: str, language: Language, institution: Institution, status: int = 200, switch=None, **values
) -> Response:
    """`switch`: the fields of the POST that made this page, sent again by its language switch, so
    the other language shows the same answer (a GET link would meet a POST-only route)."""
    return html_page(request, name, language, institution, status, switch_fields=switch, **values)


def message_page(
    request, language: Language, institution: Institution, status: int, title_key: str, body_key: str
) -> Response:
    return page(
        request,
        "message",
        language,
        institution,
        status,
        title=text(language, title_key),
        body=text(language, body_key),
    )


def over_limit(deps: Dependencies, kind: str, source: str, now: datetime, limit: int) -> bool:
    """More than `limit` requests of this kind from this source in the current hour."""
    return deps.store.abuse.count_in_window(f"{kind}#{source}", now.strftime("%Y%m%d%H"), 7200) > limit


def filing_window(kind: str, source: str, now: datetime, limit: int, sharded: bool = False) -> Window:
    """The hourly limit of filings from this source, taken in the filing's own transaction."""
    return Window(f"{kind}#{source}", now.strftime("%Y%m%d%H"), limit, sharded)


def field_messages(language: Language, rejected: Rejected) -> dict[str, str]:
    messages = {}
    for field, (key, args) in rejected.fields.items():
        try:
            messages[field] = text(language, f"error_{key}", **args)
        except KeyError:  # a rule without its own wording
            messages[field] = text(language, "error_invalid")
    return messages


# -- the web form -----------------------------------------------------------------------------
def _form(request, institution, language, status=200, values=None, errors=None, banner=None, switch=None) -> Response:
    return page(
        request,
        "new",
        language,
        institution,
        status,
        switch=switch,
        values=values or {},
        errors=errors or {},
        banner=banner,
        categories=institution.categories,
        allow_anonymous=institution.intake.allow_anonymous,
        max_text=institution.intake.max_text_chars,
        form_token=(values or {}).get("form_token") or secrets.token_urlsafe(16),
    )


def new_form(deps: Dependencies, request) -> Response:
    return _form(request, deps.institution, page_language(request, deps.institution))


def submit_form(deps: Dependencies, request, now: datetime) -> Response:
    institution = deps.institution
    language = page_language(request, institution)
    try:
        fields = form_fields(request)
    except TooLarge:
        return message_page(request, language, institution, 413, "error_title", "error_413")
    values = {name: fields.get(name, "") for name in (*FORM_FIELDS, "form_token")}
    if fields.get("website"):  # the honeypot: people never see it, form-filling robots do
        deps.store.abuse.quarantine("web", "honeypot", fields, now)
        return message_page(request, language, institution, 200, "spam_title", "spam_body")
    data = {name: fields[name] for name in FORM_FIELDS if name in fields}
    data["anonymous"] = bool(fields.get("anonymous"))
    try:
        submission = validate_submission(data, institution)
    except Rejected as rejected:
        return _form(
            request,
            institution,
            language,
            422,
            values,
            field_messages(language, rejected),
            text(language, "form_has_errors"),
            switch=fields,
        )
    complaint = submission.to_new_complaint("web", language, institution.default_language)
    token = fields.get("form_token", "")
    window = filing_window("web", source_address(request), now, institution.intake.submissions_per_source_per_hour)
    try:
        filed = file_complaint(
            deps, complaint, now, once=Once("web", token) if 16 <= len(token) <= 64 else None, window=window
        )
    except OverLimit:  # everything typed comes back, with the reason
        banner = _locked_out(institution, language)
        return _form(request, institution, language, 429, values, banner=banner, switch=fields)
    # A replay (the same form token: the switch to the other language, or a second click) is
    # answered in the page's language; a new case in the complainant's.
    return _confirmation(request, institution, filed, language if filed.replayed else None, switch=fields)


def _locked_out(institution: Institution, language: Language) -> str:
    """Over the per-source limit: wait an hour or call - the hotline's number, where there is one."""
    hotline = institution.channels.hotline_display or institution.channels.sms_number
    return text(language, "error_429_hotline", hotline=hotline) if hotline else text(language, "error_429")


def _confirmation(request, institution: Institution, filed: Filed, language=None, switch=None) -> Response:
    case: Case = filed.case
    language = language or case.complainant.language
    zone = institution.calendar.timezone
    notices = [text(language, f"confirm_sent_{message.channel}", contact=message.to) for message in filed.messages]
    if not filed.messages:
        notices.append(text(language, "confirm_no_contact"))
    expected = case.expected_response_by()
    zoned = shows_zone(institution, language, case.complainant.phone)
    return page(
        request,
        "confirmation",
        language,
        institution,
        switch=switch,
        reference=case.reference,
        received=local_time(case.received_at, zone, language, with_zone=zoned),
        expected=local_time(expected, zone, language, with_zone=zoned) if expected else None,
        notices=notices,
    )


# -- status lookup ----------------------------------------------------------------------------
def status_page(deps: Dependencies, request, now: datetime) -> Response:
    """GET shows the lookup form (and looks up when both values are in the query); POST looks up
    without putting the contact in a URL. A wrong contact and an unknown reference get the same
    answer, so the page reveals nothing about cases that are not yours."""
    institution = deps.institution
    language = page_language(request, institution)
    if request.method == "POST":
        try:
            fields = form_fields(request)
        except TooLarge:
            return message_page(request, language, institution, 413, "error_title", "error_413")
    else:
        fields = dict(request.query_params or {})
    reference_text, contact = fields.get("ref", ""), fields.get("contact", "")
    switch = {"ref": reference_text, "contact": contact} if request.method == "POST" else None
    values = {"ref": reference_text}
    if not contact:
        return page(request, "status", language, institution, values=values, case=None, banner=None)
    if over_limit(deps, "lookup", source_address(request), now, LOOKUPS_PER_SOURCE_PER_HOUR):
        return page(
            request,
            "status",
            language,
            institution,
            429,
            switch=switch,
            values=values,
            case=None,
            banner=_locked_out(institution, language),
        )
    case = find_own_case(deps, reference_text, contact)
    if case is None:
        return page(
            request,
            "status",
            language,
            institution,
            404,
            switch=switch,
            values=values,
            case=None,
            banner=text(language, "status_not_found"),
        )
    zone, zoned = institution.calendar.timezone, shows_zone(institution, language, case.complainant.phone)
    updates = [
        {
            "at": local_time(event.at, zone, language, with_zone=zoned),
            "what": labels.label(language, "event", event.kind),
            "text": event.text,
        }
        for event in deps.store.cases.timeline(case.reference)
        if event.public
    ]
    expected = case.expected_response_by()
    finished = not is_open(case.status) and case.finished_at is not None
    regulator = institution.after_resolution.regulator
    return page(
        request,
        "status",
        language,
        institution,
        switch=switch,
        values=values,
        case=case,
        banner=None,
        updates=updates,
        received=local_time(case.received_at, zone, language, with_zone=zoned),
        expected=local_time(expected, zone, language, with_zone=zoned) if expected else None,
        extended=case.extended(),
        finished=local_time(case.finished_at, zone, language, with_zone=zoned) if finished else None,
        where_next=(
            text(
                language,
                "status_if_dissatisfied_regulator",
                reference=case.reference,
                regulator=regulator.in_(language),
            )
            if regulator
            else text(language, "status_if_dissatisfied", reference=case.reference)
        )
        if finished
        else None,
    )


def find_own_case(deps: Dependencies, reference_text: str, contact: str) -> Case | None:
    from chalicelib.model.contacts import contact_or_none

    reference = normalise_reference(reference_text)
    given = contact_or_none(contact, deps.institution.intake.default_phone_region)
    # The read happens whatever the input, so timing does not tell a valid reference apart.
    case = deps.store.cases.get(reference or "NONE-000000000")
    if case is None or given is None or given not in case.complainant.contacts():
        return None
    return case
