"""One path into the register for every channel: a NewComplaint becomes a case with a
reference, its clocks, its first timeline events and its acknowledgement, in one transaction;
then the acknowledgement is sent at once (and retried by the sweep if that fails)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.model.case import Case, Event, NewComplaint
from chalicelib.model.institution import Institution
from chalicelib.model.message import OutboundMessage
from chalicelib.model.references import format_reference, month_key
from chalicelib.model.routing import route
from chalicelib.notify import profiles as notify_profiles
from chalicelib.notify import sender as notify
from chalicelib.notify.complainant import acknowledgement_messages, sms_acknowledgement, status_url
from chalicelib.runtime import metrics
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event
from chalicelib.sla.alerts import fire_due
from chalicelib.sla.deadlines import opening_clocks, task_clock
from chalicelib.sla.escalation import assess_severity, chain_snapshot
from chalicelib.sla.plan import next_due, plan
from chalicelib.staff.reopening import tasks_closed
from chalicelib.store.abuse import Window
from chalicelib.store.contacts import ContactRecord
from chalicelib.store.stores import Stores
from chalicelib.store.table import DuplicateSubmission, Once

logger = logging.getLogger(__name__)


@dataclass
class Filed:
    case: Case
    messages: list[OutboundMessage]
    replayed: bool  # the same submission was delivered before: this is the case it made
    reply: str | None = None  # the acknowledgement, when it goes back in the webhook's own answer


def file_complaint(
    deps: Dependencies,
    complaint: NewComplaint,
    now: datetime,
    once: Once | None = None,
    reply_inline: bool = False,
    extra_events: list[Event] = (),
    text_back: bool = True,
    acknowledge: bool = True,
    claim: str | None = None,
    window: Window | None = None,
    contacts: dict[str, ContactRecord] | None = None,
    received_at: datetime | None = None,
    as_contact: bool = False,
) -> Filed:
    """reply_inline: the SMS acknowledgement is returned (for a TwiML reply), not queued.
    text_back=False: the phone cannot receive texts (a landline), so no SMS is queued.
    acknowledge=False: no acknowledgement at all (suspected spam).
    claim: a contact with no open case; another complaint of it filed at the same moment raises
    ContactBusy naming this one (texts sent together join one case).
    window: the source's hourly limit, taken in the filing's transaction (OverLimit: nothing filed).
    A delivery that came before is found by its once-key in the transaction itself (no read first:
    a replay costs a reference number, a gap, instead of every filing costing a read).
    contacts: the contact partitions already read (SMS intake reads the sender's); the others are read
    here, one Query each, which is all a filing reads (store/contacts.py).
    received_at: when it came, if before `now` (the spool replay): the reference month, the clocks
    and the first events count from then; its messages are written, leased and sent now.
    as_contact: registered, but not a complaint (a short hang-up, a text with nothing in it): type
    "contact", a call-back task instead of complaint clocks, no acknowledgement, no new-case notice."""
    store, institution, base_url = deps.store, deps.institution, deps.base_url
    contacts = {
        contact: (contacts or {}).get(contact) or store.cases.contact_record(contact)
        for contact in complaint.complainant.contacts()
    }
    received = received_at or now
    local = received.astimezone(institution.calendar.work_calendar().zone)
    reference = format_reference(
        institution.reference_prefix, local, store.cases.next_reference_sequence(month_key(local))
    )
    severity, reasons = assess_severity(
        institution,
        complaint.description,
        complaint.group_size,
        complaint.severity,
        _recent_cases(institution, contacts, received),
    )
    unit = complaint.unit or route(institution.routing, complaint.category, complaint.received_on)
    complaint = complaint.model_copy(update={"severity": severity, "unit": unit})
    if complaint.repeat_of is None:  # the same complainant about the same thing lately: linked as a repeat
        since = received - timedelta(days=institution.after_resolution.reopen_within_days)
        repeats = [record.repeat_of(complaint.category, since) for record in contacts.values()]
        complaint = complaint.model_copy(update={"repeat_of": next((ref for ref in repeats if ref), None)})
    if as_contact:
        complaint = complaint.model_copy(update={"type": "contact"})
        acknowledge, reply_inline = False, False
    case = Case(
        **complaint.model_dump(),
        reference=reference,
        received_at=received,
        severity_reasons=reasons,
        clocks=[task_clock(institution, "callback", received)]
        if as_contact
        else opening_clocks(institution, received, complaint),
        chain=chain_snapshot(institution, unit),
    )
    messages = (
        acknowledgement_messages(
            case, institution, now, status_url(base_url, reference), sms=text_back and not reply_inline
        )
        if acknowledge
        else []
    )
    reply = sms_acknowledgement(case, institution, status_url(base_url, reference)) if reply_inline else None
    events = [
        Event(
            at=received,
            actor="complainant",
            kind="received",
            public=False,
            text=complaint.description,
            data={"channel": complaint.channel, **({"unit": unit} if unit else {})},
        ),
        *extra_events,
        *_calendar_warnings(institution, case, now),
    ]
    if reply:
        events.append(
            Event(
                at=now, actor="system", kind="acknowledgement_replied", public=True, text=reply, data={"channel": "sms"}
            )
        )
    events += [
        Event(
            at=now,
            actor="system",
            kind="acknowledgement_queued",
            public=True,
            text=message.body if message.channel == "sms" else message.subject,
            data={"message_id": message.id, "channel": message.channel},
        )
        for message in messages
    ]
    if once and reply:
        once = once.answering(reply)
    counts = {
        message.id: notify_profiles.counted_in_advance(deps, message, contacts.get(message.to), now)
        for message in messages
    }
    counts = {message_id: update for message_id, update in counts.items() if update}
    try:
        store.cases.create(
            case,
            events,
            messages,
            once,
            now,
            next_due=next_due(case, institution),
            claim=claim,
            window=window,
            updates=list(counts.values()),
            zone=institution.calendar.timezone,
        )
    except DuplicateSubmission as earlier:
        return _replay(store, earlier)
    log_event(
        logger, "case_filed", reference=reference, channel=complaint.channel, contacts=case.complainant.contacts()
    )
    metrics.count("ComplaintsFiled", Channel=complaint.channel)
    for message in messages:  # whether the phone texted STOP is known from its contact partition
        opted_out = contacts[message.to].opted_out if message.channel == "sms" and message.to in contacts else None
        notify.attempt(deps, message, now, opted_out=opted_out, counted=message.id in counts)
    if any(step.kind == "leadership" for step in plan(case, institution, now).due):
        fire_due(deps, [case], now)  # a severe case alerts leadership at once; the rest wait for the sweep
    return Filed(case=case, messages=messages, replayed=False, reply=reply)


def _calendar_warnings(institution: Institution, case: Case, now: datetime) -> list[Event]:
    """Deadlines that run into a year whose official calendar is not published yet are counted by the
    weekend alone: the case says so, the log and a metric tell the administrators (never silent)."""
    calendar = institution.calendar.work_calendar()
    last = max((clock.due_at for clock in case.clocks), default=now)
    years = calendar.unpublished_years(calendar.local_date(now), calendar.local_date(last))
    if not years:
        return []
    log_event(logger, "calendar_unpublished", reference=case.reference, years=years)
    metrics.count("CalendarUnpublished")
    return [Event(at=now, actor="system", kind="calendar_unpublished", data={"years": years})]


def _recent_cases(institution: Institution, contacts: dict[str, ContactRecord], now: datetime) -> int:
    """How many cases the same phone or email opened within the repeat-complaint window."""
    windows = [rule.repeat_within_days for rule in institution.severity_rules if rule.repeat_within_days]
    if not windows:
        return 0
    since = now - timedelta(days=max(windows))
    return sum(len(record.since(since)) for record in contacts.values())


def _replay(store: Stores, earlier: DuplicateSubmission) -> Filed:
    case = store.cases.get(earlier.reference)
    return Filed(case=case, messages=store.outbox.for_case(earlier.reference), replayed=True, reply=earlier.response)


def promote_contact(
    deps: Dependencies,
    contact: Case,
    words: str,
    message: Event,
    now: datetime,
    once: Once,
    attachments=(),
    reply_inline: bool = True,
    text_back: bool = True,
) -> Filed:
    """The details a contact was asked for have come (先受理、后处理): it becomes the complaint, under
    its reference and receipt time, with the complaint clocks from now (nothing could be handled
    before) and its call back done. reply_inline: the acknowledgement is the text's reply (in
    `Filed.reply`); else it is sent by SMS (where `text_back`) and email."""
    institution = deps.institution
    severity, reasons = assess_severity(institution, words, contact.group_size, contact.severity, 0)
    complaint = contact.model_copy(
        update={
            "type": "complaint",
            "description": words,
            "severity": severity,
            "severity_reasons": reasons,
            "attachments": [*contact.attachments, *attachments],
        }
    )
    clocks = [*tasks_closed(contact.clocks, "details_followed", now), *opening_clocks(institution, now, complaint)]
    complaint = complaint.model_copy(update={"clocks": clocks, "version": contact.version + 1})
    link = status_url(deps.base_url, contact.reference)
    reply = sms_acknowledgement(complaint, institution, link) if reply_inline else None
    messages = [] if reply_inline else acknowledgement_messages(complaint, institution, now, link, sms=text_back)
    events = [message, Event(at=now, actor="system", kind="became_complaint")]
    if reply:
        events.append(
            Event(
                at=now, actor="system", kind="acknowledgement_replied", public=True, text=reply, data={"channel": "sms"}
            )
        )
    events += [
        Event.told(
            now, "system", "acknowledgement_queued", m.body if m.channel == "sms" else m.subject, message_id=m.id
        )
        for m in messages
    ]
    try:
        deps.store.cases.update(
            complaint,
            contact.version,
            events,
            next_due(complaint, institution),
            messages,
            zone=institution.calendar.timezone,
            before=contact,
            once=once.answering(reply) if reply else once,
            indexed_text=words,
            now=now,
        )
    except DuplicateSubmission as earlier:
        return _replay(deps.store, earlier)
    for outgoing in messages:  # written leased to this intake, which sends them at once
        notify.attempt(deps, outgoing, now)
    return Filed(case=complaint, messages=messages, replayed=False, reply=reply)
