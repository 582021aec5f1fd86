"""Mail to the complaint mailbox. SES stores the raw message in the mail bucket and notifies SNS;
`inbound_email` reads it and it becomes a case, or joins the case it answers. The raw message
always stays in the bucket and the case points to it. Virus-flagged mail is quarantined (kept,
visible to administrators); bounces, auto-replies, lists and our own mail are never answered."""

import json
import logging
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser

from chalicelib.intake.filing import file_complaint
from chalicelib.intake.mime import ParsedEmail, parse
from chalicelib.model.case import Attachment, Case, Complainant, Event, NewComplaint, RelatedContact
from chalicelib.model.references import find_references
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.language import from_text
from chalicelib.runtime.logs import log_event
from chalicelib.runtime.rendering import text
from chalicelib.staff.actions import complainant_replied
from chalicelib.store.files import MediaFiles
from chalicelib.store.stores import Stores
from chalicelib.store.table import DuplicateSubmission, Once

logger = logging.getLogger(__name__)
MAX_PARSE_BYTES = 12 * 1024 * 1024  # larger messages are registered from their headers alone
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENTS = 20
VERDICTS = ("spam", "virus", "spf", "dkim", "dmarc")


def receive(deps: Dependencies, notification: dict, now: datetime) -> str:
    """One SES receipt notification -> what became of it: filed, threaded, noted, quarantined, duplicate."""
    store, institution = deps.store, deps.institution
    mail, receipt = notification.get("mail") or {}, notification.get("receipt") or {}
    action = receipt.get("action") or {}
    ses_id, bucket, key = mail.get("messageId"), action.get("bucketName"), action.get("objectKey")
    if not (ses_id and bucket and key):
        raise ValueError("not an SES receipt notification with an S3 action")
    once = Once("email", ses_id)
    if store.deliveries.seen(once):
        return "duplicate"
    verdicts = {name: (receipt.get(f"{name}Verdict") or {}).get("status", "NONE") for name in VERDICTS}
    raw_location = f"s3://{bucket}/{key}"
    record = {"ses_message_id": ses_id, "raw": raw_location, "from": mail.get("source"), "verdicts": verdicts}
    if verdicts["virus"] == "FAIL":
        return _quarantine(store, once, "virus", record, now)

    parsed, size = _read(deps.files, bucket, key)
    raw = Attachment(name="original-message.eml", content_type="message/rfc822", size=size, location=raw_location)
    own_address = (institution.channels.email_address or "").lower()
    automatic = (
        parsed.automatic
        or ("own-address" if parsed.sender == own_address else None)
        or (None if parsed.sender else "no-sender")
    )
    target = _thread(store, parsed)
    details = {
        "channel": "email",
        "message_id": parsed.message_id,
        "subject": parsed.subject,
        "verdicts": verdicts,
        "problems": parsed.problems,
        "raw": raw_location,
    }

    if automatic:
        if target is None:
            return _quarantine(store, once, automatic, {**record, "subject": parsed.subject}, now)
        event = Event(
            at=now, actor="system", kind=f"email_{automatic.replace('-', '_')}", text=parsed.text[:2000], data=details
        )
        return _add(store, store.cases.get(target), [event], once, now, "noted")

    attachments = _keep_attachments(deps.files, parsed, bucket, ses_id)
    if target is not None:
        case = store.cases.get(target)
        event = Event(
            at=now,
            actor="complainant",
            kind="complainant_message",
            text=parsed.text,
            data={**details, "attachments": [a.model_dump() for a in [raw, *attachments]]},
        )
        outcome = _add(
            store,
            case,
            [event],
            once,
            now,
            "threaded",
            set_fields={"attachments": [a.model_dump() for a in case.attachments + [raw, *attachments]]},
            indexed_text=parsed.text,
        )
        if outcome == "threaded":
            complainant_replied(deps, target, now)
        return outcome

    words = "\n\n".join(part for part in (parsed.subject, parsed.text) if part) or text(
        deps.institution.default_language, "email_empty"
    )
    language = from_text(parsed.subject + " " + parsed.text) or institution.default_language
    complaint = NewComplaint(
        channel="email",
        description=words,
        attachments=[raw, *attachments],
        complainant=Complainant(name=parsed.sender_name or None, email=parsed.sender, language=language),
        received_on=deps.institution.channels.email_address,
        related_contacts=[
            RelatedContact(
                role="original_sender", name=parsed.forwarded_from[0] or None, email=parsed.forwarded_from[1]
            )
        ]
        if parsed.forwarded_from
        else [],
    )
    received = Event(at=now, actor="complainant", kind="email_received", data=details)
    # No automatic answer to suspected spam: an acknowledgement to a forged sender is backscatter.
    filed = file_complaint(
        deps, complaint, now, once=once, extra_events=[received], acknowledge=verdicts["spam"] != "FAIL"
    )
    log_event(logger, "email_filed", reference=filed.case.reference, sender=parsed.sender, replayed=filed.replayed)
    return "duplicate" if filed.replayed else "filed"


def _original_sender(parsed: ParsedEmail) -> list[RelatedContact]:
    if parsed.forwarded_from is None:
        return []
    name, address = parsed.forwarded_from
    return [RelatedContact(role="original_sender", name=name or None, email=address)]


def _read(files: MediaFiles, bucket: str, key: str) -> tuple[ParsedEmail, int]:
    size = files.size(bucket, key)
    if size > MAX_PARSE_BYTES:
        head = files.read(bucket, key, first_bytes=262144)
        parsed = _headers_only(
            head, f"message of {size / 1e6:.1f} MB is too large to read automatically; the raw message is kept"
        )
        return parsed, size
    raw = files.read(bucket, key)
    try:
        return parse(raw), size
    except (RecursionError, MemoryError) as error:
        return _headers_only(
            raw[:262144], f"message structure could not be read ({type(error).__name__}); the raw message is kept"
        ), size


def _headers_only(head: bytes, problem: str) -> ParsedEmail:
    headers = BytesHeaderParser(policy=policy.default).parsebytes(head.split(b"\r\n\r\n")[0].split(b"\n\n")[0])
    parsed = parse(
        b"".join(
            f"{name}: {value}\r\n".encode("utf-8", "surrogateescape")
            for name, value in headers.items()
            if name.lower() not in ("content-type", "content-transfer-encoding")
        )
    )
    parsed.problems.append(problem)
    parsed.text = parsed.full_text = ""
    return parsed


def _thread(store: Stores, parsed: ParsedEmail) -> str | None:
    """The case this email continues: one of our emails it replies to, or a reference in its
    subject that belongs to the sender."""
    for message_id in parsed.in_reply_to:
        local = message_id.strip("<>").partition("@")[0]
        ours = store.outbox.get(local) or store.outbox.by_provider_id(local)
        if ours and ours.case_reference:
            return ours.case_reference
    for reference in find_references(parsed.subject):
        case = store.cases.get(reference)
        if case and case.complainant.email == parsed.sender:
            return reference
    return None


def _keep_attachments(files: MediaFiles, parsed: ParsedEmail, bucket: str, ses_id: str) -> list[Attachment]:
    kept, total = [], 0
    for number, part in enumerate(parsed.attachments, start=1):
        size = len(part.content)
        if len(kept) >= MAX_ATTACHMENTS or size > MAX_ATTACHMENT_BYTES or total + size > MAX_ATTACHMENTS_BYTES:
            parsed.problems.append(
                f"attachment {part.filename!r} ({size} bytes) not stored separately: over the "
                "limits; it is in the raw message"
            )
            continue
        key = f"media/email/{ses_id}/{number}-{part.filename}"
        location = files.put(key, part.content, part.content_type, bucket=bucket)
        kept.append(Attachment(name=part.filename, content_type=part.content_type, size=size, location=location))
        total += size
    return kept


def _add(
    store: Stores,
    case: Case,
    events: list[Event],
    once: Once,
    now: datetime,
    outcome: str,
    set_fields: dict | None = None,
    indexed_text: str | None = None,
) -> str:
    try:
        store.cases.add_to(case, events, now, once, set_fields=set_fields, indexed_text=indexed_text)
    except DuplicateSubmission:
        return "duplicate"
    return outcome


def _quarantine(store: Stores, once: Once, reason: str, record: dict, now: datetime) -> str:
    try:
        store.deliveries.take(once, now)
    except DuplicateSubmission:
        return "duplicate"
    store.abuse.quarantine("email", reason, record, now)
    log_event(logger, "email_quarantined", reason=reason, sender=record.get("from"))
    return "quarantined"


def handle_sns(deps: Dependencies, message: str, now: datetime) -> str:
    return receive(deps, json.loads(message), now)
