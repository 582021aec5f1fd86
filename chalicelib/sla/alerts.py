"""Sending the alert steps that are due: choose each level's person (on duty, A or B), bundle
what one person gets in the same minute into one text, record every step exactly once (in the
same transaction as the text that carries it), then send. Texts stay within 1 SMS segment in
English and 2 in Chinese."""

import random
import time
from collections import defaultdict
from datetime import datetime

from chalicelib.model.case import Case, Event, Person
from chalicelib.model.institution import Institution
from chalicelib.model.message import new_message
from chalicelib.notify import sender as notify
from chalicelib.notify.segments import SEGMENT_BUDGET, segments
from chalicelib.notify.staff import issue_link
from chalicelib.runtime import metrics
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.labels import label
from chalicelib.runtime.rendering import duration_text, is_now, local_time, text
from chalicelib.sla.escalation import Step, current_rosters, recipient
from chalicelib.sla.plan import plan
from chalicelib.store.table import AlertsTaken, Contention

MAX_STEPS_PER_TEXT = 30


def fire_due(deps: Dependencies, cases: list[Case], now: datetime) -> int:
    """Alerts for every step due on these cases; returns how many steps were recorded by this call."""
    store, institution = deps.store, deps.institution
    calendar = institution.calendar.work_calendar()
    plans = {case.reference: plan(case, institution, now) for case in cases}
    work = [(case, plans[case.reference].due) for case in cases if plans[case.reference].due]
    rosters = current_rosters(institution)
    involved = {
        person.phone
        for case, steps in work
        for step in steps
        for person in (
            case.chain[step.level].primary,
            case.chain[step.level].backup,
            *(duty for duty, _ in rosters.get(case.chain[step.level].role, [])),
        )
        if person
    }
    unreachable = store.alerts.unreachable(involved, now) if involved else set()
    groups: dict[str, list[tuple[Case, Step, Person]]] = defaultdict(list)
    for case, steps in work:
        for step in steps:
            member = case.chain[step.level]
            person = recipient(member, now, calendar, unreachable, rosters.get(member.role))
            groups[person.phone].append((case, step, person))
    for items in groups.values():  # most urgent (longest overdue, then soonest due) first
        items.sort(key=lambda item: (item[1].kind != "late", item[1].due_at))
    finals = {case.reference: plans[case.reference].after for case, _ in work}
    stale = {case.reference: plans[case.reference].stale for case, _ in work}
    recorded = 0
    for items in groups.values():
        # A transaction holds at most 100 items: per step an ALERT item and an event, per case an update.
        for start in range(0, len(items), MAX_STEPS_PER_TEXT):
            recorded += _fire_group(deps, items[start : start + MAX_STEPS_PER_TEXT], finals, stale, now, unreachable)
    return recorded


def _fire_group(deps: Dependencies, items, finals, stale, now, unreachable) -> int:
    store, institution = deps.store, deps.institution
    linked = None  # (reference, link, code): minted again only if the leading case changes on a retry
    for attempt in range(6):  # again without the steps another sweep recorded, or after a clash
        if not items:
            return 0
        person = items[0][2]
        member = items[0][0].chain[items[0][1].level]
        backup = (
            member.backup
            if member.backup and member.backup.phone != person.phone and member.backup.phone not in unreachable
            else None
        )
        # The link and the reply code open the most urgent case of the text, for this person only.
        leading = items[0][0].reference
        if linked is None or linked[0] != leading:
            wants_code = hint_key(items[0][0], items[0][1]) is not None
            linked = (
                leading,
                issue_link(deps, leading, person.id, now),
                store.links.allocate_code(person.phone, leading, now) if wants_code else None,
            )
        _, link, code = linked
        language = institution.staff_language(person.id)
        message = new_message(
            now,
            "sms",
            person.phone,
            alert_text(items, institution, now, link, code, language),
            "alert",
            language,
            leased=True,
            recipient_id=person.id,
            fallback_to=backup.phone if backup else None,
            fallback_id=backup.id if backup else None,
        )
        fired, events = {}, defaultdict(list)
        for case, step, _ in items:
            keys, _ = fired.get(case.reference, ([], None))
            fired[case.reference] = ([*keys, step.key], finals[case.reference])
            events[case.reference].append(
                Event(
                    at=now,
                    actor="system",
                    kind="alert",
                    data={
                        "step": step.key,
                        "to": person.id,
                        "message_id": message.id,
                        "step_kind": step.kind,
                        "clock": step.clock,
                        "role": member_role(case, step),
                    },
                )
            )
        skipped = {reference: stale[reference] for reference in fired if stale.get(reference)}
        raised = {case.reference: step.raise_to for case, step, _ in items if step.kind == "age"}
        try:
            store.alerts.fire(fired, message, dict(events), now, skipped, raised)
        except (AlertsTaken, Contention) as clash:
            if isinstance(clash, Contention):  # a parallel sweep was writing these cases: step aside briefly
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
            items = [item for item in items if not store.alerts.recorded(item[0].reference, item[1].key)]
            continue
        for reference in skipped:
            stale.pop(reference, None)
        notify.attempt(deps, message, now)
        metrics.count("AlertSteps", len(items), Kind=items[0][1].kind)
        return len(items)
    return 0


def member_role(case: Case, step: Step) -> str:
    return case.chain[step.level].role


def _item(case: Case, step: Step, institution: Institution, now: datetime, language: str) -> str:
    zone = institution.calendar.timezone
    if step.kind == "leadership":
        return text(
            language, "alert_leadership", ref=case.reference, severity=label(language, "severity", case.severity)
        )
    if step.kind == "age":
        return text(
            language,
            "alert_age",
            ref=case.reference,
            days=(now - case.received_at).days,
            severity=label(language, "severity", step.raise_to),
        )
    clock = text(language, f"clock_{step.clock}")
    due = local_time(step.due_at, zone, language, short=True)
    late = step.kind != "reminder"
    if is_now(now - step.due_at if late else step.due_at - now, late):
        return text(language, "alert_due_now", ref=case.reference, clock=clock, due=due)
    if step.kind == "reminder":
        return text(
            language,
            "alert_reminder",
            ref=case.reference,
            clock=clock,
            due=due,
            left=duration_text(language, step.due_at - now),
        )
    return text(
        language,
        "alert_late",
        ref=case.reference,
        clock=clock,
        due=due,
        late=duration_text(language, now - step.due_at, late=True),
    )


def alert_text(
    items, institution: Institution, now: datetime, link: str, code: int | None = None, language: str | None = None
) -> str:
    """One alert, or several bundled (most urgent first, linked), cut to the segment budget with
    "+N more"; the reply-code hint is added where it fits. In the recipient's language."""
    language = language or institution.default_language
    budget = SEGMENT_BUDGET[language]
    body = _alert_body(items, institution, now, link, language)
    hint = hint_key(items[0][0], items[0][1])
    # The hint follows the link; its leading space ends the link, else phones take the Chinese for part of the URL.
    with_hint = body + text(language, hint, code=code) if code and hint else body
    return with_hint if segments(with_hint) <= budget else body


def hint_key(case: Case, step: Step) -> str | None:
    """The reply code a recipient is told of is for what they can do: the handler acknowledges, a
    level with one above it escalates; the top of the chain acts from the link."""
    if step.level == 0:
        return "alert_code_hint"
    return "alert_code_hint_escalate" if step.level < len(case.chain) - 1 else None


def _alert_body(items, institution: Institution, now: datetime, link: str, language: str) -> str:
    name = institution.sms_name(language)
    parts = [_item(case, step, institution, now, language) for case, step, _ in items]
    if len(parts) == 1:
        return text(language, "alert_one", inst=name, item=parts[0], link=link)
    separator = "; " if language == "en" else "；"
    for shown in range(len(parts), 0, -1):
        listed = parts[:shown] + (
            [text(language, "alert_more", count=len(parts) - shown)] if shown < len(parts) else []
        )
        body = text(language, "alert_many", inst=name, count=len(parts), items=separator.join(listed), link=link)
        if segments(body) <= SEGMENT_BUDGET[language]:
            return body
    return text(
        language,
        "alert_many",
        inst=name,
        count=len(parts),
        items=text(language, "alert_more", count=len(parts)),
        link=link,
    )
