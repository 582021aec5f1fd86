"""`/staff/cases/{reference}` for a signed-in person: the case page and actions of an alert link
(edge/staff_page.py), with the CSRF token bound to the session instead of the link, for any case
within the person's scope (staff/scopes.py); and the files of a case page, for either kind of
viewer: `/staff/cases/{reference}/files/{index}` and `/s/{token}/files/{index}` check the scope,
then redirect to a signed URL of the file that works for a few minutes."""

from datetime import datetime

from chalice import Response

from chalicelib.edge import uploads
from chalicelib.edge.http import TooLarge, form_fields, page_language, plain
from chalicelib.edge.staff_page import Viewer, act, find_link, link_viewer, notice, show
from chalicelib.edge.staff_session import session_of
from chalicelib.model.references import normalise_reference
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.staff.scopes import can_see
from chalicelib.staff.sign_in import signed_in

SIGNED_FILE_SECONDS = 300  # a recording's signed URL: long enough to start playing, no longer


def _session_viewer(deps: Dependencies, request, reference: str, now: datetime):
    """(member, viewer, case): who is signed in, and their view of the case if it is within their
    scope; a case outside it (or about them, 回避), an unknown and a malformed reference are all None."""
    session = session_of(request)
    member = signed_in(deps, session, now)
    if member is None:
        return None, None, None
    canonical = normalise_reference(reference or "")
    case = deps.store.cases.get(canonical) if canonical else None
    if case is None or not can_see(deps.institution, member, case):
        return member, None, None
    return member, Viewer(session, member.id, case.reference, f"{case.reference}/files/", session=True), case


def case_page(deps: Dependencies, request, reference: str, now: datetime) -> Response:
    """The same page and actions as an alert link's; one identical 404 for anything out of scope."""
    institution = deps.institution
    member, viewer, case = _session_viewer(deps, request, reference, now)
    language = page_language(request, institution, preferred=member.language if member else None)
    if member is None:
        return notice(request, language, institution, 401, "staff_session_needed", offer_sign_in=True)
    if viewer is None:
        return notice(request, language, institution, 404, "staff_case_not_found")
    if request.method == "POST":
        try:
            fields = form_fields(request)
        except TooLarge:
            return plain(413, "Payload too large")
        return act(deps, request, viewer, fields, language, now)
    said = (request.query_params or {}).get("said")
    banner = text(language, said) if said in UPLOAD_OUTCOMES else None
    status = 422 if said and said != "staff_upload_done" else 200
    return show(deps, request, viewer, language, now, banner, status, case=case)


UPLOAD_OUTCOMES = ("staff_upload_done", "staff_upload_refused", "staff_upload_wrong_kind")


def uploaded(deps: Dependencies, request, reference: str, now: datetime) -> Response:
    """Where S3 sends the browser after an upload: the file is recorded on the case if it is this
    session's for this case and of a kind a case may carry; then back to the case page."""
    member, viewer, case = _session_viewer(deps, request, reference, now)
    if viewer is None:
        return plain(404, "Not found")
    said = uploads.recorded(deps, viewer.key, member, case, (request.query_params or {}).get("key", ""), now)
    return uploads.back_to_case(case.reference, said)


def case_file(deps: Dependencies, request, reference: str, index: str, now: datetime) -> Response:
    _, _, case = _session_viewer(deps, request, reference, now)
    return _file(deps, case, index)


def link_file(deps: Dependencies, request, token: str, index: str, now: datetime) -> Response:
    link, problem = find_link(deps, token, now)
    _, case = link_viewer(deps, request, token, link) if link and problem is None else (None, None)
    return _file(deps, case, index)


def _file(deps: Dependencies, case, index: str) -> Response:
    """A 302 to the file's signed URL, or 404 for a viewer without the right (no `case`: the same
    answer as for a file that does not exist)."""
    number = int(index) if index.isascii() and index.isdigit() and len(index) <= 3 else -1
    if case is None or not 0 <= number < len(case.attachments):
        return plain(404, "Not found")
    attachment = case.attachments[number]
    url = deps.files.signed_url(attachment.location, attachment.content_type, SIGNED_FILE_SECONDS)
    if url is None:
        return plain(404, "Not found")
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})
