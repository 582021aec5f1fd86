"""Changes to a case that move its clocks: acknowledging, waiting for the complainant and their
reply, extending a deadline. Each reads the case, decides with the pure functions, and writes it
back conditionally on the version it read, so two people acting at once cannot overwrite each
other (the second gets StaleCase and sees the new state). The staff pages call these."""

from datetime import datetime

from chalicelib.model.case import Case, Event, ExtensionRequest
from chalicelib.model.institution import Institution
from chalicelib.model.lifecycle import transition
from chalicelib.model.refusals import Refused
from chalicelib.notify import sender as notify
from chalicelib.notify.complainant import complainant_messages
from chalicelib.notify.staff import link_message
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.labels import Code
from chalicelib.runtime.rendering import local_time, text
from chalicelib.sla.deadlines import ExtensionRefused, extend, pause, resume
from chalicelib.sla.plan import next_due
from chalicelib.store.stores import Stores
from chalicelib.store.table import StaleCase


class CaseNotFound(LookupError):
    pass


def _load(store: Stores, reference: str, expected_version: int | None = None) -> Case:
    """The case as stored; StaleCase when the person acted on a page showing an older version."""
    case = store.cases.get(reference)
    if case is None:
        raise CaseNotFound(reference)
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(reference)
    return case


def _level_above(case: Case, actor: str):
    """The level of the case's chain one above this person's (someone outside the chain counts as the
    handler level); ValueError at the top, where nobody is left to ask."""
    person = actor.removeprefix("staff:")
    levels = [
        index
        for index, member in enumerate(case.chain)
        if person in {member.primary.id, member.backup.id if member.backup else None}
    ]
    above = (levels[0] if levels else 0) + 1
    if above >= len(case.chain):
        raise Refused("no_level_above")
    return case.chain[above]


def _save(
    deps: Dependencies, before: Case, after: Case, events: list[Event], messages=(), now: datetime | None = None
) -> Case:
    store, institution = deps.store, deps.institution
    after = after.model_copy(update={"version": before.version + 1})
    store.cases.update(after, before.version, events, next_due(after, institution), messages)
    if messages:  # sent at once; a failure is retried by the sweep like any other message
        notify.deliver(deps, [message.id for message in messages], now)
    return after


def acknowledge(
    deps: Dependencies, reference: str, actor: str, now: datetime, expected_version: int | None = None
) -> Case:
    """Stops the acknowledge clock (and only it)."""
    store = deps.store
    case = _load(store, reference, expected_version)
    clocks = _stop(case, ("acknowledge",), now)
    status = transition(case.status, "acknowledged") if case.status in ("received", "reopened") else case.status
    event = Event(
        at=now,
        actor=actor,
        kind="acknowledged",
        public=True,
        text=text(case.complainant.language, "status_acknowledged"),
    )
    return _save(deps, case, case.model_copy(update={"clocks": clocks, "status": status}), [event])


def await_complainant(deps: Dependencies, reference: str, actor: str, now: datetime) -> Case:
    """Waiting for the complainant's information pauses the running respond and resolve clocks."""
    store = deps.store
    case = _load(store, reference)
    clocks = [pause(clock, now) if clock.name != "acknowledge" else clock for clock in case.clocks]
    event = Event(
        at=now,
        actor=actor,
        kind="awaiting_complainant",
        public=True,
        text=text(case.complainant.language, "status_awaiting_complainant"),
    )
    updated = case.model_copy(update={"clocks": clocks, "status": transition(case.status, "awaiting_complainant")})
    return _save(deps, case, updated, [event])


def complainant_replied(deps: Dependencies, reference: str, now: datetime) -> Case | None:
    """Their reply resumes paused clocks, with the time that was left when they paused."""
    store, institution = deps.store, deps.institution
    case = _load(store, reference)
    if case.status != "awaiting_complainant":
        return None
    clocks = [resume(clock, institution, now) for clock in case.clocks]
    event = Event(at=now, actor="system", kind="clocks_resumed", data={"due": {c.name: str(c.due_at) for c in clocks}})
    updated = case.model_copy(update={"clocks": clocks, "status": transition(case.status, "in_progress")})
    return _save(deps, case, updated, [event])


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
    due = local_time(extended.due_at, institution.calendar.timezone, language)
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
    )
    events = [
        Event(
            at=now,
            actor=approver,
            kind="deadline_extended",
            public=True,
            text=notice,
            data={"clock": clock_name, "message_ids": [m.id for m in messages]},
        )
    ]
    events += [Event(at=now, actor="system", kind="notice_queued", data={"message_id": m.id}) for m in messages]
    return _save(deps, case, case.model_copy(update={"clocks": clocks}), events, messages, now)


def _stop(case: Case, names: tuple[str, ...], now: datetime) -> list:
    return [
        clock.model_copy(update={"stopped_at": now, "paused_at": None})
        if clock.name in names and clock.stopped_at is None
        else clock
        for clock in case.clocks
    ]


def _to_complainant(case: Case, institution: Institution, now: datetime, words: str, purpose: str, status_key: str):
    """Staff words to the complainant, signed with the institution's name, by their channels."""
    language = case.complainant.language
    body = text(language, "complainant_signed", institution=institution.sms_name(language), words=words)
    return complainant_messages(
        case,
        institution,
        now,
        body,
        purpose=purpose,
        subject=text(language, "email_subject_case", reference=case.reference, what=text(language, status_key)),
    )


def reply(
    deps: Dependencies,
    reference: str,
    actor: str,
    words: str,
    now: datetime,
    holding: bool = False,
    expected_version: int | None = None,
) -> Case:
    """A reply to the complainant by their channels (SMS and/or email). The first substantive reply
    stops the respond clock; a holding reply ("we are looking into it") does not."""
    store, institution = deps.store, deps.institution
    case = _load(store, reference, expected_version)
    words = words.strip()
    if not words:
        raise Refused("reply_needs_words")
    messages = _to_complainant(case, institution, now, words, "reply", "status_responded")
    updates: dict = {}
    if not holding:
        updates["clocks"] = _stop(case, ("acknowledge", "respond"), now)
        if case.status in ("received", "acknowledged", "in_progress", "reopened"):
            updates["status"] = transition(case.status, "responded")
    events = [
        Event(
            at=now,
            actor=actor,
            kind="reply",
            public=True,
            text=words,
            data={"holding": holding, "message_ids": [m.id for m in messages]},
        )
    ]
    return _save(deps, case, case.model_copy(update=updates), events, messages, now)


def note(
    deps: Dependencies, reference: str, actor: str, words: str, now: datetime, expected_version: int | None = None
) -> Case:
    store = deps.store
    case = _load(store, reference, expected_version)
    if not words.strip():
        raise Refused("note_needs_words")
    return _save(deps, case, case, [Event(at=now, actor=actor, kind="note", text=words.strip())])


def resolve(
    deps: Dependencies,
    reference: str,
    actor: str,
    summary: str,
    validity: str,
    cause: str,
    corrective_action: str,
    compensation: str,
    now: datetime,
    expected_version: int | None = None,
) -> Case:
    """Closes the handling: every clock stops, the findings are recorded, the complainant gets the result."""
    store, institution = deps.store, deps.institution
    case = _load(store, reference, expected_version)
    if not summary.strip():
        raise Refused("resolution_needs_summary")
    if validity not in ("valid", "unfounded", "unassessed"):  # unassessed: resolved by SMS code, to be reviewed
        raise Refused("validity_invalid")
    messages = _to_complainant(case, institution, now, summary.strip(), "resolution", "status_resolved")
    findings = {
        "validity": validity,
        "cause": cause.strip(),
        "corrective_action": corrective_action.strip(),
        "compensation": compensation.strip(),
    }
    events = [
        Event(
            at=now,
            actor=actor,
            kind="resolved",
            public=True,
            text=summary.strip(),
            data={**findings, "message_ids": [m.id for m in messages]},
        )
    ]
    updated = case.model_copy(
        update={
            "status": transition(case.status, "resolved"),
            "clocks": _stop(case, ("acknowledge", "respond", "resolve"), now),
        }
    )
    return _save(deps, case, updated, events, messages, now)


def not_accept(
    deps: Dependencies, reference: str, actor: str, reason: str, now: datetime, expected_version: int | None = None
) -> Case:
    """Refusing a case is itself an outcome: it needs a reason, the complainant is told it, and the
    case stays in the register."""
    store, institution = deps.store, deps.institution
    case = _load(store, reference, expected_version)
    if not reason.strip():
        raise Refused("not_accept_needs_reason")
    messages = _to_complainant(case, institution, now, reason.strip(), "not_accepted", "status_not_accepted")
    events = [
        Event(
            at=now,
            actor=actor,
            kind="not_accepted",
            public=True,
            text=reason.strip(),
            data={"message_ids": [m.id for m in messages]},
        )
    ]
    updated = case.model_copy(
        update={
            "status": transition(case.status, "not_accepted"),
            "clocks": _stop(case, ("acknowledge", "respond", "resolve"), now),
        }
    )
    return _save(deps, case, updated, events, messages, now)


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


def change_severity(
    deps: Dependencies,
    reference: str,
    actor: str,
    severity: str,
    reason: str,
    now: datetime,
    expected_version: int | None = None,
) -> Case:
    """Staff may raise or lower the level, with a recorded reason; a raise to leadership's threshold
    alerts leadership at the next sweep (the intake step becomes due)."""
    store = deps.store
    from chalicelib.model.literals import SEVERITIES

    case = _load(store, reference, expected_version)
    if severity not in SEVERITIES:
        raise Refused("severity_invalid")
    if not reason.strip():
        raise Refused("severity_needs_reason")
    event = Event(
        at=now, actor=actor, kind="severity_changed", text=reason.strip(), data={"from": case.severity, "to": severity}
    )
    return _save(deps, case, case.model_copy(update={"severity": severity}), [event])


def reassign(
    deps: Dependencies, reference: str, actor: str, to_staff_id: str, now: datetime, expected_version: int | None = None
) -> Case:
    """Hands the case to another person of the directory: never to the person complained about
    (回避), the old handler's links stop working, the new one is texted a link of their own."""
    store, institution = deps.store, deps.institution
    from chalicelib.model.case import Person

    case = _load(store, reference, expected_version)
    member = institution.staff_member(to_staff_id)
    if member is None or not member.phone:
        raise Refused("not_in_directory", who=to_staff_id)
    complained_about = (case.subject or "") + " " + case.description
    if member.name in complained_about or member.id in complained_about:
        raise Refused("conflict_of_interest", name=member.name)
    previous = case.assignee or (case.chain[0].primary.id if case.chain else None)
    chain = list(case.chain)
    if chain:  # the handler level of the copied chain now names the new person
        chain[0] = chain[0].model_copy(update={"primary": Person(id=member.id, name=member.name, phone=member.phone)})
    message = link_message(deps, reference, member.id, member.phone, "assignment", now, "staff_text_case")
    events = [
        Event(
            at=now,
            actor=actor,
            kind="reassigned",
            text=f"{previous} -> {member.id}",
            data={"from": previous, "to": member.id, "message_id": message.id},
        )
    ]
    updated = case.model_copy(update={"assignee": member.id, "chain": chain})
    saved = _save(deps, case, updated, events, [message], now)
    if previous and previous != member.id:
        store.links.revoke(reference, previous)
    return saved


__all__ = [
    "CaseNotFound",
    "StaleCase",
    "acknowledge",
    "await_complainant",
    "change_severity",
    "complainant_replied",
    "decide_extension",
    "escalate_now",
    "extend_deadline",
    "not_accept",
    "note",
    "reassign",
    "reply",
    "request_extension",
    "resolve",
]
