"""The clocks a case starts with, pausing, resuming and extending them. Pure: "now" is passed in."""

from datetime import datetime

from chalicelib.model.case import Clock, Extension, NewComplaint
from chalicelib.model.institution import Institution
from chalicelib.model.literals import CLOCK_NAMES
from chalicelib.model.policy import Duration
from chalicelib.model.refusals import Refused
from chalicelib.runtime.labels import Code
from chalicelib.sla.working_time import add_duration, resume_due


class ExtensionRefused(Refused):
    """An extension the policy does not allow."""


def opening_clocks(
    institution: Institution, received_at: datetime, complaint: NewComplaint | None = None
) -> list[Clock]:
    """Durations from the policy (with overrides for the case's category, type, severity and
    channel); a referred case's respond and resolve clocks end no later than the referrer's deadline."""
    calendar = institution.calendar.work_calendar()
    if complaint is None:
        durations = {name: getattr(institution.clocks, name) for name in CLOCK_NAMES}
    else:
        durations = institution.clocks.durations_for(
            complaint.category, complaint.type, complaint.severity, complaint.channel
        )
    clocks = []
    for name in CLOCK_NAMES:
        duration = durations[name]
        due = add_duration(calendar, received_at, duration.amount, duration.unit)
        if complaint is not None and complaint.referrer_deadline and name != "acknowledge":
            due = min(due, complaint.referrer_deadline)
        clocks.append(Clock(name=name, amount=duration.amount, unit=duration.unit, started_at=received_at, due_at=due))
    return clocks


def task_clock(institution: Institution, name: str, now: datetime) -> Clock:
    """A task arising now (a message to read, a call back owed): due after
    `after_resolution.task_within` of working time - the first working hour by default."""
    within = institution.after_resolution.task_within
    due = add_duration(institution.calendar.work_calendar(), now, within.amount, within.unit)
    return Clock(name=name, amount=within.amount, unit=within.unit, started_at=now, due_at=due)


def pause(clock: Clock, now: datetime) -> Clock:
    if not clock.running:
        return clock
    return clock.model_copy(update={"paused_at": now})


def resume(clock: Clock, institution: Institution, now: datetime) -> Clock:
    if clock.paused_at is None or clock.stopped_at is not None:
        return clock
    due = resume_due(institution.calendar.work_calendar(), clock.unit, clock.paused_at, clock.due_at, now)
    return clock.model_copy(update={"paused_at": None, "due_at": due})


def extend(
    clock: Clock, institution: Institution, amount: int, unit: str, reason: str, approver: str, now: datetime
) -> Clock:
    """Moves a running clock's deadline, within the policy's cap on all extensions together."""
    if clock.stopped_at is not None:
        raise ExtensionRefused("clock_stopped", clock=Code("clock", clock.name))
    if not reason.strip():
        raise ExtensionRefused("extension_needs_reason")
    calendar = institution.calendar.work_calendar()
    cap: Duration = institution.clocks.max_extension
    new_due = add_duration(calendar, clock.due_at, amount, unit)
    original_due = clock.extensions[0].previous_due_at if clock.extensions else clock.due_at
    if new_due > add_duration(calendar, original_due, cap.amount, cap.unit):
        raise ExtensionRefused(
            "extension_cap", clock=Code("clock", clock.name), amount=cap.amount, unit=Code("unit", cap.unit)
        )
    record = Extension(
        amount=amount, unit=unit, reason=reason.strip(), approver=approver, at=now, previous_due_at=clock.due_at
    )
    return clock.model_copy(update={"due_at": new_due, "extensions": [*clock.extensions, record]})
