"""Plain helpers the tests import (`from support import twilio_post`): signed Twilio webhooks,
form bodies, and the real sandbox in its own process. Fixtures live in conftest.py, which pytest
loads by itself; a test never imports conftest."""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from chalicelib.store.stores import Stores

ROOT = Path(__file__).resolve().parent.parent
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "test-auth-token-not-a-secret"


def twilio_post(
    client,
    path: str,
    params: dict,
    query: dict | None = None,
    token: str = TWILIO_TOKEN,
    signature: str | None = None,
    body: str | bytes | None = None,
    fragment: str = "",
):
    """A webhook request signed exactly as Twilio signs it: HMAC-SHA1 over the public URL (with the
    query string and any connection-override fragment, which Twilio never sends) and the sorted form
    fields."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    query_string = f"?{urlencode(query)}" if query else ""
    url = os.environ["PUBLIC_BASE_URL"] + path + query_string + (f"#{fragment}" if fragment else "")
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    return client.http.post(
        path + query_string,
        body=urlencode(params) if body is None else body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
        },
    )


def sms_params(sender: str, body: str, sid: str | None = None, **extra) -> dict:
    return {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "AccountSid": TWILIO_SID,
        "From": sender,
        "To": "+8675512340000",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        **extra,
    }


def form_body(**fields) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


# -- the real sandbox, for the tests that run the README's first command -------------------------
def start_sandbox(state, base):
    """`python -m sandbox.run` in its own process group, on ports from `base`, data in `state`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TWILIO_", "TABLE_NAME"))}
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox.run", "--state", str(state), "--port-base", str(base), "--tick", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(url, timeout=120, process=None):
    """Until `url` answers 200; a sandbox `process` that exits first fails at once, with its output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"the sandbox exited ({process.returncode}) before {url} came up:\n{process.communicate()[0]}"
            )
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not come up")


def stop_sandbox(process):
    os.killpg(process.pid, signal.SIGINT)
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()[0]


TENCENT_CREDENTIALS = ("AKIDstandin0000000000000000000000000", "standin-secret-key-0000000000000", "1400000001")
TENCENT_CALLBACK_TOKEN = "cb-" + "7" * 40


def time_out_calls(client, service: str, operation: str, count: int) -> list:
    """The next `count` calls of `operation` on this client end as a read timeout would: the
    request may have been taken, but no answer came back."""
    from botocore.exceptions import ReadTimeoutError

    timed_out = []

    def time_out(**kwargs):
        if len(timed_out) < count:
            timed_out.append(operation)
            raise ReadTimeoutError(endpoint_url=f"https://{service}.injected")

    client.meta.events.register_first(f"before-call.{service}.{operation}", time_out)
    return timed_out


def fail_calls(client, operation: str, count: int, code: str, reasons: list[str] | None = None) -> list:
    """Fault injection through botocore's own event hook: the next `count` calls of `operation`
    (e.g. "TransactWriteItems") on this client fail with the AWS error `code` (and, for a cancelled
    transaction, these cancellation `reasons`) before reaching the engine. Returns the list of the
    calls refused, which grows as they happen."""
    from botocore.awsrequest import AWSResponse

    refused = []

    def refuse(**kwargs):
        if len(refused) >= count:
            return None
        refused.append(operation)
        parsed = {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": 400}}
        if reasons is not None:
            parsed["CancellationReasons"] = [{"Code": reason} for reason in reasons]
        return AWSResponse("https://dynamodb.injected", 400, {}, None), parsed

    client.meta.events.register_first(f"before-call.dynamodb.{operation}", refuse)
    return refused


def scan(store: "Stores", condition: str, values: dict) -> list[dict]:
    """Every item of a test's small table that matches (a Scan, page by page: tests only)."""
    items, kwargs = [], {"FilterExpression": condition, "ExpressionAttributeValues": values}
    while True:
        page = store.table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def storage_down(client) -> Callable[[], None]:
    """DynamoDB unreachable for this client: every call fails as a refused connection does, after
    botocore's retries. Returns the function that brings it back."""
    from botocore.exceptions import EndpointConnectionError

    def refuse(**_kwargs):
        raise EndpointConnectionError(endpoint_url="https://dynamodb.injected")

    client.meta.events.register_first("before-call.dynamodb", refuse)
    return lambda: client.meta.events.unregister("before-call.dynamodb", refuse)


def over_twilio(institution):
    """The institution with every sending profile on Twilio (prices kept): no templates, no daily
    caps (not even the +86 default), as the channel and deadline tests were written for."""
    from chalicelib.model.institution import Institution

    document = json.loads(institution.model_dump_json())
    document["channels"]["sms_profiles"] = [
        {
            "country": p["country"],
            "price_per_segment": p["price_per_segment"],
            "currency": p["currency"],
            "daily_cap": None,
        }
        for p in document["channels"]["sms_profiles"]
    ]
    return Institution.model_validate(document)


def prepare_table(client, resource, name: str, institution) -> "Stores":
    """A table with the institution synced, and the container's dependencies forgotten."""
    import json

    from chalicelib.edge import dependencies as context
    from chalicelib.store.stores import Stores
    from chalicelib.store.table import create_table

    create_table(client, name)
    store = Stores(resource.Table(name))
    store.config.put(json.loads(institution.model_dump_json()))
    context.reset()
    return store


def open_case(institution, reference: str, received, number: int = 0):
    """An open web case as intake would leave it (clocks and chain from the institution), built
    directly: for tests that seed many cases without the intake path."""
    from chalicelib.model.case import Case, Complainant
    from chalicelib.sla.deadlines import opening_clocks
    from chalicelib.sla.escalation import chain_snapshot

    return Case(
        reference=reference,
        channel="web",
        description=f"complaint {number}",
        received_at=received,
        complainant=Complainant(language="zh"),
        clocks=opening_clocks(institution, received),
        chain=chain_snapshot(institution),
    )


def signed_in_cookie(client, twilio, phone: str) -> str:
    """Signs a directory person in as they would (the one-time link texted to `phone`, then its
    button); returns the session's `Cookie` header value."""
    client.http.post("/staff/sign-in", headers=FORM_HEADERS, body=form_body(contact=phone))
    [message] = [m for m in twilio.sent_to(phone) if "/staff/sign-in/" in m["body"]][-1:]
    token = re.search(r"/staff/sign-in/([A-Za-z0-9_-]+)", message["body"]).group(1)
    signed = client.http.post(f"/staff/sign-in/{token}", headers=FORM_HEADERS, body="")
    return signed.headers["Set-Cookie"].split(";")[0]
