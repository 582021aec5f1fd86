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


# reference: (received, unit, severity, assignee, subject, status, phone or email). Acknowledgement is due 24 h after
# receipt; every other clock later, so the nearest deadline is receipt + 24 h.
REGISTER = {
    "HCB-261190018": (
        _local(20, 9),
        "pier-road-branch",
        "general",
        "chen.jing",
        None,
        "received",
        "+8613800138000",
    ),  # Sat 09:00
    "HCB-261190026": (_local(22, 11), "pier-road-branch", "general", "chen.jing", None, "received", None),  # Mon 11:00
    "HCB-261190039": (
        _local(23, 9),
        "branch-service-management",
        "general",
        None,
        None,
        "received",
        "Wang.Fang@Example.org",
    ),
    "HCB-261190047": (_local(22, 8), "pier-road-branch", "general", "zhou.min", None, "received", None),  # Mon 08:00
    "HCB-261190052": (_local(20, 10), "head-office-service-supervision", "serious", None, None, "received", None),
    "HCB-261190060": (_local(20, 8), "pier-road-branch", "general", "chen.jing", None, "resolved", "+8613800138000"),
    "HCB-261190071": (_local(23, 10), "pier-road-branch", "general", None, "李强", "received", None),  # Tue 10:00
}

# What each complainant wrote: the word search's known answers.
WORDS = {
    "HCB-261190018": "信用卡被重复扣费两次，柜台说不归他们管。",
    "HCB-261190026": "The teller was rude and I waited 40 minutes.",
    "HCB-261190039": "App charged me twice for one transfer; the charges are still there.",
    "HCB-261190047": "网点排队两个小时，没有人管。",
    "HCB-261190052": "理财产品被重复扣费，没有提前告知。",
    "HCB-261190060": "上个月的年费扣费有误。",
    "HCB-261190071": "李强经理扣费不解释。",
}


@pytest.fixture
def register(local_store, institution):
    from chalicelib.model.case import Clock, Complainant
    from chalicelib.sla.escalation import chain_snapshot
    from chalicelib.sla.plan import next_due

    for number, (reference, (received, unit, severity, assignee, subject, status, contact)) in enumerate(
        REGISTER.items()
    ):
        email = contact.lower() if contact and "@" in contact else None
        phone = contact if contact and not email else None
        case = open_case(institution, reference, received, number).model_copy(
            update={
                "complainant": Complainant(phone=phone, email=email, language="en"),
                "unit": unit,
                "chain": chain_snapshot(institution, unit),  # as the routing builds it
                "severity": severity,
                "assignee": assignee,
                "subject": subject,
                "status": status,
                "description": WORDS[reference],
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
        "HCB-261190018",  # due Sat 09:00 - overdue the longest
        "HCB-261190052",  # Sat 10:00
        "HCB-261190047",  # Mon 08:00, overdue since this morning
        "HCB-261190026",  # Mon 11:00, due in half an hour
        "HCB-261190039",  # Tue 09:00
        "HCB-261190071",  # Tue 10:00
    ]
    # the branch head: the branch's cases, never the one about him (回避)
    assert _queue(client, as_("li.qiang"))[0] == ["HCB-261190018", "HCB-261190047", "HCB-261190026"]
    # branch service management: its own cases and the branch's below it
    assert _queue(client, as_("sun.li"))[0] == [
        "HCB-261190018",
        "HCB-261190047",
        "HCB-261190026",
        "HCB-261190039",
        "HCB-261190071",
    ]
    mine, body = _queue(client, as_("chen.jing"))  # a handler: what is assigned to them
    assert mine == ["HCB-261190018", "HCB-261190026"]
    first = body.split('data-reference="HCB-261190018"', 1)[1].split("</li>", 1)[0]
    late = '<span class="clock-late">acknowledgement: overdue by 2d 2h</span>'  # Sat 09:00 to Mon 10:30, rounded up
    assert late in first
    second = body.split('data-reference="HCB-261190026"', 1)[1].split("</li>", 1)[0]
    assert "<span>acknowledgement: 30min left</span>" in second


def test_indexed_filters_and_filters_on_top_that_say_how_many_they_searched(client, register, as_):
    he = as_("he.jun")
    assert _queue(client, he, due="overdue")[0] == ["HCB-261190018", "HCB-261190052", "HCB-261190047"]
    assert _queue(client, he, due="today")[0] == ["HCB-261190026"]
    assert _queue(client, he, unit="pier-road-branch")[0] == [
        "HCB-261190018",
        "HCB-261190047",
        "HCB-261190026",
        "HCB-261190071",
    ]
    assert _queue(client, he, assignee="zhou.min")[0] == ["HCB-261190047"]
    serious, body = _queue(client, he, severity="serious")
    assert serious == ["HCB-261190052"] and "1 shown of 6 searched" in body
    product, body = _queue(client, he, category="product", due="overdue")
    assert product == [] and "0 shown of 3 searched" in body  # the overdue three, none about a product
    li = as_("li.qiang")
    with time_machine.travel(NOW, tick=False):
        bad = client.http.get("/staff/cases?" + urlencode({"unit": "x" * 300}), headers=he)
        outside = client.http.get("/staff/cases?unit=head-office-service-supervision", headers=li)
        forged = client.http.get("/staff/cases?cursor=" + "A" * 5000, headers=he)
    assert bad.status_code == outside.status_code == forged.status_code == 400  # not a choice here
    from chalicelib.store.queue import encode_cursor

    past_the_end = encode_cursor({"unit:pier-road-branch": "O~"})  # well formed, beyond the queue's keys
    with time_machine.travel(NOW, tick=False):
        beyond = client.http.get("/staff/cases?" + urlencode({"cursor": past_the_end}), headers=he)
    assert beyond.status_code == 200 and 'data-reference="HCB-261190018"' not in beyond.body.decode()


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
        actions.acknowledge(deps, "HCB-261190047", "staff:zhou.min", now=NOW)  # next deadline: days away
        actions.resolve(deps, "HCB-261190018", "staff:chen.jing", "Refunded", "valid", "", "", "", now=NOW)
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
    from chalicelib.model.queue import OPEN, OPEN_END
    from chalicelib.staff.scopes import queue_sources

    sources = queue_sources(institution, institution.staff_member("he.jun"))
    seen, cursor, pages = [], None, 0
    while True:
        page = register.queue.page(sources, OPEN_END, OPEN, {}, cursor, size=2)  # the queue part
        seen += [case["reference"] for case in page.cases]
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == [
        "HCB-261190018",
        "HCB-261190052",
        "HCB-261190047",
        "HCB-261190026",
        "HCB-261190039",
        "HCB-261190071",
    ]
    assert pages == 3


def test_search_finds_a_case_by_reference_phone_in_any_format_and_email_within_scope(client, register, as_):
    he, li = as_("he.jun"), as_("li.qiang")
    for typed in ("+86 138 0013 8000", "13800138000", "138-0013-8000"):
        assert _queue(client, he, q=typed)[0] == ["HCB-261190060", "HCB-261190018"], typed  # newest first, closed too
    assert _queue(client, he, q="wang.fang@example.org")[0] == ["HCB-261190039"]
    assert _queue(client, he, q="hcb 26119 0052")[0] == ["HCB-261190052"]  # as a person might type it
    assert _queue(client, li, q="HCB-261190052")[0] == []  # head office's case: outside the branch head's scope
    assert _queue(client, li, q="HCB-261190071")[0] == []  # about him (回避)
    nothing, body = _queue(client, he, q="13900000000")
    assert nothing == [] and "No case you may see has that reference, phone, email or all of those words." in body


def test_search_by_words_finds_the_cases_holding_every_word_newest_first_within_scope(client, register, as_):
    he, li = as_("he.jun"), as_("li.qiang")
    # Chinese by character bigrams: 扣费 is in four complaints, 重复扣费 in two
    assert _queue(client, he, q="扣费")[0] == ["HCB-261190071", "HCB-261190052", "HCB-261190018", "HCB-261190060"]
    assert _queue(client, he, q="重复扣费")[0] == ["HCB-261190052", "HCB-261190018"]
    found, body = _queue(client, he, q="被 重复扣费 两次")  # every word must be there
    assert found == ["HCB-261190018"] and "1 found with all of those words" in body
    # English by words, any case, the plural finding the singular
    assert _queue(client, he, q="Charge TWICE")[0] == ["HCB-261190039"]
    assert _queue(client, he, q="rude teller")[0] == ["HCB-261190026"]
    # within scope: the head office's case and the one about him are not the branch head's
    assert _queue(client, li, q="扣费")[0] == ["HCB-261190018", "HCB-261190060"]
    # numbers and function words are not indexed; a word nobody wrote finds nothing
    for nothing in ("40", "the", "refund", "扣款"):
        found, body = _queue(client, he, q=nothing)
        assert found == [] and "all of those words" in body, nothing


def test_several_cases_are_assigned_at_once_from_the_queue_and_a_changed_one_is_named(client, register, as_):
    from support import FORM_HEADERS

    he = as_("he.jun")
    _, body = _queue(client, he)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)
    ticks = dict(re.findall(r'name="case" value="((HCB-\d+)@\d+)"', body)[i][::-1] for i in range(6))

    def assign(*references, token=csrf):
        form = [("csrf", token), ("to", "wu.hong"), *(("case", ticks[reference]) for reference in references)]
        with time_machine.travel(NOW, tick=False):
            return client.http.post("/staff/cases?lang=en", headers={**FORM_HEADERS, **he}, body=urlencode(form))

    done = assign("HCB-261190026", "HCB-261190047")
    assert done.status_code == 200 and "Assigned to 吴红: 2." in done.body.decode()
    assert {register.cases.get(r).assignee for r in ("HCB-261190026", "HCB-261190047")} == {"wu.hong"}
    assert _queue(client, he, assignee="wu.hong")[0] == ["HCB-261190047", "HCB-261190026"]
    again = assign("HCB-261190026", "HCB-261190018")  # the first was changed since this list was shown
    assert "Changed by someone else meanwhile, not assigned: HCB-261190026." in again.body.decode()
    assert register.cases.get("HCB-261190018").assignee == "wu.hong"
    assert assign("HCB-261190039", token="0" * 32).status_code == 403
    assert register.cases.get("HCB-261190039").assignee is None


def test_the_register_view_lists_finished_cases_by_period_and_exports_any_view_as_csv(
    client, register, as_, institution
):
    import csv
    import io
    import json

    from chalicelib.edge import dependencies as context
    from chalicelib.staff import actions

    he = as_("he.jun")
    with time_machine.travel(NOW, tick=False):
        actions.resolve(context.current(), "HCB-261190018", "staff:chen.jing", "Refunded", "valid", "", "", "", now=NOW)
    november = {"from": "2026-11-01", "to": "2026-11-30"}

    def view(**asked):
        with time_machine.travel(NOW, tick=False):
            page = client.http.get("/staff/register?" + urlencode({"lang": "en", **asked}), headers=he)
        return page.status_code, re.findall(r'<li[^>]*data-reference="(HCB-[^"]+)"', page.body.decode())

    assert view(**november) == (200, ["HCB-261190060", "HCB-261190018"])  # by receipt: Fri 08:00, Fri 09:00
    assert view(**november, status="resolved", unit="pier-road-branch") == (200, ["HCB-261190060", "HCB-261190018"])
    assert view(**{"from": "2026-11-21", "to": "2026-11-30"}) == (200, [])
    assert view()[1] == ["HCB-261190060", "HCB-261190018"]  # this month so far
    assert view(**{"from": "2026-11-30", "to": "2026-11-01"})[0] == 400
    assert view(**{"from": "2025-01-01", "to": "2026-11-30"})[0] == 400  # more than a year
    assert "HCB-261190018" not in _queue(client, he)[0]  # out of the queue once resolved

    with time_machine.travel(NOW, tick=False):
        filed = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": '=HYPERLINK("http://evil.example") the ATM kept my card', "name": "Li Na"}),
        )
        reference = json.loads(filed.body)["reference"]
        exported = client.http.get("/staff/cases?format=csv&lang=en", headers=he)
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="cases.csv"'
    table = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig"))))
    assert table[0][:3] == ["Reference", "Status", "Severity"]
    by_reference = {row[0]: row for row in table[1:]}
    assert set(by_reference) == {
        "HCB-261190052",
        "HCB-261190047",
        "HCB-261190026",
        "HCB-261190039",
        "HCB-261190071",
        reference,
    }
    assert by_reference[reference][-1].startswith("'=HYPERLINK")  # never a formula in a spreadsheet
    assert "Li Na" not in exported.body.decode()  # no complainant's name in an export


def test_the_words_of_a_later_text_find_the_case_too(client, local_store, as_):
    from support import sms_params, twilio_post

    he = as_("he.jun")
    sender = "+8613911112222"
    with time_machine.travel(NOW, tick=False):
        twilio_post(client, "/twilio/sms", sms_params(sender, "我要投诉你们银行"))
        twilio_post(client, "/twilio/sms", sms_params(sender, "ATM吞卡了，客服电话打不通"))
    [reference] = local_store.cases.open_for_contact(sender)
    assert _queue(client, he, q="吞卡")[0] == [reference]  # the second text's words
    assert _queue(client, he, q="投诉 吞卡")[0] == [reference]  # the first and second together
    assert _queue(client, he, q="x" * 190)[0] == []  # an over-long word is cut, never a key error
