"""The case page: `GET /s/{token}` shows what an alert link names (a bundled alert's link every
case its text names, `?case=` choosing one; anything else asks for sign-in), `/staff/cases/
{reference}` (edge/staff_cases.py) the same page for a signed-in person. `POST` acts on it.
No password on a link: the link is the key, so it is checked first and an invalid one learns
nothing. Every action is a POST with a CSRF token bound to the link or session and to the case
version shown, and is applied conditionally on that version: a second person acting at once gets
a 409 that keeps what was typed and shows what changed."""

from dataclasses import dataclass
from datetime import datetime

from chalice import Response

from chalicelib.edge import case_view, uploads
from chalicelib.edge.http import HTML, TooLarge, form_fields, html_page, page_language, plain
from chalicelib.model.case import Case, Event
from chalicelib.model.literals import SEVERITIES, TASK_OUTCOMES
from chalicelib.model.references import normalise_reference
from chalicelib.model.refusals import Refused
from chalicelib.notify.staff import link_message
from chalicelib.runtime import labels
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.staff import actions as case_actions
from chalicelib.staff import reopening, transfers
from chalicelib.staff.links import Link, csrf_token, looks_like_token, token_hash
from chalicelib.staff.scopes import can_see
from chalicelib.store.files import origin_of
from chalicelib.store.table import StaleCase


def notice(request, language, institution, status: int, key: str, offer_fresh=False, offer_sign_in=False) -> Response:
    """A page of one sentence: a link or a case that cannot be shown, and why."""
    return html_page(
        request,
        "staff_link",
        language,
        institution,
        status,
        message=text(language, key),
        offer_fresh=offer_fresh,
        offer_sign_in=offer_sign_in,
    )


def grant_key(secret: str) -> str:
    """What names the link or session on the timeline: never the secret itself."""
    return token_hash(secret)[:16]


@dataclass(frozen=True)
class Viewer:
    """Who looks at a case page and by what right. `key` is the staff link's token or the session
    (the CSRF key, and - hashed - the grant a contact view is recorded under); `files` is where the
    page's own file route starts, relative to the page; `query` keeps a bundled link's choice of case."""

    key: str
    staff_id: str
    reference: str
    files: str
    query: str = ""
    named: tuple[str, ...] = ()  # the cases a bundled alert's link names, each its own page
    session: bool = False  # a signed-in person (who may add files), not a link

    @property
    def actor(self) -> str:
        return f"staff:{self.staff_id}"


def find_link(deps: Dependencies, token: str, now: datetime):
    """(link, problem): the stored link for a token, or why it cannot be used."""
    if not looks_like_token(token):
        return None, "invalid"
    link = deps.store.links.get(token_hash(token))
    if link is None or link.revoked:
        return None, "invalid"
    if link.expired(now):
        return link, "expired"
    return link, None


def link_viewer(deps: Dependencies, request, token: str, link: Link) -> tuple[Viewer | None, Case | None]:
    """(viewer, case) of a link's page: the case it leads with, or another its text names
    (`?case=`); (None, None) for any other, and for a case the person may no longer see
    (reassigned away, 回避)."""
    chosen = (request.query_params or {}).get("case")
    reference = normalise_reference(chosen) if chosen else link.reference
    if reference not in link.references:
        return None, None
    case = deps.store.cases.get(reference)
    if case is None or not can_see(deps.institution, deps.institution.staff_member(link.staff_id), case):
        return None, None
    query = f"?case={reference}" if chosen else ""
    return Viewer(token, link.staff_id, reference, f"{token}/files/", query, link.references), case


def staff_page(deps: Dependencies, request, token: str, now: datetime) -> Response:
    institution = deps.institution
    link, problem = find_link(deps, token, now)
    member = deps.institution.staff_member(link.staff_id) if link else None
    language = page_language(request, institution, preferred=member.language if member else None)
    if problem == "invalid":
        return notice(request, language, institution, 404, "staff_link_invalid")
    viewer, case = link_viewer(deps, request, token, link) if problem is None else (None, None)
    if request.method == "POST":
        try:
            fields = form_fields(request)
        except TooLarge:
            return plain(413, "Payload too large")
        if problem == "expired":
            if fields.get("action") == "fresh_link":
                _text_fresh_link(deps, link, now)
                return notice(request, language, institution, 200, "staff_fresh_sent")
        elif viewer is not None:
            return act(deps, request, viewer, fields, language, now)
    if problem == "expired":
        return notice(request, language, institution, 410, "staff_link_expired", offer_fresh=True)
    if viewer is None:
        return notice(request, language, institution, 404, "staff_link_not_named", offer_sign_in=True)
    return show(deps, request, viewer, language, now, case=case)


def show(deps: Dependencies, request, viewer: Viewer, language, now, banner=None, status=200, typed=None, case=None):
    """The case page. `typed`: the fields of a form that could not be applied, shown again as typed
    (with the changes made since the page was opened, on a 409). `case`: as the viewer's check just
    read it; after an action, read again."""
    store, institution = deps.store, deps.institution
    case = case or store.cases.get(viewer.reference)  # the base table, never an index: the case as it is now
    events = store.cases.timeline(case.reference)
    grant = grant_key(viewer.key)
    revealed = any(
        e.kind == "contact_viewed" and e.data.get("grant") == grant and e.actor == viewer.actor for e in events
    )
    offered = case_view.offered_actions(case, viewer.staff_id, now)
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
        if "decide_extension" in offered
        else None
    )
    typed = typed or {}
    shown = typed.get("shown", "")
    changed = events[int(shown) :] if typed.get("stale") and shown.isascii() and shown.isdigit() else []
    meter = case_view.reply_meter(institution, deps.base_url, case, language) if "reply" in offered else None
    attachments = case_view.attachment_lines(case, language, lambda index: f"{viewer.files}{index}{viewer.query}")
    upload = uploads.upload_form(deps, viewer.key, case.reference) if viewer.session else None
    headers = _media_policy(deps, meter, attachments, upload)
    view = {
        "case": case,
        "banner": banner,
        "banner_ok": status < 300,  # "done" reads as a confirmation, a refusal as a warning
        "details": case_view.details(case, institution, language),
        "outcome": case_view.outcome(events, institution, language),
        "complainant": case_view.complainant_view(case, language, revealed),
        "clocks": case_view.clock_lines(case, institution, language, now),
        "chain": case_view.chain_lines(case, institution, language),
        "attachments": attachments,
        "timeline": case_view.timeline(events, institution, language),
        "changed": case_view.timeline(changed, institution, language),
        "shown": len(events),
        "missed": [(c.name, text(language, f"clock_{c.name}")) for c in case_actions.missed_clocks(case, now)],
        "severities": [(level, labels.label(language, "severity", level)) for level in SEVERITIES],
        "staff": [
            {"id": m.id, "name": m.name, "unit": labels.org_unit(language, m.unit, institution)}
            for m in institution.staff
            if m.id != viewer.staff_id
        ],
        "units": [(u.code, u.name.in_(language)) for u in institution.units if u.code != case.unit],
        "deciding": deciding,
        "task_outcomes": [
            (value, labels.label(language, "task_outcome", value)) for value in TASK_OUTCOMES[case.open_tasks()[0].name]
        ]
        if case.open_tasks()
        else [],
        "offered": offered,
        "primary": offered[0] if offered and offered[0] in case_view.ACTION_ORDER else None,
        "typed": typed,
        "named": _named(deps, viewer, case, language, now),
        "csrf": csrf_token(viewer.key, case.version),
        "meter": meter,
        "upload": upload,
    }
    return html_page(request, "staff", language, institution, status, headers, **view)


def _named(deps: Dependencies, viewer: Viewer, shown, language, now) -> list[dict]:
    """A bundled alert's cases, as a small queue: each with its status and the state of its nearest
    running deadline, overdue first, the one shown marked."""
    if len(viewer.named) < 2:
        return []
    found = {c.reference: c for c in deps.store.cases.get_many([r for r in viewer.named if r != shown.reference])}
    found[shown.reference] = shown
    institution, lines = deps.institution, []
    for case in (found[reference] for reference in viewer.named if reference in found):
        running = case_view.clock_lines(case, institution, language, now, running_only=True)
        clocks = sorted(running, key=lambda line: not line["late"])
        lines.append(
            {
                "reference": case.reference,
                "href": "?case=" + case.reference,
                "status": labels.label(language, "status", case.status),
                "deadline": f"{clocks[0]['name']}: {clocks[0]['state']}" if clocks else "",
                "late": bool(clocks and clocks[0]["late"]),
            }
        )
    return lines


def _media_policy(deps: Dependencies, meter, attachments, upload=None) -> dict:
    """The page's CSP, widened only by what it carries: the reply meter's one script (by its hash),
    pictures and recordings from this app's file route and the bucket its signed URLs lead to, and
    the upload form's post to the bucket."""
    policy = HTML["Content-Security-Policy"]
    if upload:
        policy = policy.replace("form-action 'self'", f"form-action 'self' {origin_of(upload['url'])}")
    if meter:
        policy += f"; script-src {meter['script'][1]}"
    if any(line["kind"] in ("image", "audio") for line in attachments):
        origin = deps.files.signed_origin()
        policy += f"; img-src 'self' {origin}; media-src 'self' {origin}"
    return {"Content-Security-Policy": policy}


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
    "transfer": (transfers.transfer, {"to_unit": "to_unit", "reason": "reason"}),
    "close_task": (reopening.close_task, {"outcome": "outcome"}),
    "reopen": (reopening.reopen_by_staff, {"reason": "reason"}),
}
CONFIRMED = ("resolve", "not_accept")  # ending the handling asks "are you sure" first


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


def act(deps: Dependencies, request, viewer: Viewer, fields, language, now) -> Response:
    try:
        version = int(fields.get("version", ""))
    except ValueError:
        version = -1
    if fields.get("csrf") != csrf_token(viewer.key, version):
        return plain(403, "Forbidden: the form is not from this link")
    action = fields.get("action", "")
    if action == "show_contact":  # recorded once per person, case and link or session
        case_actions.contact_viewed(deps, viewer.reference, viewer.actor, grant_key(viewer.key), now)
        return show(deps, request, viewer, language, now)
    try:
        if action not in _ACTIONS:
            raise Refused("unknown_action")
        if action in CONFIRMED and fields.get("confirm") != "yes":
            raise Refused("confirm_first")
        if action in ("approve_extension", "deny_extension"):
            pending = deps.store.cases.get(viewer.reference).pending_extension
            if pending is None or pending.approver != viewer.staff_id:
                raise Refused("extension_not_yours")
        function, arguments = _ACTIONS[action]
        function(
            deps,
            viewer.reference,
            viewer.actor,
            now=now,
            expected_version=version,
            **{name: _argument(fields, action, field) for field, name in arguments.items()},
        )
    except StaleCase:
        banner = text(language, "staff_stale")
        return show(deps, request, viewer, language, now, banner, 409, {**fields, "stale": "yes"})
    except Refused as problem:
        status = 400 if problem.key == "unknown_action" else 422
        banner = text(language, "staff_problem", problem=problem.say(language))
        return show(deps, request, viewer, language, now, banner, status, fields)
    return show(deps, request, viewer, language, now, text(language, "staff_done"))


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
