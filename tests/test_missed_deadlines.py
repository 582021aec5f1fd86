"""A missed deadline asks the handler why (text with a reply code, and the case page); every level
sees the reason on the case, and the complainant is told once, in their language, with the date now
expected. (The example bank: business hours 09:00-17:30 in Shanghai; handler 陈静, supervisor 李强.)"""

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import time_machine

from support import twilio_post

HANDLER, SUPERVISOR, COMPLAINANT = "+8613911110001", "+8613911110003", "+8613800138400"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 23 Nov 2026, 10:00 in Shanghai
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _file(client, language="en"):
    response = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"description": "My card was charged twice", "phone": COMPLAINANT, "language": language}),
    )
    return json.loads(response.body)["reference"]


def _sweep(client):
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
    client.lambda_.invoke("sla_sweep", event)


def _text_from(client, phone, body, sid):
    return twilio_post(
        client,
        "/twilio/sms",
        {"MessageSid": "SM" + sid * 32, "From": phone, "To": "+8675512340000", "Body": body, "NumMedia": "0"},
    ).body.decode()


def _path(body: str) -> str:
    return "/s/" + re.search(r"/s/([\w-]{22})", body).group(1)


def _form(page: str) -> dict:
    return {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),
        "version": re.search(r'name="version" value="([^"]+)"', page).group(1),
    }


def test_the_handler_explains_by_reply_code_and_the_complainant_is_told_once_with_the_new_date(
    client, moto_store, twilio
):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        traveller.shift(timedelta(hours=24, minutes=1))  # Tuesday 10:01: the acknowledgement is a minute late
        _sweep(client)
        [asked] = [m["body"] for m in twilio.sent_to(HANDLER) if "需说明原因" in m["body"]]
        code = re.search(r"回复(\d+)说明 天数 原因。$", asked).group(1)
        before = len(twilio.sent_to(COMPLAINANT))
        answer = _text_from(client, HANDLER, f"{code}说明 2 系统升级，记录需要重新调取。", "a")
        assert f"{reference}：已完成" in answer
        # Told once: the same explanation again is refused and texts nobody.
        again = _text_from(client, HANDLER, f"{code}说明 3 还在查", "b")
        assert "没有待说明原因的超期期限" in again
        told = twilio.sent_to(COMPLAINANT)[before:]
        [supervisor_alert] = [m["body"] for m in twilio.sent_to(SUPERVISOR)]
        page = client.http.get(_path(supervisor_alert) + "?lang=en").body.decode()
    # 2 working days after Tuesday 24 Nov end at the close of Thursday 26 Nov (17:30); the staff words as typed.
    # With Chinese words in it the text is UCS-2 and over 3 segments: a text links to it in full.
    assert [m["body"].split(": http")[0] for m in told] == [
        f"HC Bank: a new message on your complaint {reference}, too long for a text. Read it in full"
    ]
    [explained] = [e for e in moto_store.cases.timeline(reference) if e.kind == "delay_explained"]
    assert [explained.text] == [
        "HC Bank: we are sorry, we missed the acknowledgement deadline (Tue 24 Nov 2026 10:00 (UTC+8)) for your "
        f"complaint {reference}. We now expect to complete it by Thu 26 Nov 2026 17:30 (UTC+8). "
        "Reason: 系统升级，记录需要重新调取。"
    ]
    # The supervisor (the level the late alert went to) sees why, and the date now expected.
    assert "missed, because: 系统升级，记录需要重新调取。; now expected by Thu 26 Nov 2026 17:30" in page
    case = moto_store.cases.get(reference)
    assert case.clock("acknowledge").delay_reason == "系统升级，记录需要重新调取。"


def test_the_case_page_asks_for_the_reason_and_refuses_out_of_range_days_with_a_message(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.notify.staff import issue_link

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client, language="zh")
        path = issue_link(context.current(), reference, "chen.jing", MONDAY_10).removeprefix(
            "https://hotline.example.org"
        )
        assert 'id="explain-delay"' not in client.http.get(path).body.decode()  # nothing missed yet
        traveller.shift(timedelta(days=1, hours=1))
        page = client.http.get(path + "?lang=en").body.decode()
        assert 'id="explain-delay"' in page and '<option value="acknowledge">' in page
        refused = client.http.post(
            path + "?lang=en",
            headers=FORM,
            body=urlencode(
                {**_form(page), "action": "explain_delay", "clock": "acknowledge", "days": "0", "reason": "x"}
            ),
        )
        assert refused.status_code == 422 and "the working days still needed are 1 to 60" in refused.body.decode()
        huge = client.http.post(
            path + "?lang=en",
            headers=FORM,
            body=urlencode(
                {**_form(page), "action": "explain_delay", "clock": "acknowledge", "days": "9" * 40, "reason": "x"}
            ),
        )
        assert huge.status_code == 422
        before = len(twilio.sent_to(COMPLAINANT))
        done = client.http.post(
            path + "?lang=en",
            headers=FORM,
            body=urlencode(
                {**_form(page), "action": "explain_delay", "clock": "acknowledge", "days": "1", "reason": "经办人病假"}
            ),
        )
        assert done.status_code == 200 and 'id="explain-delay"' not in done.body.decode()
    told = twilio.sent_to(COMPLAINANT)[before:]
    assert [m["body"][:6] for m in told] == ["(1/2) ", "(2/2) "]
    # Tuesday 24 Nov 11:00 + 1 working day: the close of Wednesday 25 Nov. In the complainant's Chinese.
    assert "".join(m["body"][6:] for m in told) == (
        f"【海港银行】抱歉，您的投诉{reference}未能在期限（2026年11月24日 星期二 10:00）内完成确认，"
        "预计2026年11月25日 星期三 17:30前完成。原因：经办人病假"
    )
    explained = [e for e in moto_store.cases.timeline(reference) if e.kind == "delay_explained"]
    assert len(explained) == 1 and explained[0].public
