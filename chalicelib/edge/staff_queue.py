"""`GET /staff/cases`: the queue of a signed-in person - the open cases of their scope, nearest
deadline first (overdue ones first of all), with the time left or late on each running clock in
the institution's zone, 50 to a page with a cursor. Indexed filters: a unit subtree, an assignee,
overdue or due today; the other filters (category, severity, channel, status) are applied on top
and say how many cases they searched. Each unit subtree's counts by the state of its nearest
deadline come from counters the cases' own transactions keep, never from reading the cases."""

from datetime import datetime, time, timedelta
from typing import get_args
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chalice import Response

from chalicelib.edge import case_view
from chalicelib.edge.http import HTML, page_language, root_path
from chalicelib.edge.staff_page import notice
from chalicelib.edge.staff_session import session_of
from chalicelib.model.case import Case
from chalicelib.model.lifecycle import OPEN_STATUSES
from chalicelib.model.literals import SEVERITIES, Channel
from chalicelib.model.queue import NO_DAY, NO_UNIT
from chalicelib.runtime import labels
from chalicelib.runtime.clock import iso
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import local_time, render_page, text
from chalicelib.staff.scopes import can_see, queue_sources, units_below
from chalicelib.staff.sign_in import signed_in
from chalicelib.store.queue import BadCursor

ATTRIBUTE_FILTERS = ("category", "severity", "channel", "status")
DUE_FILTERS = {"overdue": "staff_queue_overdue", "today": "staff_queue_today_filter"}


def queue_page(deps: Dependencies, request, now: datetime) -> Response:
    institution = deps.institution
    member = signed_in(deps, session_of(request), now)
    language = page_language(request, institution, preferred=member.language if member else None)
    if member is None:
        return notice(request, language, institution, 401, "staff_session_needed", offer_sign_in=True)
    asked = {key: value for key, value in (request.query_params or {}).items() if value}
    scope = queue_sources(institution, member)
    choices = _choices(deps, language, scope)
    wanted, problem = _filters(asked, choices)
    if problem:
        return notice(request, language, institution, 400, "staff_queue_bad_filter")
    sources = _sources(scope, wanted, institution)
    before, after = _due_range(wanted.get("due"), now, institution.calendar.timezone)
    attributes = {name: wanted[name] for name in ATTRIBUTE_FILTERS if name in wanted}
    if "unit" in wanted and scope[0][0] == "assignee":
        attributes["unit"] = wanted["unit"]
    try:
        page = deps.store.queue.page(sources, before, after, attributes, asked.get("cursor"))
    except BadCursor:
        return notice(request, language, institution, 400, "staff_queue_bad_filter")
    cases = [Case.model_validate(item) for item in page.cases]
    rows = [_row(case, institution, language, now) for case in cases if can_see(institution, member, case)]
    view = {
        "rows": rows,
        "choices": choices,
        "wanted": wanted,
        "counts": _counts(deps, scope, language, now) if scope[0][0] == "unit" else [],
        "searched": text(language, "staff_queue_searched", shown=len(rows), searched=page.searched)
        if attributes
        else "",
        "next": "?" + urlencode({**wanted, "cursor": page.cursor}) if page.cursor else None,
        "person": member.name,
    }
    root = root_path(request)
    body = render_page("staff_queue", language, root=root, institution_name=institution.name.in_(language), **view)
    return Response(body=body, status_code=200, headers=dict(HTML))


def _choices(deps: Dependencies, language, scope) -> dict[str, list[tuple[str, str]]]:
    """What each filter may be set to, with the words shown for it: units and people within the scope."""
    institution = deps.institution
    unit_codes = [value for kind, value in scope if kind == "unit" and value != NO_UNIT] or [
        unit.code for unit in institution.units
    ]
    in_units = [member for member in institution.staff if member.unit in unit_codes]
    return {
        "unit": [(code, labels.org_unit(language, code, institution)) for code in unit_codes],
        "assignee": [(m.id, m.name) for m in in_units] if scope[0][0] == "unit" else [],
        "due": [(value, text(language, DUE_FILTERS[value])) for value in DUE_FILTERS],
        "category": [(c.code, c.name.in_(language)) for c in institution.categories],
        "severity": [(level, labels.label(language, "severity", level)) for level in SEVERITIES],
        "channel": [(channel, labels.label(language, "channel", channel)) for channel in get_args(Channel)],
        "status": [(status, labels.label(language, "status", status)) for status in sorted(OPEN_STATUSES)],
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
    """(before, after) on the queue key: overdue is due before now; due today, from now to midnight."""
    if due == "overdue":
        return iso(now), None
    if due == "today":
        local = now.astimezone(ZoneInfo(zone))
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))
        return iso(midnight), iso(now)
    return None, None


def _row(case: Case, institution, language, now: datetime) -> dict:
    running = [clock for clock in case.clocks if clock.running]
    lines = case_view.clock_lines(case.model_copy(update={"clocks": running}), institution, language, now)
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
    }


def _counts(deps: Dependencies, scope, language, now: datetime) -> list[dict]:
    """Each unit of the scope with its subtree's open cases: overdue (deadline before today), due
    today, later (or waiting for the complainant)."""
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
