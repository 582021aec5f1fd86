"""After the result: a complainant's message about a resolved, closed or refused case is never
just appended. Within the institution's window, a message saying the problem persists reopens the
case (new respond and resolve clocks from that moment, as the policy gives them; the handler and
the level above are told by the sweep's reopen steps); thanks or a score is recorded as feedback;
anything the product cannot read either way becomes a task for the handler (a `message` clock,
due within `after_resolution.task_within`). Staff may reopen too, and close a task with its
outcome. Each change is one versioned write, with the delivery's once-key when a delivery made it."""

from datetime import datetime, timedelta

from chalicelib.model.case import Case, Clock, Event
from chalicelib.model.lifecycle import transition
from chalicelib.model.literals import TASK_CLOCKS, TASK_OUTCOMES
from chalicelib.model.refusals import Refused
from chalicelib.model.replies import Judged, asks_for_review
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.sla.deadlines import task_clock
from chalicelib.sla.working_time import add_duration
from chalicelib.staff.case_state import _load, _save
from chalicelib.store.table import Once

REOPENED_CLOCKS = ("respond", "resolve")


def within_window(case: Case, deps: Dependencies, now: datetime) -> bool:
    """Whether a message now still belongs to this finished case (else it starts a new one)."""
    days = deps.institution.after_resolution.reopen_within_days
    return case.finished_at is not None and now - case.finished_at <= timedelta(days=days)


def reopened_clocks(case: Case, deps: Dependencies, now: datetime) -> tuple[list[Clock], list[Clock]]:
    """(the case's clocks after reopening, the earlier rounds kept for the reports)."""
    institution = deps.institution
    durations = institution.clocks.durations_for(case.category, case.type, case.severity, case.channel)
    calendar = institution.calendar.work_calendar()
    round_ = max((clock.round for clock in case.clocks), default=0) + 1
    fresh = [
        Clock(
            name=name,
            amount=durations[name].amount,
            unit=durations[name].unit,
            started_at=now,
            due_at=add_duration(calendar, now, durations[name].amount, durations[name].unit),
            round=round_,
        )
        for name in REOPENED_CLOCKS
    ]
    kept = [clock for clock in case.clocks if clock.name not in REOPENED_CLOCKS]
    earlier = [clock for clock in case.clocks if clock.name in REOPENED_CLOCKS]
    return kept + fresh, [*case.earlier_clocks, *earlier]


def reopened(case: Case, deps: Dependencies, now: datetime, message: Event) -> Case:
    """The case as reopening leaves it (not yet written). From the complainant a second time - the
    case was reopened before - or asking for a review, it is an appeal: a `review` clock
    (`clocks.review`) and the case assigned one level up the chain to someone other than its
    handler (the level's A, else its B, else the level above)."""
    clocks, earlier = reopened_clocks(case, deps, now)
    clocks = tasks_closed(clocks, "reopened", now)
    update = {
        "status": transition(case.status, "reopened"),
        "clocks": clocks,
        "earlier_clocks": earlier,
        "follow_up": None,  # the next result is followed up afresh
    }
    again = any(clock.round for clock in case.clocks if clock.name in REOPENED_CLOCKS)
    if message.actor == "complainant" and (again or asks_for_review(message.text or "")):
        reviewer = _reviewer(case)
        if reviewer is not None:
            duration, calendar = deps.institution.clocks.review, deps.institution.calendar.work_calendar()
            due = add_duration(calendar, now, duration.amount, duration.unit)
            review = Clock(name="review", amount=duration.amount, unit=duration.unit, started_at=now, due_at=due)
            update |= {"clocks": [*clocks, review], "assignee": reviewer}
    return case.model_copy(update=update)


def appeal_review(updated: Case, now: datetime) -> Clock | None:
    """The review clock that reopening `now` started, when it made the reopening an appeal."""
    review = updated.clock("review")
    return review if review is not None and review.started_at == now else None


def _reviewer(case: Case) -> str | None:
    handler = case.assignee or (case.chain[0].primary.id if case.chain else None)
    for member in case.chain[1:]:
        for person in (member.primary, member.backup):
            if person is not None and person.id != handler:
                return person.id
    return None


def reopen(
    deps: Dependencies,
    case: Case,
    message: Event,
    now: datetime,
    once: Once | None = None,
    indexed_text: str | None = None,
    updated: Case | None = None,
) -> Case:
    """The case is handled again: `message` (the complainant's words, or the staff's reason) and
    a `reopened` event the complainant sees go on the timeline; an open task is done by it.
    `updated`: what `reopened` gave, when the caller needed it first (to word its reply)."""
    updated = updated or reopened(case, deps, now, message)
    review = appeal_review(updated, now)
    appeal = review is not None
    told = Event.told(
        now,
        message.actor,
        "appeal" if appeal else "reopened",
        None,
        due=str(review.due_at if appeal else updated.expected_response_by()),
        follow_up=_follow_up_pending(case),
        **({"reviewer": updated.assignee} if appeal else {}),
    )
    return _save(deps, case, updated, [message, told], (), now, once, indexed_text)


def record_feedback(
    deps: Dependencies, case: Case, message: Event, judged: Judged, now: datetime, once: Once | None = None
) -> Case:
    """Thanks, agreement or a score: on the timeline for the reports. The answer to the case's
    follow-up question closes the case; any other leaves it as it is."""
    asked = _follow_up_pending(case)
    data = {**message.data, "verdict": judged.verdict, "score": judged.score, "follow_up": asked}
    feedback = message.model_copy(update={"kind": "complainant_feedback", "data": data})
    updated = case
    if asked:
        answer = {"answered_at": now, "score": judged.score, "verdict": judged.verdict}
        updated = case.model_copy(
            update={"follow_up": case.follow_up.model_copy(update=answer), "status": transition(case.status, "closed")}
        )
    return _save(deps, case, updated, [feedback], (), now, once)


def _follow_up_pending(case: Case) -> bool:
    return case.status == "resolved" and case.follow_up is not None and case.follow_up.answered_at is None


def open_message_task(
    deps: Dependencies,
    case: Case,
    message: Event,
    now: datetime,
    once: Once | None = None,
    indexed_text: str | None = None,
) -> Case:
    """A message a person has to read: a task on the case, in the queue until it is closed."""
    task = task_clock(deps.institution, "message", now)
    updated = case.model_copy(update={"clocks": [*case.clocks, task]})
    return _save(deps, case, updated, [message], (), now, once, indexed_text)


def task_due(deps: Dependencies, now: datetime) -> datetime:
    """When a task arising now is due: `after_resolution.task_within` of working time."""
    return task_clock(deps.institution, "message", now).due_at


def reopen_by_staff(
    deps: Dependencies, reference: str, actor: str, reason: str, now: datetime, expected_version: int | None = None
) -> Case:
    """A person reopens a finished case (a call-back found the problem persists, say): with a reason."""
    case = _load(deps.store, reference, expected_version, finished_ok=True)
    if not reason.strip():
        raise Refused("reopen_needs_reason")
    return reopen(deps, case, Event(at=now, actor=actor, kind="note", text=reason.strip()), now)


def close_task(
    deps: Dependencies, reference: str, actor: str, outcome: str, now: datetime, expected_version: int | None = None
) -> Case:
    """The open task of the case is done, with what came of it (one of TASK_OUTCOMES of its kind).
    A contact's call back done closes the contact: it was not a complaint, or it is registered as
    one of its own."""
    case = _load(deps.store, reference, expected_version, finished_ok=True)
    tasks = case.open_tasks()
    if not tasks:
        raise Refused("no_open_task")
    if outcome not in TASK_OUTCOMES[tasks[0].name]:
        raise Refused("task_outcome_invalid")
    updates: dict = {"clocks": tasks_closed(case.clocks, outcome, now)}
    if case.type == "contact":
        updates |= {"status": transition(case.status, "closed"), "finished_at": now}
    elif tasks[0].name == "callback" and case.status == "resolved":  # the follow-up call is made: it closes
        updates |= {"status": transition(case.status, "closed")}
    event = Event(at=now, actor=actor, kind="task_closed", data={"outcome": outcome, "task": tasks[0].name})
    return _save(deps, case, case.model_copy(update=updates), [event], (), now)


def tasks_closed(clocks: list[Clock], outcome: str, now: datetime) -> list[Clock]:
    """The clocks with every open task stopped now, with what came of it."""
    return [
        clock.model_copy(update={"stopped_at": now, "paused_at": None, "outcome": outcome})
        if clock.name in TASK_CLOCKS and clock.stopped_at is None
        else clock
        for clock in clocks
    ]
