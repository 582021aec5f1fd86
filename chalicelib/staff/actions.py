"""Changes to a case that move its clocks: acknowledging, waiting for the complainant and their
reply, extending a deadline. Each reads the case, decides with the pure functions, and writes it
back conditionally on the version it read, so two people acting at once cannot overwrite each
other (the second gets StaleCase and sees the new state). The staff pages call these."""

from datetime import datetime

from chalicelib.model.case import Case, Event
from chalicelib.model.lifecycle import require_open, transition
from chalicelib.model.refusals import Refused
from chalicelib.notify.staff import link_message
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.sla.deadlines import pause, resume
from chalicelib.staff.case_state import CaseNotFound, _load, _save, _stop, _to_complainant
from chalicelib.staff.delays import MAX_DAYS as MAX_DELAY_DAYS
from chalicelib.staff.delays import explain_delay, missed_clocks
from chalicelib.staff.escalations import decide_extension, escalate_now, extend_deadline, request_extension
from chalicelib.store.table import StaleCase


def acknowledge(
    deps: Dependencies, reference: str, actor: str, now: datetime, expected_version: int | None = None
) -> Case:
    """Stops the acknowledge clock, and a transfer's: the receiving unit has taken the case up."""
    store = deps.store
    case = _load(store, reference, expected_version)
    clocks = _stop(case, ("acknowledge", "transfer"), now)
    status = transition(case.status, "acknowledged") if case.status in ("received", "reopened") else case.status
    event = Event.told(now, actor, "acknowledged", text(case.complainant.language, "status_acknowledged"))
    return _save(deps, case, case.model_copy(update={"clocks": clocks, "status": status}), [event])


def contact_viewed(deps: Dependencies, reference: str, actor: str, grant: str, now: datetime) -> bool:
    """A person saw the complainant's contact details: on the timeline once per person, case and
    link or session (`grant`). False when it was recorded already."""
    store = deps.store
    if any(
        e.kind == "contact_viewed" and e.actor == actor and e.data.get("grant") == grant
        for e in store.cases.timeline(reference)
    ):
        return False
    store.cases.append_event(reference, Event(at=now, actor=actor, kind="contact_viewed", data={"grant": grant}))
    return True


def await_complainant(deps: Dependencies, reference: str, actor: str, now: datetime) -> Case:
    """Waiting for the complainant's information pauses the running respond and resolve clocks."""
    store = deps.store
    case = _load(store, reference)
    clocks = [pause(clock, now) if clock.name != "acknowledge" else clock for clock in case.clocks]
    event = Event.told(
        now, actor, "awaiting_complainant", text(case.complainant.language, "status_awaiting_complainant")
    )
    updated = case.model_copy(update={"clocks": clocks, "status": transition(case.status, "awaiting_complainant")})
    return _save(deps, case, updated, [event])


def complainant_replied(deps: Dependencies, reference: str, now: datetime) -> Case | None:
    """Their reply resumes paused clocks, with the time that was left when they paused."""
    store, institution = deps.store, deps.institution
    case = _load(store, reference, finished_ok=True)
    if case.status != "awaiting_complainant":
        return None
    clocks = [resume(clock, institution, now) for clock in case.clocks]
    event = Event(at=now, actor="system", kind="clocks_resumed", data={"due": {c.name: str(c.due_at) for c in clocks}})
    updated = case.model_copy(update={"clocks": clocks, "status": transition(case.status, "in_progress")})
    return _save(deps, case, updated, [event])


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
    store = deps.store
    case = _load(store, reference, expected_version, finished_ok=True)
    if not case.open_tasks():  # a finished case is answered only about a message it is asked
        require_open(case.status)
    words = words.strip()
    if not words:
        raise Refused("reply_needs_words")
    messages = _to_complainant(deps, case, now, words, "reply", "status_responded")
    updates: dict = {}
    if not holding:
        updates["clocks"] = _stop(case, ("acknowledge", "respond"), now)
        if case.status in ("received", "acknowledged", "in_progress", "reopened"):
            updates["status"] = transition(case.status, "responded")
    events = [Event.told(now, actor, "reply", words, holding=holding, message_ids=[m.id for m in messages])]
    return _save(deps, case, case.model_copy(update=updates), events, messages, now)


def note(
    deps: Dependencies, reference: str, actor: str, words: str, now: datetime, expected_version: int | None = None
) -> Case:
    store = deps.store
    case = _load(store, reference, expected_version, finished_ok=True)
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
    store = deps.store
    case = _load(store, reference, expected_version)
    if not summary.strip():
        raise Refused("resolution_needs_summary")
    if validity not in ("valid", "unfounded", "unassessed"):  # unassessed: resolved by SMS code, to be reviewed
        raise Refused("validity_invalid")
    findings = {
        "validity": validity,
        "cause": cause.strip(),
        "corrective_action": corrective_action.strip(),
        "compensation": compensation.strip(),
    }
    return _end_handling(deps, case, actor, "resolved", summary.strip(), "resolution", now, findings)


def not_accept(
    deps: Dependencies, reference: str, actor: str, reason: str, now: datetime, expected_version: int | None = None
) -> Case:
    """Refusing a case is itself an outcome: it needs a reason, the complainant is told it, and the
    case stays in the register."""
    store = deps.store
    case = _load(store, reference, expected_version)
    if not reason.strip():
        raise Refused("not_accept_needs_reason")
    return _end_handling(deps, case, actor, "not_accepted", reason.strip(), "not_accepted", now)


def _end_handling(
    deps: Dependencies,
    case: Case,
    actor: str,
    outcome: str,
    words: str,
    purpose: str,
    now: datetime,
    findings: dict | None = None,
) -> Case:
    """Resolved or not accepted: every clock stops, the outcome is recorded (with the findings), and the
    complainant is told it in the institution's words."""
    messages = _to_complainant(deps, case, now, words, purpose, f"status_{outcome}")
    event = Event.told(now, actor, outcome, words, **(findings or {}), message_ids=[m.id for m in messages])
    updated = case.model_copy(
        update={
            "status": transition(case.status, outcome),
            "clocks": _stop(case, ("acknowledge", "respond", "resolve", "review"), now),
            "finished_at": now,
            "outcome": words,
        }
    )
    return _save(deps, case, updated, [event], messages, now)


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
            kind="reassigned",  # shown in words by labels.event_detail: never the ids themselves
            data={"from": previous, "to": member.id, "message_id": message.id},
        )
    ]
    updated = case.model_copy(update={"assignee": member.id, "chain": chain})
    saved = _save(deps, case, updated, events, [message], now)
    if previous and previous != member.id:
        store.links.revoke(reference, previous)
    return saved


__all__ = [
    "MAX_DELAY_DAYS",
    "CaseNotFound",
    "StaleCase",
    "acknowledge",
    "await_complainant",
    "change_severity",
    "complainant_replied",
    "decide_extension",
    "escalate_now",
    "explain_delay",
    "extend_deadline",
    "missed_clocks",
    "not_accept",
    "note",
    "reassign",
    "reply",
    "request_extension",
    "resolve",
]
