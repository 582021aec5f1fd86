"""What a phone does to the hotline, for the sandbox: texts and calls arrive at the app as
webhook requests signed exactly as Twilio signs them (the check is never switched off)."""

import secrets
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit
from xml.etree import ElementTree

import requests
from twilio.request_validator import RequestValidator

# The number's own webhooks, which fail over to its fallback URL ("Primary handler fails") as Twilio's do.
NUMBER_WEBHOOKS = {"/twilio/sms": "sms", "/twilio/voice": "voice"}
TWILIO_TIMEOUT_SECONDS = 15


class Phone:
    def __init__(
        self,
        app_url: str,
        public_url: str,
        account_sid: str,
        auth_token: str,
        hotline: str,
        fallback_url: str | None = None,
    ):
        self.app_url, self.public_url = app_url.rstrip("/"), public_url.rstrip("/")
        self.account_sid, self.validator, self.hotline = account_sid, RequestValidator(auth_token), hotline
        self.fallback_url = fallback_url.rstrip("/") if fallback_url else None
        self.last_url = self.public_url + "/"  # the URL of the last TwiML document, for relative actions
        self.fell_back = 0  # requests Twilio would have sent to the fallback URL

    def post(self, url: str, params: dict) -> requests.Response:
        """url as Twilio knows it (public, relative to the last document); sent to where the app
        listens, signed over the URL as Twilio knows it (fragment included, though never sent)."""
        url = urljoin(self.last_url, url)
        if self.fallback_url and url.startswith(self.fallback_url.replace("http://", "https://", 1)):
            return self._to_fallback(urlsplit(url).path.split("/", 2)[-1], params)
        parts = urlsplit(url)
        signed_url = f"{self.public_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        signed_url += f"#{parts.fragment}" if parts.fragment else ""
        try:
            response = requests.post(
                f"{self.app_url}{parts.path}",
                params=parse_qsl(parts.query),
                data=params,
                timeout=TWILIO_TIMEOUT_SECONDS,
                headers={"X-Twilio-Signature": self.validator.compute_signature(signed_url, params)},
            )
        except requests.RequestException:
            response = None
        route = NUMBER_WEBHOOKS.get(parts.path)
        if route and self.fallback_url and (response is None or response.status_code >= 500):
            return self._to_fallback(route, params)
        if response is None:
            raise requests.ConnectionError(f"{url}: no answer within {TWILIO_TIMEOUT_SECONDS} s")
        self.last_url = url
        return response

    def _to_fallback(self, route: str, params: dict) -> requests.Response:
        """The fallback URL as Twilio knows it is https:// (API Gateway's); the stand-in listens on http."""
        self.fell_back += 1
        self.last_url = f"{self.fallback_url.replace('http://', 'https://', 1)}/{route}"
        return requests.post(
            f"{self.fallback_url}/{route}",
            data=params,
            timeout=TWILIO_TIMEOUT_SECONDS,
            headers={"X-Twilio-Signature": self.validator.compute_signature(self.last_url, params)},
        )

    def text(self, sender: str, body: str) -> str | None:
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": self.account_sid,
            "From": sender,
            "To": self.hotline,
            "Body": body,
            "NumMedia": "0",
        }
        self.last_url = self.public_url + "/"
        response = self.post("/twilio/sms", params)
        response.raise_for_status()
        message = ElementTree.fromstring(response.content).find("Message")
        return None if message is None else message.text

    def call(self, caller: str, language_key: str, menu_key: str, spoken: str, recording_url: str) -> list[str]:
        """Walks the call flow the way Twilio would, pressing keys when asked; returns what was said."""
        call = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": self.account_sid,
            "From": caller,
            "To": self.hotline,
            "CallStatus": "in-progress",
        }
        self.last_call_sid = call["CallSid"]
        # The words typed are a message's gist: with the greeting and goodbye people say, at least 12 s
        # (about 12 characters a second on top); none typed is 3 s of silence - a contact to call back.
        self.last_recording_seconds = 12 + len(spoken) // 12 if spoken else 3
        said: list[str] = []
        keys = [language_key, menu_key]
        url, params = "/twilio/voice", dict(call)
        self.last_url = self.public_url + "/"
        for _ in range(6):
            root = ElementTree.fromstring(self.post(url, params).content)
            said += [node.text or "" for node in root.iter("Say")]
            gather, record = root.find("Gather"), root.find("Record")
            if gather is not None:
                url, params = gather.get("action"), {**call, "Digits": keys.pop(0) if keys else ""}
            elif record is not None:
                recording = {
                    **call,
                    "RecordingUrl": recording_url,
                    "RecordingSid": "RE" + secrets.token_hex(16),
                    "RecordingDuration": str(self.last_recording_seconds),
                }
                root = ElementTree.fromstring(self.post(record.get("action"), recording).content)
                said += [node.text or "" for node in root.iter("Say")]
                if record.get("transcribeCallback") and spoken:  # Twilio gives up past 120 seconds
                    done = self.last_recording_seconds <= 120
                    self.post(
                        record.get("transcribeCallback"),
                        {**recording, "TranscriptionStatus": "completed", "TranscriptionText": spoken}
                        if done
                        else {**recording, "TranscriptionStatus": "failed"},
                    )
                break
            else:
                break
        self.last_url = self.public_url + "/"
        self.post("/twilio/voice/status", {**call, "CallStatus": "completed"})
        return said


def status_callback(url: str, message: dict, status: str, auth_token: str, error_code: str | None = None) -> None:
    """What Twilio posts to a message's StatusCallback, signed."""
    params = {
        "MessageSid": message["sid"],
        "MessageStatus": status,
        "AccountSid": message["account_sid"],
        "To": message["to"],
        "From": message["from"],
    }
    if error_code:
        params["ErrorCode"] = error_code
    signature = RequestValidator(auth_token).compute_signature(url, params)
    requests.post(
        url,
        data=urlencode(params),
        timeout=10,
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )
