"""Sending the alert steps that are due: choose each level's person (on duty, A or B), bundle
what one person gets in a sweep into one text that counts and names each case once, record every
step exactly once (in the transactions that write the text that carries it), then send. Texts
stay within 1 SMS segment in English and 2 in Chinese."""

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from chalicelib.model.case import Case, Person
from chalicelib.model.institution import Institution
from chalicelib.model.message import OutboundMessage, new_message
from chalicelib.notify import sender as notify
from chalicelib.notify.segments import SEGMENT_BUDGET, segments
from chalicelib.notify.staff import issue_link
from chalicelib.runtime import metrics
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.labels import label
from chalicelib.runtime.rendering import duration_text, is_now, local_time, text
from chalicelib.sla.calls import place_calls
from chalicelib.sla.escalation import Step, alert_event, current_rosters, recipient
from chalicelib.sla.plan import plan
from chalicelib.store.table import AlertsTaken, Contention

TRANSACTION_ITEMS = 100  # DynamoDB's limit: per step an ALERT item and an event, per case an update


def fire_due(deps: Dependencies, cases: list[Case], now: datetime) -> int:
    """Alerts for every step due on these cases (the whole sweep's): one text per person, listing
    each of their cases once; returns how many steps were recorded by this call."""
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
    calls = []
    for case, steps in work:
        for step in steps:
            member = case.chain[step.level]
            person = recipient(member, now, calendar, unreachable, rosters.get(member.role))
            (calls if step.kind == "call" else groups[person.phone]).append((case, step, person))
    finals = {case.reference: plans[case.reference].after for case, _ in work}
    stale = {case.reference: plans[case.reference].stale for case, _ in work}
    recorded = place_calls(deps, calls, finals, now) if calls else 0
    for items in groups.values():
        items.sort(key=_urgency)
        recorded += _fire_person(deps, items, finals, stale, now, unreachable)
    return recorded


def _urgency(item) -> tuple:
    """Most urgent first: severe news, then the longest overdue, then the soonest due."""
    step = item[1]
    return (step.kind not in ("leadership", "late", "explain"), step.kind != "leadership", step.due_at)


def _chunks(items) -> list[list]:
    """The steps of one person's text, cut into transactions of at most 100 items, a case's steps
    kept together (one update per case); each keeps room for the message, which the first to
    succeed writes."""
    by_case: dict[str, list] = defaultdict(list)
    for item in items:
        by_case[item[0].reference].append(item)
    chunks, current, size = [], [], 1
    for steps in by_case.values():
        cost = 2 * len(steps) + 1
        if current and size + cost > TRANSACTION_ITEMS:
            chunks.append(current)
            current, size = [], 1
        current += steps
        size += cost
    return [*chunks, current] if current else chunks


@dataclass
class _Text:
    message: OutboundMessage
    reference: str  # the case its link and code open
    link: str
    code: int | None


def _fire_person(deps: Dependencies, items, finals, stale, now, unreachable) -> int:
    """Records the steps and queues the one text that carries them. The first transaction writes
    the text (leased: a sweep that dies after it leaves the text to the retry); steps another sweep
    took meanwhile are left out, and the text is written again without them before it is sent."""
    chunks = _chunks(items)
    carrier, sent = None, []
    for index, chunk in enumerate(chunks):
        listed = None if carrier else [*sent, *(item for later in chunks[index:] for item in later)]
        recorded, carrier = _record(deps, chunk, listed, carrier, finals, stale, now, unreachable)
        sent += recorded
    if not sent:
        return 0
    message = carrier.message
    body = alert_text(sent, deps.institution, now, carrier.link, carrier.code, message.language)
    template = _staff_alert_template(sent, deps.institution, now, carrier.link, carrier.code, message.language)
    if body != message.body or template.get("variables", message.variables) != message.variables:
        message = message.model_copy(update={"body": body, **template})
        deps.store.outbox.replace_body(message)
    notify.attempt(deps, message, now)
    metrics.count("AlertSteps", len(sent), Kind=sent[0][1].kind)
    return len(sent)


def _record(deps: Dependencies, chunk, listed, carrier, finals, stale, now, unreachable):
    """One transaction of a person's steps; without a `carrier` it also writes the text, listing
    `listed`. Returns the steps recorded and the text (None if it was never written)."""
    store, unwritten = deps.store, None  # a text whose transaction failed: its link and code stay usable
    for attempt in range(6):  # again without the steps another sweep recorded, or after a clash
        if not chunk:
            return [], carrier
        writes_text = carrier is None
        if writes_text:
            carrier = _new_text(deps, listed, now, unreachable, unwritten)
        fired, events = {}, defaultdict(list)
        for case, step, person in chunk:
            keys, _ = fired.get(case.reference, ([], None))
            fired[case.reference] = ([*keys, step.key], finals[case.reference])
            events[case.reference].append(alert_event(case, step, person, carrier.message.id, now))
        skipped = {reference: stale[reference] for reference in fired if stale.get(reference)}
        raised = {case.reference: step.raise_to for case, step, _ in chunk if step.kind == "age"}
        try:
            store.alerts.fire(
                fired,
                carrier.message if writes_text else None,
                dict(events),
                {case.reference: case.version for case, _, _ in chunk},
                now,
                skipped,
                raised,
                message_id=carrier.message.id,
            )
        except (AlertsTaken, Contention) as clash:
            if isinstance(clash, Contention):  # a parallel sweep was writing these cases: step aside briefly
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
            taken = {
                (case.reference, step.key) for case, step, _ in chunk if store.alerts.recorded(case.reference, step.key)
            }
            chunk = [item for item in chunk if (item[0].reference, item[1].key) not in taken]
            if writes_text:
                listed = [item for item in listed if (item[0].reference, item[1].key) not in taken]
                unwritten, carrier = carrier, None
            continue
        for reference in skipped:
            stale.pop(reference, None)
        return chunk, carrier
    return [], carrier  # None when this was to write the text and never did


def _new_text(deps: Dependencies, listed, now, unreachable, unwritten: _Text | None = None) -> _Text:
    """The text for a person's steps; its link and reply code open the most urgent case, for this
    person only, minted again only if that case is not the one of an `unwritten` earlier try.
    Falls back to the level's backup (B角) when it is not delivered."""
    store, institution = deps.store, deps.institution
    case, step, person = listed[0]
    member = case.chain[step.level]
    backup = (
        member.backup
        if member.backup and member.backup.phone != person.phone and member.backup.phone not in unreachable
        else None
    )
    if unwritten is not None and unwritten.reference == case.reference:
        link, code = unwritten.link, unwritten.code
    else:
        named = tuple(dict.fromkeys(listed_case.reference for listed_case, _, _ in listed))
        link = issue_link(deps, case.reference, person.id, now, also=named)
        replies = institution.channels.sms_profile(person.phone).two_way  # else staff act from the link
        code = (
            store.links.allocate_code(person.phone, case.reference, now) if replies and hint_key(case, step) else None
        )
    language = institution.staff_language(person.id)
    message = new_message(
        now,
        "sms",
        person.phone,
        alert_text(listed, institution, now, link, code, language),
        "alert",
        language,
        **_staff_alert_template(listed, institution, now, link, code, language),
        leased=True,
        case_reference=case.reference,  # the case it leads with; what happens to the text shows on each
        case_references=list(dict.fromkeys(listed_case.reference for listed_case, _, _ in listed)),
        recipient_id=person.id,
        fallback_to=backup.phone if backup else None,
        fallback_id=backup.id if backup else None,
    )
    return _Text(message, case.reference, link, code)


def _staff_alert_template(listed, institution: Institution, now: datetime, link: str, code, language: str) -> dict:
    """Where operators take only approved templates: the count, the most urgent case (with its
    reply code, where replies arrive) and the link."""
    if not institution.channels.sms_profile(listed[0][2].phone).templated:
        return {}
    case, step, _ = listed[0]
    hint = hint_key(case, step)
    what = _item(case, step, institution, now, language) + (text(language, hint, code=code) if code and hint else "")
    values = {
        "inst": institution.sms_name(language),
        "count": str(len({c.reference for c, _, _ in listed})),
        "reference": case.reference,
        "what": what.strip().rstrip("。."),  # the approved template puts its own full stop after it
        "link": link,
    }
    return {"kind": "staff_alert", "variables": values}


def _item(case: Case, step: Step, institution: Institution, now: datetime, language: str) -> str:
    zone = institution.calendar.timezone
    if step.kind == "leadership":
        return text(
            language, "alert_leadership", ref=case.reference, severity=label(language, "severity", case.severity)
        )
    if step.kind == "reopened":
        return text(
            language, "alert_reopened", ref=case.reference, due=local_time(step.due_at, zone, language, short=True)
        )
    if step.kind == "new":
        return text(
            language,
            "alert_new",
            ref=case.reference,
            received=local_time(case.received_at, zone, language, short=True),
        )
    if step.kind == "explain":
        return text(
            language,
            "alert_explain",
            ref=case.reference,
            clock=text(language, f"clock_{step.clock}"),
            due=local_time(step.due_at, zone, language, short=True),
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
    """One alert, or several cases bundled (each once, most urgent first, linked), cut to the segment
    budget with "+N more"; the reply-code hint is added where it fits. In the recipient's language."""
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
    if step.kind == "explain":
        return "alert_code_hint_explain"
    if step.level == 0:
        return "alert_code_hint"
    return "alert_code_hint_escalate" if step.level < len(case.chain) - 1 else None


def _alert_body(items, institution: Institution, now: datetime, link: str, language: str) -> str:
    name = institution.sms_name(language)
    first_of_case = {}  # each case once, by its most urgent step (the items come most urgent first)
    for case, step, _ in items:
        first_of_case.setdefault(case.reference, (case, step))
    parts = [_item(case, step, institution, now, language) for case, step in first_of_case.values()]
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
