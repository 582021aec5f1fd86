"""The local sandbox: the whole product on one machine.

DynamoDB Local (data kept in .sandbox/ across restarts; --clean starts afresh), moto's server for
SES/S3/SNS, the Twilio stand-in, `chalice local` serving the app, the scheduled sweep run every
minute (chalice local does not run schedules), and every outbound SMS and email printed to the
console and listed on a local page.
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Local stand-in credentials: not secrets, they open nothing outside this machine.
TWILIO_SID, TWILIO_TOKEN = "AC" + "5a" * 16, "sandbox-auth-token"
TENCENT = {"SECRET_ID": "AKIDsandbox", "SECRET_KEY": "sandbox-secret-key", "APP_ID": "1400000000"}
TENCENT_CALLBACK_TOKEN = "sandbox-callback-token-" + "0" * 16
PORTS = {
    "app": 8000,
    "dynamodb": 8001,
    "twilio": 8002,
    "aws": 8003,
    "outbox": 8025,
    "smtp": 8026,
    "tencent": 8027,
    "fallback": 8028,
}


def use_ports(base: int) -> None:
    """--port-base moves every port together (the sandbox's own test runs beside a live sandbox)."""
    for offset, name in enumerate(PORTS):
        PORTS[name] = base + offset


def environment(table: str) -> dict[str, str]:
    aws = f"http://127.0.0.1:{PORTS['aws']}"
    return {
        "TABLE_NAME": table,
        "PUBLIC_BASE_URL": f"http://localhost:{PORTS['app']}",
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{PORTS['dynamodb']}",
        "AWS_ENDPOINT_URL_SES": aws,
        "AWS_ENDPOINT_URL_S3": aws,
        "AWS_ENDPOINT_URL_SNS": aws,
        "AWS_ENDPOINT_URL_TRANSCRIBE": aws,  # jobs start on moto; moto never finishes them
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": "+15005550006",
        "TWILIO_API_BASE": f"http://127.0.0.1:{PORTS['twilio']}",
        **{f"TENCENT_SMS_{name}": value for name, value in TENCENT.items()},
        "TENCENT_SMS_API_BASE": f"http://127.0.0.1:{PORTS['tencent']}",
        "TENCENT_SMS_CALLBACK_TOKEN": TENCENT_CALLBACK_TOKEN,
        "MAIL_FROM": "complaints@sandbox.example",
        "MAIL_BUCKET": "hotline-media-sandbox",
    }


MOVED_CLOCK = ROOT / "sandbox" / "moved_clock"  # its sitecustomize moves every sandbox process's clock


def clock_file(state: Path) -> Path:
    return state / "clock_offset_seconds"


class Scheduler:
    """What EventBridge does in AWS: run the sweep every minute. It also moves time: the offset,
    kept in the state folder, moves the clock of every process the sandbox starts (this one,
    `chalice local`) through sandbox/moved_clock/sitecustomize.py, so pages, links, intake, reply
    codes and the sweep all see one time; the product itself only ever reads its one clock."""

    def __init__(self, state: Path, interval: float):
        self.path, self.interval = clock_file(state), interval
        self.offset = timedelta(seconds=float(self.path.read_text())) if self.path.exists() else timedelta(0)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def now(self):
        from chalicelib.runtime.clock import now

        return now()

    def sweep(self) -> dict:
        """Both scheduled functions: the spool replay (what could not be filed in time), then the sweep."""
        from chalicelib.edge import dependencies as context
        from chalicelib.edge.twilio import replay_spool
        from chalicelib.sla.sweep import run_sweep

        with self.lock:
            deps = context.current()
            replayed = replay_spool(deps, self.now())
            result = run_sweep(deps, self.now())
        if any(replayed.values()):
            print(f"[scheduler] spool_replay at {self.now():%Y-%m-%d %H:%M} UTC: {replayed}", flush=True)
        print(f"[scheduler] sla_sweep at {self.now():%Y-%m-%d %H:%M} UTC: {result}", flush=True)
        return result

    def advance(self, by: timedelta) -> dict:
        return self._move_to_offset(self.offset + by, f"time moved on by {by}")

    def set_to(self, moment) -> dict:
        """Sandbox time jumps to `moment` (a zone-aware datetime); None: back to the machine's time.
        The data stays; see the README for what reads oddly when time goes backwards."""
        import sitecustomize

        hatch = sitecustomize.real_time()
        offset = timedelta(0) if moment is None else timedelta(seconds=moment.timestamp() - hatch)
        return self._move_to_offset(offset, "time reset to now" if moment is None else f"time set to {moment}")

    def _move_to_offset(self, offset: timedelta, what: str) -> dict:
        import sitecustomize  # sandbox/moved_clock's, on this process's path since start-up

        self.offset = offset
        self.path.write_text(str(self.offset.total_seconds()))
        sitecustomize.refresh(str(self.path))
        time.sleep(0.5)  # the other processes follow the file within a tenth of a second
        print(f"[scheduler] {what}; sandbox time is now {self.now():%Y-%m-%d %H:%M} UTC", flush=True)
        return self.sweep()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                self.sweep()
            except Exception as error:  # noqa: BLE001 - the sandbox keeps ticking
                print(f"[scheduler] sla_sweep failed: {error}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clean", action="store_true", help="start with an empty database")
    parser.add_argument("--institution", default="harbour-city-bank", help="config under infra/institutions/")
    parser.add_argument("--tick", type=float, default=60, help="seconds between scheduled sweeps")
    parser.add_argument("--state", type=Path, default=ROOT / ".sandbox", help="where the data is kept")
    parser.add_argument("--port-base", type=int, help=f"use this port and the {len(PORTS) - 1} after it")
    args = parser.parse_args(argv)
    if args.port_base:
        use_ports(args.port_base)
    state = args.state
    if args.clean and state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True, exist_ok=True)
    if os.environ.get("SANDBOX_CLOCK_FILE") != str(clock_file(state)):
        # Start again with the moved clock on: this process and every one it starts follow the file.
        os.environ["SANDBOX_CLOCK_FILE"] = str(clock_file(state))
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(MOVED_CLOCK), os.environ.get("PYTHONPATH")]))
        arguments = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--clean"]
        os.execv(sys.executable, [sys.executable, "-m", "sandbox.run", *arguments])
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server: one line per AWS call
    sys.path.insert(0, str(ROOT))

    import boto3
    from moto.server import ThreadedMotoServer

    from infra import config
    from sandbox.dynamodb_local import DynamoDBLocal
    from sandbox.twilio_standin import TwilioStandIn

    institution = config.load(args.institution)
    table = f"hotline-{institution.slug}"
    os.environ.update(environment(table))
    dynamodb = DynamoDBLocal(port=PORTS["dynamodb"], db_path=state / "dynamodb").start()
    aws = ThreadedMotoServer(ip_address="127.0.0.1", port=PORTS["aws"], verbose=False)
    aws.start()
    twilio = TwilioStandIn(TWILIO_SID, TWILIO_TOKEN, port=PORTS["twilio"]).start()
    twilio.on_message = lambda m: print(f"[sms -> {m['to']}] {m['body']}", flush=True)
    twilio.send_status_callbacks = True
    from sandbox.tencent_standin import TencentStandIn, templates_of

    tencent = TencentStandIn(
        *TENCENT.values(), templates_of(institution), port=PORTS["tencent"], messages=twilio.messages
    ).start()
    tencent.on_message = lambda m: print(
        f"[sms -> {m['to']}] (Tencent Cloud SMS, template {m['template_id']}) {m['body']}", flush=True
    )
    tencent.report_to = f"http://localhost:{PORTS['app']}/tencent/status/{TENCENT_CALLBACK_TOKEN}"

    from chalicelib.store.stores import Stores
    from chalicelib.store.table import create_table

    create_table(boto3.client("dynamodb"), table)
    Stores(boto3.resource("dynamodb").Table(table)).config.put(json.loads(institution.model_dump_json()))
    sender_domain = (institution.channels.email_address or os.environ["MAIL_FROM"]).partition("@")[2]
    boto3.client("ses").verify_domain_identity(Domain=sender_domain)
    boto3.client("s3").create_bucket(Bucket=os.environ["MAIL_BUCKET"])
    from sandbox.fallback_standin import FallbackStandIn
    from sandbox.page import SandboxPage, sent_emails
    from sandbox.twilio_simulator import Phone

    fallback = FallbackStandIn(os.environ["MAIL_BUCKET"], port=PORTS["fallback"]).start()
    app_url = f"http://localhost:{PORTS['app']}"
    phone = Phone(
        app_url,
        os.environ["PUBLIC_BASE_URL"],
        TWILIO_SID,
        TWILIO_TOKEN,
        institution.channels.sms_number or os.environ["TWILIO_FROM"],
        fallback_url=fallback.base_url,
    )
    page = SandboxPage(PORTS["outbox"], app_url, twilio, phone, Stores(boto3.resource("dynamodb").Table(table)))
    page.tencent_reply_url = f"{app_url}/tencent/sms/{TENCENT_CALLBACK_TOKEN}"

    from sandbox.mailbox import SmtpPort

    smtp = SmtpPort(
        PORTS["smtp"], lambda sender, outcome: print(f"[smtp <- {sender}] inbound_email: {outcome}", flush=True)
    )
    smtp.start()
    from sandbox.keep import Keeper

    keeper = Keeper(state, twilio, page)
    keeper.restore()
    scheduler = Scheduler(state, args.tick)
    page.scheduler = scheduler
    page.mailbox_address = institution.channels.email_address or os.environ["MAIL_FROM"]
    page.institution = institution
    page.public_url = os.environ["PUBLIC_BASE_URL"]
    (state / "ports.json").write_text(json.dumps(PORTS))  # where `python -m sandbox.clock` finds it
    threading.Thread(target=scheduler.run, daemon=True).start()
    seen_emails = len(sent_emails())  # those restored were printed before the restart
    from sandbox.workspace import console_lines

    staff = console_lines(institution, page.public_url, f"http://localhost:{PORTS['outbox']}")
    print(
        f"""
Sandbox for {institution.name.en} is running (data in {state}; --clean starts afresh):
  complaint form     http://localhost:{PORTS["app"]}/complaints/new
  status lookup      http://localhost:{PORTS["app"]}/complaints/status
  outbound messages, a phone to text and call the hotline with: http://localhost:{PORTS["outbox"]}/
  mail to the hotline (SMTP, as SES receives it): 127.0.0.1:{PORTS["smtp"]}
{staff}
Press Ctrl-C to stop.
""",
        flush=True,
    )
    app = subprocess.Popen(
        [str(Path(sys.executable).with_name("chalice")), "local", "--port", str(PORTS["app"]), "--no-autoreload"],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    last_saved = time.monotonic()
    try:
        while app.poll() is None:
            time.sleep(1)
            if time.monotonic() - last_saved > 5:
                keeper.save()
                last_saved = time.monotonic()
            emails = sent_emails()
            for email in emails[seen_emails:]:
                print(f"[email -> {email['to']}] {email['subject']}", flush=True)
            seen_emails = len(emails)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop.set()
        keeper.save()
        if app.poll() is None:
            app.terminate()
        page.shutdown()
        smtp.stop()
        fallback.stop()
        twilio.stop()
        tencent.stop()
        aws.stop()
        dynamodb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
