"""`GET`/`POST /complaints/follow-up/{token}`: the follow-up question (回访) as a page, for a
complainant asked by email or where texts cannot be answered. The GET shows the choice and records
nothing (mail scanners and previews open links); the POST records the answer once - a low score
reopens the case, as "not solved" by text would. The token is 128 random bits, stored hashed,
for one case, until the answer's time runs out."""

from datetime import datetime

from chalice import Response

from chalicelib.edge.http import TooLarge, form_fields, html_page, page_language
from chalicelib.model.case import Event
from chalicelib.model.replies import judge
from chalicelib.notify.complainant import complainant_time
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.staff import reopening
from chalicelib.staff.links import looks_like_token
from chalicelib.store.table import StaleCase

SCORES = ("5", "4", "3", "2", "1")
MAX_COMMENT_CHARS = 2000


def follow_up_page(deps: Dependencies, request, token: str, now: datetime) -> Response:
    institution = deps.institution
    reference, expired = deps.store.links.follow_up_reference(token, now) if looks_like_token(token) else (None, False)
    case = deps.store.cases.get(reference) if reference else None
    language = page_language(request, institution, case.complainant.language if case else None)
    if case is None:
        return _message(request, language, institution, 404, "follow_up_not_found")
    if case.follow_up is None or case.follow_up.answered_at is not None:
        return _message(request, language, institution, 200, "follow_up_answered")
    if expired:
        return _message(request, language, institution, 410, "follow_up_expired")
    if request.method != "POST":
        return _form(request, language, institution, case.reference)
    try:
        fields = form_fields(request)
    except TooLarge:
        return _message(request, language, institution, 413, "error_413")
    score, comment = fields.get("score", ""), fields.get("comment", "").strip()[:MAX_COMMENT_CHARS]
    if score not in SCORES:
        return _form(request, language, institution, case.reference, 422, text(language, "follow_up_choose"), comment)
    judged = judge(score)
    words = f"{score} {comment}".strip()
    message = Event(
        at=now, actor="complainant", kind="complainant_message", text=words, data={"channel": "follow_up_link"}
    )
    try:
        if judged.verdict == "persists":
            reopened = reopening.reopen(deps, case, message, now, indexed_text=comment or None)
            expected = complainant_time(reopened, institution, reopened.expected_response_by(), short=True)
            body = text(language, "follow_up_reopened", reference=case.reference, expected=expected)
            return html_page(
                request, "message", language, institution, title=text(language, "follow_up_title"), body=body
            )
        reopening.record_feedback(deps, case, message, judged, now)
    except StaleCase:  # answered from another tab a moment ago
        pass
    return _message(request, language, institution, 200, "follow_up_thanks")


def _form(request, language, institution, reference: str, status: int = 200, problem: str = "", comment: str = ""):
    choices = [(score, text(language, f"follow_up_score_{score}")) for score in SCORES]
    return html_page(
        request,
        "follow_up",
        language,
        institution,
        status,
        reference=reference,
        choices=choices,
        problem=problem,
        comment=comment,
    )


def _message(request, language, institution, status: int, key: str) -> Response:
    title = text(language, "follow_up_title")
    return html_page(request, "message", language, institution, status, title=title, body=text(language, key))
