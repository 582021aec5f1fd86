"""Sending what the outbox holds, through the providers the dependencies carry (SMS: Twilio, or the
sending profile's provider; email: SES). A message is claimed (leased) before sending so that it
never goes out twice; a failed attempt is tried again on the schedule of model/message.py (`next_try`:
24 hours for a complainant's message, 4 for a staff text), and when its window is over it is kept
as `gave_up` with a timeline event on every case it names, so staff can see who was never reached.
An alert that fails reaches the backup and the level above at once."""

import logging
from datetime import datetime, timedelta

from chalicelib.model.message import OutboundMessage, next_try
from chalicelib.notify import profiles
from chalicelib.notify.case_notes import note_on_cases
from chalicelib.notify.provider import CredentialsRefused, PermanentFailure
from chalicelib.notify.segments import SMS_MAX_CHARACTERS
from chalicelib.notify.twilio import action_url
from chalicelib.runtime import metrics
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event, mask_text
from chalicelib.runtime.rendering import text

logger = logging.getLogger(__name__)
UNREACHABLE_FOR = timedelta(hours=12)


def deliver(deps: Dependencies, message_ids: list[str], now: datetime) -> int:
    """Claims each message that is due and not being sent by someone else, and attempts it;
    returns how many went."""
    claimed = (deps.store.outbox.claim(message_id, now) for message_id in message_ids)
    return sum(attempt(deps, message, now) for message in claimed if message)


def attempt(
    deps: Dependencies, message: OutboundMessage, now: datetime, opted_out: bool | None = None, counted: bool = False
) -> bool:
    """One send of a message this process holds the lease on, and the record of how it went.
    `opted_out`: whether the number texted STOP, when the caller has just read it (None: look it up);
    `counted`: its daily cap was taken when it was written (profiles.counted_in_advance)."""
    outbox = deps.store.outbox
    if opted_out is None and message.channel == "sms":
        opted_out = outbox.is_opted_out(message.to)
    if message.channel == "sms" and opted_out:
        outbox.record_send_result(message.id, "opted_out")
        note_on_cases(deps, message, now, "message_suppressed_opt_out")
        return False
    held = []
    profile = deps.institution.channels.sms_profile(message.to) if message.channel == "sms" else None
    if profile is not None:
        if message.purpose == "held_digest":
            message, held = profiles.folded(deps, message)
            if not held:  # folded already by another morning's text
                outbox.record_send_result(message.id, "folded")
                return False
        wait = profiles.quiet_until(deps, message, profile, now)
        if wait is not None:
            outbox.record_send_result(message.id, "pending", retry_at=wait)
            return False
        if not counted and not profiles.within_cap(deps, message, profile, now):
            if message.purpose == "held_digest":
                outbox.record_send_result(message.id, "pending", retry_at=profiles.next_morning(deps, now))
            else:
                profiles.hold(deps, message, now)
            return False
    if _sent_before(deps, message, profile):
        return True
    try:
        provider_id = _send(deps, message, profile)
    except PermanentFailure as error:
        _give_up(deps, message, str(error), now)
        if message.purpose == "alert":
            _fall_back(deps, message, now)
    except Exception as error:  # noqa: BLE001 - any other failure is worth another try
        reason = f"{type(error).__name__}: {error}"
        if isinstance(error, CredentialsRefused):  # every message fails alike: the administrators must act
            metrics.count("ProviderCredentialsRefused", Provider=error.provider)
            log_event(logger, "provider_credentials_refused", provider=error.provider, message=message.id)
        retry_at = next_try(message, now)
        if retry_at is None:
            _give_up(deps, message, reason, now)
        else:
            outbox.record_send_result(message.id, "pending", error=mask_text(reason)[:500], retry_at=retry_at)
            log_event(logger, "send_retry_scheduled", message=message.id, attempts=message.attempts, error=reason)
        if message.purpose == "alert" and message.attempts <= 1:  # its first failure: others hear at once
            _fall_back(deps, message, now)
    else:
        # reports of templated texts, and replies to emails, name only the provider's id
        linked = message.channel == "email" or (profile is not None and profile.templated)
        outbox.record_send_result(message.id, "sent", provider_id=provider_id, link_provider_id=linked)
        profiles.record_folded(deps, held, provider_id, now)
        log_event(logger, "message_sent", message=message.id, channel=message.channel, to=message.to)
        return True
    return False


def _send(deps: Dependencies, message: OutboundMessage, profile) -> str:
    """Through the provider of the text's sending profile (None: an email)."""
    channels = deps.institution.channels
    if profile is not None and profile.templated:
        sign, template_id, parameters = profiles.template_send(deps, message, profile)
        return deps.tencent_sms.send_template(message.to, sign, template_id, parameters, message.id)
    if message.channel == "voice":
        return deps.sms.place_call(message.to, message.body, message.language, channels.sms_number)
    if message.channel == "sms":
        if len(message.body) > SMS_MAX_CHARACTERS:  # Twilio refuses it (21617): never attempted
            raise PermanentFailure(
                f"text of {len(message.body)} characters, over the {SMS_MAX_CHARACTERS} a text may have"
            )
        return deps.sms.send_sms(
            message.to,
            message.body,
            channels.sms_number,
            status_callback=action_url(deps.base_url, "/twilio/status", m=message.id),
        )
    return deps.email.send_email(message, deps.institution.name.in_(message.language), channels.email_address)


def _sent_before(deps: Dependencies, message: OutboundMessage, profile) -> bool:
    """Before trying a text again whose last attempt ended without an answer (a timeout, a dropped
    connection: Twilio may have taken it), ask Twilio's message list; found, it is recorded as sent."""
    # No answer, or no record at all: an attempt that ended without a result (the sender died, or the
    # write of the result failed after the provider took it) leaves no error behind.
    ambiguous = not message.last_error or message.last_error.startswith(
        ("ConnectionError", "ReadTimeout", "Timeout", "ConnectionClosedError", "EndpointConnectionError")
    )
    if message.attempts < 2 or not ambiguous or message.channel == "voice":  # a call is not looked up
        return False
    if message.channel == "email":  # SES has no lookup: this try may be a second copy, which is counted
        metrics.count("EmailsPossiblySentTwice")
        log_event(logger, "email_possibly_sent_twice", message=message.id)
        return False
    if profile.provider != "twilio":
        return False
    try:
        sid = deps.sms.find_sent(message.to, message.body, message.created_at)
    except Exception as error:  # noqa: BLE001 - cannot tell: better a possible second text than none
        log_event(logger, "send_reconcile_failed", message=message.id, error=f"{type(error).__name__}: {error}")
        return False
    if sid is None:
        return False
    deps.store.outbox.record_send_result(message.id, "sent", provider_id=sid)
    log_event(logger, "send_reconciled", message=message.id, provider_id=sid)
    metrics.count("SendsReconciled")
    return True


def _give_up(deps: Dependencies, message: OutboundMessage, reason: str, now: datetime) -> None:
    deps.store.outbox.record_send_result(message.id, "gave_up", error=mask_text(reason)[:500])
    log_event(logger, "send_gave_up", message=message.id, error=reason)
    metrics.count("MessagesGivenUp")
    note_on_cases(deps, message, now, "message_not_delivered", "event_gave_up", reason=mask_text(reason)[:300])


def _fall_back(deps: Dependencies, message: OutboundMessage, now: datetime) -> None:
    """An alert that did not reach its person, at its first failure: they count as unreachable for
    a while (later alerts of their level go to the backup), and this one goes at once to the
    backup (B角) and to the level above in the case's chain - by email where that person has no
    phone we can text - while the primary keeps being retried. Each copy is queued once."""
    deps.store.alerts.mark_unreachable(message.to, now + UNREACHABLE_FOR)
    if message.fallback_of:
        return
    targets = [(message.fallback_id, message.fallback_to, "b")] if message.fallback_to else []
    above = _level_above(deps, message)
    if above is not None and above.id not in (message.recipient_id, message.fallback_id):
        targets.append((above.id, above.phone or above.email, "u"))
    for staff_id, to, suffix in targets:
        if not to:
            continue
        channel = "email" if "@" in to else "sms"
        copy = message.model_copy(
            update={
                "id": f"{message.id}{suffix}",
                "channel": channel,
                "to": to,
                "subject": text(message.language, "alert_email_subject", reference=message.case_reference or "")
                if channel == "email"
                else None,
                "recipient_id": staff_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "provider_id": None,
                "fallback_to": None,
                "fallback_id": None,
                "fallback_of": message.id,
                "delivery_status": None,
                "error_code": None,
                "last_error": None,
            }
        )
        deps.store.outbox.queue(copy)  # False when it failed twice: the copy is already queued


def _level_above(deps: Dependencies, message: OutboundMessage):
    """The primary of the level above the alert's person in its lead case's chain, if any."""
    case = deps.store.cases.get(message.case_reference) if message.case_reference else None
    level = case.chain_level(message.recipient_id) if case else None
    if level is None or level + 1 >= len(case.chain):
        return None
    person = case.chain[level + 1].primary
    return deps.institution.staff_member(person.id) or person


def record_delivery_report(deps: Dependencies, message_id: str, params: dict[str, str], now: datetime) -> None:
    """A status callback for one of our texts. Undelivered or failed: the complainant was not
    reached, which the case shows, and the text is tried again with backoff."""
    report = deps.sms.delivery_report(params)
    if report is not None:
        apply_delivery_report(deps, message_id, report, "Twilio", now)


def record_provider_reports(deps: Dependencies, reports: list, provider: str, now: datetime) -> int:
    """Status reports that name only the provider's id of the send (Tencent Cloud's); how many
    matched a message of ours."""
    matched = 0
    for report in reports:
        message = deps.store.outbox.by_provider_id(report.provider_id)
        if message is not None:
            apply_delivery_report(deps, message.id, report, provider, now)
            matched += 1
    return matched


def apply_delivery_report(deps: Dependencies, message_id: str, report, provider: str, now: datetime) -> None:
    outbox = deps.store.outbox
    message = outbox.record_delivery_status(
        message_id, report.provider_id, report.status, report.error_code, report.rank
    )
    if message is None or not report.failed:
        return  # stale, repeated, or good news
    reason = f"{provider} reported {report.status} (error {report.error_code or 'none'})"
    if message.purpose == "alert":
        _fall_back(deps, message, now)
    note_on_cases(
        deps,
        message,
        now,
        "message_not_delivered",
        "event_provider_report",
        status=report.status,
        code=report.error_code or "-",
    )
    retry_at = next_try(message, now)
    if retry_at is None:
        outbox.record_send_result(message.id, "gave_up", error=reason)
        metrics.count("MessagesGivenUp")
    else:
        outbox.record_send_result(message.id, "pending", error=reason, retry_at=retry_at)
