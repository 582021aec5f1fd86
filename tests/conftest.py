"""Shared fixtures: environment, the institution, moto-backed and DynamoDB Local-backed tables,
the Twilio stand-in, and Chalice's test client. Plain helpers are in support.py; a test imports
those from there and never imports this module."""

import json
import os
import secrets

import pytest

from support import TENCENT_CALLBACK_TOKEN, TENCENT_CREDENTIALS, TWILIO_SID, TWILIO_TOKEN, over_twilio, prepare_table

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": "+15005550006",
        "PUBLIC_BASE_URL": "https://hotline.example.org",
        "MAIL_FROM": "complaints@harbourcitybank.example",
        "TABLE_NAME": "unset-by-fixture",
    }
)
for variable in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[variable]


@pytest.fixture(scope="session")
def institution():
    """The bank as configured, except that its +86 numbers text through Twilio: most tests exercise
    the channels and the deadline engine over Twilio's stand-in. The configured mainland profile
    (Tencent Cloud SMS, templates, daily caps) is `mainland`'s."""
    from infra import config

    return over_twilio(config.load("harbour-city-bank"))


@pytest.fixture(scope="session")
def tencent_standin():
    from infra import config
    from sandbox.tencent_standin import TencentStandIn, templates_of

    templates = {**templates_of(config.load("harbour-city-bank")), **templates_of(config.load("riverside-hospital"))}
    standin = TencentStandIn(*TENCENT_CREDENTIALS, templates).start()
    yield standin
    standin.stop()


@pytest.fixture
def tencent(tencent_standin, monkeypatch):
    """The Tencent Cloud SMS stand-in with an empty record, and the app pointed at it."""
    from chalicelib.edge import dependencies

    for name, value in zip(("SECRET_ID", "SECRET_KEY", "APP_ID"), TENCENT_CREDENTIALS, strict=True):
        monkeypatch.setenv(f"TENCENT_SMS_{name}", value)
    monkeypatch.setenv("TENCENT_SMS_API_BASE", tencent_standin.base_url)
    monkeypatch.setenv("TENCENT_SMS_CALLBACK_TOKEN", TENCENT_CALLBACK_TOKEN)
    with tencent_standin.lock:
        tencent_standin.messages.clear()
        tencent_standin.failures.clear()
    dependencies.reset()
    yield tencent_standin
    dependencies.reset()


@pytest.fixture
def mainland(moto_store, tencent, twilio):
    """The bank exactly as configured (+86 through Tencent Cloud SMS) on the moto table."""
    from chalicelib.edge import dependencies
    from infra import config

    moto_store.config.put(json.loads(config.load("harbour-city-bank").model_dump_json()))
    dependencies.reset()
    return tencent


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
        twilio_standin.calls.clear()
        twilio_standin.failures.clear()
        twilio_standin.drop_answer_once.clear()
    monkeypatch.setenv("TWILIO_API_BASE", twilio_standin.base_url)
    dependencies.reset()
    yield twilio_standin
    dependencies.reset()


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
        store = prepare_table(boto3.client("dynamodb"), boto3.resource("dynamodb"), name, institution)
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
        store = prepare_table(boto3.client("dynamodb"), boto3.resource("dynamodb"), name, institution)
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


# -- `slow`: the end-to-end tests, so that `./dev test -m "not slow"` runs the fast ones alone --------
SLOW_MODULES = {
    "test_sandbox.py",
    "test_staff_browser.py",
    "test_accessibility.py",
    "test_packaging.py",
}  # servers, a browser, a zip
SLOW_FIXTURES = {"packaged_stacks"}  # `chalice package` and cfn-lint for both institutions


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SLOW_MODULES or SLOW_FIXTURES.intersection(item.fixturenames):
            item.add_marker(pytest.mark.slow)
