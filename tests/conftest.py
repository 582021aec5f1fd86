"""Shared fixtures: environment, the institution, moto-backed and DynamoDB Local-backed tables,
the Twilio stand-in, and Chalice's test client."""
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

import pytest

ROOT = Path(__file__).resolve().parent.parent
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "test-auth-token-not-a-secret"

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "TWILIO_FROM": "+15005550006", "PUBLIC_BASE_URL": "https://hotline.example.org",
    "MAIL_FROM": "complaints@harbourcitybank.example", "TABLE_NAME": "unset-by-fixture",
})
for variable in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[variable]


@pytest.fixture(scope="session")
def institution():
    from infra import config

    return config.load("harbour-city-bank")


@pytest.fixture(scope="session")
def twilio_standin():
    from sandbox.twilio_standin import TwilioStandIn

    standin = TwilioStandIn(TWILIO_SID, TWILIO_TOKEN).start()
    yield standin
    standin.stop()


@pytest.fixture
def twilio(twilio_standin, monkeypatch):
    """The Twilio stand-in with an empty record, and the app pointed at it."""
    from chalicelib.edge import dependencies

    with twilio_standin.lock:
        twilio_standin.messages.clear()
        twilio_standin.failures.clear()
    monkeypatch.setenv("TWILIO_API_BASE", twilio_standin.base_url)
    dependencies.reset()
    yield twilio_standin
    dependencies.reset()


def _prepare_table(client, resource, name: str, institution) -> "Stores":
    from chalicelib.edge import dependencies as context
    from chalicelib.store.stores import Stores
    from chalicelib.store.table import create_table

    create_table(client, name)
    store = Stores(resource.Table(name))
    store.config.put(json.loads(institution.model_dump_json()))
    context.reset()
    return store


@pytest.fixture
def moto_store(institution, monkeypatch):
    """A small moto table for unit tests, with the institution synced and SES ready to send."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        name = "hotline-unit"
        monkeypatch.setenv("TABLE_NAME", name)
        ses = boto3.client("ses")
        ses.verify_domain_identity(Domain="harbourcitybank.example")
        store = _prepare_table(boto3.client("dynamodb"), boto3.resource("dynamodb"), name, institution)
        yield store
    from chalicelib.edge import dependencies as context

    context.reset()


@pytest.fixture(scope="session")
def dynamodb_local():
    """One DynamoDB Local for the whole test session; each test gets its own table in it."""
    from sandbox.dynamodb_local import DynamoDBLocal

    server = DynamoDBLocal().start()
    yield server
    server.stop()


@pytest.fixture
def local_store(dynamodb_local, institution, monkeypatch):
    """A fresh table on DynamoDB Local (the real engine), with the institution synced. SES stays
    on moto (it is not what these tests exercise); DynamoDB calls go to the real engine."""
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local.endpoint)
    name = f"hotline-{secrets.token_hex(4)}"
    monkeypatch.setenv("TABLE_NAME", name)
    with mock_aws(config={"core": {"passthrough": {"urls": [dynamodb_local.endpoint + ".*"]}}}):
        boto3.client("ses").verify_domain_identity(Domain="harbourcitybank.example")
        store = _prepare_table(boto3.client("dynamodb"), boto3.resource("dynamodb"), name, institution)
        yield store
    from chalicelib.edge import dependencies as context

    context.reset()


@pytest.fixture(scope="session")
def packaged_stacks(tmp_path_factory):
    """Both example institutions, packaged the way `python -m infra package` does: the committed
    Chalice stage plus the rendered merge template -> deployment.zip and sam.json per slug."""
    from infra import config, render
    from infra.package import build

    out = {}
    for slug in ("harbour-city-bank", "riverside-hospital"):
        folder = tmp_path_factory.mktemp(slug)
        merge = folder / "resources.json"
        merge.write_text(json.dumps(render.merge_template(config.load_file(slug))))
        build(slug, folder / "package", merge)
        out[slug] = folder / "package"
    return out


@pytest.fixture
def client():
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def media_bucket(moto_store, monkeypatch):
    import boto3

    monkeypatch.setenv("MAIL_BUCKET", "hotline-media-unit")
    boto3.client("s3").create_bucket(Bucket="hotline-media-unit")
    return "hotline-media-unit"


def twilio_post(client, path: str, params: dict, query: dict | None = None, token: str = TWILIO_TOKEN,
                signature: str | None = None, body: str | bytes | None = None):
    """A webhook request signed exactly as Twilio signs it: HMAC-SHA1 over the public URL
    (with the query string) and the sorted form fields."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    query_string = f"?{urlencode(query)}" if query else ""
    url = os.environ["PUBLIC_BASE_URL"] + path + query_string
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    return client.http.post(path + query_string, body=urlencode(params) if body is None else body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1"})


def sms_params(sender: str, body: str, sid: str | None = None, **extra) -> dict:
    return {"MessageSid": sid or "SM" + secrets.token_hex(16), "AccountSid": TWILIO_SID, "From": sender,
            "To": "+8675512340000", "Body": body, "NumMedia": "0", "NumSegments": "1", **extra}


def form_body(**fields) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


# -- the real sandbox, for the tests that run the README's first command -------------------------
def start_sandbox(state, base):
    """`python -m sandbox.run` in its own process group, on ports from `base`, data in `state`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TWILIO_", "TABLE_NAME"))}
    return subprocess.Popen([sys.executable, "-m", "sandbox.run", "--state", str(state), "--port-base", str(base),
                             "--tick", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def wait_for(url, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
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


