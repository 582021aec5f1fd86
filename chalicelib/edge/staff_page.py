"""The page a staff link opens: `GET /s/{token}` shows the case, `POST /s/{token}` acts on it.
No password: the link is the key, so it is checked first and an invalid one learns nothing.
Every action is a POST with a CSRF token bound to the link and to the case version shown, and
is applied conditionally on that version (a second person acting at once sees the new state)."""
from datetime import datetime
from urllib.parse import parse_qs

from chalice import Response

from chalicelib.staff import actions as case_actions
from chalicelib.runtime import context
from chalicelib.model.case import Event
from chalicelib.runtime.rendering import duration_text, local_time, render_page, text
from chalicelib.notify.staff import link_message
from chalicelib.staff.links import Link, csrf_token, looks_like_token, token_hash
from chalicelib.sla.deadlines import ExtensionRefused
from chalicelib.store.table import StaleCase
from chalicelib.edge.web import SECURITY_HEADERS, TooLarge, body_bytes, page_language


def _html(request, name: str, language, institution, status: int = 200, **values) -> Response:
    body = render_page(name, language, root="../", institution_name=institution.name.in_(language), **values)
    return Response(body=body, status_code=status, headers={"Content-Type": "text/html; charset=utf-8",
                                                            **SECURITY_HEADERS, "Referrer-Policy": "no-referrer"})


def _link(token: str, now: datetime):
    """(link, problem): the stored link for a token, or why it cannot be used."""
    if not looks_like_token(token):
        return None, "invalid"
    link = context.store().links.get(token_hash(token))
    if link is None or link.revoked:
        return None, "invalid"
    if link.expired(now):
        return link, "expired"
    return link, None


def staff_page(request, token: str, now: datetime) -> Response:
    institution = context.institution()
    link, problem = _link(token, now)
    member = institution.staff_member(link.staff_id) if link else None
    language = page_language(request, institution, preferred=member.language if member else None)
    if problem == "invalid":
        return _html(request, "staff_link", language, institution, 404, message=text(language, "staff_link_invalid"),
                     offer_fresh=False)
    if request.method == "POST":
        try:
            fields = {k: v[-1] for k, v in parse_qs(body_bytes(request).decode("utf-8", "replace"),
                                                    keep_blank_values=True).items()}
        except TooLarge:
            return Response(body="Payload too large\n", status_code=413, headers={"Content-Type": "text/plain"})
        if problem == "expired":
            if fields.get("action") == "fresh_link":
                _text_fresh_link(link, institution, now)
                return _html(request, "staff_link", language, institution, message=text(language, "staff_fresh_sent"),
                             offer_fresh=False)
        else:
            return _act(request, token, link, fields, institution, language, now)
    if problem == "expired":
        return _html(request, "staff_link", language, institution, 410, message=text(language, "staff_link_expired"),
                     offer_fresh=True)
    return _show(request, token, link, institution, language, now)


def _show(request, token, link, institution, language, now, banner=None, status=200) -> Response:
    store = context.store()
    case = store.cases.get(link.reference)
    zone = institution.calendar.timezone
    clocks = []
    for clock in case.clocks:
        if clock.stopped_at:
            state = text(language, "staff_stopped")
        elif clock.paused_at:
            state = text(language, "staff_paused")
        elif clock.due_at > now:  # calendar time until the deadline, which is what a person plans by
            state = text(language, "staff_left", time=duration_text(language, clock.due_at - now))
        else:
            state = text(language, "staff_overdue", time=duration_text(language, now - clock.due_at))
        clocks.append({"name": text(language, f"clock_{clock.name}"), "due": local_time(clock.due_at, zone, language),
                       "state": state})
    timeline = [{"at": local_time(event.at, zone, language), "actor": event.actor, "kind": event.kind, "text": event.text}
                for event in store.cases.timeline(case.reference)]
    staff = [member for member in institution.staff if member.id != link.staff_id]
    deciding = case.pending_extension if case.pending_extension and case.pending_extension.approver == link.staff_id else None
    return _html(request, "staff", language, institution, status, case=case, clocks=clocks, timeline=timeline, staff=staff, deciding=deciding,
                 received=local_time(case.received_at, zone, language), banner=banner,
                 csrf=csrf_token(token, case.version), actions=case.status not in ("resolved", "closed", "not_accepted"))


def _act(request, token, link, fields, institution, language, now) -> Response:
    store = context.store()
    try:
        version = int(fields.get("version", ""))
    except ValueError:
        version = -1
    if fields.get("csrf") != csrf_token(token, version):
        return Response(body="Forbidden: the form is not from this link\n", status_code=403,
                        headers={"Content-Type": "text/plain"})
    actor, base_url = f"staff:{link.staff_id}", context.setting("PUBLIC_BASE_URL")
    action = fields.get("action")
    try:
        if action == "acknowledge":
            case_actions.acknowledge(store, institution, link.reference, actor, now, expected_version=version)
        elif action == "reply":
            case_actions.reply(store, institution, link.reference, actor, fields.get("text", ""), now, base_url,
                               holding=bool(fields.get("holding")), expected_version=version)
        elif action == "note":
            case_actions.note(store, institution, link.reference, actor, fields.get("text", ""), now, expected_version=version)
        elif action == "resolve":
            case_actions.resolve(store, institution, link.reference, actor, fields.get("summary", ""),
                                 fields.get("validity", ""), fields.get("cause", ""), fields.get("corrective_action", ""),
                                 fields.get("compensation", ""), now, base_url, expected_version=version)
        elif action == "request_extension":
            amount = fields.get("amount", "")
            case_actions.request_extension(store, institution, link.reference, actor, fields.get("clock", ""),
                                           int(amount) if amount.isdigit() else 0, fields.get("unit", "working_days"),
                                           fields.get("reason", ""), now, base_url, expected_version=version)
        elif action in ("approve_extension", "deny_extension"):
            case = store.cases.get(link.reference)
            if case.pending_extension is None or case.pending_extension.approver != link.staff_id:
                raise ValueError("this extension request is not yours to decide")
            case_actions.decide_extension(store, institution, link.reference, actor, action == "approve_extension", now,
                                          base_url, expected_version=version)
        elif action == "not_accept":
            case_actions.not_accept(store, institution, link.reference, actor, fields.get("reason", ""), now, base_url,
                                    expected_version=version)
        elif action == "severity":
            case_actions.change_severity(store, institution, link.reference, actor, fields.get("severity", ""),
                                         fields.get("reason", ""), now, expected_version=version)
        elif action == "reassign":
            case_actions.reassign(store, institution, link.reference, actor, fields.get("to", ""), now, base_url,
                                  expected_version=version)
        else:
            return _show(request, token, link, institution, language, now,
                         text(language, "staff_problem", problem=f"unknown action {action!r}"), 400)
    except StaleCase:
        return _show(request, token, link, institution, language, now, text(language, "staff_stale"), 409)
    except (ValueError, ExtensionRefused) as problem:
        return _show(request, token, link, institution, language, now, text(language, "staff_problem", problem=str(problem)), 422)
    return _show(request, token, link, institution, language, now, text(language, "staff_done"))


def _text_fresh_link(link: Link, institution, now: datetime) -> None:
    """A new link for the same case, texted to the directory number of the same person only."""
    member = institution.staff_member(link.staff_id)
    if member is None or not member.phone:
        return
    from chalicelib.notify import sender as notify

    store, base_url = context.store(), context.setting("PUBLIC_BASE_URL")
    message = link_message(store, institution, link.reference, member.id, member.phone, f"{link.reference}:",
                           "staff_link", now, base_url)
    store.outbox.queue(message)
    store.cases.append_event(link.reference, Event(at=now, actor=f"staff:{member.id}", kind="fresh_link_sent",
                                             data={"message_id": message.id}))
    notify.deliver(store, institution, [message.id], now, base_url)
