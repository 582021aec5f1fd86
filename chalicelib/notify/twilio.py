"""Twilio, the first SMS and voice provider: sending texts through its REST API (pointed at a local
stand-in by TWILIO_API_BASE in the sandbox and tests), its message status reports, its media
downloads, and the checks that a webhook request really comes from Twilio (the X-Twilio-Signature
over the public URL Twilio called - PUBLIC_BASE_URL, which carries any API Gateway stage prefix or
custom domain, + the route path + Twilio's query string - and the posted parameters)."""

import logging
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from chalicelib.notify.provider import CredentialsRefused, DeliveryReport, PermanentFailure, TemporaryFailure

# The Twilio client logs whole requests at INFO, complainants' numbers and texts included.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
MAX_MEDIA_BYTES = 5 * 1024 * 1024  # Twilio's own MMS limit
# Twilio's message statuses in the order they happen; a report never moves a message backwards.
_DELIVERY_RANK = {
    "accepted": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}


SPEECH = {"zh": "zh-CN", "en": "en-US"}  # the voices Twilio's <Say> reads each language in


class Forbidden(Exception):
    pass


class TwilioSms:
    """Created once per container; the REST client (and the twilio package) only when first used.
    `credentials` returns (account sid, auth token): read from the environment or a secret store at
    the edge, when needed."""

    def __init__(
        self, credentials: Callable[[], tuple[str, str]], default_sender: str | None, api_base: str | None = None
    ):
        self._credentials = credentials
        self.default_sender = default_sender
        self.api_base = api_base
        self._client = None

    def url(self, url: str) -> str:
        """Twilio's own URL, or the same path on the local stand-in when an API base is set."""
        return re.sub(r"^https://[^/]+", self.api_base.rstrip("/"), url) if self.api_base else url

    def client(self):
        if self._client is None:
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            redirect = self.url

            class RedirectingHttpClient(TwilioHttpClient):
                def request(self, method, url, *args, **kwargs):
                    return super().request(method, redirect(url), *args, **kwargs)

            self._client = Client(*self._credentials(), http_client=RedirectingHttpClient(timeout=10))
        return self._client

    def send_sms(self, to: str, body: str, sender: str | None, status_callback: str | None = None) -> str:
        from twilio.base.exceptions import TwilioRestException

        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            return self.client().messages.create(to=to, from_=sender or self.default_sender, body=body, **extra).sid
        except TwilioRestException as error:
            raise _refusal(error) from None

    def place_call(self, to: str, words: str, language: str, sender: str | None) -> str:
        """A call that reads `words` twice (a person woken at night may miss the first), then hangs up."""
        from twilio.base.exceptions import TwilioRestException
        from twilio.twiml.voice_response import VoiceResponse

        response = VoiceResponse()
        for _ in range(2):
            response.say(words, language=SPEECH.get(language, "en-US"))
            response.pause(length=1)
        response.hangup()
        try:
            return self.client().calls.create(to=to, from_=sender or self.default_sender, twiml=str(response)).sid
        except TwilioRestException as error:
            raise _refusal(error) from None

    def find_sent(self, to: str, body: str, since) -> str | None:
        """The sid of a text with this body Twilio took for `to` since `since`: an earlier attempt
        whose answer was lost (a timeout after Twilio accepted it) did send, and must not be sent again."""
        for sent in self.client().messages.list(to=to, date_sent_after=since, limit=50):
            if sent.body == body and sent.status not in ("failed", "undelivered"):
                return sent.sid
        return None

    @staticmethod
    def delivery_report(params: dict[str, str]) -> DeliveryReport | None:
        status = params.get("MessageStatus") or params.get("SmsStatus") or ""
        rank = _DELIVERY_RANK.get(status)
        if rank is None:
            return None
        return DeliveryReport(
            provider_id=params.get("MessageSid", ""),
            status=status,
            rank=rank,
            error_code=params.get("ErrorCode"),
            failed=status in ("undelivered", "failed"),
        )

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        """A picture or recording Twilio keeps for us, at most MAX_MEDIA_BYTES."""
        import requests

        response = requests.get(self.url(url), auth=self._credentials(), timeout=10, stream=True)
        response.raise_for_status()
        content = response.raw.read(MAX_MEDIA_BYTES + 1, decode_content=True)
        if len(content) > MAX_MEDIA_BYTES:
            raise ValueError(f"media larger than {MAX_MEDIA_BYTES} bytes")
        return content, response.headers.get("Content-Type", "application/octet-stream")


def _refusal(error) -> Exception:
    """What a refused REST call means for the outbox: credentials (the administrators must act), a
    refusal of this message (4xx other than rate limiting: bad number, opted out ...), or try again."""
    if error.status in (401, 403):
        return CredentialsRefused("Twilio", f"{error.status} code {error.code}")
    if 400 <= error.status < 500 and error.status != 429:
        return PermanentFailure(f"Twilio {error.status} code {error.code}: {error.msg}")
    return TemporaryFailure(f"Twilio {error.status} code {error.code}")


# -- webhooks ----------------------------------------------------------------------------------
def form_params(raw: bytes) -> dict[str, str]:
    """Twilio posts UTF-8 form fields; bytes that are not UTF-8 cannot carry a valid signature."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Forbidden("body is not UTF-8") from None
    return {name: values[-1] for name, values in parse_qs(text, keep_blank_values=True).items()}


# Twilio's connection overrides, a fragment on every URL we hand it (TwiML actions, status callbacks,
# the number's call status URL): connect within 2 s, and retry twice on a refused connection or a 5xx
# (a status report we cannot record now is answered 503), all within Twilio's 15 s. The number's own
# SMS and voice URLs fail over to the fallback endpoint instead. The fragment never reaches us, but
# it is part of the URL Twilio signs.
CONNECTION_OVERRIDES = "ct=2000&rc=2&rp=ct,5xx&tt=15000"


def candidate_urls(base_url: str, path: str, query: list[tuple[str, str]]) -> list[str]:
    """The URLs Twilio may have signed for this request. API Gateway hands the query over as a
    mapping: the order signed is either the one kept or, for the URLs we generate ourselves, sorted;
    each as is (a URL pasted without overrides) or with our override fragment."""
    url = base_url.rstrip("/") + path
    kept, ordered = f"{url}?{urlencode(query)}", f"{url}?{urlencode(sorted(query))}"
    plain = [url] if not query else [kept] if kept == ordered else [kept, ordered]
    return [*plain, *(f"{candidate}#{CONNECTION_OVERRIDES}" for candidate in plain)]


def verify(auth_token: str, urls: list[str], params: dict[str, str], signature: str | None) -> str:
    """The URL whose signature matches, or Forbidden."""
    from twilio.request_validator import RequestValidator

    if not signature:
        raise Forbidden("missing X-Twilio-Signature")
    validator = RequestValidator(auth_token)
    for url in urls:
        if validator.validate(url, params, signature):
            return url
    raise Forbidden("X-Twilio-Signature does not match")


def action_url(base_url: str, path: str, **query: str) -> str:
    """URLs we hand to Twilio (TwiML actions, callbacks), with the query sorted so that the
    signature check can rebuild them exactly, and our connection overrides."""
    url = base_url.rstrip("/") + path
    return (f"{url}?{urlencode(sorted(query.items()))}" if query else url) + f"#{CONNECTION_OVERRIDES}"
