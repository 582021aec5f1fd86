"""What the sender needs of a messaging provider, so that a second SMS provider (a mainland China
one, say) is a new module beside twilio.py and ses.py, not a change to the sender:

- send: hand over one message, get the provider's id back, or a PermanentFailure (the provider
  refuses this message for good: retrying cannot help) or a TemporaryFailure (try again later);
- delivery status: turn the provider's status report into a DeliveryReport, ranked so that a
  report never moves a message backwards;
- inbound: check that a request really comes from the provider, and read what it carries."""

from dataclasses import dataclass
from typing import Protocol

from chalicelib.model.message import OutboundMessage


class PermanentFailure(Exception):
    """The provider refused the message for good (an invalid number, say): retrying cannot help."""


class TemporaryFailure(Exception):
    pass


class CredentialsRefused(TemporaryFailure):
    """The provider refused our credentials (401/403: a suspended account, a rotated key). Every
    message would fail alike, so none gives up for it: they are retried, and the alarm
    ProviderCredentialsRefused tells the administrators."""

    def __init__(self, provider: str, detail: str):
        super().__init__(f"{provider} refused the credentials: {detail}")
        self.provider = provider


@dataclass(frozen=True)
class DeliveryReport:
    provider_id: str
    status: str  # the provider's word: sent, delivered, undelivered, failed ...
    rank: int  # the order statuses happen in
    error_code: str | None
    failed: bool  # the message did not reach its recipient


class SmsProvider(Protocol):
    def send_sms(self, to: str, body: str, sender: str | None, status_callback: str | None) -> str: ...

    def delivery_report(self, params: dict[str, str]) -> DeliveryReport | None: ...


class EmailProvider(Protocol):
    def send_email(self, message: OutboundMessage, sender_name: str, sender: str | None) -> str: ...
