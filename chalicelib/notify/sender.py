"""Sending what the outbox holds: SMS through the Twilio REST API, email through SES.
A message is claimed (leased) before sending so that it never goes out twice; a failed attempt
is rescheduled with backoff, and after the last attempt it is kept as `gave_up` with a timeline
event on its case, so staff can see who was never reached."""
import logging
import os
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

from chalicelib.runtime import context
from chalicelib.runtime import metrics
from chalicelib.model.case import Event
from chalicelib.model.institution import Institution
from chalicelib.model.message import MAX_ATTEMPTS, OutboundMessage, retry_delay
from chalicelib.runtime.logs import log_event, mask_text
from chalicelib.store.stores import Stores

logger = logging.getLogger(__name__)
# The Twilio client logs whole requests at INFO, complainants' numbers and texts included.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


class PermanentFailure(Exception):
    """The provider refused the message for good (an invalid number, say): retrying cannot help."""


class TemporaryFailure(Exception):
    pass


def deliver(store: Stores, institution: Institution, message_ids: list[str], now: datetime, base_url: str) -> int:
    """Claims each message that is due and not being sent by someone else, and attempts it;
    returns how many went."""
    claimed = (store.outbox.claim(message_id, now) for message_id in message_ids)
    return sum(attempt(store, institution, message, now, base_url) for message in claimed if message)


def attempt(store: Stores, institution: Institution, message: OutboundMessage, now: datetime, base_url: str) -> bool:
    """One send of a message this process holds the lease on, and the record of how it went."""
    if message.channel == "sms" and store.outbox.is_opted_out(message.to):
        store.outbox.record_send_result(message.id, "opted_out")
        _note_on_case(store, message, now, "message_suppressed_opt_out",
                      "SMS to complainant not sent: the number has opted out (STOP)")
        return False
    try:
        provider_id = _send(message, institution, base_url)
    except PermanentFailure as error:
        _give_up(store, message, str(error), now)
    except Exception as error:  # noqa: BLE001 - any other failure is worth another try
        reason = f"{type(error).__name__}: {error}"
        if message.attempts >= MAX_ATTEMPTS:
            _give_up(store, message, reason, now)
        else:
            store.outbox.record_send_result(message.id, "pending", error=mask_text(reason)[:500],
                                     retry_at=now + retry_delay(message.attempts))
            log_event(logger, "send_retry_scheduled", message=message.id, attempts=message.attempts,
                      error=reason)
    else:
        store.outbox.record_send_result(message.id, "sent", provider_id=provider_id)
        if message.channel == "email":
            store.outbox.link_provider_id(provider_id, message.id)
        log_event(logger, "message_sent", message=message.id, channel=message.channel, to=message.to)
        return True
    return False


def _give_up(store: Stores, message: OutboundMessage, reason: str, now: datetime) -> None:
    store.outbox.record_send_result(message.id, "gave_up", error=mask_text(reason)[:500])
    log_event(logger, "send_gave_up", message=message.id, error=reason)
    metrics.count("MessagesGivenUp")
    _note_on_case(store, message, now, "message_not_delivered",
                  f"{message.channel} to complainant could not be delivered: {mask_text(reason)[:300]}")


def _note_on_case(store: Stores, message: OutboundMessage, now: datetime, kind: str, text: str) -> None:
    """What the deadline engine and staff see: this complainant was not reached."""
    if message.case_reference:
        store.cases.append_event(message.case_reference, Event(
            at=now, actor="system", kind=kind, text=text, data={"message_id": message.id, "channel": message.channel}))


def _send(message: OutboundMessage, institution: Institution, base_url: str) -> str:
    if message.channel == "sms":
        from chalicelib.notify.twilio_signature import action_url

        return send_sms(message.to, message.body, institution,
                        status_callback=action_url(base_url, "/twilio/status", m=message.id))
    return send_email(message, institution)


# -- delivery reports ---------------------------------------------------------------------------
# Twilio's message statuses in the order they happen; a report never moves a message backwards.
_DELIVERY_RANK = {"accepted": 1, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4,
                  "failed": 4, "read": 5}


UNREACHABLE_FOR = timedelta(hours=12)


def _fall_back(store: Stores, message: OutboundMessage, now: datetime) -> None:
    """An alert that did not reach its person: they count as unreachable for a while (later alerts
    of their level go to the backup) and this one goes to the backup (B角) at the next sweep."""
    store.alerts.mark_unreachable(message.to, now + UNREACHABLE_FOR)
    if not message.fallback_to:
        return
    copy = message.model_copy(update={
        "id": f"{message.id}b", "to": message.fallback_to, "recipient_id": message.fallback_id, "status": "pending",
        "attempts": 0, "next_attempt_at": now, "created_at": now, "provider_id": None, "fallback_to": None,
        "fallback_id": None, "delivery_status": None, "error_code": None, "last_error": None})
    store.outbox.queue(copy)  # False when the report came twice: the backup is already queued


def record_delivery_report(store: Stores, institution: Institution, message_id: str, params: dict[str, str],
                           now: datetime, base_url: str) -> None:
    """A status callback for one of our texts. Undelivered or failed: the complainant was not
    reached, which the case shows, and the text is tried again with backoff."""
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    rank = _DELIVERY_RANK.get(status)
    if rank is None:
        return
    message = store.outbox.record_delivery_status(message_id, params.get("MessageSid", ""), status,
                                           params.get("ErrorCode"), rank)
    if message is None or status not in ("undelivered", "failed"):
        return  # stale, repeated, or good news
    reason = f"Twilio reported {status} (error {params.get('ErrorCode') or 'none'})"
    if message.purpose == "alert":
        _fall_back(store, message, now)
        return
    _note_on_case(store, message, now, "message_not_delivered", f"{message.channel} to complainant {status}: "
                  f"error {params.get('ErrorCode') or 'none'}")
    if message.attempts >= MAX_ATTEMPTS:
        store.outbox.record_send_result(message.id, "gave_up", error=reason)
        metrics.count("MessagesGivenUp")
    else:
        store.outbox.record_send_result(message.id, "pending", error=reason, retry_at=now + retry_delay(message.attempts))


# -- Twilio ---------------------------------------------------------------------------------
_twilio = {}


def twilio_url(url: str) -> str:
    """Twilio's own URL, or the same path on the local stand-in when TWILIO_API_BASE is set."""
    base = os.environ.get("TWILIO_API_BASE")
    return re.sub(r"^https://[^/]+", base.rstrip("/"), url) if base else url


def twilio_client():
    """The Twilio REST client, created once per container. TWILIO_API_BASE points it at a local
    stand-in (sandbox and tests); in production it is unset and Twilio's own hosts are used."""
    if "client" not in _twilio:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        class RedirectingHttpClient(TwilioHttpClient):
            def request(self, method, url, *args, **kwargs):
                return super().request(method, twilio_url(url), *args, **kwargs)

        _twilio["client"] = Client(context.secret("TWILIO_ACCOUNT_SID"), context.secret("TWILIO_AUTH_TOKEN"),
                                   http_client=RedirectingHttpClient(timeout=10))
    return _twilio["client"]


def send_sms(to: str, body: str, institution: Institution, status_callback: str | None = None) -> str:
    from twilio.base.exceptions import TwilioRestException

    sender = institution.channels.sms_number or context.setting("TWILIO_FROM")
    extra = {"status_callback": status_callback} if status_callback else {}
    try:
        return twilio_client().messages.create(to=to, from_=sender, body=body, **extra).sid
    except TwilioRestException as error:
        # 4xx other than rate limiting: Twilio refuses this message (bad number, opted out ...)
        if 400 <= error.status < 500 and error.status != 429:
            raise PermanentFailure(f"Twilio {error.status} code {error.code}: {error.msg}") from None
        raise TemporaryFailure(f"Twilio {error.status} code {error.code}") from None


# -- SES --------------------------------------------------------------------------------------
def build_email(message: OutboundMessage, institution: Institution) -> EmailMessage:
    sender = institution.channels.email_address or context.setting("MAIL_FROM")
    email = EmailMessage()
    email["From"] = formataddr((institution.name.in_(message.language), sender))
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    # Our own id as the local part: a reply's In-Reply-To leads back to this message and its case.
    email["Message-ID"] = f"<{message.id}@{sender.partition('@')[2] or 'localhost'}>"
    if message.case_reference:
        email["X-Complaint-Reference"] = message.case_reference
    email["Auto-Submitted"] = "auto-generated"  # tells other robots not to answer ours
    email.set_content(message.body)
    return email


def send_email(message: OutboundMessage, institution: Institution) -> str:
    email = build_email(message, institution)
    ses = context.aws_client("ses")
    try:
        result = ses.send_raw_email(RawMessage={"Data": email.as_bytes()})
    except ses.exceptions.MessageRejected as error:
        raise PermanentFailure(f"SES rejected: {error}") from None
    return result["MessageId"]

