"""What one person receives from one sweep, on the real engine: one text, counting cases (not
steps), each case named at most once, cut to the segment budget with "+N more"."""

import re
from dataclasses import replace
from datetime import datetime, timezone

from chalicelib.notify.segments import segments
from chalicelib.sla.plan import next_due, plan
from support import open_case

HANDLER = "+8613911110001"
RECEIVED = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai, three weeks back
NOW = datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc)  # Monday 10:30: every clock of every case is late


def _handler_only(institution):
    """Every clock escalates to the handler, so all of a case's steps are for one person."""
    escalation = institution.escalation.model_copy(
        update={
            name: getattr(institution.escalation, name).model_copy(update={"escalate_to": "handler"})
            for name in ("acknowledge", "respond", "resolve")
        }
    )
    return institution.model_copy(update={"escalation": escalation})


def test_forty_due_steps_over_twelve_cases_reach_the_handler_as_one_text_counting_twelve(
    local_store, institution, twilio
):
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    institution = _handler_only(institution)
    references = [f"HCB-2611B{number:05d}" for number in range(12)]
    due_steps = 0
    for number, reference in enumerate(references):
        case = open_case(institution, reference, RECEIVED, number)
        due = [step.key for step in plan(case, institution, NOW).due]
        left = 4 if number < 4 else 3  # 4 x 4 + 8 x 3 = 40 steps still to send
        case = case.model_copy(update={"fired": due[left:]})
        due_steps += len(plan(case, institution, NOW).due)
        local_store.table.put_item(Item=local_store.cases.item(case, next_due(case, institution)))
    assert due_steps == 40

    result = run_sweep(replace(context.current(), store=local_store, institution=institution), NOW)

    assert result["alerts_recorded"] == 40
    [text] = twilio.sent_to(HANDLER)
    body = text["body"]
    assert "12件投诉待您处理" in body and segments(body) <= 2
    named = re.findall(r"HCB-2611B\d{5}", body)
    assert named and len(named) == len(set(named))  # no case twice
    more = re.search(r"另有(\d+)件", body)
    assert len(named) + int(more.group(1) if more else 0) == 12  # the rest counted, not dropped
    assert "/s/" in body  # and the link to the most urgent one, which opens every case the text counts
    from chalicelib.staff.links import token_hash

    token = re.search(r"/s/([\w-]{22})", body).group(1)
    link = local_store.links.get(token_hash(token))
    assert link.reference == named[0] and sorted(link.references) == references


def test_a_bundled_alert_that_cannot_be_sent_is_noted_on_every_case_it_names_and_goes_above_at_once(
    local_store, institution, twilio
):
    """The handler's number is refused for good (Twilio 400): the text gives up, each of the three
    cases it named says so, and its backup and the supervisor get it at the next sweep."""
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    institution = _handler_only(institution)
    references = [f"HCB-2611C{number:05d}" for number in range(3)]
    for number, reference in enumerate(references):
        case = open_case(institution, reference, RECEIVED, number)
        local_store.table.put_item(Item=local_store.cases.item(case, next_due(case, institution)))
    twilio.fail_next(HANDLER, 400)
    deps = replace(context.current(), store=local_store, institution=institution)
    run_sweep(deps, NOW)
    assert twilio.sent_to(HANDLER) == []
    for reference in references:
        noted = [e for e in local_store.cases.timeline(reference) if e.kind == "message_not_delivered"]
        assert len(noted) == 1, reference
    run_sweep(deps, NOW.replace(minute=31))
    [to_backup] = twilio.sent_to("+8613911110002")  # zhou.min, the handler's B
    [to_supervisor] = twilio.sent_to("+8613911110003")  # li.qiang, one level up
    assert "3件投诉待您处理" in to_backup["body"] and to_backup["body"] == to_supervisor["body"]
