"""The plan of a case at a moment: which alert steps are due, which reminders a late alert has
overtaken, and when the case next needs the sweep - worked out once from the pending steps, so
intake, the sweep, the alerts and every case action agree. Pure: no I/O, "now" is passed in."""

from dataclasses import dataclass
from datetime import datetime

from chalicelib.model.case import Case
from chalicelib.model.institution import Institution
from chalicelib.sla.escalation import CALLED_FOR, Step, pending_steps


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
    return Plan(due=due, stale=stale, next_due=pending[0].at if pending else None, after=later[0].at if later else None)


def next_due(case: Case, institution: Institution) -> datetime | None:
    """When the case next needs the sweep (its place in the due index); None: nothing pending."""
    steps = pending_steps(case, institution)
    return steps[0].at if steps else None
