"""Outbound messages as records: created in the same write as the event that causes them, then
sent, retried with backoff when sending fails, and never dropped."""

import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.model.utc import UtcTime

MessageChannel = Literal["sms", "email", "voice"]  # voice: a call that reads the body aloud
MessageStatus = Literal[
    "pending",  # waiting for its (next) send attempt
    "sent",  # accepted by the provider
    "delivered",  # the provider says it arrived
    "undelivered",
    "failed",
    "gave_up",  # every attempt failed: visible on the case, never silently gone
    "opted_out",  # not sent: the number texted STOP (kept, and shown on the case)
    "held",  # over the daily cap of its country: folded into the next allowed text, or sent by email
    "folded",  # sent as part of the next allowed text (provider_id names that send)
]
# How long a failed message keeps being tried, from when it was created: a complainant's for a day
# (a provider outage of hours must not lose an acknowledgement), a staff text for 4 hours (its
# backup and the role above are texted at its first failure). The delays between tries:
RETRY_WINDOWS = {"complainant": timedelta(hours=24), "staff": timedelta(hours=4)}
RETRY_DELAYS = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10, 30, 60, 120))  # then every 2 hours
SEND_LEASE = timedelta(seconds=90)  # a sender that dies mid-send is retried after this


class OutboundMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    channel: MessageChannel
    to: str
    body: str
    subject: str | None = None
    case_reference: str | None = None
    purpose: str
    language: str
    status: MessageStatus = "pending"
    attempts: int = 0
    created_at: UtcTime
    next_attempt_at: UtcTime | None = None
    provider_id: str | None = None
    last_error: str | None = None
    delivery_status: str | None = None  # the provider's last report: sent, delivered, undelivered, failed
    error_code: str | None = None
    recipient_id: str | None = None  # a staff member, for alerts
    fallback_to: str | None = None  # an alert's backup contact (B角) when this one is not reached
    fallback_id: str | None = None
    fallback_of: str | None = None  # the alert this copy stands in for (a copy never falls back again)
    case_references: list[str] = []  # every case a bundled alert names (case_reference leads them)
    # The catalog text it was rendered from and the values that filled it: where only approved
    # templates may be sent, the template of this kind goes, with these values.
    kind: str | None = None
    variables: dict[str, str] = {}

    @property
    def named_cases(self) -> list[str]:
        """Every case the message is about: its lead case, then the others a bundled alert names."""
        return list(dict.fromkeys([*filter(None, [self.case_reference]), *self.case_references]))


def new_message_id(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M%S") + secrets.token_hex(4)


def next_try(message: "OutboundMessage", now: datetime) -> datetime | None:
    """When to try a message again after its attempt number `attempts` failed at `now`: 1, 2, 5,
    10, 30, 60, 120 minutes, then every 2 hours; None once the next try would fall after its
    window (it gives up: kept as gave_up, and noted on its cases)."""
    window = RETRY_WINDOWS["staff" if message.recipient_id else "complainant"]
    delay = RETRY_DELAYS[min(max(message.attempts - 1, 0), len(RETRY_DELAYS) - 1)]
    return now + delay if now + delay <= message.created_at + window else None


def new_message(
    now: datetime,
    channel: MessageChannel,
    to: str,
    body: str,
    purpose: str,
    language: str,
    leased: bool = False,
    **fields,
) -> OutboundMessage:
    """A message created now, due now; `leased`: already claimed by the caller, which sends it at once
    (one write fewer; if the caller dies, the sweep takes it up when the lease runs out)."""
    timing = {"attempts": 1, "next_attempt_at": now + SEND_LEASE} if leased else {"next_attempt_at": now}
    identity = {"id": new_message_id(now), "created_at": now, "channel": channel, "to": to}
    if channel == "sms" and "kind" not in fields and getattr(body, "kind", None):  # a runtime.rendering.Rendered
        fields = {**fields, "kind": body.kind, "variables": body.values}
    return OutboundMessage(body=str(body), purpose=purpose, language=language, **identity, **timing, **fields)
