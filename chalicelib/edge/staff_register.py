"""`GET`/`POST /staff/new-case`: staff register a complaint on someone's behalf - a walk-in visit,
a letter, a fax, a referral from another body. The acceptance time is the one they enter (not in
the future, at most `intake.staff_backdate_days` back), and the clocks count from it; the case
records who entered it, the referrer and the referrer's own deadline, and whether an
acknowledgement goes out. A bad form comes back as typed, with a message per field; the form's
token makes a second click file nothing new."""

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from chalice import Response

from chalicelib.edge.http import TooLarge, form_fields, html_page, page_language, plain
from chalicelib.edge.pages import field_messages
from chalicelib.edge.staff_page import notice
from chalicelib.edge.staff_session import csrf_for, session_of
from chalicelib.intake.filing import file_complaint
from chalicelib.intake.submission import STAFF_CHANNELS, Rejected, validate_registration
from chalicelib.model.case import Event
from chalicelib.runtime import labels
from chalicelib.runtime.clock import iso
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.staff.sign_in import signed_in
from chalicelib.store.table import Once

FIELDS = (
    "channel",
    "accepted_at",
    "name",
    "phone",
    "email",
    "description",
    "category",
    "location",
    "subject",
    "demands",
    "referrer",
    "referrer_deadline",
    "form_token",
)


def register_page(deps: Dependencies, request, now: datetime) -> Response:
    institution, session = deps.institution, session_of(request)
    member = signed_in(deps, session, now)
    language = page_language(request, institution, preferred=member.language if member else None)
    if member is None:
        return notice(request, language, institution, 401, "staff_session_needed", offer_sign_in=True)
    if request.method == "GET":
        local = now.astimezone(ZoneInfo(institution.calendar.timezone))
        return _form(deps, request, language, session, {"accepted_at": local.strftime("%Y-%m-%dT%H:%M")})
    try:
        fields = form_fields(request)
    except TooLarge:
        return plain(413, "Payload too large")
    if fields.get("csrf") != csrf_for(session, "register"):
        return plain(403, "Forbidden: the form did not come from this session")
    values = {name: fields.get(name, "") for name in FIELDS}
    values["acknowledge"] = "yes" if fields.get("acknowledge") else ""
    data = {name: fields[name] for name in FIELDS if name != "form_token" and fields.get(name)}
    data["acknowledge"] = bool(fields.get("acknowledge"))
    try:
        registration = validate_registration(data, institution, now)
    except Rejected as rejected:
        errors = field_messages(language, rejected)
        return _form(deps, request, language, session, values, errors, 422)
    complaint = registration.to_new_complaint(registration.channel, language, institution.default_language)
    entered = Event(
        at=now,
        actor=f"staff:{member.id}",
        kind="registered_by_staff",
        data={
            "channel": registration.channel,
            "accepted_at": iso(registration.accepted),
            **({"referrer": registration.referrer} if registration.referrer else {}),
        },
    )
    token = values["form_token"]
    filed = file_complaint(
        deps,
        complaint,
        now,
        once=Once("staff-form", token) if 16 <= len(token) <= 64 else None,
        extra_events=[entered],
        acknowledge=registration.acknowledge,
        received_at=registration.accepted,
    )
    return html_page(
        request,
        "staff_registered",
        language,
        institution,
        reference=filed.case.reference,
        channel=labels.label(language, "channel", registration.channel),
        sent=[text(language, f"confirm_sent_{m.channel}", contact=m.to) for m in filed.messages],
    )


def _form(deps, request, language, session, values, errors=None, status=200) -> Response:
    institution = deps.institution
    return html_page(
        request,
        "staff_register",
        language,
        institution,
        status,
        values={"acknowledge": "yes", **values, "form_token": values.get("form_token") or secrets.token_urlsafe(16)},
        errors=errors or {},
        banner=text(language, "form_has_errors") if errors else None,
        channels=[(channel, labels.label(language, "channel", channel)) for channel in STAFF_CHANNELS],
        categories=[(c.code, c.name.in_(language)) for c in institution.categories],
        backdate_days=institution.intake.staff_backdate_days,
        csrf=csrf_for(session, "register"),
    )
