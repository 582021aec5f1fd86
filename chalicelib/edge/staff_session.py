"""Staff sign-in pages: `/staff/sign-in` (ask for a one-time link), `/staff/sign-in/{token}` (GET
shows a button, POST spends the link and sets the session cookie), `/staff/home` (who is signed in)
and `POST /staff/sign-out`. The cookie is HttpOnly, Secure, SameSite=Lax, 8 hours, scoped to the
staff pages under the API's own path (its stage prefix when there is no custom domain)."""

import hashlib
import hmac
from datetime import datetime
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from chalice import Response

from chalicelib.edge.http import TooLarge, form_fields, html_page, page_language, plain, root_path, source_address
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.staff import sign_in as signing
from chalicelib.staff.links import looks_like_token
from chalicelib.store.sessions import SESSION_LIFETIME

COOKIE = "hotline_staff"


def _page(deps: Dependencies, request, template: str, status: int = 200, headers=None, **values) -> Response:
    language = page_language(request, deps.institution)
    staff_root = root_path(request) + "staff/"
    return html_page(request, template, language, deps.institution, status, headers, staff_root=staff_root, **values)


def _cookie_path(deps: Dependencies) -> str:
    return (urlsplit(deps.base_url).path.rstrip("/") or "") + "/staff"


def session_of(request) -> str | None:
    """The session token the browser presents, if it looks like one."""
    cookie = SimpleCookie()
    try:
        cookie.load(request.headers.get("cookie") or "")
    except Exception:  # noqa: BLE001 - a malformed Cookie header is no session
        return None
    value = cookie[COOKIE].value if COOKIE in cookie else None
    return value if value and looks_like_token(value) else None


def _set_cookie(deps: Dependencies, value: str, max_age: int) -> str:
    return f"{COOKIE}={value}; Path={_cookie_path(deps)}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax"


def csrf_for(session: str, purpose: str = "sign-out") -> str:
    """Bound to the session and to what the form does: a form built without it (another site's) is refused."""
    return hmac.new(session.encode(), f"csrf|{purpose}".encode(), hashlib.sha256).hexdigest()[:32]


def sign_in_form(deps: Dependencies, request, now: datetime) -> Response:
    if request.method == "GET":
        return _page(deps, request, "sign_in")
    try:
        fields = form_fields(request)
    except TooLarge:
        return plain(413, "Payload too large")
    signing.request_link(deps, fields.get("contact", ""), source_address(request), now)
    return _page(deps, request, "sign_in", sent=True)  # the same answer, known contact or not


def sign_in_link(deps: Dependencies, request, token: str, now: datetime) -> Response:
    if not looks_like_token(token):
        return _page(deps, request, "sign_in_link", 404, usable=False)
    if request.method == "GET":  # a link preview or mail scanner spends nothing
        staff_id = deps.store.sessions.sign_in_holder(token, now)
        member = deps.institution.staff_member(staff_id) if staff_id else None
        if member is None:
            return _page(deps, request, "sign_in_link", 404, usable=False)
        return _page(deps, request, "sign_in_link", usable=True, person=member.name)
    opened = signing.sign_in(deps, token, session_of(request), now)
    if opened is None:
        return _page(deps, request, "sign_in_link", 404, usable=False)
    session, _ = opened
    return Response(
        body="",
        status_code=303,
        headers={
            "Location": f"{deps.base_url.rstrip('/')}/staff/home",
            "Set-Cookie": _set_cookie(deps, session, int(SESSION_LIFETIME.total_seconds())),
            "Cache-Control": "no-store",
        },
    )


def home(deps: Dependencies, request, now: datetime) -> Response:
    session = session_of(request)
    member = signing.signed_in(deps, session, now)
    if member is None:
        return _page(deps, request, "sign_in", 401)
    return _page(deps, request, "staff_home", person=member.name, csrf=csrf_for(session))


def sign_out(deps: Dependencies, request, now: datetime) -> Response:
    session = session_of(request)
    try:
        fields = form_fields(request)
    except TooLarge:
        return plain(413, "Payload too large")
    if not session or not hmac.compare_digest(fields.get("csrf", ""), csrf_for(session)):
        return plain(403, "Forbidden: the form did not come from this session")
    deps.store.sessions.close_session(session)
    return _page(deps, request, "sign_in", headers={"Set-Cookie": _set_cookie(deps, "", 0)})
