"""The workspace queue against a register with known answers, on DynamoDB Local: each person's
scope in nearest-deadline order (overdue first), the indexed filters (unit subtree, assignee,
overdue, due today), the filters applied on top and how many they searched, the per-unit counts
kept by the cases' own transactions, pages that resume each unit where the last page stopped."""

import re
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
import time_machine

from support import open_case, signed_in_cookie

ZONE = "Asia/Shanghai"
NOW = datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc)  # Monday 10:30 in Shanghai


def _local(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour - 8, 0, tzinfo=timezone.utc)  # hour in Shanghai


# reference: (received, unit, severity, assignee, subject, status). Acknowledgement is due 24 h after
# receipt; every other clock later, so the nearest deadline is receipt + 24 h.
REGISTER = {
    "HCB-2611Q0001": (_local(20, 9), "pier-road-branch", "general", "chen.jing", None, "received"),  # Sat 09:00
    "HCB-2611Q0002": (_local(22, 11), "pier-road-branch", "general", "chen.jing", None, "received"),  # Mon 11:00
    "HCB-2611Q0003": (_local(23, 9), "branch-service-management", "general", None, None, "received"),  # Tue 09:00
    "HCB-2611Q0004": (_local(22, 8), "pier-road-branch", "general", "zhou.min", None, "received"),  # Mon 08:00
    "HCB-2611Q0005": (_local(20, 10), "head-office-service-supervision", "serious", None, None, "received"),
    "HCB-2611Q0006": (_local(20, 8), "pier-road-branch", "general", "chen.jing", None, "resolved"),  # not open
    "HCB-2611Q0007": (_local(23, 10), "pier-road-branch", "general", None, "李强", "received"),  # Tue 10:00
}


@pytest.fixture
def register(local_store, institution):
    from chalicelib.model.case import Clock
    from chalicelib.sla.plan import next_due

    for number, (reference, (received, unit, severity, assignee, subject, status)) in enumerate(REGISTER.items()):
        case = open_case(institution, reference, received, number).model_copy(
            update={
                "unit": unit,
                "severity": severity,
                "assignee": assignee,
                "subject": subject,
                "status": status,
                "category": "product" if unit == "branch-service-management" else "service_attitude",
            }
        )
        if status == "resolved":
            case = case.model_copy(
                update={"clocks": [Clock(**{**c.model_dump(), "stopped_at": NOW}) for c in case.clocks]}
            )
        local_store.cases.create(case, [], [], None, received, next_due=next_due(case, institution), zone=ZONE)
    return local_store


def _queue(client, who: dict, **filters) -> tuple[list[str], str]:
    with time_machine.travel(NOW, tick=False):
        page = client.http.get("/staff/cases?" + urlencode({"lang": "en", **filters}), headers=who)
    assert page.status_code == 200, page.body
    body = page.body.decode()
    return re.findall(r'<li[^>]*data-reference="(HCB-[^"]+)"', body), body


@pytest.fixture
def as_(client, twilio, institution):
    cookies = {}

    def cookie(staff_id: str) -> dict:
        if staff_id not in cookies:
            with time_machine.travel(NOW, tick=False):
                cookies[staff_id] = signed_in_cookie(client, twilio, institution.staff_member(staff_id).phone)
        return {"Cookie": cookies[staff_id]}

    return cookie


def test_each_person_sees_their_scope_nearest_deadline_first(client, register, as_):
    assert _queue(client, as_("he.jun"))[0] == [  # leadership: everything open
        "HCB-2611Q0001",  # due Sat 09:00 - overdue the longest
        "HCB-2611Q0005",  # Sat 10:00
        "HCB-2611Q0004",  # Mon 08:00, overdue since this morning
        "HCB-2611Q0002",  # Mon 11:00, due in half an hour
        "HCB-2611Q0003",  # Tue 09:00
        "HCB-2611Q0007",  # Tue 10:00
    ]
    # the branch head: the branch's cases, never the one about him (回避)
    assert _queue(client, as_("li.qiang"))[0] == ["HCB-2611Q0001", "HCB-2611Q0004", "HCB-2611Q0002"]
    # branch service management: its own cases and the branch's below it
    assert _queue(client, as_("sun.li"))[0] == [
        "HCB-2611Q0001",
        "HCB-2611Q0004",
        "HCB-2611Q0002",
        "HCB-2611Q0003",
        "HCB-2611Q0007",
    ]
    mine, body = _queue(client, as_("chen.jing"))  # a handler: what is assigned to them
    assert mine == ["HCB-2611Q0001", "HCB-2611Q0002"]
    first = body.split('data-reference="HCB-2611Q0001"', 1)[1].split("</li>", 1)[0]
    late = '<span class="clock-late">acknowledgement: overdue by 2d 2h</span>'  # Sat 09:00 to Mon 10:30, rounded up
    assert late in first
    second = body.split('data-reference="HCB-2611Q0002"', 1)[1].split("</li>", 1)[0]
    assert "<span>acknowledgement: 30min left</span>" in second


def test_indexed_filters_and_filters_on_top_that_say_how_many_they_searched(client, register, as_):
    he = as_("he.jun")
    assert _queue(client, he, due="overdue")[0] == ["HCB-2611Q0001", "HCB-2611Q0005", "HCB-2611Q0004"]
    assert _queue(client, he, due="today")[0] == ["HCB-2611Q0002"]
    assert _queue(client, he, unit="pier-road-branch")[0] == [
        "HCB-2611Q0001",
        "HCB-2611Q0004",
        "HCB-2611Q0002",
        "HCB-2611Q0007",
    ]
    assert _queue(client, he, assignee="zhou.min")[0] == ["HCB-2611Q0004"]
    serious, body = _queue(client, he, severity="serious")
    assert serious == ["HCB-2611Q0005"] and "1 shown of 6 searched" in body
    product, body = _queue(client, he, category="product", due="overdue")
    assert product == [] and "0 shown of 3 searched" in body  # the overdue three, none about a product
    li = as_("li.qiang")
    with time_machine.travel(NOW, tick=False):
        bad = client.http.get("/staff/cases?" + urlencode({"unit": "x" * 300}), headers=he)
        outside = client.http.get("/staff/cases?unit=head-office-service-supervision", headers=li)
        forged = client.http.get("/staff/cases?cursor=" + "A" * 5000, headers=he)
    assert bad.status_code == outside.status_code == forged.status_code == 400  # not a choice here


def _counts(body: str) -> dict:
    return {
        unit: tuple(int(n) for n in numbers)
        for unit, *numbers in re.findall(
            r'<tr data-unit="([^"]+)">.*?<td class="number">(\d+)</td><td class="number">(\d+)</td>'
            r'<td class="number">(\d+)</td>',
            body,
        )
    }


def test_counts_per_unit_subtree_follow_every_change_without_reading_the_cases(client, register, as_):
    from chalicelib.edge import dependencies as context
    from chalicelib.staff import actions

    _, body = _queue(client, as_("he.jun"))
    # (open, overdue before today, due today): A and E are overdue since Saturday, D and B due today
    assert _counts(body) == {
        "head-office-service-supervision": (6, 2, 2),
        "branch-service-management": (5, 1, 2),
        "pier-road-branch": (4, 1, 2),
    }
    deps = context.current()
    with time_machine.travel(NOW, tick=False):
        actions.acknowledge(deps, "HCB-2611Q0004", "staff:zhou.min", now=NOW)  # next deadline: days away
        actions.resolve(deps, "HCB-2611Q0001", "staff:chen.jing", "Refunded", "valid", "", "", "", now=NOW)
    counted = []
    register.client.meta.events.register("before-call.dynamodb", lambda model, **_: counted.append(model.name))
    _, body = _queue(client, as_("he.jun"))
    assert _counts(body) == {
        "head-office-service-supervision": (5, 1, 1),
        "branch-service-management": (4, 0, 1),
        "pier-road-branch": (3, 0, 1),
    }
    assert "GetItem" not in counted[1:] and "Scan" not in counted  # counters and the index, no case read


def test_pages_resume_each_unit_where_the_last_one_stopped(register, institution):
    from chalicelib.staff.scopes import queue_sources

    sources = queue_sources(institution, institution.staff_member("he.jun"))
    seen, cursor, pages = [], None, 0
    while True:
        page = register.queue.page(sources, None, None, {}, cursor, size=2)
        seen += [case["reference"] for case in page.cases]
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == [
        "HCB-2611Q0001",
        "HCB-2611Q0005",
        "HCB-2611Q0004",
        "HCB-2611Q0002",
        "HCB-2611Q0003",
        "HCB-2611Q0007",
    ]
    assert pages == 3
