"""Texts by their sending profile (model/sending.py): the approved template and values a templated
provider sends, the quiet hours a notice waits out, and the daily cap per number - a text over it
is held and folded into one text the next day, or goes by email to staff who have one; the case
shows which. May import store, model, runtime."""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.model.calendar import after_quiet_hours, local_to_utc
from chalicelib.model.message import OutboundMessage, new_message
from chalicelib.model.sending import SMS_KINDS, SendingProfile
from chalicelib.notify.case_notes import note_on_cases
from chalicelib.notify.complainant import status_url
from chalicelib.notify.provider import PermanentFailure
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event
from chalicelib.runtime.rendering import text

logger = logging.getLogger(__name__)
# What never waits for quiet hours: the answer to what the person just sent, and alerts (whose own
# quiet hours the escalation policy keeps).
SENT_AT_ONCE = ("acknowledgement", "sms_answer", "held_digest")
HELD_TEXTS_GO_AT = time(8, 0)  # the next morning, local time, at the earliest


def template_send(deps: Dependencies, message: OutboundMessage, profile: SendingProfile) -> tuple:
    """(signature, template id, parameters) for a message to a number whose operators take only
    approved templates. A text with no template of its own (staff's free words where the operator
    allows none, a text made of parts) goes as the link to the status page that shows it whole."""
    language = message.language
    kind = message.kind if message.kind in SMS_KINDS else None
    template, values = profile.template(kind, language), message.variables
    if template is None or (kind and not profile.sends(kind)):
        if not message.case_reference:
            raise PermanentFailure(f"no approved template for {message.kind or 'this text'} to {profile.country}")
        # Staff get the link they were sent; a complainant, the status page that shows the words.
        staff_link = message.variables.get("link") if message.recipient_id else None
        template = profile.template("staff_text_case" if staff_link else "sms_new_message", language)
        values = {
            "inst": deps.institution.sms_name(language),
            "reference": message.case_reference,
            "link": staff_link or status_url(deps.base_url, message.case_reference),
        }
    return profile.sign_name.in_(language), template.id, [values.get(name, "") for name in template.variables]


def quiet_until(deps: Dependencies, message: OutboundMessage, profile: SendingProfile, now: datetime):
    """The end of the profile's quiet hours, when a notice to a complainant falls inside them."""
    if not profile.quiet_hours or message.recipient_id or message.purpose in SENT_AT_ONCE:
        return None
    zone = ZoneInfo(deps.institution.calendar.timezone)
    later = after_quiet_hours(now, profile.quiet_hours, zone)
    return later if later > now else None


def counted_in_advance(deps: Dependencies, message: OutboundMessage, record, now: datetime) -> dict | None:
    """A text about to be written with its cause, to a number whose day count (read with its contact
    partition, `record`) leaves room to spare: the count's update, for the same transaction, so the
    send itself needs no write of its own. None: counted when sent, as usual (near the cap the
    conditional count decides; two texts at once never both take the last place)."""
    profile = deps.institution.channels.sms_profile(message.to)
    if message.channel != "sms" or profile.daily_cap is None or record is None:
        return None
    day = now.astimezone(ZoneInfo(deps.institution.calendar.timezone)).date()
    cap = profile.daily_cap
    if deps.store.daily_caps.room(record.day(day.isoformat()), message.body, cap.identical, cap.different) < 2:
        return None
    return deps.store.daily_caps.counted(message.to, day, message.id, message.body)


def within_cap(deps: Dependencies, message: OutboundMessage, profile: SendingProfile, now: datetime) -> bool:
    if profile.daily_cap is None:
        return True
    day = now.astimezone(ZoneInfo(deps.institution.calendar.timezone)).date()
    cap = profile.daily_cap
    return deps.store.daily_caps.take(message.to, day, message.id, message.body, cap.identical, cap.different)


def hold(deps: Dependencies, message: OutboundMessage, now: datetime) -> None:
    """A text over the daily cap: by email to a staff member who has one, else held for one text
    the next morning that folds every held one. Never dropped; the case says which."""
    store, institution = deps.store, deps.institution
    member = institution.staff_member(message.recipient_id) if message.recipient_id else None
    if member is not None and member.email:
        subject = text(
            message.language,
            "sms_held_email_subject",
            institution=institution.sms_name(message.language),
            reference=message.case_reference or "",
        )
        copy = new_message(
            now,
            "email",
            member.email,
            message.body,
            message.purpose,
            message.language,
            subject=subject,
            case_reference=message.case_reference,
            recipient_id=message.recipient_id,
        )
        store.outbox.queue(copy)
        store.outbox.record_send_result(message.id, "held", provider_id=f"email:{copy.id}")
        note_on_cases(deps, message, now, "message_held_by_email", email_id=copy.id)
        return
    store.daily_caps.hold(message.to, message.id, now)
    store.outbox.record_send_result(message.id, "held")
    store.outbox.queue(_digest(deps, message, now))  # one per number and morning: False if queued already
    note_on_cases(deps, message, now, "message_held")
    log_event(logger, "sms_held_over_daily_cap", message=message.id, to=message.to)


def next_morning(deps: Dependencies, now: datetime) -> datetime:
    zone = ZoneInfo(deps.institution.calendar.timezone)
    return local_to_utc(datetime.combine(now.astimezone(zone).date() + timedelta(days=1), HELD_TEXTS_GO_AT), zone)


def _digest(deps: Dependencies, message: OutboundMessage, now: datetime) -> OutboundMessage:
    at = next_morning(deps, now)
    morning = at.astimezone(ZoneInfo(deps.institution.calendar.timezone)).date()
    placeholder = text(message.language, "event_message_held")  # the morning text is written when it goes
    digest = new_message(
        now, "sms", message.to, str(placeholder), "held_digest", message.language, recipient_id=message.recipient_id
    )
    digits = "".join(ch for ch in message.to if ch.isdigit())
    return digest.model_copy(update={"id": f"held{digits}{morning:%Y%m%d}", "next_attempt_at": at})


def folded(deps: Dependencies, digest: OutboundMessage) -> tuple[OutboundMessage, list[OutboundMessage]]:
    """The morning text for every text held to its number: how many, and where to read them (the
    latest one's staff link, or its case's status page)."""
    held = [m for m in map(deps.store.outbox.get, deps.store.daily_caps.held(digest.to)) if m and m.status == "held"]
    if not held:
        return digest, []
    latest, language = held[-1], held[-1].language
    link = latest.variables.get("link") or status_url(deps.base_url, latest.case_reference or "")
    body = text(
        language, "sms_held_digest", institution=deps.institution.sms_name(language), count=len(held), link=link
    )
    update = {"body": str(body), "kind": body.kind, "variables": body.values, "language": language}
    return digest.model_copy(update=update), held


def record_folded(deps: Dependencies, held: list[OutboundMessage], provider_id: str, now: datetime) -> None:
    for message in held:
        deps.store.outbox.record_send_result(message.id, "folded", provider_id=provider_id)
        note_on_cases(deps, message, now, "message_folded")
    if held and not deps.store.daily_caps.release(held[0].to, [m.id for m in held]):
        log_event(logger, "sms_held_meanwhile", to=held[0].to)  # the next morning's text takes them
