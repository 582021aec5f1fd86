"""Who is told what, and when: the alert steps of a case's clocks, worked out from the case and
the institution's policy. Pure: no I/O, "now" is passed in.

At intake a notice to the handler (in working time: a complaint received at night or on a holiday
reaches them at the next opening). Per clock: reminders to the handler at the configured shares of
the clock's time; at the deadline an alert to the clock's `escalate_to` role, and the handler is
asked why it was missed; while still late, a repeat every N hours one role higher each time, up to
the top of the chain (then no more). Steps of a case below `alert_at_once_from` that fall in the
staff's quiet hours wait for their end; severe cases alert at once, at any hour."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from chalicelib.model.calendar import after_quiet_hours
from chalicelib.model.case import Case, ChainMember, Clock, Event, Person
from chalicelib.model.institution import Institution
from chalicelib.model.lifecycle import is_open
from chalicelib.model.literals import SEVERITIES, TASK_CLOCKS
from chalicelib.sla.working_time import WorkCalendar


@dataclass(frozen=True)
class Step:
    reference: str
    clock: str
    key: str  # "<clock>:r50", "<clock>:late0", "<clock>:late1" ...
    at: datetime
    level: int  # index in the case's chain
    kind: Literal["new", "reminder", "late", "explain", "leadership", "age", "call", "reopened"]
    due_at: datetime
    raise_to: str | None = None  # for "age" steps: the severity the case reaches


def clock_steps(case: Case, clock: Clock, institution: Institution) -> list[Step]:
    policy = institution.escalation
    if policy is None or not case.chain or not clock.running:
        return []
    steps_policy = getattr(policy, clock.name)
    roles = [member.role for member in case.chain]
    span = clock.due_at - clock.started_at
    steps = [
        Step(
            case.reference,
            clock.name,
            f"{clock.key}:r{percent}",
            clock.started_at + span * percent / 100,
            0,
            "reminder",
            clock.due_at,
        )
        for percent in sorted(steps_policy.remind_at_percent)
    ]
    level = roles.index(steps_policy.escalate_to) if steps_policy.escalate_to in roles else len(roles) - 1
    steps.append(Step(case.reference, clock.name, f"{clock.key}:late0", clock.due_at, level, "late", clock.due_at))
    if policy.ask_why_late and clock.explained_at is None and clock.name not in ("transfer", *TASK_CLOCKS):
        steps.append(Step(case.reference, clock.name, f"{clock.key}:why", clock.due_at, 0, "explain", clock.due_at))
    if steps_policy.repeat_every_hours:
        steps.extend(
            Step(
                case.reference,
                clock.name,
                f"{clock.key}:late{repeat}",
                clock.due_at + timedelta(hours=steps_policy.repeat_every_hours * repeat),
                level + repeat,
                "late",
                clock.due_at,
            )
            for repeat in range(1, len(roles) - level)
        )
    return steps


def age_steps(case: Case, institution: Institution) -> list[Step]:
    """An open case left unresolved long enough is raised ("hot" after a week, "major" after a
    month); the raise is sent to leadership when it reaches their threshold, otherwise to the handler."""
    policy = institution.escalation
    if policy is None or not case.chain or not is_open(case.status) or case.type == "contact":
        return []
    roles = [member.role for member in case.chain]
    threshold = SEVERITIES.index(policy.alert_leadership_from)
    return [
        Step(
            case.reference,
            "age",
            f"age:{rule.unresolved_for_days}d",
            case.received_at + timedelta(days=rule.unresolved_for_days),
            roles.index(policy.leadership_role) if SEVERITIES.index(rule.raise_to) >= threshold else 0,
            "age",
            case.received_at,
            raise_to=rule.raise_to,
        )
        for rule in institution.severity_rules
        if rule.unresolved_for_days and SEVERITIES.index(rule.raise_to) > SEVERITIES.index(case.severity)
    ]


def pending_steps(case: Case, institution: Institution) -> list[Step]:
    fired = set(case.fired)
    steps = [step for clock in case.clocks for step in clock_steps(case, clock, institution)]
    steps += age_steps(case, institution)
    steps += [step for step in (new_case_notice(case, institution), leadership_alert(case, institution)) if step]
    steps += reopen_notices(case, institution)
    steps += night_calls(case, institution, steps)
    steps = [step for step in steps if step.key not in fired]
    if not alerts_at_once(case, institution):
        quiet = institution.escalation.quiet_hours
        zone = ZoneInfo(institution.calendar.timezone)  # cached by zoneinfo; no calendar built per case
        # a night call exists to ring at night: it never waits for the quiet hours to end
        steps = [
            step if step.kind == "call" else replace(step, at=after_quiet_hours(step.at, quiet, zone)) for step in steps
        ]
    return sorted(steps, key=lambda step: step.at)


CALLED_FOR = ("late", "leadership")  # escalations: the new-case notice to the handler rings nobody


def night_calls(case: Case, institution: Institution, steps: list[Step]) -> list[Step]:
    """`escalation.night_calls`: for each alert of a severe case already sent, a call to the same
    level `after_minutes` after it was due, when that moment falls at night and nobody has
    acknowledged the case by then (acknowledging removes the call: the case is no longer "received")."""
    policy = institution.escalation.night_calls if institution.escalation else None
    if policy is None or case.status != "received":
        return []
    if SEVERITIES.index(case.severity) < SEVERITIES.index(policy.from_severity):
        return []
    zone, fired = ZoneInfo(institution.calendar.timezone), set(case.fired)
    calls = []
    for step in steps:
        at = step.at + timedelta(minutes=policy.after_minutes)
        if step.kind in CALLED_FOR and step.key in fired and after_quiet_hours(at, policy.night, zone) != at:
            calls.append(replace(step, key=f"{step.key}:call", at=at, kind="call"))
    return calls


def reopen_notices(case: Case, institution: Institution) -> list[Step]:
    """A reopened case is news to its handler and to the level above: both hear of it once per
    reopening, while it is still open, with the new response deadline."""
    respond = case.clock("respond")
    if institution.escalation is None or not case.chain or respond is None or not respond.round:
        return []
    if not is_open(case.status):
        return []
    levels = range(min(2, len(case.chain)))
    return [
        Step(
            case.reference,
            "reopen",
            f"reopen~{respond.round}:{level}",
            respond.started_at,
            level,
            "reopened",
            respond.due_at,
        )
        for level in levels
    ]


def alerts_at_once(case: Case, institution: Institution) -> bool:
    """A severe case is told at any hour; the rest wait for working time and the end of quiet hours."""
    threshold = institution.escalation.alert_at_once_from
    return SEVERITIES.index(case.severity) >= SEVERITIES.index(threshold)


def new_case_notice(case: Case, institution: Institution) -> Step | None:
    """The handler hears of a new case nobody has taken up, in working time: off-hours intake is
    forwarded at the next opening (the first hour of the next working day), unless it is severe."""
    policy = institution.escalation
    if policy is None or not case.chain or not policy.notify_new_cases or case.status != "received":
        return None  # someone has taken it up already
    if case.type == "contact":
        return None  # not a complaint: its call-back task alerts when it is not done in time
    at = case.received_at
    if not alerts_at_once(case, institution):
        at = institution.calendar.work_calendar().add_working_time(at, timedelta(0))
    return Step(case.reference, "intake", "intake:new", at, 0, "new", case.received_at)


def chain_snapshot(institution: Institution, unit: str | None = None) -> list[ChainMember]:
    """The chain as the escalation section names it; for a case owned by a `unit`, built from that
    unit: its handlers (A, B) at the first level, its head at the next, each parent unit's head
    above, up to the leadership level, which stays as configured. A level whose person changes
    keeps no configured backup (that person's B belongs to someone else)."""
    if institution.escalation is None:
        return []

    def person(staff_id: str | None) -> Person | None:
        member = institution.staff_member(staff_id) if staff_id else None
        return Person(id=member.id, name=member.name, phone=member.phone) if member else None

    chain = [
        ChainMember(
            role=level.role,
            primary=person(level.primary),
            backup=person(level.backup),
            on_duty=[(person(duty.staff), duty.weekdays) for duty in level.on_duty],
        )
        for level in institution.escalation.chain
    ]
    line = institution.unit_line(unit)
    if not line:
        return chain
    leadership = institution.escalation.level(institution.escalation.leadership_role)
    handlers = institution.unit_handlers(line[0])
    people = [handlers[:2], *([unit.head] for unit in line)]  # per level from the bottom: A (and B)
    for level, ids in enumerate(people[: max(leadership, 1)]):
        if not ids or ids[0] == chain[level].primary.id:
            continue
        backup = person(ids[1]) if len(ids) > 1 else None
        chain[level] = chain[level].model_copy(update={"primary": person(ids[0]), "backup": backup})
    return chain


def current_rosters(institution: Institution) -> dict[str, list[tuple[Person, list[int]]]]:
    """Who is on duty, per role, as the directory says now. The A and B holders of a role are fixed
    when a case opens (they own it); a duty roster is about tonight, so a swapped shift, synced,
    reaches the cases already open."""
    return {member.role: member.on_duty for member in chain_snapshot(institution)}


def recipient(
    member: ChainMember,
    now: datetime,
    calendar: WorkCalendar,
    unreachable: set[str],
    roster: list[tuple[Person, list[int]]] | None = None,
) -> Person:
    """The on-duty person out of hours (from `roster` when given, else the case's copy); else the
    primary (A角), or the backup (B角) when the primary cannot be reached (opted out, or a recent
    text to them failed)."""
    if not calendar.is_working_time(now):
        weekday = now.astimezone(calendar.zone).weekday()
        for person, weekdays in member.on_duty if roster is None else roster:
            if weekday in weekdays and person.phone not in unreachable:
                return person
    if member.primary.phone in unreachable and member.backup is not None:
        return member.backup
    return member.primary


def assess_severity(
    institution: Institution, description: str, group_size: int | None, given: str, recent_cases_of_contact: int
) -> tuple[str, list[str]]:
    """The highest level any rule raises the case to (never lower than given), and why."""
    level, reasons = given, []
    text = description.lower()
    for rule in institution.severity_rules:
        matched = (
            any(word.lower() in text for word in rule.words)
            or (rule.group_size_at_least is not None and (group_size or 0) >= rule.group_size_at_least)
            or (rule.repeat_within_days is not None and recent_cases_of_contact > 0)
        )
        if matched:
            reasons.append(f"{rule.name} -> {rule.raise_to}")
            if SEVERITIES.index(rule.raise_to) > SEVERITIES.index(level):
                level = rule.raise_to
    return level, reasons


def leadership_alert(case: Case, institution: Institution) -> Step | None:
    """Severe cases go straight to leadership at intake (media, groups, threats, regulator)."""
    policy = institution.escalation
    if policy is None or not case.chain:
        return None
    if SEVERITIES.index(case.severity) < SEVERITIES.index(policy.alert_leadership_from):
        return None
    level = [member.role for member in case.chain].index(policy.leadership_role)
    return Step(case.reference, "intake", "intake:leadership", case.received_at, level, "leadership", case.received_at)


def alert_event(case: Case, step: Step, person: Person, message_id: str, now: datetime) -> Event:
    """The timeline's record of an alert step sent to a person (by text, or a call)."""
    return Event(
        at=now,
        actor="system",
        kind="alert",
        data={
            "step": step.key,
            "to": person.id,
            "message_id": message_id,
            "step_kind": step.kind,
            "clock": step.clock,
            "role": case.chain[step.level].role,
        },
    )
