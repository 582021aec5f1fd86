"""Staff reply codes by SMS: the code in an alert acts on its case, from that phone only."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from support import sms_params, twilio_post

SUPERVISOR = "+8613911110003"
COMPLAINANT = "+8613800138700"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def _alerted_case(client, twilio):
    """A case whose acknowledgement is overdue, and the code of the alert the supervisor got."""
    response = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"description": "Nobody called me back", "phone": COMPLAINANT, "language": "en"}),
    )
    reference = json.loads(response.body)["reference"]
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(hours=24, minutes=1), tick=False):
        event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
        client.lambda_.invoke("sla_sweep", event)
    [alert] = twilio.sent_to(SUPERVISOR)
    code = re.search(r" 回复(\d+)(?:确认即受理|升级即上报)。$", alert["body"]).group(1)  # the supervisor's: escalate
    return reference, code


def _text(client, body, sender=SUPERVISOR):
    from xml.etree import ElementTree

    response = twilio_post(client, "/twilio/sms", sms_params(sender, body))
    message = ElementTree.fromstring(response.body).find("Message")
    return None if message is None else message.text


def test_code_a_acknowledges_and_chinese_works_too(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        reference, code = _alerted_case(client, twilio)
        assert _text(client, f"{code}a") == f"{reference}：已完成。"
    case = moto_store.cases.get(reference)
    assert case.status == "acknowledged"
    assert any(e.kind == "acknowledged" and e.actor == "staff:li.qiang" for e in moto_store.cases.timeline(reference))


def test_code_r_replies_to_the_complainant_and_code_c_resolves(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        reference, code = _alerted_case(client, twilio)
        _text(client, f"{code}回复 We found the missing call log and will call you today.")
        assert twilio.sent_to(COMPLAINANT)[-1]["body"].endswith("will call you today.")
        _text(client, f"{code}c Called back, apologised, fee refunded.")
    case = moto_store.cases.get(reference)
    assert case.status == "resolved"
    resolved = next(e for e in moto_store.cases.timeline(reference) if e.kind == "resolved")
    assert resolved.text == "Called back, apologised, fee refunded." and resolved.data["validity"] == "unassessed"


def test_a_code_works_only_from_the_phone_it_was_sent_to(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        reference, code = _alerted_case(client, twilio)
        other_staff = _text(client, f"{code}a", sender="+8613911110005")
        outsider = _text(client, f"{code}a", sender="+8613800138799")
    assert other_staff.startswith("回复代码：")  # help, nothing done
    assert "complaint received" in outsider  # a non-staff number is a complainant, never a command
    assert moto_store.cases.get(reference).status == "received"


def test_many_unknown_codes_from_one_number_stop_getting_answers(client, moto_store, twilio):
    answers = [_text(client, f"{n}a") for n in range(1, 13)]
    assert all(answer and answer.startswith("回复代码：") for answer in answers[:10])
    assert answers[-1] is None


def test_code_e_escalates_one_level_up_at_once(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        reference, code = _alerted_case(client, twilio)
        assert _text(client, f"{code}升级") == f"{reference}：已完成。"
    [to_manager] = twilio.sent_to("+8613911110005")  # the level above the supervisor
    assert reference in to_manager["body"] and "/s/" in to_manager["body"]
    escalated = next(e for e in moto_store.cases.timeline(reference) if e.kind == "escalated")
    assert escalated.actor == "staff:li.qiang" and escalated.data["to"] == "sun.li"


def test_the_top_of_the_chain_has_nobody_to_escalate_to_or_ask(moto_store, institution):
    from chalicelib.edge import dependencies
    from chalicelib.model.case import Case, Complainant
    from chalicelib.sla.escalation import chain_snapshot
    from chalicelib.staff.actions import escalate_now
    from chalicelib.staff.case_state import _level_above

    case = Case(
        reference="HCB-2611000010",
        channel="web",
        description="x",
        received_at=MONDAY_10,
        complainant=Complainant(),
        chain=chain_snapshot(institution),
    )
    assert _level_above(case, "staff:chen.jing").role == "supervisor"
    assert _level_above(case, "staff:wu.hong").role == "manager"  # a backup (B角) asks the level above theirs
    for top in ("staff:he.jun", "staff:ma.lin"):
        with pytest.raises(ValueError, match="no level above you"):
            _level_above(case, top)
    one_level = case.model_copy(update={"chain": case.chain[:1]})
    moto_store.cases.create(one_level, [], [], None, MONDAY_10)
    with pytest.raises(ValueError, match="no level above you"):  # a clear refusal, not an IndexError
        escalate_now(dependencies.current(), one_level.reference, "staff:nobody", MONDAY_10)


def test_staff_words_reach_the_complainant_as_typed(client, moto_store, twilio):
    """A full-width code still works; the words after it keep their full-width punctuation and digits."""
    with time_machine.travel(MONDAY_10, tick=False):
        reference, code = _alerted_case(client, twilio)
        full_width_code = "".join(chr(ord(digit) + 0xFEE0) for digit in code)  # as a Chinese input method types it
        typed = "您好！已核实：多扣的费用将于３个工作日内退回（含手续费）。"
        assert _text(client, f"{full_width_code}回复 {typed}") == f"{reference}：已完成。"
    assert twilio.sent_to(COMPLAINANT)[-1]["body"].endswith(typed)
    reply = next(e for e in moto_store.cases.timeline(reference) if e.kind == "reply")
    assert reply.text == typed


def test_the_help_text_shows_the_persons_real_code_and_hints_fit_what_they_can_do(client, moto_store, twilio):
    with time_machine.travel(MONDAY_10, tick=False):
        assert "没有可用的代码" in _text(client, "hello")  # no alert yet: no code to show
        _, code = _alerted_case(client, twilio)
        [alert] = twilio.sent_to(SUPERVISOR)
        assert alert["body"].endswith(f"回复{code}升级即上报。") and "确认即受理" not in alert["body"]
        help_text = _text(client, "what can I do?")
    assert help_text.startswith("回复代码：") and f"{code}升级" in help_text and "12" not in help_text.replace(code, "")
