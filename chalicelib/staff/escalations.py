"""Asking for more time and handing a case up: an extension request to the level above, its approval
(the deadline moves, the complainant is told the new date and why) or denial, and escalating at once
(逐级上报). Each reads, decides with the pure functions and writes conditionally, as every action does."""

from datetime import datetime

from chalicelib.model.case import Case, Event, ExtensionRequest
from chalicelib.model.refusals import Refused
from chalicelib.notify.complainant import complainant_messages, complainant_time, email_body, status_url
from chalicelib.notify.staff import link_message
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.labels import Code
from chalicelib.runtime.rendering import text
from chalicelib.sla.deadlines import ExtensionRefused, extend
from chalicelib.staff.case_state import _level_above, _load, _save


def extend_deadline(
    deps: Dependencies,
    reference: str,
    clock_name: str,
    amount: int,
    unit: str,
    reason: str,
    approver: str,
    now: datetime,
) -> Case:
    """Extends one clock within the policy's cap, approved by someone above the handler in the case's
    chain (staff:<id>); the complainant is told the new date and why."""
    store, institution = deps.store, deps.institution
    case = _load(store, reference)
    approvers = {person.id for member in case.chain[1:] for person in (member.primary, member.backup) if person}
    approvers |= {person.id for member in case.chain[1:] for person, _ in member.on_duty}
    if case.chain and approver.removeprefix("staff:") not in approvers:
        raise ExtensionRefused("approver_not_above")
    clocks = [
        extend(clock, institution, amount, unit, reason, approver, now) if clock.name == clock_name else clock
        for clock in case.clocks
    ]
    extended = next(clock for clock in clocks if clock.name == clock_name)
    language = case.complainant.language
    due = complainant_time(case, institution, extended.due_at)
    notice = text(
        language,
        "extension_notice",
        inst=institution.sms_name(language),
        reference=case.reference,
        due=due,
        reason=reason.strip(),
    )
    messages = complainant_messages(
        case,
        institution,
        now,
        notice,
        purpose="extension_notice",
        subject=text(
            language, "email_subject_case", reference=case.reference, what=text(language, "subject_extension")
        ),
        email_body=email_body(
            case, institution, text(language, "extension_words", due=due, reason=reason.strip()), deps.base_url
        ),
        status_link=status_url(deps.base_url, case.reference),
    )
    events = [
        Event.told(now, approver, "deadline_extended", notice, clock=clock_name, message_ids=[m.id for m in messages])
    ]
    events += [Event(at=now, actor="system", kind="notice_queued", data={"message_id": m.id}) for m in messages]
    return _save(deps, case, case.model_copy(update={"clocks": clocks}), events, messages, now)


def request_extension(
    deps: Dependencies,
    reference: str,
    actor: str,
    clock_name: str,
    amount: int,
    unit: str,
    reason: str,
    now: datetime,
    expected_version: int | None = None,
) -> Case:
    """Asks the person one level above the requester in the case's chain to approve more time; they
    get a text with their own link, where they approve or deny."""
    store = deps.store
    case = _load(store, reference, expected_version)
    if not reason.strip():
        raise Refused("extension_request_needs_reason")
    if amount <= 0 or clock_name not in {clock.name for clock in case.clocks if clock.stopped_at is None}:
        raise Refused("extension_needs_clock")
    above = _level_above(case, actor)
    request = ExtensionRequest(
        clock=clock_name,
        amount=amount,
        unit=unit,
        reason=reason.strip(),
        requested_by=actor,
        approver=above.primary.id,
        at=now,
    )
    message = link_message(
        deps,
        reference,
        above.primary.id,
        above.primary.phone,
        "extension_request",
        now,
        "staff_text_extension_request",
        amount=amount,
        unit=Code("unit", unit),
        reason=reason.strip()[:40],
    )
    events = [
        Event(
            at=now,
            actor=actor,
            kind="extension_requested",
            text=reason.strip(),
            data={
                "clock": clock_name,
                "amount": amount,
                "unit": unit,
                "approver": above.primary.id,
                "message_id": message.id,
            },
        )
    ]
    return _save(deps, case, case.model_copy(update={"pending_extension": request}), events, [message], now)


def escalate_now(deps: Dependencies, reference: str, actor: str, now: datetime) -> Case:
    """The person alerted hands the case one level up at once (逐级上报): the next level's primary
    gets a text with their own link."""
    store = deps.store
    case = _load(store, reference)
    above = _level_above(case, actor)
    asker = deps.institution.staff_member(actor.removeprefix("staff:"))
    message = link_message(
        deps,
        reference,
        above.primary.id,
        above.primary.phone,
        "escalation",
        now,
        "staff_text_escalation",
        asker=asker.name if asker else actor.removeprefix("staff:"),
    )
    events = [
        Event(
            at=now,
            actor=actor,
            kind="escalated",
            data={"to": above.primary.id, "role": above.role, "message_id": message.id},
        )
    ]
    return _save(deps, case, case, events, [message], now)


def decide_extension(
    deps: Dependencies, reference: str, actor: str, approve: bool, now: datetime, expected_version: int | None = None
) -> Case:
    store = deps.store
    case = _load(store, reference, expected_version)
    request = case.pending_extension
    if request is None:
        raise Refused("no_extension_request")
    if approve:
        extended = extend_deadline(
            deps, reference, request.clock, request.amount, request.unit, request.reason, actor, now
        )
        cleared = extended.model_copy(update={"pending_extension": None})
        return _save(deps, extended, cleared, [])
    event = Event(at=now, actor=actor, kind="extension_denied", text=request.reason, data={"clock": request.clock})
    return _save(deps, case, case.model_copy(update={"pending_extension": None}), [event])
