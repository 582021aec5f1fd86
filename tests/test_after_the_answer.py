"""After the answer (issue 19): a complainant's text about a resolved case is never silently
appended - "still not solved" reopens it (new clocks, the handler and the level above alerted, the
complainant told the new date), thanks and scores are recorded and answered, anything else is a
task for the handler; past the window a new case opens, linked as a repeat. Status answers tell
the truth in every state, and staff codes that no longer apply are refused and change nothing.
Driven through the webhooks and the sweep, with "now" moved."""

import json
import re
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest
import time_machine

from support import sms_params, twilio_post

COMPLAINANT = "+8613800138900"
HANDLER, SUPERVISOR, MANAGER = "+8613911110001", "+8613911110003", "+8613911110005"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
TUESDAY_10 = MONDAY_10 + timedelta(days=1)
REGULATOR = "金融监管总局消费者投诉热线12378"  # after_resolution.regulator in the bank's config


def _text(client, body, sender=COMPLAINANT) -> str | None:
    message = ElementTree.fromstring(twilio_post(client, "/twilio/sms", sms_params(sender, body)).body).find("Message")
    return None if message is None else message.text


def _file(client, language="zh") -> str:
    words = {"zh": "ATM吞卡，客服电话一直打不通", "en": "The ATM kept my card and nobody answers the phone"}[language]
    response = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"description": words, "phone": COMPLAINANT, "language": language}),
    )
    return json.loads(response.body)["reference"]


def _resolved(client, language="zh") -> str:
    """A case answered and resolved on Monday morning."""
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import reply, resolve

    with time_machine.travel(MONDAY_10, tick=False):
        reference = _file(client, language)
        reply(context.current(), reference, "staff:chen.jing", "卡已找到，请到网点领取。", MONDAY_10)
        resolve(
            context.current(), reference, "staff:chen.jing", "卡已归还，手续费已退。", "valid", "", "", "", MONDAY_10
        )
    return reference


def _sweep(when: datetime) -> None:
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    run_sweep(context.current(), when)


def test_a_dissatisfied_text_reopens_the_resolved_case_alerts_and_gives_a_new_date(client, moto_store, twilio):
    reference = _resolved(client)
    result = twilio.sent_to(COMPLAINANT)[-1]["body"]  # the final reply says where to turn next
    assert result.endswith(
        "卡已归还，手续费已退。 如不满意，请回复“不满意”，我们将安排复核；仍有异议可联系" + REGULATOR + "。"
    )
    with time_machine.travel(TUESDAY_10, tick=False):
        reply = _text(client, "我对处理结果不满意，卡里的钱还是少了")
    case = moto_store.cases.get(reference)
    assert case.status == "reopened"
    respond = case.clock("respond")
    assert respond.round == 1 and respond.started_at == TUESDAY_10 and respond.stopped_at is None
    assert respond.due_at > TUESDAY_10 and [c.round for c in case.earlier_clocks] == [0, 0]  # kept for reports
    assert reply == f"【海港银行】您的投诉{reference}已重新处理，我们将于11月27日17:30前答复。"
    kinds = [e.kind for e in moto_store.cases.timeline(reference)]
    assert kinds[-2:] == ["complainant_message", "reopened"]
    # the handler and the level above hear of it at the sweep, once
    twilio.messages.clear()
    for minute in (1, 2):
        _sweep(TUESDAY_10 + timedelta(minutes=minute))
    for phone in (HANDLER, SUPERVISOR):
        [alert] = twilio.sent_to(phone)
        assert f"{reference}投诉人称问题未解决，已重新处理" in alert["body"], alert["body"]
    assert twilio.sent_to(MANAGER) == []
    # open again: in the queue, and a later text is added to it as to any open case
    with time_machine.travel(TUESDAY_10 + timedelta(hours=1), tick=False):
        assert "已补充到您的投诉" in _text(client, "另外，柜员态度也不好")
    assert moto_store.cases.open_for_contact(COMPLAINANT) == [reference]


@pytest.mark.parametrize(
    "words, score",
    [("谢谢", None), ("5", 5), ("满意", None), ("好的，谢谢！", None), ("一般", None), ("3", 3)],
)
def test_thanks_and_scores_on_a_resolved_case_are_recorded_and_answered_without_reopening(
    client, moto_store, twilio, words, score
):
    reference = _resolved(client)
    with time_machine.travel(TUESDAY_10, tick=False):
        reply = _text(client, words)
    assert reply == f"【海港银行】感谢您对投诉{reference}的反馈。"
    case = moto_store.cases.get(reference)
    assert case.status == "resolved" and case.open_tasks() == []
    feedback = moto_store.cases.timeline(reference)[-1]
    assert feedback.kind == "complainant_feedback" and feedback.text == words and feedback.data.get("score") == score


def test_english_not_solved_reopens_and_thank_you_does_not(client, moto_store, twilio):
    reference = _resolved(client, "en")
    with time_machine.travel(TUESDAY_10, tick=False):
        assert _text(client, "Thank you so much") == f"HC Bank: thank you for telling us about complaint {reference}."
        assert moto_store.cases.get(reference).status == "resolved"
        reopened = _text(client, f"{reference} NOT SOLVED")  # the status answer's own words, with the reference
    assert reopened.startswith(f"HC Bank: we have reopened complaint {reference} and will respond by ")
    assert moto_store.cases.get(reference).status == "reopened"


def test_a_message_the_product_cannot_read_becomes_a_task_in_the_queue_never_a_silent_append(
    client, moto_store, twilio
):
    reference = _resolved(client)
    with time_machine.travel(TUESDAY_10, tick=False):
        reply = _text(client, "请问手续费退到哪张卡上？")
    assert reply == f"【海港银行】已收到您关于投诉{reference}的消息，工作人员将于11月24日11:00前与您联系。"
    case = moto_store.cases.get(reference)
    [task] = case.open_tasks()
    assert case.status == "resolved" and task.name == "message" and task.due_at == TUESDAY_10 + timedelta(hours=1)
    assert moto_store.table.get_item(Key={"PK": f"CASE#{reference}", "SK": "CASE"})["Item"]["queue_at"].startswith(
        "O#"
    )  # in the workspace queue while the task is open
    twilio.messages.clear()
    _sweep(TUESDAY_10 + timedelta(hours=1, minutes=1))  # left unread past its hour: the supervisor hears
    assert any(reference in m["body"] for m in twilio.sent_to(SUPERVISOR))


def test_after_the_window_a_new_case_opens_linked_as_a_repeat(client, moto_store, twilio):
    reference = _resolved(client)
    later = MONDAY_10 + timedelta(days=31)
    with time_machine.travel(later, tick=False):
        assert _text(client, "谢谢") == f"【海港银行】感谢您对投诉{reference}的反馈。"  # thanks opens nothing
        reply = _text(client, "卡又被吞了，同一台ATM")
    [new] = moto_store.cases.open_for_contact(COMPLAINANT)
    assert new != reference and new in reply and "已受理" in reply
    assert moto_store.cases.get(new).repeat_of == reference
    assert moto_store.cases.get(reference).status == "resolved"


def test_status_answers_tell_the_truth_in_every_state(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import await_complainant, extend_deadline, reply

    with time_machine.travel(MONDAY_10, tick=False):
        reference = _file(client)
        assert _text(client, "查询") == f"【海港银行】投诉{reference}：已受理，我们将于11月26日17:30前答复。"
        await_complainant(context.current(), reference, "staff:chen.jing", MONDAY_10)
        assert _text(client, "查询") == f"【海港银行】投诉{reference}正在等待您补充材料，请直接回复本短信补充。"
        _text(client, "补充：卡号尾号1234")  # their reply resumes the clocks
        extend_deadline(
            context.current(), reference, "respond", 2, "working_days", "等待卡组织回复", "staff:sun.li", MONDAY_10
        )
        extended = _text(client, "查询")
        assert f"投诉{reference}：处理中，处理期限已延长，我们将于11月30日17:30前答复。" in extended
        reply(context.current(), reference, "staff:chen.jing", "已联系卡组织，预计三天内归还。", MONDAY_10)
        responded = _text(client, "进度")
        assert f"投诉{reference}已答复，我们将于12月2日17:30前告知处理结果。" in responded  # never a past date
    reference = _resolved(client)
    with time_machine.travel(TUESDAY_10, tick=False):
        finished = _text(client, f"查询{reference}")
    assert (
        finished
        == f"【海港银行】投诉{reference}已于11月23日10:00办结：卡已归还，手续费已退。 如不满意，请回复“不满意”。"
    )


def test_a_reply_code_on_a_resolved_case_is_refused_and_changes_nothing(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        reference = _file(client)
        _sweep(MONDAY_10 + timedelta(hours=24, minutes=1))
        [alert] = twilio.sent_to(SUPERVISOR)
        code = re.search(r" 回复(\d+)(?:确认即受理|升级即上报)。$", alert["body"]).group(1)
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import resolve

    resolve(context.current(), reference, "staff:chen.jing", "已处理", "valid", "", "", "", MONDAY_10)
    before = moto_store.cases.get(reference)
    events = len(moto_store.cases.timeline(reference))
    with time_machine.travel(MONDAY_10 + timedelta(hours=25), tick=False):
        for command in (f"{code}确认", f"{code}升级", f"{code}a"):
            answer = _text(client, command, sender=SUPERVISOR)
            assert answer == f"{reference}：未完成（该案件已结束（已办结），此操作不再适用）", answer
    after = moto_store.cases.get(reference)
    assert after.version == before.version and after.status == "resolved"
    assert len(moto_store.cases.timeline(reference)) == events


def test_the_status_page_shows_the_result_its_date_labelled_entries_and_where_to_turn_next(client, moto_store, twilio):
    import html
    from urllib.parse import urlencode

    reference = _resolved(client)
    with time_machine.travel(TUESDAY_10, tick=False):
        page = client.http.get(
            "/complaints/status?" + urlencode({"ref": reference, "contact": "138 0013 8900", "lang": "zh"})
        ).body.decode()
    page = html.unescape(page)
    assert '<dd id="status">已办结</dd>' in page and '<dd id="result">卡已归还，手续费已退。</dd>' in page
    assert re.search(r'<dd id="result-at">2026年11月23日.*10:00</dd>', page), page
    assert 'id="expected"' not in page  # nothing is promised any more: no date in the past
    assert f"请注明编号{reference}发短信或邮件告诉我们，我们将安排复核；仍有异议可联系{REGULATOR}。" in page
    entries = re.findall(r"<li><strong>[^<]+</strong> · ([^<]+)", page)
    assert entries == ["已发送受理回执", "答复投诉人", "已办结"]  # each entry says what it was
    with time_machine.travel(TUESDAY_10, tick=False):
        _text(client, "还是没解决")
        page = html.unescape(
            client.http.get(
                "/complaints/status?" + urlencode({"ref": reference, "contact": "13800138900", "lang": "zh"})
            ).body.decode()
        )
    assert '<dd id="status">已重新处理</dd>' in page and 'id="result"' not in page
    assert re.findall(r"<li><strong>[^<]+</strong> · ([^<]+)", page)[-1] == "重新处理"
    assert re.search(r'<dd id="expected">2026年11月27日.*17:30</dd>', page)


def test_dissatisfied_twice_is_an_appeal_reviewed_one_level_up_on_its_own_clock(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from chalicelib.staff.actions import resolve

    reference = _resolved(client)
    with time_machine.travel(TUESDAY_10, tick=False):
        assert "已重新处理" in _text(client, "不满意，钱还没退")  # the first time: handled again
    assert moto_store.cases.get(reference).clock("review") is None
    resolve(context.current(), reference, "staff:chen.jing", "已再次核实并退款。", "valid", "", "", "", TUESDAY_10)
    wednesday = TUESDAY_10 + timedelta(days=1)
    with time_machine.travel(wednesday, tick=False):
        reply = _text(client, "还是不满意")
    case = moto_store.cases.get(reference)
    review = case.clock("review")
    assert case.status == "reopened" and review.started_at == wednesday and review.unit == "working_days"
    assert review.amount == 15 and case.assignee == "li.qiang"  # one level up, not the handler chen.jing
    assert reply == f"【海港银行】您对投诉{reference}的复核申请已受理，将由上级复核，我们将于12月16日17:30前答复。"
    assert moto_store.cases.timeline(reference)[-1].kind == "appeal"
    resolve(context.current(), reference, "staff:li.qiang", "复核维持原处理。", "valid", "", "", "", wednesday)
    assert moto_store.cases.get(reference).clock("review").stopped_at == wednesday  # the review decided


def test_asking_for_a_review_is_an_appeal_at_once(client, moto_store, twilio):
    reference = _resolved(client, "en")
    with time_machine.travel(TUESDAY_10, tick=False):
        reply = _text(client, "I want this decision reviewed by your manager, I appeal")
    case = moto_store.cases.get(reference)
    assert case.clock("review") is not None and case.assignee == "li.qiang"
    assert reply.startswith(f"HC Bank: your request for a review of complaint {reference} is registered.")


def test_a_new_case_about_the_same_category_from_the_same_complainant_is_linked_as_a_repeat(client, moto_store):
    def filed(category: str) -> str:
        body = {"description": "柜员态度恶劣", "phone": COMPLAINANT, "category": category}
        return json.loads(
            client.http.post(
                "/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body)
            ).body
        )["reference"]

    with time_machine.travel(MONDAY_10, tick=False):
        first = filed("service_attitude")
    with time_machine.travel(MONDAY_10 + timedelta(days=3), tick=False):
        second = filed("service_attitude")
        other = filed("work_error")
    assert moto_store.cases.get(second).repeat_of == first
    assert moto_store.cases.get(other).repeat_of is None  # another matter
    with time_machine.travel(MONDAY_10 + timedelta(days=25), tick=False):
        later = filed("service_attitude")
    assert moto_store.cases.get(later).repeat_of == second  # the most recent within the window
    with time_machine.travel(MONDAY_10 + timedelta(days=60), tick=False):
        assert moto_store.cases.get(filed("service_attitude")).repeat_of is None  # 35 days after the last
