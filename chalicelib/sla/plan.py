"""The plan of a case at a moment: which alert steps are due, which reminders a late alert has
overtaken, and when the case next needs the sweep - worked out once from the pending steps, so
intake, the sweep, the alerts and every case action agree. Pure: no I/O, "now" is passed in."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.model.calendar import after_quiet_hours
from chalicelib.model.case import Case
from chalicelib.model.institution import Institution
from chalicelib.sla.escalation import CALLED_FOR, Step, pending_steps
from chalicelib.sla.working_time import add_duration


@dataclass(frozen=True)
class Plan:
    due: list[Step]  # what should have been sent by now and has not
    stale: list[str]  # reminders overtaken by their clock's late alert: marked done, never sent
    next_due: datetime | None  # when the next pending step falls due, before anything is recorded
    after: datetime | None  # when the next step falls due once `due` and `stale` are recorded


def plan(case: Case, institution: Institution, now: datetime) -> Plan:
    """A reminder whose deadline has already passed is dropped in favour of the late alert (nobody
    needs "due in -3 hours"); after a gap (quiet hours, a sweep that did not run) only the latest
    reminder of a clock is sent, not the 50% and the 75% together."""
    pending = pending_steps(case, institution)
    reached = [step for step in pending if step.at <= now]
    latest_reminder = {step.clock: step.key for step in reached if step.kind == "reminder"}  # sorted by time
    due = [
        step
        for step in reached
        if step.kind != "reminder" or (step.due_at > now and latest_reminder[step.clock] == step.key)
    ]
    due_keys = {step.key for step in due}
    stale = [step.key for step in reached if step.key not in due_keys]
    later = [step for step in pending if step.at > now]
    if due and any(step.kind in CALLED_FOR for step in due):  # recording them may bring their night calls
        recorded = case.model_copy(update={"fired": [*case.fired, *(step.key for step in due), *stale]})
        later = [step for step in pending_steps(recorded, institution) if step.at > now]
    follow_up = follow_up_moment(case, institution)
    return Plan(
        due=due,
        stale=stale,
        next_due=_earliest(pending[0].at if pending else None, follow_up),
        after=_earliest(later[0].at if later else None, follow_up),
    )


def next_due(case: Case, institution: Institution) -> datetime | None:
    """When the case next needs the sweep (its place in the due index): its next alert step or
    its follow-up's next moment; None: nothing pending."""
    steps = pending_steps(case, institution)
    return _earliest(steps[0].at if steps else None, follow_up_moment(case, institution))


def follow_up_moment(case: Case, institution: Institution) -> datetime | None:
    """When the case's follow-up next needs the sweep: the question, then the end of its time."""
    policy = institution.after_resolution
    if case.status != "resolved" or case.type == "contact" or case.finished_at is None or not policy.follow_up_after:
        return None
    calendar = institution.calendar.work_calendar()
    if case.follow_up is None:
        delay = policy.follow_up_after
        at = add_duration(calendar, case.finished_at, delay.amount, delay.unit)
        return after_quiet_hours(at, policy.follow_up_quiet_hours, ZoneInfo(institution.calendar.timezone))
    if case.follow_up.answered_at is None and not case.follow_up.unanswered and case.follow_up.by != "callback":
        return add_duration(calendar, case.follow_up.asked_at, policy.answer_within.amount, policy.answer_within.unit)
    return None


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None
