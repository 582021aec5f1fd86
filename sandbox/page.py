"""The sandbox's own page: every outbound SMS and email, a phone to text and call the hotline
with (signed webhooks), the staff workspace with a sign-in link for each example person
(sandbox/workspace.py), and a look at any case and its timeline."""

import html
import json
import re
import threading
from datetime import timedelta
from email import message_from_string, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAKE_RECORDING = "/2010-04-01/Accounts/sandbox/Recordings/RE-sandbox-recording"
RESTORED_EMAILS: list[dict] = []  # sent before the last restart (sandbox/keep.py)


def sent_emails() -> list[dict]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    emails = list(RESTORED_EMAILS)
    for message in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        parsed = message_from_string(getattr(message, "raw_data", ""), policy=policy.default)
        body = parsed.get_body(("plain",))
        emails.append(
            {
                "to": parsed["To"],
                "subject": parsed["Subject"],
                "from": parsed["From"],
                "body": body.get_content() if body else "",
            }
        )
    return emails


class SandboxPage:
    def __init__(self, port: int, app_url: str, twilio, phone, store):
        self.app_url, self.twilio, self.phone, self.store = app_url, twilio, phone, store
        self.log: list[dict] = []  # what the simulated phone sent and heard, newest first
        self.tencent_reply_url = ""  # the app's Tencent reply callback, token included
        self.scheduler = None  # set by the runner: moves sandbox time and runs the sweep
        self.mailbox_address = "complaints@sandbox.example"  # set by the runner: the institution's mailbox
        self.institution = None  # set by the runner
        self.public_url = app_url  # set by the runner: PUBLIC_BASE_URL, the host of the texted links
        twilio.media[FAKE_RECORDING] = ("audio/x-wav", b"RIFF\x24\x00\x00\x00WAVEfmt sandbox recording")
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def shutdown(self) -> None:
        self.server.shutdown()

    # -- actions ------------------------------------------------------------------------------
    def simulate_text(self, sender: str, body: str, provider: str = "twilio") -> None:
        """A text from the page's phone, through the provider the user picked: Twilio's webhook
        (its reply comes back in TwiML) or Tencent Cloud SMS's reply callback (answers come back as
        template sends, listed with the outbound texts)."""
        if provider == "tencent":
            from sandbox.tencent_standin import TencentStandIn

            answer = TencentStandIn.reply(self.tencent_reply_url, sender, body)
            heard = f"Tencent callback answered {answer.status_code}; replies arrive as template texts below"
            self.log.insert(0, {"what": f"SMS from {sender} via Tencent Cloud SMS", "sent": body, "heard": [heard]})
            return
        reply = self.phone.text(sender, body)
        self.log.insert(0, {"what": f"SMS from {sender}", "sent": body, "heard": [reply or "(no reply)"]})

    def simulate_email(self, sender: str, subject: str, body: str) -> None:
        from sandbox.mailbox import compose, deliver

        mailbox = self.mailbox_address
        outcome = deliver(compose(sender, mailbox, subject, body), [mailbox])
        self.log.insert(0, {"what": f"Email from {sender}", "sent": subject, "heard": [f"inbound_email: {outcome}"]})

    def simulate_call(self, caller: str, language_key: str, menu_key: str, words: str) -> None:
        said = self.phone.call(caller, language_key, menu_key, words, "https://api.twilio.com" + FAKE_RECORDING)
        # Chinese, and English over Twilio's 120 s: Amazon Transcribe's part, played by a stand-in
        if words and (language_key == "1" or self.phone.last_recording_seconds > 120):
            from .transcribe_standin import complete

            try:
                said.append(f"(Transcribe stand-in: {complete(self.phone.last_call_sid, words)})")
            except Exception as error:  # noqa: BLE001 - the sandbox page keeps working
                said.append(f"(Transcribe stand-in failed: {error})")
        self.log.insert(
            0, {"what": f"Call from {caller} (keys {language_key}, {menu_key})", "sent": words, "heard": said}
        )

    # -- pages ----------------------------------------------------------------------------------
    def home(self) -> bytes:
        e = html.escape
        log = "".join(
            f"<li><b>{e(entry['what'])}</b>: {e(entry['sent'])}<br>"
            + "<br>".join(f"&rarr; {_link_references(e(line))}" for line in entry["heard"])
            + "</li>"
            for entry in self.log[:20]
        )
        rows = [
            f"<tr><td>{e(m['date_created'])}</td><td>{e(_by(m))}</td><td>{e(self._who(m['to']))}</td>"
            f"<td>{_link_references(e(m['body']))}</td><td>{e(m['status'])}</td><td>{e(self._cost(m))}</td></tr>"
            for m in reversed(self.twilio.messages)
        ]
        rows += [
            f"<tr><td></td><td>Email</td><td>{e(str(m['to']))}</td><td><b>{_link_references(e(str(m['subject'])))}"
            f"</b><br>{e(m['body'])}</td><td>sent</td><td></td></tr>"
            for m in reversed(sent_emails())
        ]
        return f"""<!doctype html><meta charset="utf-8"><title>Sandbox</title>
<style>body{{font-family:system-ui;margin:1rem;max-width:70rem}}td{{border-top:1px solid #ccc;padding:.4rem;
vertical-align:top;white-space:pre-wrap}}form{{display:inline-block;vertical-align:top;margin:0 1rem 1rem 0;
padding:.8rem;background:#f3f4f6;border-radius:.4rem}}
input,textarea{{display:block;margin:.2rem 0 .6rem;width:18rem}}form.row{{margin:0;padding:0;background:none}}</style>
<script>// refresh every 5 s, except while something is being typed
setInterval(function () {{ var a = document.activeElement;
  if (!a || !/^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) {{ location.reload(); }} }}, 5000);</script>
<h1>Sandbox</h1>
<p>Complaint form: <a href="{self.app_url}/complaints/new">{self.app_url}/complaints/new</a>.
This page refreshes itself every 5 seconds (not while you type); the same in JSON:
<a href="/messages.json">/messages.json</a>.</p>
{self._workspace()}
<form method="post" action="/sms"><b>Text the hotline</b>
<label>From <input name="from" value="+8613800138000"></label>
<label>Message <textarea name="body">The ATM at Pier Road kept my card</textarea></label>
<label>Through <select name="provider"><option value="twilio">Twilio (webhook, TwiML reply)</option>
<option value="tencent">Tencent Cloud SMS (mainland; reply callback, template answers)</option></select></label>
<button>Send SMS</button></form>
<form method="post" action="/call"><b>Call the hotline</b>
<label>From <input name="from" value="+8613800138001"></label>
<label>Language key (1 中文, 2 English) <input name="language" value="2"></label>
<label>Menu key (1-9, 0 other) <input name="menu" value="1"></label>
<label>What you say (the transcript, English only) <textarea name="words">The teller was rude to me.</textarea></label>
<button>Place call</button></form>
<form method="post" action="/email"><b>Email the hotline</b>
<label>From <input name="from" value="Li Na &lt;li.na@example.com&gt;"></label>
<label>Subject <input name="subject" value="Card fee charged twice"></label>
<label>Message <textarea name="body">My account was charged the annual card fee twice this month.</textarea></label>
<button>Send email</button></form>
<form method="post" action="/advance"><b>Move time on</b>
(sandbox time: {e(f"{self.scheduler.now():%Y-%m-%d %H:%M} UTC") if self.scheduler else "?"})
<label>Hours <input name="hours" value="6"></label><button>Advance and run the sweep</button></form>
<h2>The phone heard</h2><ol>{log or "<li>Nothing yet.</li>"}</ol>
<h2>Outbound messages</h2><p>Numbers ending in 9999 report "undelivered", to watch retries.</p>
<table><tr><th>When (UTC)</th><th>Channel</th><th>To</th><th>Message</th><th>Status</th><th>Segments, cost</th></tr>
{"".join(rows)}</table>""".encode()

    def _who(self, phone: str) -> str:
        member = next((m for m in self.institution.staff if m.phone == phone), None) if self.institution else None
        return f"{phone} ({member.name})" if member else phone

    def _cost(self, message: dict) -> str:
        from chalicelib.notify.segments import encoding, segments

        count = segments(message["body"])
        price = self.institution.channels.sms_price(message["to"]) if self.institution else None
        cost = f", {price.currency} {count * price.per_segment:.4f}" if price else ""
        return f"{count} x {encoding(message['body'])}{cost}"

    def _workspace(self) -> str:
        from chalicelib.runtime.clock import now

        from .workspace import section

        def usable(token: str) -> bool:
            return self.store.sessions.sign_in_holder(token, now()) is not None

        return section(self.institution, self.public_url, self.twilio.messages, sent_emails(), usable)

    def ask_for_sign_in_link(self, staff_id: str) -> None:
        """What a person does on the sign-in page, done for them: the app texts or emails the link."""
        from .workspace import ask_for_link

        member = self.institution.staff_member(staff_id) if self.institution else None
        if member is None:
            raise ValueError(f"{staff_id!r} is not in the staff directory")
        self.log.insert(0, ask_for_link(self.app_url, member, self.twilio.messages, sent_emails()))

    def case(self, reference: str) -> bytes:
        e = html.escape
        case = self.store.cases.get(reference)
        if case is None:
            return f"<!doctype html><meta charset='utf-8'><p>No case {e(reference)}</p>".encode()
        events = "".join(
            f"<tr><td>{e(str(ev.at))}</td><td>{e(ev.actor)}</td><td>{e(ev.kind)}</td>"
            f"<td>{e(ev.text or '')}</td><td>{'public' if ev.public else ''}</td></tr>"
            for ev in self.store.cases.timeline(reference)
        )
        files = " ".join(f'<a href="/file?location={e(a.location)}">{e(a.name)}</a>' for a in case.attachments)
        return f"""<!doctype html><meta charset="utf-8"><title>{e(reference)}</title>
<style>body{{font-family:system-ui;margin:1rem}}
td{{border-top:1px solid #ccc;padding:.3rem;white-space:pre-wrap}}</style>
<p><a href="/">&larr; sandbox</a></p><h1>{e(reference)}</h1>
<p>Files: {files or "none"}</p>
<pre>{e(json.dumps(case.model_dump(mode="json"), ensure_ascii=False, indent=2))}</pre>
<h2>Timeline</h2><table>{events}</table>""".encode()

    def stored_file(self, location: str) -> tuple[str, bytes] | None:
        import os

        import boto3

        bucket = os.environ["MAIL_BUCKET"]
        if not location.startswith(f"s3://{bucket}/"):
            return None
        try:
            stored = boto3.client("s3").get_object(Bucket=bucket, Key=location.removeprefix(f"s3://{bucket}/"))
        except Exception:  # noqa: BLE001 - missing or unreadable: not found
            return None
        return stored.get("ContentType", "application/octet-stream"), stored["Body"].read()

    def _handler(self):
        page = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/messages.json":
                    document = {"sms": page.twilio.messages, "email": sent_emails(), "phone": page.log}
                    return self._send(200, json.dumps(document, ensure_ascii=False).encode(), "application/json")
                if url.path == "/clock.json":
                    now = page.scheduler.now() if page.scheduler else None
                    offset = page.scheduler.offset.total_seconds() if page.scheduler else 0
                    document = {"now": now.isoformat() if now else None, "offset_seconds": offset}
                    return self._send(200, json.dumps(document).encode(), "application/json")
                if url.path == "/case":
                    return self._send(200, page.case(parse_qs(url.query).get("ref", [""])[0]))
                if url.path == "/file":  # a stored recording, picture, attachment or raw mail
                    found = page.stored_file(parse_qs(url.query).get("location", [""])[0])
                    if found is None:
                        return self._send(404, b"no such file in the sandbox bucket", "text/plain")
                    return self._send(200, found[1], found[0])
                self._send(200, page.home())

            def do_POST(self):
                fields = {
                    k: v[-1]
                    for k, v in parse_qs(
                        self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
                    ).items()
                }
                try:
                    if self.path == "/sms":
                        page.simulate_text(
                            fields.get("from", ""), fields.get("body", ""), fields.get("provider", "twilio")
                        )
                    elif self.path.startswith("/advance"):
                        hours = float(fields.get("hours") or parse_qs(urlsplit(self.path).query).get("hours", ["0"])[0])
                        result = page.scheduler.advance(timedelta(hours=hours))
                        page.log.insert(
                            0, {"what": f"Time moved on {hours:g} hours", "sent": "", "heard": [f"sla_sweep: {result}"]}
                        )
                    elif self.path == "/clock":  # set (an ISO time) or reset (empty) sandbox time
                        from datetime import datetime

                        moment = fields.get("to", "").strip()
                        target = datetime.fromisoformat(moment) if moment else None
                        if target is not None and target.tzinfo is None:
                            raise ValueError(f"{moment}: give the zone, e.g. 2026-11-23T10:00+08:00")
                        result = page.scheduler.set_to(target)
                        heard = [f"sla_sweep: {result}"]
                        page.log.insert(0, {"what": f"Time set to {moment or 'now'}", "sent": "", "heard": heard})
                    elif self.path == "/staff-link":
                        page.ask_for_sign_in_link(fields.get("staff", ""))
                    elif self.path == "/email":
                        page.simulate_email(fields.get("from", ""), fields.get("subject", ""), fields.get("body", ""))
                    elif self.path == "/call":
                        page.simulate_call(
                            fields.get("from", ""),
                            fields.get("language", ""),
                            fields.get("menu", ""),
                            fields.get("words", ""),
                        )
                except Exception as error:  # noqa: BLE001 - show it on the page
                    page.log.insert(0, {"what": "Simulation failed", "sent": "", "heard": [str(error)]})
                self._send(303, b"", Location="/#staff-workspace" if self.path == "/staff-link" else "/")

        return Handler


def _by(message: dict) -> str:
    """Which provider carried a text, and the approved template where one was sent."""
    if message.get("provider") == "tencent":
        return f"SMS, Tencent Cloud SMS template {message['template_id']}"
    return "SMS, Twilio"


def _link_references(escaped: str) -> str:
    return re.sub(r"(?<![A-Z])([A-Z]{2,3}-\d{9,})(?!\d)", r'<a href="/case?ref=\1">\1</a>', escaped)
