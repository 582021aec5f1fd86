"""Mainland China numbers through Tencent Cloud SMS (the bank as configured): texts in through its
reply callback, approved templates out, its status reports, the daily cap per number, and a
config that misses a template refused."""

import json
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from chalicelib.model.references import find_references
from support import TENCENT_CALLBACK_TOKEN

COMPLAINANT = "+8613800138300"
HANDLER, SUPERVISOR = "+8613911110001", "+8613911110003"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


def _text_in(client, phone: str, words: str, token: str = TENCENT_CALLBACK_TOKEN, at: datetime = MONDAY_10):
    """A text from a mainland phone, as Tencent's reply callback posts it."""
    item = {"extend": "", "mobile": phone.removeprefix("+86"), "nationcode": "86", "sign": "", "text": words}
    item["time"] = int(at.timestamp())
    return client.http.post(
        f"/tencent/sms/{token}", headers={"Content-Type": "application/json"}, body=json.dumps([item])
    )


def _case_of(store, phone):
    [reference] = store.cases.open_for_contact(phone)
    return store.cases.get(reference)


def test_a_chinese_text_through_tencent_becomes_a_case_acknowledged_by_its_approved_template(
    client, moto_store, mainland, twilio
):
    with time_machine.travel(MONDAY_10, tick=False):
        answered = _text_in(client, COMPLAINANT, "柜台工作人员态度很差，让我等了两个小时")
        again = _text_in(client, COMPLAINANT, "柜台工作人员态度很差，让我等了两个小时")  # Tencent pushes again
    assert answered.status_code == 200 and json.loads(answered.body) == {"result": 0, "errmsg": "OK"}
    assert again.status_code == 200
    case = _case_of(moto_store, COMPLAINANT)
    assert case.channel == "sms" and case.complainant.language == "zh"
    [ack] = mainland.sent_to(COMPLAINANT)
    assert ack["template_id"] == "2100001" and ack["sign"] == "海港银行"  # acknowledgement_sms.zh, as approved
    assert ack["parameters"] == [case.reference, "11月26日17:30"]
    assert (
        ack["body"]
        == f"【海港银行】您的投诉已受理，编号{case.reference}，我们将于11月26日17:30前答复。回复本短信可补充情况。"
    )
    assert twilio.sent_to(COMPLAINANT) == []  # nothing to a mainland number through Twilio


def test_status_and_a_staff_reply_code_work_through_tencent(client, moto_store, mainland):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        _text_in(client, COMPLAINANT, "ATM吞了我的银行卡")
        reference = _case_of(moto_store, COMPLAINANT).reference
        _text_in(client, COMPLAINANT, "查询", at=MONDAY_10 + timedelta(seconds=5))
        status = mainland.sent_to(COMPLAINANT)[-1]
        assert status["template_id"] == "2100007" and status["parameters"][0] == reference
        assert status["body"].startswith(f"【海港银行】投诉{reference}：已受理")

        traveller.shift(timedelta(minutes=1))  # the sweep tells the handler of the new case
        client.lambda_.invoke("sla_sweep", client.events.generate_cw_event("aws.events", "x", {}, ["rule/sla_sweep"]))
        [alert] = mainland.sent_to(HANDLER)
        assert alert["template_id"] == "2100019" and reference in alert["body"] and "/s/" in alert["body"]
        assert "。。" not in alert["body"]  # the approved template's own full stop, not a second one
        code = alert["body"].split("回复")[1].split("确认")[0]
        assert code.isdigit()

        _text_in(client, HANDLER, f"{code}确认", at=MONDAY_10 + timedelta(minutes=2))
    done = mainland.sent_to(HANDLER)[-1]
    assert done["template_id"] == "2100023" and done["body"].startswith(f"【海港银行】{reference}：已完成")
    case = moto_store.cases.get(reference)
    assert next(clock for clock in case.clocks if clock.name == "acknowledge").stopped_at is not None


def test_a_forged_or_malformed_tencent_callback_is_refused_and_nothing_is_read(client, moto_store, mainland):
    forged = _text_in(client, COMPLAINANT, "我要投诉", token="cb-" + "6" * 40)
    missing = client.http.post("/tencent/sms/", body="[]", headers={"Content-Type": "application/json"})
    malformed = client.http.post(
        f"/tencent/sms/{TENCENT_CALLBACK_TOKEN}", body="{not json", headers={"Content-Type": "application/json"}
    )
    status = client.http.post("/tencent/status/wrong", body="[]", headers={"Content-Type": "application/json"})
    assert forged.status_code == 403 and status.status_code == 403 and missing.status_code in (403, 404)
    assert malformed.status_code == 400
    assert moto_store.cases.open_for_contact(COMPLAINANT) == [] and mainland.messages == []


def test_a_delivery_report_moves_the_message_and_a_failure_shows_on_the_case(client, moto_store, mainland):
    with time_machine.travel(MONDAY_10, tick=False):
        _text_in(client, COMPLAINANT, "理财产品收益与宣传不符")
        case = _case_of(moto_store, COMPLAINANT)
        [ack] = mainland.sent_to(COMPLAINANT)
        [message] = [m for m in moto_store.outbox.for_case(case.reference) if m.channel == "sms"]
        report = [{"sid": ack["serial"], "report_status": "SUCCESS", "errmsg": "DELIVRD", "mobile": "13800138300"}]
        url = f"/tencent/status/{TENCENT_CALLBACK_TOKEN}"
        delivered = client.http.post(url, body=json.dumps(report), headers={"Content-Type": "application/json"})
        assert delivered.status_code == 200
        assert moto_store.outbox.get(message.id).delivery_status == "delivered"

        _text_in(client, COMPLAINANT, "补充：是上周三买的", at=MONDAY_10 + timedelta(seconds=9))
        added = mainland.sent_to(COMPLAINANT)[-1]
        failed = [{"sid": added["serial"], "report_status": "FAIL", "errmsg": "MK:0001", "mobile": "13800138300"}]
        client.http.post(url, body=json.dumps(failed), headers={"Content-Type": "application/json"})
    assert moto_store.outbox.by_provider_id(added["serial"]).delivery_status == "undelivered"


def _alerts_to(deps, phone, staff_id, count, now):
    """`count` alert texts to one person in one morning, each about a case of its own."""
    from chalicelib.model.message import new_message
    from chalicelib.notify import sender
    from support import open_case

    ids = []
    for number in range(count):
        case = open_case(deps.institution, f"HCB-2611{number:05d}", now - timedelta(days=2), number)
        deps.store.cases.create(case, [], [], None, now)
        message = new_message(
            now,
            "sms",
            phone,
            f"alert {number}",
            "alert",
            "zh",
            recipient_id=staff_id,
            case_reference=f"HCB-2611{number:05d}",
            kind="staff_alert",
            variables={
                "count": "1",
                "what": f"HCB-2611{number:05d}确认已超时",
                "link": f"https://x.example/s/{number}",
            },
        )
        deps.store.outbox.queue(message)
        ids.append(message.id)
        sender.deliver(deps, [message.id], now + timedelta(minutes=number))
    return ids


def test_a_day_of_alerts_to_one_supervisor_stays_within_the_cap_and_the_rest_is_folded_next_morning(
    client, moto_store, mainland
):
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    deps = context.current()
    ids = _alerts_to(deps, SUPERVISOR, "li.qiang", 7, MONDAY_10)
    assert len(mainland.sent_to(SUPERVISOR)) == 4  # +86: at most 4 different texts a day
    statuses = [moto_store.outbox.get(i).status for i in ids]
    assert statuses == ["sent"] * 4 + ["held"] * 3

    tuesday_8 = datetime(2026, 11, 24, 0, 0, 30, tzinfo=timezone.utc)  # 08:00:30 in Shanghai
    run_sweep(context.current(), MONDAY_10 + timedelta(hours=12))  # nothing more that day
    assert len(mainland.sent_to(SUPERVISOR)) == 4
    run_sweep(context.current(), tuesday_8)
    digest = mainland.sent_to(SUPERVISOR)[-1]
    assert digest["template_id"] == "2100005" and digest["parameters"] == ["3", "https://x.example/s/6"]
    assert [moto_store.outbox.get(i).status for i in ids[4:]] == ["folded"] * 3
    for number in (4, 5, 6):  # the case shows its text was held, then folded into the morning text
        kinds = [event.kind for event in moto_store.cases.timeline(f"HCB-2611{number:05d}")]
        assert "message_held" in kinds and "message_folded" in kinds


def test_a_text_over_the_cap_goes_by_email_to_staff_who_have_one(client, moto_store, mainland):
    from chalicelib.edge import dependencies as context
    from infra import config

    document = json.loads(config.load("harbour-city-bank").model_dump_json())
    for member in document["staff"]:
        if member["id"] == "li.qiang":
            member["email"] = "li.qiang@harbourcitybank.example"
    moto_store.config.put(document)
    context.reset()
    ids = _alerts_to(context.current(), SUPERVISOR, "li.qiang", 5, MONDAY_10)
    assert len(mainland.sent_to(SUPERVISOR)) == 4
    held = moto_store.outbox.get(ids[4])
    assert held.status == "held" and held.provider_id.startswith("email:")
    copy = moto_store.outbox.get(held.provider_id.removeprefix("email:"))
    assert copy.channel == "email" and copy.to == "li.qiang@harbourcitybank.example" and copy.body == "alert 4"


def test_an_identical_text_goes_at_most_twice_a_day(client, moto_store, mainland):
    with time_machine.travel(MONDAY_10, tick=False):
        _text_in(client, COMPLAINANT, "银行卡被盗刷了")
        for second in (5, 6, 7):
            _text_in(client, COMPLAINANT, "查询", at=MONDAY_10 + timedelta(seconds=second))
    statuses = [m for m in mainland.sent_to(COMPLAINANT) if m["template_id"] == "2100007"]
    assert len(statuses) == 2  # the third identical status answer is held, not sent
    morning = moto_store.outbox.get("held8613800138300" + "20261124")  # folded into tomorrow's text
    assert morning is not None and morning.status == "pending" and morning.purpose == "held_digest"


@pytest.mark.parametrize("kind", ["acknowledgement_sms", "staff_alert", "sms_long_text"])
def test_a_mainland_profile_missing_a_template_it_sends_is_refused_naming_it(kind):
    from pydantic import ValidationError

    from chalicelib.model.institution import Institution
    from infra import config

    document = json.loads(config.load("harbour-city-bank").model_dump_json())
    profile = next(p for p in document["channels"]["sms_profiles"] if p["country"] == "+86")
    del profile["templates"][kind]["en"]
    with pytest.raises(ValidationError) as refused:
        Institution.model_validate(document)
    assert f"{kind}.en" in str(refused.value) and "+86" in str(refused.value)


def test_a_one_way_profile_needs_no_reply_templates_and_its_acknowledgement_says_how_to_follow_up(
    client, moto_store, mainland
):
    from chalicelib.edge import dependencies as context
    from infra import config

    hospital = config.load("riverside-hospital")
    profile = hospital.channels.sms_profile(COMPLAINANT)
    assert not profile.two_way and "sms_status" not in profile.templates  # replies cannot arrive
    moto_store.config.put(json.loads(hospital.model_dump_json()))
    context.reset()
    with time_machine.travel(MONDAY_10, tick=False):
        filed = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": "门诊等候五小时无人理会", "phone": COMPLAINANT, "language": "zh"}),
        )
    reference = json.loads(filed.body)["reference"]
    [ack] = mainland.sent_to(COMPLAINANT)
    assert "回复本短信" not in ack["body"] and "本号码不接收回复" in ack["body"]
    assert f"/complaints/status?ref={reference}" in ack["body"] and "0571-8888-0000" in ack["body"]
    assert find_references(ack["body"]) == [reference]


def test_staff_words_go_as_a_status_link_and_a_notice_waits_out_the_profiles_quiet_hours(client, moto_store, mainland):
    """The bank's operators allow no free variable: a staff reply reaches the mainland complainant as
    the approved "read it on the status page" template. With quiet hours on the profile, a reply
    written at 23:00 goes at 08:00; the acknowledgement of a text at midnight never waits."""
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep
    from chalicelib.staff.actions import reply
    from infra import config

    document = json.loads(config.load("harbour-city-bank").model_dump_json())
    next(p for p in document["channels"]["sms_profiles"] if p["country"] == "+86")["quiet_hours"] = ["22:00", "08:00"]
    moto_store.config.put(document)
    context.reset()
    midnight = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)  # 00:00 Tuesday in Shanghai
    with time_machine.travel(midnight, tick=False):
        _text_in(client, COMPLAINANT, "半夜ATM吞卡，无人处理", at=midnight)
    [ack] = mainland.sent_to(COMPLAINANT)  # at once, quiet hours or not
    reference = _case_of(moto_store, COMPLAINANT).reference
    assert ack["template_id"] == "2100001"

    eleven_pm = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # 23:00 Tuesday
    reply(context.current(), reference, "staff:chen.jing", "已调取监控，卡片明早可到网点领取。", eleven_pm)
    assert len(mainland.sent_to(COMPLAINANT)) == 1
    run_sweep(context.current(), eleven_pm + timedelta(hours=4))
    assert len(mainland.sent_to(COMPLAINANT)) == 1  # 03:00: still quiet
    run_sweep(context.current(), datetime(2026, 11, 25, 0, 1, tzinfo=timezone.utc))  # 08:01
    notice = mainland.sent_to(COMPLAINANT)[-1]
    assert notice["template_id"] == "2100041"  # sms_new_message.zh: the words are on the status page
    assert notice["parameters"] == [reference, f"https://hotline.example.org/complaints/status?ref={reference}"]
    assert "已调取监控" not in notice["body"]


def _next_due(store):
    from chalicelib.runtime.clock import parse_iso

    items = store.table.scan(FilterExpression="attribute_exists(due_at)")["Items"]
    return min((parse_iso(item["due_at"].split("#")[0]) for item in items), default=None)


def test_a_day_of_escalations_to_the_branch_head_never_exceeds_the_cap_and_the_case_shows_what_was_held(
    client, moto_store, mainland
):
    """Seven complaints filed an hour apart on Monday, nobody acknowledges: from Tuesday 10:00 the
    branch head is alerted once an hour. Through Tencent Cloud SMS he gets at most 4 texts that day;
    the rest are held, folded into one text on Wednesday at 08:00, and each case shows it."""
    from zoneinfo import ZoneInfo

    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    references = []
    for hour in range(7):
        with time_machine.travel(MONDAY_10 + timedelta(hours=hour), tick=False):
            filed = client.http.post(
                "/api/complaints",
                headers={"Content-Type": "application/json"},
                body=json.dumps({"description": f"柜台第{hour}号窗口无人", "phone": f"+86138001384{hour:02d}"}),
            )
            references.append(json.loads(filed.body)["reference"])
    wednesday_9 = datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)
    now = MONDAY_10
    while (due := _next_due(moto_store)) is not None and due <= wednesday_9:
        now = max(due, now + timedelta(seconds=1))
        run_sweep(context.current(), now)
    run_sweep(context.current(), wednesday_9)

    shanghai = ZoneInfo("Asia/Shanghai")
    by_day: dict = {}
    for text in mainland.sent_to(SUPERVISOR):  # its SessionContext is our message id
        message = moto_store.outbox.get(text["context"])
        day = (
            datetime.strptime(message.id[-8:], "%Y%m%d").date()  # the morning text: sent that morning
            if message.purpose == "held_digest"
            else message.created_at.astimezone(shanghai).date()  # alerts go as the sweep writes them
        )
        by_day.setdefault(day, []).append(text)
    assert max(len(texts) for texts in by_day.values()) == 4, {d: len(t) for d, t in by_day.items()}
    held = [m for m in _messages_to(moto_store, SUPERVISOR) if m.status == "folded"]
    assert held, "the supervisor's fifth text of Tuesday and later were held"
    digest = [t for t in mainland.sent_to(SUPERVISOR) if t["template_id"] == "2100005"]
    assert len(digest) == 1 and digest[0]["parameters"][0] == str(len(held))
    for message in held:
        kinds = [event.kind for event in moto_store.cases.timeline(message.case_reference)]
        assert "message_held" in kinds and "message_folded" in kinds


def _messages_to(store, phone):
    items = store.table.scan(
        FilterExpression="begins_with(PK, :p) AND #to = :to",
        ExpressionAttributeNames={"#to": "to"},
        ExpressionAttributeValues={":p": "MSG#", ":to": phone},
    )["Items"]
    from chalicelib.model.message import OutboundMessage
    from chalicelib.store.table import plain

    return [OutboundMessage.model_validate(plain(item)) for item in items]


def test_the_reply_box_tells_staff_a_mainland_complainant_gets_the_approved_link_text(client, moto_store, mainland):
    import html
    import re

    from chalicelib.edge import dependencies as context
    from chalicelib.notify.staff import issue_link

    with time_machine.travel(MONDAY_10, tick=False):
        _text_in(client, COMPLAINANT, "Card swallowed at the Pier Road ATM")
        reference = _case_of(moto_store, COMPLAINANT).reference
        link = issue_link(context.current(), reference, "chen.jing", MONDAY_10)
        page = html.unescape(
            client.http.get(link.replace("https://hotline.example.org", "") + "?lang=en").body.decode()
        )
    assert "This number takes only texts approved by the operators" in page
    meter = re.search(r'id="reply-meter"[^>]*data-most="(\d+)"[^>]*data-link-segments="(\d+)"', page)
    assert meter.groups() == ("0", "2")  # every reply goes as the link text: 【HC Bank】 makes it UCS-2, 2 segments


def test_every_text_the_code_sends_by_sms_is_a_kind_a_profile_can_hold_a_template_for():
    """Each staff link text (link_message's catalog key), each answer to a text (sms.py's `say`, the
    status answers of notify/complainant.py) and each reply-code answer is a kind of SMS_KINDS, so
    validation asks the institution for its template, and a mainland number never gets a text no
    operator approved."""
    import ast

    from chalicelib.model.sending import SMS_KINDS
    from support import ROOT

    SENDING_MODULES = ("reply_codes.py", "sign_in.py", "complainant.py")  # their `text` calls are texts sent
    found = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name == "link_message":
                found |= {value for value in literals if value.startswith("staff_text")}
            elif name == "say" or (name == "text" and path.name in SENDING_MODULES):
                found |= {value for value in literals if value.startswith(("sms_", "staff_code", "staff_sign_in_text"))}
    assert {"staff_text_case", "staff_text_escalation", "sms_status", "staff_code_done", "staff_sign_in_text"} <= found
    assert sorted(found - set(SMS_KINDS)) == []


def test_a_mainland_staff_phone_gets_its_sign_in_link_through_the_approved_template(client, mainland):
    import re

    from support import FORM_HEADERS, form_body

    client.http.post("/staff/sign-in", headers=FORM_HEADERS, body=form_body(contact=HANDLER))
    [text] = mainland.sent_to(HANDLER)
    assert text["template_id"] == "2100061"  # staff_sign_in_text.zh, as approved
    token = re.search(r"/staff/sign-in/([\w-]+)", text["body"]).group(1)
    assert client.http.get(f"/staff/sign-in/{token}").status_code == 200
