"""Texts to the hotline number: a new complaint, more words for an open one, or a keyword
(status, help, stop, start). Returns the reply text (None: no reply); every delivery of the
same MessageSid gets the same answer and changes nothing the second time."""

from datetime import datetime

from chalicelib.intake.errors import BadWebhook
from chalicelib.intake.filing import file_complaint, promote_contact
from chalicelib.intake.media import keep_twilio_media
from chalicelib.intake.sms_keywords import parse
from chalicelib.model.case import Case, Complainant, Event, NewComplaint
from chalicelib.model.institution import Institution
from chalicelib.model.lifecycle import is_open
from chalicelib.model.references import find_references
from chalicelib.model.replies import carries_no_complaint, judge
from chalicelib.notify.complainant import complainant_time, status_answer
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.language import Language, clearly_in, from_text
from chalicelib.runtime.rendering import text
from chalicelib.staff import reopening
from chalicelib.staff.actions import complainant_replied
from chalicelib.store.cases import ContactBusy
from chalicelib.store.contacts import ContactRecord
from chalicelib.store.stores import Stores
from chalicelib.store.table import DuplicateSubmission, Once


def handle_sms(
    deps: Dependencies,
    params: dict[str, str],
    now: datetime,
    reply_inline: bool = True,
    received_at: datetime | None = None,
) -> str | None:
    """received_at: when the text came, if before now (the spool replay files it as of then)."""
    store, institution = deps.store, deps.institution
    sender = params.get("From", "").strip()
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    if not sender or not sid:
        raise BadWebhook("From and MessageSid are required")
    once = Once("sms", sid)
    body = params.get("Body", "")
    member = institution.staff_with_phone(sender)
    if member is not None:  # staff numbers give commands; they are never complaints
        from chalicelib.staff.reply_codes import handle

        if earlier := store.deliveries.seen(once):  # a command must not run twice
            return earlier.response
        return _answer(store, once, now, handle(deps, member, body, now))
    # A complainant's text: every write below takes its once-key in the same transaction, so a
    # delivery that comes again is answered as the first time without a read before each.
    keyword, rest = parse(body)
    if keyword == "stop":
        store.outbox.set_opted_out(sender, True, now)
        return _answer(store, once, now, None)  # the carrier confirms STOP itself
    record = store.cases.contact_record(sender)  # the number's cases and opt-out, one Query
    target = _owned_case(store, sender, rest if keyword == "status" else body, record)
    # Sticky: a number we know is answered in its case's language unless it clearly writes in another.
    stuck = target.complainant.language if target else _latest_language(store, record) or from_text(body)
    language = clearly_in(body) or stuck or institution.default_language
    say = _sayer(institution, language)
    if keyword == "start":
        store.outbox.set_opted_out(sender, False, now)
        return _answer(store, once, now, say("sms_start"))
    if keyword == "help":
        return _answer(
            store,
            once,
            now,
            say("sms_help", hotline=institution.channels.hotline_display or institution.channels.sms_number or ""),
        )
    if keyword == "status":
        latest = record.latest()
        asked = target or (store.cases.get(latest.reference) if latest else None)
        if asked is None:
            return _answer(store, once, now, say("sms_no_case"))
        return _answer(store, once, now, status_answer(asked, institution, language))
    attachments = [
        keep_twilio_media(
            deps,
            params.get(f"MediaUrl{i}", ""),
            params.get(f"MediaContentType{i}", ""),
            f"media/sms/{sid}",
            f"media-{i}",
        )
        for i in range(_media_count(params))
        if params.get(f"MediaUrl{i}")
    ]
    if not body.strip() and not attachments:
        return _answer(store, once, now, say("sms_empty"))
    words = body.strip() or text(language, "sms_picture_only")
    empty = not attachments and carries_no_complaint(body)  # "hi", "test": nothing to handle yet
    if target is not None and is_open(target.status):
        if target.type != "contact":
            return _add_text(deps, target, words, attachments, once, now, say)
        if empty:
            return _answer(store, once, now, say("sms_contact_ask"))
        message = _their_text(words, attachments, once, now)
        return promote_contact(deps, target, words, message, now, once, attachments).reply
    finished = target or _latest_finished(store, record)
    repeat_of = None
    if finished is not None:
        reply = _after_result(deps, finished, words, attachments, once, now, say)
        if reply is not None:
            return reply
        repeat_of = finished.reference  # past the window: a new case, linked to the earlier one
    complaint = NewComplaint(
        channel="sms",
        description=words,
        attachments=attachments,
        complainant=Complainant(phone=sender, language=language),
        received_on=params.get("To") or None,
        repeat_of=repeat_of,
    )
    if empty and finished is None:  # registered, asked what happened, no complaint clocks
        ask = say("sms_contact_ask")
        filed = file_complaint(
            deps, complaint, now, once=once.answering(ask), claim=sender, contacts={sender: record}, as_contact=True
        )
        return filed.reply if filed.replayed else ask
    try:
        return file_complaint(
            deps,
            complaint,
            now,
            once=once,
            reply_inline=reply_inline,
            claim=sender,
            contacts={sender: record},
            received_at=received_at,
        ).reply
    except ContactBusy as busy:  # another text from this new number opened its case a moment ago
        return _add_text(deps, store.cases.get(busy.reference), words, attachments, once, now, say)


def _add_text(deps: Dependencies, target: Case, words: str, attachments, once: Once, now: datetime, say):
    """A text added to the case it is about, once per delivery."""
    store, institution = deps.store, deps.institution
    language = target.complainant.language
    reply = say("sms_added", reference=target.reference, expected=_expected(target, institution, language))
    event = _their_text(words, attachments, once, now)
    try:
        store.cases.add_to(
            target,
            [event],
            now,
            once.answering(reply),
            set_fields={"attachments": [a.model_dump() for a in target.attachments + attachments]}
            if attachments
            else None,
            indexed_text=words,
        )
    except DuplicateSubmission as earlier:
        return earlier.response
    if target.status == "awaiting_complainant":  # their reply resumes the paused clocks
        complainant_replied(deps, target.reference, now)
    return reply


def _their_text(words: str, attachments, once: Once, now: datetime) -> Event:
    data = {"channel": "sms", "message_sid": once.key, "attachments": [a.model_dump() for a in attachments]}
    return Event(at=now, actor="complainant", kind="complainant_message", text=words, data=data)


def _latest_finished(store: Stores, record: ContactRecord) -> Case | None:
    latest = record.latest_finished()
    return store.cases.get(latest.reference) if latest else None


def _after_result(deps: Dependencies, case: Case, words: str, attachments, once: Once, now: datetime, say):
    """A text about a finished case (staff/reopening.py): reopened when it says the problem
    persists, recorded when it thanks or scores, a task for the handler when it cannot be told;
    None: past the window, and not thanks - a new case, linked as a repeat."""
    judged = judge(words, without=(case.reference,))
    message = _their_text(words, attachments, once, now)
    case = case.model_copy(update={"attachments": case.attachments + attachments})
    thanks = judged.verdict in ("satisfied", "neutral")
    if not thanks and not reopening.within_window(case, deps, now):
        return None
    try:
        if thanks:
            reply = say("sms_feedback_thanks", reference=case.reference)
            reopening.record_feedback(deps, case, message, judged, now, once.answering(reply))
        elif judged.verdict == "persists":
            updated = reopening.reopened(case, deps, now, message)
            review = reopening.appeal_review(updated, now)
            if review is not None:  # an appeal: reviewed one level up
                due = complainant_time(updated, deps.institution, review.due_at, short=True)
                reply = say("sms_appeal", reference=case.reference, expected=due)
            else:
                reply = say(
                    "sms_reopened", reference=case.reference, expected=_expected(updated, deps.institution, None)
                )
            reopening.reopen(deps, case, message, now, once.answering(reply), words, updated)
        else:
            due = complainant_time(case, deps.institution, reopening.task_due(deps, now), short=True)
            reply = say("sms_message_task", reference=case.reference, due=due)
            reopening.open_message_task(deps, case, message, now, once.answering(reply), words)
    except DuplicateSubmission as earlier:
        return earlier.response
    return reply


def _sayer(institution: Institution, language: Language):
    def say(key: str, **values) -> str:
        return text(language, key, institution=institution.sms_name(language), **values)

    return say


def _answer(store: Stores, once: Once, now: datetime, reply: str | None) -> str | None:
    try:
        store.deliveries.take(once.answering(reply), now)
    except DuplicateSubmission as earlier:
        return earlier.response
    return reply


def _owned_case(store: Stores, sender: str, words: str, record: ContactRecord) -> Case | None:
    """The case a text is about: a reference it names that belongs to this number, else this
    number's latest open case."""
    owned = {case.reference for case in record.cases}
    for reference in find_references(words):
        if reference in owned:
            return store.cases.get(reference)
    open_references = record.open_references()
    return store.cases.get(open_references[-1]) if open_references else None


def _latest_language(store: Stores, record: ContactRecord) -> Language | None:
    """The language this number's most recent case, open or not, was answered in."""
    latest = record.latest()
    if latest is None:
        return None
    if latest.language:
        return latest.language
    case = store.cases.get(latest.reference)  # a contact item written before it kept the language
    return case.complainant.language if case else None


def _expected(case: Case, institution: Institution, language: Language) -> str:
    return complainant_time(case, institution, case.expected_response_by(), short=True)


def _media_count(params: dict[str, str]) -> int:
    try:
        return min(int(params.get("NumMedia", "0")), 10)
    except ValueError:
        return 0


def holding_reply(params: dict[str, str]) -> str:
    """The answer to a text that could not be filed now and waits in the spool: in the language it is
    written in, promising the reference by a text of its own (the spool replay sends it)."""
    return text(from_text(params.get("Body")) or "zh", "sms_spooled")


def queue_reply(deps: Dependencies, params: dict[str, str], reply: str, now: datetime) -> bool:
    """A text's answer sent through the outbox, when the TwiML may not have carried it: written late in
    Twilio's wait, or filed from the spool. Once per delivery, whichever path comes first (one id
    from its MessageSid): a Twilio retry, or a late reply followed by the spool, queues nothing more."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    earlier = deps.store.deliveries.seen(Once("sms", sid))
    reference = earlier.reference if earlier else None
    return send_answer(deps, params.get("From", ""), reply, f"reply{sid[:40]}", now, case_reference=reference)


def send_answer(
    deps: Dependencies, phone: str, reply: str, message_id: str, now: datetime, case_reference: str | None = None
) -> bool:
    """What intake answered a text, sent as a text of its own through the outbox (it never waits
    for quiet hours), under an id made from the delivery: a delivery that comes again is answered
    once. False when it was queued already."""
    from chalicelib.model.message import new_message
    from chalicelib.notify import sender

    member = deps.institution.staff_with_phone(phone)
    message = new_message(
        now,
        "sms",
        phone,
        reply,
        "sms_answer",
        getattr(reply, "language", deps.institution.default_language),
        case_reference=case_reference,
        recipient_id=member.id if member else None,
    ).model_copy(update={"id": message_id})
    if not deps.store.outbox.queue(message):
        return False
    sender.deliver(deps, [message.id], now)
    return True
