"""A case nobody touches, watched by the every-minute sweep while time moves: who is texted,
in what order, and exactly once. (The example bank: business hours 09:00-17:30 in Shanghai,
handler 陈静, supervisor 李强 (backup 吴红), manager 孙丽, director 何军, on-duty leader out of hours.)"""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from support import twilio_post

JSON = {"Content-Type": "application/json"}
HANDLER, SUPERVISOR, SUPERVISOR_B, MANAGER, DIRECTOR = (
    "+8613911110001",
    "+8613911110003",
    "+8613911110004",
    "+8613911110005",
    "+8613911110007",
)
STAFF = {
    HANDLER: "handler",
    SUPERVISOR: "supervisor",
    SUPERVISOR_B: "supervisor-b",
    MANAGER: "manager",
    DIRECTOR: "director",
    "+8613911110009": "on-duty",
}
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai


def _file(client, description="The branch lost my passport copy", phone="+8613800138400"):
    response = client.http.post(
        "/api/complaints", headers=JSON, body=json.dumps({"description": description, "phone": phone, "language": "en"})
    )
    assert response.status_code == 201, response.body
    return json.loads(response.body)["reference"]


def _sweep(client):
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
    return client.lambda_.invoke("sla_sweep", event).payload


def _staff_texts(twilio):
    return [(STAFF[m["to"]], m["body"]) for m in twilio.messages if m["to"] in STAFF]


def _next_due(store):
    from chalicelib.runtime.clock import parse_iso

    items = store.table.scan(FilterExpression="attribute_exists(due_at)")["Items"]
    return min((parse_iso(item["due_at"].split("#")[0]) for item in items), default=None)


def _run(client, traveller, until: datetime, store=None):
    """Moves time to each next due step (nothing happens in between) and sweeps there twice,
    as overlapping or repeated invocations would; then on to `until`."""
    from chalicelib.edge import dependencies as context

    store = store or context.store()
    while True:
        due = _next_due(store)
        now = datetime.now(timezone.utc)
        target = until if due is None or due > until else (due if due > now else now + timedelta(minutes=1))
        traveller.shift(target - now)
        _sweep(client)
        _sweep(client)
        if target >= until:
            return


def test_untouched_case_climbs_the_chain_in_order_each_alert_exactly_once(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        _run(client, traveller, MONDAY_10 + timedelta(days=10))
    texts = _staff_texts(twilio)
    # Staff texts are in the institution's language (Chinese for this bank).
    link = "https://hotline.example.org/s/"
    hint = r" 回复\d+(确认即受理|升级即上报|说明 天数 原因)。$"
    without_code = [(who, re.sub(hint, "", body)) for who, body in texts]
    # A phone must see where the link ends: never Chinese right after it.
    assert all(re.search(r"/s/[A-Za-z0-9_-]{22}(?=\s|$)", body) for _, body in texts), texts
    # Each alert carries the code for what its recipient can do: the handler acknowledges (and explains a
    # missed deadline), a level with one above escalates, the top of the chain acts from the link.
    hints = [re.search(hint, body) for _, body in texts]
    assert [found.group(1) if found else None for found in hints] == [
        "确认即受理",
        "确认即受理",
        "升级即上报",
        "说明 天数 原因",
        "确认即受理",
        "升级即上报",
        "说明 天数 原因",
        "确认即受理",
        "确认即受理",
        None,
        "说明 天数 原因",
    ]
    normalised = [
        (who, re.sub(r"/s/[\w-]{22}$", "/s/", re.sub(r"\d+天\d+小时|\d+小时\d+分|\d+小时|\d+分钟", "T", body)))
        for who, body in without_code
    ]
    assert normalised == [
        # Monday 10:00, in working time: the handler hears of the new case within the minute.
        ("handler", f"【海港银行】{reference}新投诉（11月23日10:00受理），请处理：{link}"),
        # The 50% (22:00) and 75% (04:00) reminders fall in the quiet hours (22:00-08:00): only the latest, at 08:00.
        ("handler", f"【海港银行】{reference}确认期限11月24日10:00，剩余T，请处理：{link}"),
        ("supervisor", f"【海港银行】{reference}确认现在到期（期限11月24日10:00），请处理：{link}"),  # at the deadline
        ("handler", f"【海港银行】{reference}确认已超期（期限11月24日10:00），需说明原因，请处理：{link}"),
        ("handler", f"【海港银行】{reference}答复期限11月26日17:30，剩余T，请处理：{link}"),
        ("manager", f"【海港银行】{reference}答复现在到期（期限11月26日17:30），请处理：{link}"),
        ("handler", f"【海港银行】{reference}答复已超期（期限11月26日17:30），需说明原因，请处理：{link}"),
        ("handler", f"【海港银行】{reference}办结期限12月2日17:30，剩余T，请处理：{link}"),
        ("handler", f"【海港银行】{reference}已7天未办结，升级为较重，请处理：{link}"),  # a week old: "hot"
        # at the close of business (17:30): out of hours, so the on-duty leader takes the director's role
        ("on-duty", f"【海港银行】{reference}办结现在到期（期限12月2日17:30），请处理：{link}"),
        ("handler", f"【海港银行】{reference}办结已超期（期限12月2日17:30），需说明原因，请处理：{link}"),
    ]
    assert "剩余2小时" in texts[1][1]  # 08:00, two hours before the acknowledge deadline
    alerts = [e for e in moto_store.cases.timeline(reference) if e.kind == "alert"]
    assert len(alerts) == len({e.data["step"] for e in alerts}) == 11
    case = moto_store.cases.get(reference)
    assert sorted(case.fired) == sorted(
        [
            "intake:new",
            "acknowledge:r50",  # overtaken in the quiet hours: recorded, never sent
            "acknowledge:r75",
            "acknowledge:late0",
            "acknowledge:why",
            "respond:r75",
            "respond:late0",
            "respond:why",
            "resolve:r75",
            "age:7d",
            "resolve:late0",
            "resolve:why",
        ]
    )
    assert case.severity == "serious"


def test_every_alert_text_fits_its_segment_budget(client, moto_store, twilio):
    from chalicelib.notify.segments import segments

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        for number in range(6):
            _file(client, f"Complaint {number} about card fees", phone=f"+861380013850{number}")
        _run(client, traveller, MONDAY_10 + timedelta(days=4))
    bodies = [body for _, body in _staff_texts(twilio)]
    assert any("件投诉待您处理" in body for body in bodies)  # bundled per recipient
    assert all(segments(body) <= 2 for body in bodies), [b for b in bodies if segments(b) > 2]


def test_acknowledging_stops_the_acknowledge_clock_alerts_and_nothing_else(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import acknowledge

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        traveller.shift(timedelta(hours=1))
        acknowledge(context.current(), reference, "staff:chen.jing", datetime.now(timezone.utc))
        _run(client, traveller, MONDAY_10 + timedelta(days=10))
    steps = [e.data["step"] for e in moto_store.cases.timeline(reference) if e.kind == "alert"]
    assert [step for step in steps if not step.endswith(":why")] == [
        "respond:r75",
        "respond:late0",
        "resolve:r75",
        "age:7d",
        "resolve:late0",
    ]
    assert {step for step in steps if step.endswith(":why")} == {"respond:why", "resolve:why"}
    assert moto_store.cases.get(reference).status == "acknowledged"


def test_failed_delivery_to_the_supervisor_reaches_the_backup_and_the_manager_at_once_and_is_retried(
    client, moto_store, twilio
):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        traveller.shift(timedelta(hours=24, minutes=1))  # Tuesday 10:01: the acknowledgement is overdue
        _sweep(client)
        [to_supervisor] = [m for m in twilio.messages if m["to"] == SUPERVISOR]
        alert = next(e for e in moto_store.cases.timeline(reference) if e.data.get("step") == "acknowledge:late0")
        twilio_post(
            client,
            "/twilio/status",
            {"MessageSid": to_supervisor["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003"},
            query={"m": alert.data["message_id"]},
        )
        assert _sweep(client)["messages_sent"] == 2  # the backup (B角) and the level above, at once
        traveller.shift(timedelta(minutes=1))
        assert _sweep(client)["messages_sent"] == 1  # and the supervisor again, on the retry schedule
    [to_backup] = [m for m in twilio.messages if m["to"] == SUPERVISOR_B]
    [to_manager] = [m for m in twilio.messages if m["to"] == "+8613911110005"]  # sun.li, the manager
    assert to_backup["body"] == to_supervisor["body"] == to_manager["body"]
    assert len([m for m in twilio.messages if m["to"] == SUPERVISOR]) == 2


def test_extension_moves_the_deadline_and_tells_the_complainant(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.deadlines import ExtensionRefused
    from chalicelib.staff.actions import extend_deadline

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        before = moto_store.cases.get(reference).clock("respond").due_at
        case = extend_deadline(
            context.current(),
            reference,
            "respond",
            2,
            "working_days",
            "Waiting for the card scheme's records",
            "staff:sun.li",
            datetime.now(timezone.utc),
        )
        assert case.clock("respond").due_at == before + timedelta(days=4)  # Thu -> Mon, over the weekend
        notice = twilio.sent_to("+8613800138400")[-1]["body"]
        assert "extended to Mon 30 Nov 2026 17:30" in notice and "card scheme's records" in notice  # their language
        with pytest.raises(ExtensionRefused, match="above the handler"):
            extend_deadline(
                context.current(),
                reference,
                "respond",
                1,
                "working_days",
                "self-approved",
                "staff:chen.jing",
                datetime.now(timezone.utc),
            )
        with pytest.raises(ExtensionRefused, match="at most 60 working_days"):
            extend_deadline(
                context.current(),
                reference,
                "respond",
                70,
                "working_days",
                "too long",
                "staff:sun.li",
                datetime.now(timezone.utc),
            )
        _run(client, traveller, MONDAY_10 + timedelta(days=7, hours=8))
    late = [body for who, body in _staff_texts(twilio) if who == "manager"]
    assert len(late) == 1 and "期限11月30日17:30" in late[0]


def test_severe_case_alerts_leadership_at_intake(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        reference = _file(client, "A journalist from the city newspaper is writing about how you treated me")
    case = moto_store.cases.get(reference)
    assert case.severity == "major" and case.severity_reasons == ["media -> major"]
    texts = dict(_staff_texts(twilio))  # at intake, no sweep needed
    assert set(texts) == {"director", "handler"}
    assert f"{reference}为严重投诉（重大）" in texts["director"] and f"{reference}新投诉" in texts["handler"]


def test_a_complaint_at_two_in_the_morning_reaches_the_handler_at_opening_not_before(client, moto_store, twilio):
    """Tuesday 02:00 in Shanghai; the bank opens at 09:00 and its staff quiet hours end at 08:00."""
    tuesday_2am = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)
    with time_machine.travel(tuesday_2am, tick=False) as traveller:
        reference = _file(client)
        _run(client, traveller, tuesday_2am + timedelta(hours=6, minutes=59))  # 08:59
        assert _staff_texts(twilio) == []
        _run(client, traveller, tuesday_2am + timedelta(hours=8))  # 10:00
    [(who, body)] = _staff_texts(twilio)
    assert who == "handler" and f"{reference}新投诉（11月24日02:00受理）" in body
    [alert] = [e for e in moto_store.cases.timeline(reference) if e.kind == "alert"]
    assert alert.at == datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)  # 09:00, the opening


def test_a_critical_complaint_at_two_in_the_morning_alerts_at_once(client, moto_store, twilio):
    tuesday_2am = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)
    with time_machine.travel(tuesday_2am, tick=False):
        reference = _file(client, "I will sue you and a journalist from the newspaper is coming")
        assert moto_store.cases.get(reference).severity in ("major", "critical")
        texts = dict(_staff_texts(twilio))
    # Out of hours the director's role is taken by the on-duty leader; the handler hears at once too.
    assert f"{reference}新投诉（11月24日02:00受理）" in texts["handler"]
    assert "on-duty" in texts and reference in texts["on-duty"]


def test_waiting_for_the_complainant_pauses_and_their_reply_resumes_without_shortening(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import acknowledge, await_complainant
    from support import sms_params

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        acknowledge(context.current(), reference, "staff:chen.jing", datetime.now(timezone.utc))
        before = moto_store.cases.get(reference).clock("respond").due_at
        traveller.shift(timedelta(hours=2))
        await_complainant(context.current(), reference, "staff:chen.jing", datetime.now(timezone.utc))
        traveller.shift(timedelta(days=1))  # Tuesday 12:00: a working day passes while paused
        twilio_post(client, "/twilio/sms", sms_params("+8613800138400", "Here is the receipt number: 5521"))
    case = moto_store.cases.get(reference)
    assert case.status == "in_progress"
    assert case.clock("respond").due_at == before + timedelta(days=1)  # a working day later, not earlier
    assert case.clock("acknowledge").stopped_at is not None


def test_repeats_climb_one_role_at_a_time_up_to_the_top(client, moto_store, twilio, institution, monkeypatch):
    from chalicelib.edge import dependencies as context

    steps = institution.escalation.acknowledge.model_copy(update={"repeat_every_hours": 4})
    repeating = institution.model_copy(
        update={"escalation": institution.escalation.model_copy(update={"acknowledge": steps})}
    )
    monkeypatch.setattr(context, "institution", lambda: repeating)
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        _run(client, traveller, MONDAY_10 + timedelta(days=1, hours=12))
    steps = [(e.data["step"], e.data["to"]) for e in moto_store.cases.timeline(reference) if e.kind == "alert"]
    # Tuesday 10:00 supervisor, 14:00 manager, 18:00 director level: out of hours, so the on-duty leader.
    assert [s for s in steps if s[0].startswith("acknowledge:late")] == [
        ("acknowledge:late0", "li.qiang"),
        ("acknowledge:late1", "sun.li"),
        ("acknowledge:late2", "duty.leader"),
    ]


def test_a_case_left_unresolved_a_month_is_raised_and_leadership_is_told(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        _run(client, traveller, MONDAY_10 + timedelta(days=31))
    case = moto_store.cases.get(reference)
    assert case.severity == "major"
    steps = [(e.data["step"], e.data["to"]) for e in moto_store.cases.timeline(reference) if e.kind == "alert"]
    assert ("age:7d", "chen.jing") in steps and ("age:30d", "he.jun") in steps
    director = [body for who, body in _staff_texts(twilio) if who == "director"]
    assert any("已30天未办结，升级为重大" in body for body in director)


def test_the_link_in_an_alert_opens_the_case_for_that_person(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        traveller.shift(timedelta(hours=24, minutes=1))
        _sweep(client)
        [alert] = [m for m in twilio.messages if m["to"] == SUPERVISOR]
        path = "/s/" + re.match(r"[\w-]{22}", alert["body"].rsplit("/s/", 1)[1]).group(0)
        page = client.http.get(path + "?lang=en")
    assert page.status_code == 200 and reference in page.body.decode()
    from chalicelib.staff.links import token_hash

    assert moto_store.links.get(token_hash(path.rsplit("/", 1)[1])).staff_id == "li.qiang"


def test_a_staff_member_who_reads_english_gets_english_alerts_and_answers(client, moto_store, twilio, institution):
    """Staff texts follow the person (`staff[].language`), the rest of the chain keeps the bank's Chinese."""
    from chalicelib.edge import dependencies as context
    from chalicelib.notify.segments import segments

    staff = [m.model_copy(update={"language": "en"}) if m.id == "li.qiang" else m for m in institution.staff]
    moto_store.config.put(json.loads(institution.model_copy(update={"staff": staff}).model_dump_json()))
    context.reset()
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        reference = _file(client)
        _run(client, traveller, MONDAY_10 + timedelta(days=1, hours=1))
        texts = _staff_texts(twilio)
        [late] = [body for who, body in texts if who == "supervisor"]
        assert f"{reference} acknowledgement due NOW" in late and segments(late) == 1  # sent at the deadline
        assert all(body.startswith("【海港银行】") for who, body in texts if who == "handler")
        code = re.search(r"Reply (\d+)e to escalate\.$", late).group(1)  # the supervisor's code: escalate
        answer = twilio_post(
            client,
            "/twilio/sms",
            {
                "MessageSid": "SM" + "e" * 32,
                "From": SUPERVISOR,
                "To": "+8675512340000",
                "Body": f"{code}a",
                "NumMedia": "0",
            },
        )
    assert f"{reference}: done (acknowledge)." in answer.body.decode()
