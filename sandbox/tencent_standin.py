"""A local stand-in for Tencent Cloud SMS (API 2021-01-11): answers `SendSms` the way Tencent does
(a SendStatusSet with a SerialNo per number, or its per-number error codes), checks each request's
TC3-HMAC-SHA256 signature with the secret key, renders the approved template with its parameters
as the phone would show it (【signature】text), and records it for the sandbox page and the tests.
It can also push Tencent-shaped status reports and replies to the app's callbacks."""

import hashlib
import hmac
import json
import secrets
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


def _sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


class TencentStandIn:
    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        app_id: str,
        templates: dict[str, str],
        port: int = 0,
        messages: list | None = None,
    ):
        self.secret_id, self.secret_key, self.app_id = secret_id, secret_key, app_id
        self.templates = templates  # template id -> approved content with {1}, {2} ...
        # The sandbox shares the Twilio stand-in's record: one list of texts as they arrived.
        self.messages: list[dict] = [] if messages is None else messages
        self.report_to: str | None = None  # the sandbox: push "delivered" here after each send
        self.failures: dict[str, list[str]] = {}  # number -> per-number codes to answer, in order
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.on_message = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "TencentStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, to: str, *codes: str) -> None:
        with self.lock:
            self.failures.setdefault(to, []).extend(codes)

    def sent_to(self, to: str) -> list[dict]:
        with self.lock:
            return [message for message in self.messages if message["to"] == to]

    def report(self, callback_url: str, message: dict, delivered: bool = True) -> requests.Response:
        """A status push for one recorded send, as Tencent posts it."""
        national = message["to"].removeprefix("+86")
        item = {
            "user_receive_time": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "nationcode": "86",
            "mobile": national,
            "report_status": "SUCCESS" if delivered else "FAIL",
            "errmsg": "DELIVRD" if delivered else "MK:0001",
            "description": "用户短信送达成功" if delivered else "用户短信接收失败",
            "sid": message["serial"],
        }
        return requests.post(callback_url, json=[item], timeout=30)

    def _push_report(self, record: dict) -> None:
        try:
            self.report(self.report_to, record, delivered=not record["to"].endswith("9999"))
            record["status"] = "delivered" if not record["to"].endswith("9999") else "undelivered"
        except requests.RequestException as error:  # like Tencent, give up on an unreachable callback
            print(f"[tencent stand-in] status push failed: {error}", flush=True)

    @staticmethod
    def reply(callback_url: str, phone: str, words: str, sign: str = "") -> requests.Response:
        """A text from a mainland phone to the hotline, as Tencent's reply callback posts it."""
        item = {
            "extend": "",
            "mobile": phone.removeprefix("+86"),
            "nationcode": "86",
            "sign": sign,
            "text": words,
            "time": int(datetime.now(timezone.utc).timestamp()),
        }
        return requests.post(callback_url, json=[item], timeout=60)

    def _signature_ok(self, headers, body: bytes) -> bool:
        authorization = headers.get("Authorization", "")
        try:
            credential = authorization.split("Credential=")[1].split(",")[0]
            secret_id, date, service, _ = credential.split("/")
            signature = authorization.split("Signature=")[1]
        except (IndexError, ValueError):
            return False
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                f"content-type:{headers.get('Content-Type')}\nhost:{headers.get('Host')}\n",
                "content-type;host",
                hashlib.sha256(body).hexdigest(),
            ]
        )
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                headers.get("X-TC-Timestamp", ""),
                f"{date}/{service}/tc3_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        key = _sign(_sign(_sign(("TC3" + self.secret_key).encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return secret_id == self.secret_id and hmac.compare_digest(expected, signature)

    def _send(self, request: dict) -> dict:
        statuses = []
        for to in request.get("PhoneNumberSet", []):
            with self.lock:
                scripted = self.failures.get(to)
                failure = scripted.pop(0) if scripted else None
            template = self.templates.get(str(request.get("TemplateId")))
            code = failure or ("Ok" if template else "FailedOperation.TemplateIncorrectOrUnapproved")
            serial = f"2433:{secrets.randbelow(10**12):012d}" if code == "Ok" else ""
            if code == "Ok":
                parameters = request.get("TemplateParamSet") or []
                body = template
                for index, value in enumerate(parameters, start=1):
                    body = body.replace(f"{{{index}}}", str(value))
                record = {
                    "serial": serial,
                    "to": to,
                    "sign": request.get("SignName"),
                    "template_id": str(request.get("TemplateId")),
                    "parameters": parameters,
                    "body": f"【{request.get('SignName')}】{body}",
                    "context": request.get("SessionContext"),
                    "status": "sent",
                    "provider": "tencent",
                    "date_created": datetime.now(timezone.utc).isoformat(),
                }
                with self.lock:
                    self.messages.append(record)
                if self.on_message:
                    self.on_message(record)
                if self.report_to:
                    threading.Timer(1, self._push_report, (record,)).start()
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": to,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": request.get("SessionContext") or "",
                    "Code": code,
                    "Message": "send success" if code == "Ok" else code,
                    "IsoCode": "CN",
                }
            )
        return {"SendStatusSet": statuses}

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, document: dict) -> None:
                body = json.dumps({"Response": {**document, "RequestId": secrets.token_hex(16)}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/messages":
                    with standin.lock:
                        return self._answer({"messages": list(standin.messages)})
                self._answer({"Error": {"Code": "InvalidAction", "Message": "not found"}})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not standin._signature_ok(self.headers, body):
                    return self._answer(
                        {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"}}
                    )
                if self.headers.get("X-TC-Action") != "SendSms":
                    return self._answer({"Error": {"Code": "InvalidAction", "Message": "only SendSms"}})
                request = json.loads(body or b"{}")
                if str(request.get("SmsSdkAppId")) != standin.app_id:
                    return self._answer(
                        {
                            "Error": {
                                "Code": "FailedOperation.InsufficientBalanceInSmsPackage",
                                "Message": "unknown SmsSdkAppId",
                            }
                        }
                    )
                self._answer(standin._send(request))

        return Handler


def templates_of(institution) -> dict[str, str]:
    """Template id -> approved content, from an institution's sending profiles."""
    return {
        template.id: template.content
        for profile in institution.channels.sms_profiles
        for by_language in profile.templates.values()
        for template in by_language.values()
    }
