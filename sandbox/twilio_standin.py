"""A local stand-in for the Twilio Messages REST API: answers `messages.create` the way Twilio
does (201 with an SM sid, or Twilio's JSON error with its code), checks the account's basic
auth, and records what it was sent so that the sandbox page and the tests can see it.
Failures can be scripted per destination number to exercise retries."""

import base64
import json
import re
import secrets
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
_CALLS = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Calls\.json$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class TwilioStandIn:
    def __init__(self, account_sid: str, auth_token: str, port: int = 0):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict] = []
        self.calls: list[dict] = []  # calls placed (Calls API): to, from, the TwiML they would play
        self.failures: dict[str, list[int]] = {}  # to-number -> HTTP statuses to answer, in order
        # to-numbers whose next message is accepted but never answered (a client timeout after the send)
        self.drop_answer_once: set[str] = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.on_message = None  # the sandbox prints each message as it arrives
        self.media: dict[str, tuple[str, bytes]] = {}  # path -> (content type, bytes), for MMS downloads
        # The sandbox turns this on: after each message, post signed "sent" then "delivered" (or
        # "undelivered" for numbers ending in 9999) to its StatusCallback, as Twilio does.
        self.send_status_callbacks = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "TwilioStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, to: str, *statuses: int) -> None:
        with self.lock:
            self.failures.setdefault(to, []).extend(statuses)

    def next_failure(self, to: str) -> int | None:
        """The HTTP status scripted for the next request to this number, if any (used up)."""
        with self.lock:
            scripted = self.failures.get(to)
            return scripted.pop(0) if scripted else None

    def sent_to(self, to: str) -> list[dict]:
        with self.lock:
            return [message for message in self.messages if message["to"] == to]

    def _report(self, record: dict) -> None:
        from .twilio_simulator import status_callback

        final = ("undelivered", "30003") if record["to"].endswith("9999") else ("delivered", None)
        for status, code in (("sent", None), final):
            time.sleep(1)
            try:
                status_callback(record["status_callback"], record, status, self.auth_token, code)
            except Exception as error:  # noqa: BLE001 - like Twilio, give up on an unreachable callback
                print(f"[twilio stand-in] status callback failed: {error}", flush=True)
                return
            with self.lock:
                record["status"] = status

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self, status: int, document: dict) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, code: int, message: str) -> None:
                self._answer(
                    status,
                    {
                        "code": code,
                        "message": message,
                        "status": status,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    },
                )

            def _call(self, form: dict) -> None:
                to = form.get("To", "")
                if not _E164.match(to):
                    return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
                if not form.get("Twiml") and not form.get("Url"):
                    return self._error(400, 21205, "Url or Twiml is required.")
                failure = standin.next_failure(to)
                if failure:
                    return self._error(failure, 20500 if failure >= 500 else 21216, "scripted failure")
                record = {
                    "sid": "CA" + secrets.token_hex(16),
                    "account_sid": standin.account_sid,
                    "to": to,
                    "from": form.get("From", ""),
                    "twiml": form.get("Twiml"),
                    "status": "queued",
                    "direction": "outbound-api",
                }
                with standin.lock:
                    standin.calls.append(record)
                if standin.on_message:
                    standin.on_message({**record, "body": f"(voice call) {record['twiml']}"})
                return self._answer(201, record)

            def do_GET(self):
                if self.path in standin.media:
                    content_type, content = standin.media[self.path]
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    return self.wfile.write(content)
                if self.path == "/messages":
                    with standin.lock:
                        return self._answer(200, {"messages": list(standin.messages)})
                path, _, query = self.path.partition("?")
                if _MESSAGES.match(path):  # Twilio's message list, filtered by To as the API does
                    to = parse_qs(query).get("To", [None])[-1]
                    with standin.lock:
                        found = [m for m in reversed(standin.messages) if m.get("sid") and to in (None, m["to"])]
                    return self._answer(
                        200,
                        {
                            "messages": found[:50],
                            "page": 0,
                            "page_size": 50,
                            "start": 0,
                            "end": max(len(found[:50]) - 1, 0),
                            "uri": path,
                            "first_page_uri": path,
                            "next_page_uri": None,
                            "previous_page_uri": None,
                        },
                    )
                self._error(404, 20404, "The requested resource was not found")

            def do_POST(self):
                match = _MESSAGES.match(self.path) or _CALLS.match(self.path)
                if not match:
                    return self._error(404, 20404, "The requested resource was not found")
                expected = base64.b64encode(f"{standin.account_sid}:{standin.auth_token}".encode()).decode()
                if match.group(1) != standin.account_sid or self.headers.get("Authorization") != f"Basic {expected}":
                    return self._error(401, 20003, "Authenticate")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if _CALLS.match(self.path):
                    return self._call(form)
                to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
                if not to:
                    return self._error(400, 21604, "A 'To' phone number is required.")
                if not _E164.match(to):
                    return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
                if not body:
                    return self._error(400, 21602, "Message body is required.")
                failure = standin.next_failure(to)
                if failure:
                    return self._error(failure, 20500 if failure >= 500 else 21610, "scripted failure")
                now = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
                record = {
                    "sid": "SM" + secrets.token_hex(16),
                    "account_sid": standin.account_sid,
                    "to": to,
                    "from": sender,
                    "body": body,
                    "status": "queued",
                    "status_callback": form.get("StatusCallback"),
                    "date_created": now,
                    "date_updated": now,
                    "direction": "outbound-api",
                    "num_segments": "1",
                    "price": None,
                    "error_code": None,
                    "error_message": None,
                    "uri": f"/2010-04-01/Accounts/{standin.account_sid}/Messages/x.json",
                }
                record["uri"] = record["uri"].replace("x.json", record["sid"] + ".json")
                with standin.lock:
                    standin.messages.append(record)
                    dropped = to in standin.drop_answer_once
                    standin.drop_answer_once.discard(to)
                if standin.on_message:
                    standin.on_message(record)
                if dropped:  # accepted and recorded, but the answer never reaches the client
                    self.close_connection = True
                    return
                self._answer(201, record)
                if standin.send_status_callbacks and record["status_callback"]:
                    threading.Thread(target=standin._report, args=(record,), daemon=True).start()

        return Handler
