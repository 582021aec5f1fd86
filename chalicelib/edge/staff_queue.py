"""`GET /staff/cases`: the queue of a signed-in person - the open cases of their scope, nearest
deadline first (overdue ones first of all), with the time left or late on each running clock in
the institution's zone, 50 to a page with a cursor. Indexed filters: a unit subtree, an assignee,
overdue or due today; the other filters (category, severity, channel, status) are applied on top
and say how many cases they searched. With `q`, a search instead: by reference, by phone in any
common format or by email (through the contact's own items), or by words of the complaint (the
word index written at filing), open or closed, within the scope.
Each unit subtree's counts by the state of its nearest deadline come from counters the cases' own
transactions keep, never from reading the cases."""

from datetime import date, datetime, time, timedelta
from typing import get_args
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from chalice import Response

from chalicelib.edge import case_view
from chalicelib.edge.csv_export import MAX_ROWS, csv_text
from chalicelib.edge.http import TooLarge, body_bytes, html_page, page_language, plain
from chalicelib.edge.staff_page import notice
from chalicelib.edge.staff_session import csrf_for, session_of
from chalicelib.model.case import Case
from chalicelib.model.contacts import contact_or_none
from chalicelib.model.lifecycle import FINISHED_STATUSES, OPEN_STATUSES
from chalicelib.model.literals import SEVERITIES, Channel
from chalicelib.model.queue import FINISHED, NO_DAY, NO_UNIT, OPEN, OPEN_END
from chalicelib.model.references import normalise_reference
from chalicelib.model.refusals import Refused
from chalicelib.model.words import searched_words
from chalicelib.runtime import labels
from chalicelib.runtime.clock import iso
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import local_time, text
from chalicelib.staff import actions as case_actions
from chalicelib.staff.scopes import can_see, queue_sources, units_below
from chalicelib.staff.sign_in import signed_in
from chalicelib.store.queue import BadCursor
from chalicelib.store.table import StaleCase

ATTRIBUTE_FILTERS = ("category", "severity", "channel", "status")
DUE_FILTERS = {"overdue": "staff_queue_overdue", "today": "staff_queue_today_filter"}
MAX_ASSIGNED_AT_ONCE = 50


def queue_page(deps: Dependencies, request, now: datetime, register: bool = False) -> Response:
    """The queue; with `register`, the register view instead: finished cases received in a period
    (`from`, `to`: local dates, at most a year apart), by receipt, in the same scopes."""
    institution = deps.institution
    session = session_of(request)
    member = signed_in(deps, session, now)
    language = page_language(request, institution, preferred=member.language if member else None)
    if member is None:
        return notice(request, language, institution, 401, "staff_session_needed", offer_sign_in=True)
    banner = None
    if request.method == "POST":
        try:
            banner = _assign(deps, request, session, member, language, now)
        except TooLarge:
            return plain(413, "Payload too large")
        except PermissionError:
            return plain(403, "Forbidden: the form did not come from this session")
    asked = {key: value for key, value in (request.query_params or {}).items() if value}
    if "q" in asked and not register:
        return _search_page(deps, request, member, asked["q"], language, now)
    scope = queue_sources(institution, member)
    choices = _choices(deps, language, scope, register)
    wanted, problem = _filters(asked, choices)
    period = _period(asked, now, institution.calendar.timezone) if register else None
    if problem or (register and period is None):
        return notice(request, language, institution, 400, "staff_queue_bad_filter")
    sources = _sources(scope, wanted, institution)
    if register:
        before, after = period[2], period[1]
        wanted |= {"from": period[0][0], "to": period[0][1]}
    else:
        before, after = _due_range(wanted.get("due"), now, institution.calendar.timezone)
    attributes = {name: wanted[name] for name in ATTRIBUTE_FILTERS if name in wanted}
    if "unit" in wanted and scope[0][0] == "assignee":
        attributes["unit"] = wanted["unit"]
    try:
        if asked.get("format") == "csv":
            return _csv(deps, member, sources, before, after, attributes, language, now)
        page = deps.store.queue.page(sources, before, after, attributes, asked.get("cursor"))
    except BadCursor:
        return notice(request, language, institution, 400, "staff_queue_bad_filter")
    rows = _rows([Case.model_validate(item) for item in page.cases], institution, member, language, now)
    view = {
        "rows": rows,
        "choices": choices,
        "wanted": wanted,
        "counts": _counts(deps, scope, language, now) if scope[0][0] == "unit" and not register else [],
        "searched": text(language, "staff_queue_searched", shown=len(rows), searched=page.searched)
        if attributes
        else "",
        "next": "?" + urlencode({**wanted, "cursor": page.cursor}) if page.cursor else None,
        "person": member.name,
        "register": register,
        "csv": "?" + urlencode({**wanted, "format": "csv"}),
        "banner": banner,
        "csrf": csrf_for(session, "queue"),
        "assignable": choices["assignee"],
    }
    return _page(deps, request, language, **view)


def _assign(deps: Dependencies, request, session, member, language, now: datetime) -> str:
    """Assigns the ticked cases (each `REF@version`, as the list showed it) to one person: each
    case its own conditional write, so one changed meanwhile is named and the rest still done."""
    fields = parse_qs(body_bytes(request).decode("utf-8", errors="replace"))
    if fields.get("csrf", [""])[-1] != csrf_for(session, "queue"):
        raise PermissionError("csrf")
    to = fields.get("to", [""])[-1]
    done, stale, refused = [], [], []
    for ticked in fields.get("case", [])[:MAX_ASSIGNED_AT_ONCE]:
        reference, _, version = ticked.partition("@")
        case = deps.store.cases.get(reference) if normalise_reference(reference) == reference else None
        if case is None or not can_see(deps.institution, member, case) or not (version.isascii() and version.isdigit()):
            refused.append(reference[:20])
            continue
        try:
            case_actions.reassign(deps, reference, f"staff:{member.id}", to, now, expected_version=int(version))
            done.append(reference)
        except StaleCase:
            stale.append(reference)
        except Refused as problem:
            refused.append(f"{reference} ({problem.say(language)})")
    return text(
        language,
        "staff_assigned",
        done=len(done),
        who=labels.person(language, to, deps.institution) if done else "",
        stale=", ".join(stale) or "-",
        refused=", ".join(refused) or "-",
    )


# What a list page shows when a view has none of it (search results have no filters, counts or pages).
_EMPTY_VIEW = {
    "choices": {},
    "wanted": {},
    "counts": [],
    "next": None,
    "query": "",
    "register": False,
    "csv": None,
    "banner": None,
    "csrf": "",
    "assignable": [],
}


def _page(deps, request, language, **view) -> Response:
    return html_page(request, "staff_queue", language, deps.institution, **{**_EMPTY_VIEW, **view})


def found_references(deps: Dependencies, query: str) -> tuple[list[str], bool]:
    """What a search finds, and whether by words: the reference itself, else the cases of a phone
    number or an email address (most recent first, at most 50), else the most recent cases whose
    complaint holds every word of the query (model/words.py)."""
    query = query.strip()[:200]
    reference = normalise_reference(query)
    if reference:
        return [reference], False
    contact = contact_or_none(query, deps.institution.intake.default_phone_region)
    if contact is not None:
        return [case.reference for case in reversed(deps.store.cases.contact_record(contact).cases)][:50], False
    words = searched_words(query)
    return (deps.store.words.find(words) if words else []), True


def _search_page(deps: Dependencies, request, member, query: str, language, now: datetime) -> Response:
    institution = deps.institution
    references, by_words = found_references(deps, query)
    cases = deps.store.cases.get_many(references[:100])  # one BatchGetItem; scope is decided on the cases
    rows = _rows(cases, institution, member, language, now)[:50]
    found = text(language, "staff_search_words_found" if by_words else "staff_search_found", count=len(rows))
    return _page(deps, request, language, rows=rows, searched=found, person=member.name, query=query)


def _period(asked: dict, now: datetime, zone: str):
    """((from, to) as asked, after, before) on the register part's keys; None for dates that are
    not dates, backwards, or more than a year apart. Default: this month so far."""
    local = now.astimezone(ZoneInfo(zone)).date()
    try:
        start = date.fromisoformat(asked.get("from", local.replace(day=1).isoformat())[:10])
        end = date.fromisoformat(asked.get("to", local.isoformat())[:10])
    except ValueError:
        return None
    if end < start or (end - start).days > 366:
        return None
    first, last = _midnight(start, zone), _midnight(end + timedelta(days=1), zone)
    return (start.isoformat(), end.isoformat()), FINISHED + iso(first), FINISHED + iso(last)


def _midnight(day: date, zone: str) -> datetime:
    """The start of a local day, in the institution's zone."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def _csv(deps: Dependencies, member, sources, before, after, attributes, language, now: datetime) -> Response:
    """Every case of the view (up to csv_export.MAX_ROWS), as a file."""
    institution, cases, cursor = deps.institution, [], None
    while len(cases) < MAX_ROWS:
        page = deps.store.queue.page(sources, before, after, attributes, cursor)
        cases += [Case.model_validate(item) for item in page.cases]
        cursor = page.cursor
        if cursor is None:
            break
    rows = _rows(cases[:MAX_ROWS], institution, member, language, now)
    for row in rows:
        row["deadlines"] = "; ".join(f"{clock['name']}: {clock['due']} ({clock['state']})" for clock in row["clocks"])
    columns = ["reference", "status", "severity", "category", "unit", "assignee", "received", "deadlines", "words"]
    header = [text(language, f"staff_csv_{column}") for column in columns]
    return Response(
        body=csv_text(header, rows, columns),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="cases.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _choices(deps: Dependencies, language, scope, register: bool = False) -> dict[str, list[tuple[str, str]]]:
    """What each filter may be set to, with the words shown for it: units and people within the scope."""
    institution = deps.institution
    unit_codes = [value for kind, value in scope if kind == "unit" and value != NO_UNIT] or [
        unit.code for unit in institution.units
    ]
    in_units = [member for member in institution.staff if member.unit in unit_codes]
    return {
        "unit": [(code, labels.org_unit(language, code, institution)) for code in unit_codes],
        "assignee": [(m.id, m.name) for m in in_units] if scope[0][0] == "unit" else [],
        "due": [] if register else [(value, text(language, DUE_FILTERS[value])) for value in DUE_FILTERS],
        "category": [(c.code, c.name.in_(language)) for c in institution.categories],
        "severity": [(level, labels.label(language, "severity", level)) for level in SEVERITIES],
        "channel": [(channel, labels.label(language, "channel", channel)) for channel in get_args(Channel)],
        "status": [
            (status, labels.label(language, "status", status))
            for status in (FINISHED_STATUSES if register else sorted(OPEN_STATUSES))
        ],
    }


def _filters(asked: dict, choices: dict) -> tuple[dict, bool]:
    """The filters asked for, each one of its choices; (filters, True) when one is not."""
    wanted = {}
    for name, options in choices.items():
        if name in asked:
            if asked[name] not in {value for value, _ in options}:
                return {}, True
            wanted[name] = asked[name]
    return wanted, False


def _sources(scope, wanted: dict, institution) -> list[tuple[str, str]]:
    """The index partitions to read: the scope, narrowed to a unit subtree or to one assignee."""
    if "assignee" in wanted:
        return [("assignee", wanted["assignee"])]
    if "unit" in wanted and scope[0][0] == "unit":
        below = set(units_below(institution, wanted["unit"]))
        return [source for source in scope if source[1] in below]
    return scope


def _due_range(due: str | None, now: datetime, zone: str) -> tuple[str | None, str | None]:
    """(before, after) on the queue key, within the queue part: overdue is due before now; due
    today, from now to midnight; else every open case."""
    if due == "overdue":
        return OPEN + iso(now), OPEN
    if due == "today":
        tomorrow = now.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
        return OPEN + iso(_midnight(tomorrow, zone)), OPEN + iso(now)
    return OPEN_END, OPEN


def _rows(cases: list[Case], institution, member, language, now: datetime) -> list[dict]:
    """The cases the person may see (never one about them, 回避), as the list shows them."""
    return [_row(case, institution, language, now) for case in cases if can_see(institution, member, case)]


def _row(case: Case, institution, language, now: datetime) -> dict:
    lines = case_view.clock_lines(case, institution, language, now, running_only=True)
    category = institution.category(case.category)
    return {
        "reference": case.reference,
        "status": labels.label(language, "status", case.status),
        "severity": labels.label(language, "severity", case.severity),
        "serious": case.severity != "general",
        "category": category.name.in_(language) if category else text(language, "staff_no_category"),
        "unit": labels.org_unit(language, case.unit, institution),
        "assignee": labels.person(language, case.assignee, institution),
        "received": local_time(case.received_at, institution.calendar.timezone, language),
        "clocks": lines,
        "late": any(line["late"] for line in lines),
        "words": case.description[:120],
        "ticket": f"{case.reference}@{case.version}",  # what a tick assigns: the case as shown
    }


def _counts(deps: Dependencies, scope, language, now: datetime) -> list[dict]:
    """Each unit of the scope with its subtree's open cases: all of them, those whose nearest
    deadline was before today, and those due today."""
    institution = deps.institution
    codes = [value for _, value in scope]
    per_unit = deps.store.queue.counts(codes)
    today = now.astimezone(ZoneInfo(institution.calendar.timezone)).date().isoformat()
    lines = []
    for code in codes:
        if code == NO_UNIT and not per_unit.get(code):
            continue
        days: dict[str, int] = {}
        for below in units_below(institution, code) if code != NO_UNIT else [code]:
            for day, n in per_unit.get(below, {}).items():
                days[day] = days.get(day, 0) + n
        overdue = sum(n for day, n in days.items() if day != NO_DAY and day < today)
        due_today = days.get(today, 0)
        lines.append(
            {
                "unit": code,
                "name": labels.org_unit(language, code, institution) or text(language, "staff_queue_no_unit"),
                "open": sum(days.values()),
                "overdue": overdue,
                "today": due_today,
                "href": "?" + urlencode({"unit": code}) if code != NO_UNIT else None,
            }
        )
    return lines
