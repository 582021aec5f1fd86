"""The page a staff link opens: `GET /s/{token}` shows the case, `POST /s/{token}` acts on it.
No password: the link is the key, so it is checked first and an invalid one learns nothing.
Every action is a POST with a CSRF token bound to the link and to the case version shown, and
is applied conditionally on that version (a second person acting at once sees the new state)."""

from datetime import datetime

from chalice import Response

from chalicelib.edge.http import HTML, TooLarge, form_fields, page_language, plain, root_path
from chalicelib.model.case import Event
from chalicelib.model.literals import SEVERITIES
from chalicelib.model.refusals import Refused
from chalicelib.notify.complainant import status_url
from chalicelib.notify.segments import MAX_NUMBERED_TEXTS, segments
from chalicelib.notify.staff import link_message
from chalicelib.runtime import labels
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import mask_email, mask_phone
from chalicelib.runtime.rendering import duration_text, is_now, local_time, page_script, render_page, text
from chalicelib.staff import actions as case_actions
from chalicelib.staff.links import Link, csrf_token, looks_like_token, token_hash
from chalicelib.store.table import StaleCase


def _html(request, name: str, language, institution, status: int = 200, script_hash=None, **values) -> Response:
    root = root_path(request)
    body = render_page(name, language, root=root, institution_name=institution.name.in_(language), **values)
    headers = dict(HTML)
    if script_hash:  # the one inline script this page carries, allowed by its hash
        headers["Content-Security-Policy"] += f"; script-src {script_hash}"
    return Response(body=body, status_code=status, headers=headers)


def notice(request, language, institution, status: int, key: str, offer_fresh: bool = False) -> Response:
    """A page of one sentence: a link or a case that cannot be shown, and why."""
    return _html(
        request, "staff_link", language, institution, status, message=text(language, key), offer_fresh=offer_fresh
    )


def _reply_meter(deps: Dependencies, case, language) -> dict | None:
    """What the reply box needs to show the length, SMS segments and cost of a reply as the
    complainant will receive it (signed, in their language); None when they have no phone."""
    if not case.complainant.phone:
        return None
    institution, theirs = deps.institution, case.complainant.language
    prefix, suffix = text(theirs, "complainant_signed", institution=institution.sms_name(theirs), words="\0").split(
        "\0"
    )
    link_text = text(
        theirs,
        "sms_long_text",
        inst=institution.sms_name(theirs),
        reference=case.reference,
        link=status_url(deps.base_url, case.reference),
    )
    price = institution.channels.sms_price(case.complainant.phone)
    placeholders = {"length": "{length}", "segments": "{segments}", "cost": "{cost}"}
    profile = institution.channels.sms_profile(case.complainant.phone)
    # Where operators take only approved texts without free words, every reply goes as the link text.
    linked_only = profile.templated and not profile.sends("complainant_signed")
    if linked_only:
        template = profile.template("sms_new_message", theirs)
        link_text = f"【{profile.sign_name.in_(theirs)}】" + template.rendered(dict(link_text.values))
    long_key = "staff_meter_template" if linked_only else "staff_meter_long"
    return {
        "prefix": prefix,
        "suffix": suffix,
        "most": 0 if linked_only else MAX_NUMBERED_TEXTS,
        "rule": text(
            language, "staff_meter_rule_template" if linked_only else "staff_meter_rule", most=MAX_NUMBERED_TEXTS
        ),
        "link_segments": segments(link_text),
        "price": str(price.per_segment) if price else "",
        "currency": price.currency if price else "",
        "short": text(language, "staff_meter", **placeholders),
        "long": text(language, long_key, most=MAX_NUMBERED_TEXTS, **placeholders),
        "no_price": text(language, "staff_meter_no_price"),
        "script": page_script("reply_meter.js"),
    }


def grant_key(secret: str) -> str:
    """What names the link or session on the timeline: never the secret itself."""
    return token_hash(secret)[:16]


def _complainant(case, language, revealed: bool) -> dict:
    """Who complained, contacts masked until the viewer asks to see them (recorded on the timeline)."""
    person = case.complainant
    phone, email = person.phone, person.email
    return {
        "name": text(language, "staff_anonymous") if person.anonymous else (person.name or ""),
        "phone": phone if revealed else mask_phone(phone),
        "email": email if revealed else mask_email(email),
        "tel": phone if revealed and phone else None,
        "language": text(language, f"language_name_{person.language}"),
        "revealed": revealed,
        "has_contact": bool(phone or email),
    }


def _link(deps: Dependencies, token: str, now: datetime):
    """(link, problem): the stored link for a token, or why it cannot be used."""
    if not looks_like_token(token):
        return None, "invalid"
    link = deps.store.links.get(token_hash(token))
    if link is None or link.revoked:
        return None, "invalid"
    if link.expired(now):
        return link, "expired"
    return link, None


def staff_page(deps: Dependencies, request, token: str, now: datetime) -> Response:
    institution = deps.institution
    link, problem = _link(deps, token, now)
    member = deps.institution.staff_member(link.staff_id) if link else None
    language = page_language(request, institution, preferred=member.language if member else None)
    if problem == "invalid":
        return notice(request, language, institution, 404, "staff_link_invalid")
    if request.method == "POST":
        try:
            fields = form_fields(request)
        except TooLarge:
            return plain(413, "Payload too large")
        if problem == "expired":
            if fields.get("action") == "fresh_link":
                _text_fresh_link(deps, link, now)
                return notice(request, language, institution, 200, "staff_fresh_sent")
        else:
            return _act(deps, request, token, link, fields, language, now)
    if problem == "expired":
        return notice(request, language, institution, 410, "staff_link_expired", offer_fresh=True)
    return _show(deps, request, token, link, language, now)


def _show(deps: Dependencies, request, token, link, language, now, banner=None, status=200) -> Response:
    store, institution = deps.store, deps.institution
    case = store.cases.get(link.reference)
    zone = institution.calendar.timezone
    clocks = []
    for clock in case.clocks:
        if clock.stopped_at:
            state = text(language, "staff_stopped")
        elif clock.paused_at:
            state = text(language, "staff_paused")
        elif is_now(clock.due_at - now) and is_now(now - clock.due_at, late=True):
            state = text(language, "staff_due_now")
        elif clock.due_at > now:  # calendar time until the deadline, which is what a person plans by
            state = text(language, "staff_left", time=duration_text(language, clock.due_at - now))
        else:
            state = text(language, "staff_overdue", time=duration_text(language, now - clock.due_at, late=True))
        if clock.explained_at:  # every level sees why it was missed and the date now expected
            state += "; " + text(
                language,
                "staff_explained",
                reason=clock.delay_reason,
                expected=local_time(clock.expected_by, zone, language),
            )
        clocks.append(
            {
                "name": text(language, f"clock_{clock.name}"),
                "due": local_time(clock.due_at, zone, language),
                "state": state,
            }
        )
    missed = [(clock.name, text(language, f"clock_{clock.name}")) for clock in case_actions.missed_clocks(case, now)]
    events = store.cases.timeline(case.reference)
    timeline = [
        labels.timeline_entry(language, event, institution, local_time(event.at, zone, language)) for event in events
    ]
    grant = grant_key(token)
    revealed = any(
        e.kind == "contact_viewed" and e.data.get("grant") == grant and e.actor == f"staff:{link.staff_id}"
        for e in events
    )
    staff = [
        {"id": member.id, "name": member.name, "unit": labels.org_unit(language, member.unit, institution)}
        for member in institution.staff
        if member.id != link.staff_id
    ]
    pending = case.pending_extension
    deciding = (
        text(
            language,
            "staff_extension_pending",
            who=labels.actor(language, pending.requested_by, institution),
            amount=pending.amount,
            unit=labels.label(language, "unit", pending.unit),
            clock=labels.label(language, "clock", pending.clock),
            reason=pending.reason,
        )
        if pending and pending.approver == link.staff_id
        else None
    )
    severities = [(level, labels.label(language, "severity", level)) for level in SEVERITIES]
    view = {
        "complainant": _complainant(case, language, revealed),
        "clocks": clocks,
        "missed": missed,
        "severities": severities,
        "timeline": timeline,
        "staff": staff,
        "deciding": deciding,
    }
    received, csrf = local_time(case.received_at, zone, language), csrf_token(token, case.version)
    actions = case.status not in ("resolved", "closed", "not_accepted")
    meter = _reply_meter(deps, case, language) if actions else None
    return _html(
        request,
        "staff",
        language,
        institution,
        status,
        script_hash=meter["script"][1] if meter else None,
        meter=meter,
        case=case,
        banner=banner,
        **view,
        received=received,
        csrf=csrf,
        actions=actions,
    )


# The form's actions: the case action each calls, and which form field gives which of its arguments.
_ACTIONS = {
    "acknowledge": (case_actions.acknowledge, {}),
    "reply": (case_actions.reply, {"text": "words", "holding": "holding"}),
    "note": (case_actions.note, {"text": "words"}),
    "resolve": (
        case_actions.resolve,
        {name: name for name in ("summary", "validity", "cause", "corrective_action", "compensation")},
    ),
    "request_extension": (
        case_actions.request_extension,
        {"clock": "clock_name", "amount": "amount", "unit": "unit", "reason": "reason"},
    ),
    "approve_extension": (case_actions.decide_extension, {"approve": "approve"}),
    "deny_extension": (case_actions.decide_extension, {"approve": "approve"}),
    "not_accept": (case_actions.not_accept, {"reason": "reason"}),
    "explain_delay": (case_actions.explain_delay, {"clock": "clock_name", "days": "days", "reason": "reason"}),
    "severity": (case_actions.change_severity, {"severity": "severity", "reason": "reason"}),
    "reassign": (case_actions.reassign, {"to": "to_staff_id"}),
}


def _argument(fields: dict[str, str], action: str, field: str):
    """A form field as its case action takes it: text, or the amount as a number, the checkbox as a flag."""
    value = fields.get(field, "")
    if field in ("amount", "days"):
        return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else 0
    if field == "holding":
        return bool(value)
    if field == "approve":
        return action == "approve_extension"
    return value or ("working_days" if field == "unit" else "")


def _act(deps: Dependencies, request, token, link, fields, language, now) -> Response:
    try:
        version = int(fields.get("version", ""))
    except ValueError:
        version = -1
    if fields.get("csrf") != csrf_token(token, version):
        return plain(403, "Forbidden: the form is not from this link")
    action = fields.get("action", "")
    if action == "show_contact":  # recorded once per person, case and link or session
        case_actions.contact_viewed(deps, link.reference, f"staff:{link.staff_id}", grant_key(token), now)
        return _show(deps, request, token, link, language, now)
    try:
        if action not in _ACTIONS:
            raise Refused("unknown_action")
        if action in ("approve_extension", "deny_extension"):
            pending = deps.store.cases.get(link.reference).pending_extension
            if pending is None or pending.approver != link.staff_id:
                raise Refused("extension_not_yours")
        function, arguments = _ACTIONS[action]
        function(
            deps,
            link.reference,
            f"staff:{link.staff_id}",
            now=now,
            expected_version=version,
            **{name: _argument(fields, action, field) for field, name in arguments.items()},
        )
    except StaleCase:
        return _show(deps, request, token, link, language, now, text(language, "staff_stale"), 409)
    except Refused as problem:
        status = 400 if problem.key == "unknown_action" else 422
        return _show(
            deps,
            request,
            token,
            link,
            language,
            now,
            text(language, "staff_problem", problem=problem.say(language)),
            status,
        )
    return _show(deps, request, token, link, language, now, text(language, "staff_done"))


def _text_fresh_link(deps: Dependencies, link: Link, now: datetime) -> None:
    """A new link for the same case, texted to the directory number of the same person only."""
    member = deps.institution.staff_member(link.staff_id)
    if member is None or not member.phone:
        return
    from chalicelib.notify import sender as notify

    message = link_message(deps, link.reference, member.id, member.phone, "staff_link", now, "staff_text_case")
    deps.store.outbox.queue(message)
    deps.store.cases.append_event(
        link.reference,
        Event(at=now, actor=f"staff:{member.id}", kind="fresh_link_sent", data={"message_id": message.id}),
    )
    notify.deliver(deps, [message.id], now)
