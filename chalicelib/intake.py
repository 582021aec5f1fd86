"""One path into the register for every channel: a NewComplaint becomes a case with a
reference, its clocks, its first timeline events and its acknowledgement, in one transaction;
then the acknowledgement is sent at once (and retried by the sweep if that fails)."""
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from . import notify
from .acknowledgement import acknowledgement_messages
from .complaint import Case, Event, NewComplaint
from .deadlines import opening_clocks
from .institution import Institution
from .outbox import OutboundMessage
from .privacy import log_event
from .references import format_reference, month_key
from .store import DuplicateSubmission, Store

logger = logging.getLogger(__name__)


@dataclass
class Filed:
    case: Case
    messages: list[OutboundMessage]
    replayed: bool  # the same submission was delivered before: this is the case it made


def status_url(base_url: str, reference: str) -> str:
    return f"{base_url.rstrip('/')}/complaints/status?ref={quote(reference)}"


def file_complaint(store: Store, institution: Institution, complaint: NewComplaint, now: datetime,
                   base_url: str, idempotency: tuple[str, str] | None = None) -> Filed:
    if idempotency:
        existing = store.reference_for_idempotency_key(*idempotency)
        if existing:
            return _replay(store, existing)
    local = now.astimezone(institution.calendar.work_calendar().zone)
    reference = format_reference(institution.reference_prefix, local,
                                 store.next_reference_sequence(month_key(local)))
    case = Case(**complaint.model_dump(), reference=reference, received_at=now,
                clocks=opening_clocks(institution, now))
    messages = acknowledgement_messages(case, institution, now, status_url(base_url, reference))
    events = [Event(at=now, actor="complainant", kind="received", public=False,
                    text=complaint.description, data={"channel": complaint.channel})]
    events += [Event(at=now, actor="system", kind="acknowledgement_queued", public=True,
                     text=message.body if message.channel == "sms" else message.subject,
                     data={"message_id": message.id, "channel": message.channel})
               for message in messages]
    try:
        store.create_case(case, events, messages, idempotency, now)
    except DuplicateSubmission as duplicate:
        return _replay(store, duplicate.reference)
    log_event(logger, "case_filed", reference=reference, channel=complaint.channel,
              contacts=case.complainant.contacts())
    for message in messages:
        notify.attempt(store, institution, message, now)
    return Filed(case=case, messages=messages, replayed=False)


def _replay(store: Store, reference: str) -> Filed:
    case = store.get_case(reference)
    return Filed(case=case, messages=store.messages_for_case(reference), replayed=True)
