"""The HTTP toolkit every page and webhook shares: body limits (413 before anything is parsed),
security headers, form parsing, the reader's language, the plain-text refusals."""

from urllib.parse import parse_qs

from chalice import Response

from chalicelib.model.institution import Institution
from chalicelib.runtime.language import Language, choose, from_accept_language, from_choice

MAX_BODY_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
HTML = {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS}


class TooLarge(Exception):
    pass


def body_bytes(request) -> bytes:
    """The body, or TooLarge before anything is parsed (413)."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge()
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge()
    return raw


def form_fields(request) -> dict[str, str]:
    """A posted form's fields (the last value of each), or TooLarge."""
    fields = parse_qs(body_bytes(request).decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}


def page_language(request, institution: Institution, preferred: Language | None = None) -> Language:
    """The page's own switch (?lang=), then what we know the reader prefers, then the browser's."""
    query = request.query_params or {}
    return choose(
        from_choice(query.get("lang")),
        preferred,
        from_accept_language(request.headers.get("accept-language")),
        default=institution.default_language,
    )


def html_page(
    request, name: str, language: Language, institution: Institution, status: int = 200, headers=None, **values
) -> Response:
    """A page of templates/pages/: links relative to the app's root, the institution's name in the
    reader's language, the security headers (and any the page adds to them)."""
    from chalicelib.runtime.rendering import render_page  # Jinja: only for the routes that render

    body = render_page(
        name, language, root=root_path(request), institution_name=institution.name.in_(language), **values
    )
    return Response(body=body, status_code=status, headers={**HTML, **(headers or {})})


def root_path(request) -> str:
    """The relative path from this page to the app's root, so links work behind a stage prefix."""
    depth = max(request.path.strip("/").count("/"), 0)
    return "../" * depth if depth else "./"


def source_address(request) -> str:
    identity = (request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or "unknown"


def plain(status: int, words: str) -> Response:
    """A short plain-text answer for machines and refusals (403, 404, 413 ...)."""
    return Response(body=f"{words}\n", status_code=status, headers={"Content-Type": "text/plain"})
