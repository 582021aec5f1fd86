"""Follow-up (回访, issue 19): a resolved case is asked once, at the configured delay and never in
the follow-up quiet hours, by text where one can be answered; the answer is recorded with its
score and closes the case (a low one reopens it); an opted-out number, a call or a walk-in gets a
call-back task instead; an unanswered question becomes a call-back task; the call back's outcome
closes the case. Driven through the API, the SMS webhook and the sweep with "now" moved."""

import json
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest
import time_machine

from support import sms_params, twilio_post

COMPLAINANT = "+8613800138960"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
QUESTION = "请回复1-5为处理结果评分（5为非常满意），或回复“满意”“一般”“不满意”。"


def _resolved(client, at: datetime = MONDAY_10, language: str = "zh", phone: str = COMPLAINANT) -> str:
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import resolve

    with time_machine.travel(at, tick=False):
        response = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": "网银转账失败但扣了款", "phone": phone, "language": language}),
        )
        reference = json.loads(response.body)["reference"]
        resolve(context.current(), reference, "staff:chen.jing", "款项已退回。", "valid", "", "", "", at)
    return reference


def _sweep(when: datetime) -> dict:
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    return run_sweep(context.current(), when)


def _questions(twilio, phone=COMPLAINANT) -> list[str]:
    return [m["body"] for m in twilio.sent_to(phone) if "评分" in m["body"] or "How did we do" in m["body"]]


def _text(client, body, sender=COMPLAINANT) -> str | None:
    message = ElementTree.fromstring(twilio_post(client, "/twilio/sms", sms_params(sender, body)).body).find("Message")
    return None if message is None else message.text


def test_the_question_goes_at_the_configured_delay_once(client, moto_store, twilio):
    from chalicelib.notify.segments import segments

    reference = _resolved(client)
    _sweep(MONDAY_10 + timedelta(hours=23, minutes=59))
    assert _questions(twilio) == []
    for minute in (1, 2, 3):  # overlapping sweeps, a repeated minute: still once
        _sweep(MONDAY_10 + timedelta(hours=24, minutes=minute))
    [question] = _questions(twilio)
    assert question == f"【海港银行】您的投诉{reference}已办结。{QUESTION}" and segments(question) <= 2
    case = moto_store.cases.get(reference)
    assert case.follow_up.by == "sms" and case.follow_up.asked_at == MONDAY_10 + timedelta(hours=24, minutes=1)


def test_a_question_due_at_21_00_local_waits_for_09_00(client, moto_store, twilio):
    evening = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)  # Monday 21:00 in Shanghai
    _resolved(client, at=evening)
    _sweep(evening + timedelta(hours=24, minutes=1))  # Tuesday 21:01: quiet
    _sweep(evening + timedelta(hours=35, minutes=59))  # Wednesday 08:59: still quiet
    assert _questions(twilio) == []
    _sweep(evening + timedelta(hours=36, minutes=1))  # Wednesday 09:01
    assert len(_questions(twilio)) == 1


@pytest.mark.parametrize(
    "answer, score, status",
    [
        ("5", 5, "closed"),
        ("4", 4, "closed"),
        ("3", 3, "closed"),
        ("2", 2, "reopened"),
        ("1", 1, "reopened"),
        ("满意", None, "closed"),
        ("一般", None, "closed"),
        ("不满意", None, "reopened"),
        ("Satisfied", None, "closed"),
        ("so-so", None, "closed"),
        ("not satisfied", None, "reopened"),
    ],
)
def test_each_answer_is_recorded_and_closes_or_reopens_the_case(client, moto_store, twilio, answer, score, status):
    reference = _resolved(client)
    asked = MONDAY_10 + timedelta(hours=24, minutes=1)
    _sweep(asked)
    with time_machine.travel(asked + timedelta(hours=1), tick=False):
        reply = _text(client, answer)
    case = moto_store.cases.get(reference)
    assert case.status == status, reply
    feedback = [e for e in moto_store.cases.timeline(reference) if e.kind == "complainant_feedback"]
    if status == "closed":
        assert case.follow_up.answered_at is not None and case.follow_up.score == score
        assert feedback[-1].data["follow_up"] is True and feedback[-1].data.get("score") == score
        assert reference in reply
    else:
        assert "已重新处理" in reply or "reopened" in reply


def test_an_opted_out_number_gets_no_question_but_a_call_back_task(client, moto_store, twilio):
    reference = _resolved(client)
    with time_machine.travel(MONDAY_10 + timedelta(hours=1), tick=False):
        _text(client, "退订")
    _sweep(MONDAY_10 + timedelta(hours=24, minutes=1))
    assert _questions(twilio) == []
    case = moto_store.cases.get(reference)
    [task] = case.open_tasks()
    assert case.follow_up.by == "callback" and task.name == "callback"


def test_an_unanswered_question_becomes_a_call_back_whose_outcome_closes_the_case(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.reopening import close_task

    reference = _resolved(client)
    asked = MONDAY_10 + timedelta(hours=24, minutes=1)
    _sweep(asked)
    _sweep(asked + timedelta(days=2, hours=23))
    assert moto_store.cases.get(reference).open_tasks() == []
    _sweep(asked + timedelta(days=3, minutes=1))
    case = moto_store.cases.get(reference)
    assert case.follow_up.unanswered and [t.name for t in case.open_tasks()] == ["callback"]
    assert case.status == "resolved"
    close_task(context.current(), reference, "staff:zhou.min", "reached", asked + timedelta(days=3, hours=1))
    case = moto_store.cases.get(reference)
    assert case.status == "closed" and case.clocks[-1].outcome == "reached"
    closed = moto_store.cases.timeline(reference)[-1]
    assert closed.kind == "task_closed" and closed.actor == "staff:zhou.min"  # who called, for the reports
    assert len(_questions(twilio)) == 1  # never asked twice


def test_a_voice_case_is_followed_up_by_a_call_back_task(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import resolve

    with time_machine.travel(MONDAY_10, tick=False):
        response = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": "电话里说的问题", "phone": COMPLAINANT}),
        )
        reference = json.loads(response.body)["reference"]
    moto_store.table.update_item(
        Key={"PK": f"CASE#{reference}", "SK": "CASE"},
        UpdateExpression="SET channel = :voice",
        ExpressionAttributeValues={":voice": "voice"},
    )  # as a call would have filed it
    resolve(context.current(), reference, "staff:chen.jing", "已电话答复。", "valid", "", "", "", MONDAY_10)
    _sweep(MONDAY_10 + timedelta(hours=24, minutes=1))
    case = moto_store.cases.get(reference)
    assert _questions(twilio) == [] and case.follow_up.by == "callback"
    assert [t.name for t in case.open_tasks()] == ["callback"]


def _email_case(client, address="mei.lin@example.org") -> str:
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import resolve

    with time_machine.travel(MONDAY_10, tick=False):
        response = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"description": "Charged twice for one transfer", "email": address, "language": "en"}),
        )
        reference = json.loads(response.body)["reference"]
        resolve(context.current(), reference, "staff:chen.jing", "Refunded.", "valid", "", "", "", MONDAY_10)
    return reference


def _link_path(store, reference) -> str:
    import re

    [message] = [m for m in store.outbox.for_case(reference) if m.purpose == "follow_up"]
    assert message.channel == "email" and message.subject == f"How did we do? Complaint {reference}"
    return re.search(r"https://hotline\.example\.org(/complaints/follow-up/[\w-]{22})$", message.body).group(1)


def test_an_email_complainant_answers_on_the_link_page_whose_get_records_nothing(client, moto_store, twilio):
    from support import FORM_HEADERS, form_body

    reference = _email_case(client)
    _sweep(MONDAY_10 + timedelta(hours=24, minutes=1))
    path = _link_path(moto_store, reference)
    events = len(moto_store.cases.timeline(reference))
    with time_machine.travel(MONDAY_10 + timedelta(hours=25), tick=False):
        for _ in range(2):  # a mail scanner, then the person
            page = client.http.get(path)
            assert page.status_code == 200 and 'name="score" value="5"' in page.body.decode()
        assert (
            len(moto_store.cases.timeline(reference)) == events and moto_store.cases.get(reference).status == "resolved"
        )
        wrong = client.http.post(path, headers=FORM_HEADERS, body=form_body(score="9", comment="kept"))
        assert wrong.status_code == 422 and "Choose one of the answers." in wrong.body.decode()
        assert ">kept</textarea>" in wrong.body.decode()  # what was typed comes back
        done = client.http.post(path, headers=FORM_HEADERS, body=form_body(score="4", comment="Quick, thanks"))
        assert done.status_code == 200 and "Thank you: your answer is recorded." in done.body.decode()
        again = client.http.post(path, headers=FORM_HEADERS, body=form_body(score="1"))
        assert "answered already" in again.body.decode()
    case = moto_store.cases.get(reference)
    assert case.status == "closed" and case.follow_up.by == "link" and case.follow_up.score == 4
    assert client.http.get("/complaints/follow-up/" + "x" * 22).status_code == 404


def test_a_low_score_on_the_link_reopens_the_case_and_an_expired_link_records_nothing(client, moto_store, twilio):
    from support import FORM_HEADERS, form_body

    reference = _email_case(client)
    _sweep(MONDAY_10 + timedelta(hours=24, minutes=1))
    path = _link_path(moto_store, reference)
    with time_machine.travel(MONDAY_10 + timedelta(hours=24 + 73), tick=False):  # past the 72 hours
        expired = client.http.post(path, headers=FORM_HEADERS, body=form_body(score="1"))
        assert expired.status_code == 410 and moto_store.cases.get(reference).status == "resolved"
    other = _email_case(client, "second@example.org")
    _sweep(MONDAY_10 + timedelta(hours=24, minutes=2))
    with time_machine.travel(MONDAY_10 + timedelta(hours=26), tick=False):
        answer = client.http.post(_link_path(moto_store, other), headers=FORM_HEADERS, body=form_body(score="1"))
    assert f"We have reopened complaint {other} and will respond by" in answer.body.decode()
    assert moto_store.cases.get(other).status == "reopened"
