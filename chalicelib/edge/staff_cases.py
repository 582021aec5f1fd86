"""`/staff/cases/{reference}` for a signed-in person: the page and actions of an alert link's case
page (edge/staff_page.py), with the CSRF token bound to the session instead of the link, for any
case within the person's scope (staff/scopes.py)."""

from datetime import datetime, timezone

from chalice import Response

from chalicelib.edge.http import TooLarge, form_fields, page_language, plain
from chalicelib.edge.staff_page import _act, _show, notice
from chalicelib.edge.staff_session import session_of
from chalicelib.model.references import normalise_reference
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.staff.links import Link
from chalicelib.staff.scopes import can_see
from chalicelib.staff.sign_in import signed_in


def case_page(deps: Dependencies, request, reference: str, now: datetime) -> Response:
    """`/staff/cases/{reference}` for a signed-in person: the same page and actions as an alert
    link's, with the CSRF token bound to the session; a case outside their scope (or about them,
    回避), an unknown and a malformed reference all get the same 404."""
    institution, session = deps.institution, session_of(request)
    member = signed_in(deps, session, now)
    language = page_language(request, institution, preferred=member.language if member else None)
    if member is None:
        return notice(request, language, institution, 401, "staff_session_needed")
    canonical = normalise_reference(reference or "")
    case = deps.store.cases.get(canonical) if canonical else None
    if case is None or not can_see(institution, member, case):
        return notice(request, language, institution, 404, "staff_case_not_found")
    grant = Link("", case.reference, member.id, datetime.max.replace(tzinfo=timezone.utc))
    if request.method == "POST":
        try:
            fields = form_fields(request)
        except TooLarge:
            return plain(413, "Payload too large")
        return _act(deps, request, session, grant, fields, language, now)
    return _show(deps, request, session, grant, language, now)
