"""Reply codes for staff in a hurry (in the style of GoAlert): every alert text carries a short
code for its most urgent case, per recipient, e.g. "12". Staff answer "12a" (acknowledge),
"12r <text>" (reply to the complainant), "12c <text>" (resolve, the text as the summary), "12e"
(escalate now, one level up), "12w <working days> <reason>" (explain a missed deadline), or in
Chinese "12确认", "12回复 …", "12办结 …", "12升级", "12说明 2 原因". Only numbers in
the staff directory reach this module; a code works only from the phone it was sent to."""

import re
import unicodedata
from datetime import datetime

from chalicelib.model.institution import StaffMember
from chalicelib.model.refusals import Refused
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.labels import label
from chalicelib.runtime.rendering import text
from chalicelib.staff import actions as case_actions
from chalicelib.store.table import StaleCase

UNKNOWN_CODES_PER_HOUR = 10
_COMMAND = re.compile(r"^\s*(\d{1,2})\s*(a|r|c|e|w|确认|回复|办结|升级|说明)\s*(.*)$", re.IGNORECASE | re.DOTALL)
_VERBS = {
    "a": "acknowledge",
    "确认": "acknowledge",
    "r": "reply",
    "回复": "reply",
    "c": "resolve",
    "办结": "resolve",
    "e": "escalate",
    "升级": "escalate",
    "w": "explain",
    "说明": "explain",
}
_DAYS_AND_REASON = re.compile(r"^(\d{1,3})\s*(.*)$", re.DOTALL)


def handle(deps: Dependencies, member: StaffMember, body: str, now: datetime) -> str | None:
    store, institution = deps.store, deps.institution
    language = institution.staff_language(member.id)
    match = _COMMAND.match(unicodedata.normalize("NFKC", body or ""))
    reference = store.links.reference_for_code(member.phone, int(match.group(1)), now) if match else None
    if reference is None:
        if (
            store.abuse.count_in_window(f"staffcmd#{member.phone}", now.strftime("%Y%m%d%H"), 7200)
            > UNKNOWN_CODES_PER_HOUR
        ):
            return None  # someone is guessing or looping: stop answering for the hour
        code = store.links.latest_code(member.phone, now)  # the person's real code, not an example
        return text(language, "staff_code_help", code=code) if code else text(language, "staff_code_help_none")
    verb, words, actor = _VERBS[match.group(2).lower()], _as_typed(body, match.start(3)), f"staff:{member.id}"
    try:
        if verb == "acknowledge":
            case_actions.acknowledge(deps, reference, actor, now)
        elif verb == "escalate":
            case_actions.escalate_now(deps, reference, actor, now)
        elif verb == "reply":
            case_actions.reply(deps, reference, actor, words, now)
        elif verb == "explain":
            _explain(deps, reference, actor, words, now)
        else:
            case_actions.resolve(deps, reference, actor, words, "unassessed", "", "", "", now)
    except (ValueError, StaleCase) as problem:
        refusal = (
            problem if isinstance(problem, Refused) else Refused("stale" if isinstance(problem, StaleCase) else "other")
        )
        return text(language, "staff_code_refused", reference=reference, problem=refusal.say(language))
    return text(language, "staff_code_done", reference=reference, verb=label(language, "verb", verb))


def _explain(deps: Dependencies, reference: str, actor: str, words: str, now: datetime) -> None:
    """ "<working days> <reason>" for the earliest missed deadline of the case."""
    found = _DAYS_AND_REASON.match(unicodedata.normalize("NFKC", words))
    if found is None:
        raise Refused("delay_days_out_of_range", most=case_actions.MAX_DELAY_DAYS)
    reason = _as_typed(words, len(unicodedata.normalize("NFKC", words)) - len(found.group(2)))
    case_actions.explain_delay(deps, reference, actor, None, int(found.group(1)), reason, now)


def _as_typed(body: str, start: int) -> str:
    """The words after the code as the person typed them: the code is read from the NFKC form (so
    full-width digits work), but what reaches the complainant keeps its full-width punctuation."""
    for cut in range(len(body) + 1):
        if len(unicodedata.normalize("NFKC", body[:cut])) >= start:
            return body[cut:].strip()
    return ""
