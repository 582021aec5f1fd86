"""Logging that reaches CloudWatch: one JSON object per line with the fields as top-level keys,
contact details masked, the request id and the case reference on every line of an invocation,
whether the Lambda runtime's root handler writes plain text at WARNING (no LoggingConfig) or JSON
at INFO (the LoggingConfig infra/render.py sets on every function)."""

import json
import logging
import os
import subprocess
import sys

import pytest

from support import ROOT, TENCENT_CREDENTIALS

PHONE = "+8613800138010"
EMAIL = "complainant.lee@example.org"
EXAMPLES = ("harbour-city-bank", "riverside-hospital")


# --- The masking filter and the fields -------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured():
    """A logger of the product (under chalicelib) whose records pass the filter, as a root
    handler's would."""
    from chalicelib.runtime.logs import ContextFilter

    logger = logging.getLogger("chalicelib.tests.logging")
    handler = _Records()
    handler.addFilter(ContextFilter())
    old = logger.handlers[:], logger.propagate, logger.level
    logger.handlers[:] = [handler]
    logger.propagate, logger.level = False, logging.INFO
    yield logger, handler.records
    logger.handlers[:], logger.propagate, logger.level = old


def test_the_filter_masks_phones_and_emails_in_the_args(captured):
    logger, records = captured
    logger.info("texted %s and mailed %s about %s", PHONE, EMAIL, {"to": "13800138011"})
    [record] = records
    assert record.getMessage() == "texted +*********8010 and mailed c***@example.org about {'to': '*******8011'}"
    assert record.args is None


def test_the_filter_masks_the_extra_fields_whatever_their_shape(captured):
    from datetime import UTC, datetime

    logger, records = captured
    logger.info(
        "case_filed",
        extra={
            "to": PHONE,
            "contacts": {"phone": PHONE, "emails": [EMAIL]},
            "at": datetime(2026, 1, 2, 10, 30, tzinfo=UTC),
            "attempts": 2,
            "reference": "HCB-261100427",
        },
    )
    [record] = records
    assert record.to == "+*********8010"
    assert record.contacts == {"phone": "+*********8010", "emails": ["c***@example.org"]}
    assert record.at == "2026-01-02T10:30:00+00:00" and record.attempts == 2  # encodable by a plain JSONEncoder
    assert record.reference == "HCB-261100427"  # a reference is not a phone number
    json.dumps(record.__dict__ | {"exc_info": None, "args": None})


def test_the_filter_masks_an_exception_message_and_keeps_its_type(captured):
    logger, records = captured
    try:
        raise ValueError(f"not a number: {PHONE}")
    except ValueError:
        logger.exception("refused")
    [record] = records
    kind, error, _ = record.exc_info
    assert kind is ValueError and str(error) == "not a number: +*********8010"
    assert "8613800138010" not in logging.Formatter().format(record)


def test_dates_and_twilio_urls_are_not_taken_for_phone_numbers():
    from chalicelib.runtime.logs import mask_text

    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    assert mask_text(f"{url} at 2026-01-02 10:30 from 1380-01-38010") == f"{url} at 2026-01-02 10:30 from *******8010"


def test_bound_fields_reach_every_line_of_the_invocation_and_no_further(captured):
    from chalicelib.runtime import logs

    logger, records = captured
    with logs.invocation(request_id="req-1"):
        logger.info("first")
        logs.log_event(logger, "case_filed", reference="HCB-261100427", channel="sms")
        logger.info("later")
        logger.info("own reference wins", extra={"reference": "HCB-261100999"})
    logger.info("next invocation")
    first, filed, later, own, after = records
    assert (first.request_id, getattr(first, "reference", None)) == ("req-1", None)
    assert (filed.reference, later.reference, later.request_id) == ("HCB-261100427", "HCB-261100427", "req-1")
    assert own.reference == "HCB-261100999"
    assert not hasattr(after, "request_id") and not hasattr(after, "reference")


def test_log_event_logs_the_event_as_the_message_and_the_fields_as_keys(captured):
    from chalicelib.runtime.logs import log_event

    logger, records = captured
    log_event(logger, "send_retry_scheduled", message="msg-7", attempts=3, to=PHONE, level="high")
    [record] = records
    assert record.getMessage() == "send_retry_scheduled" and record.event == "send_retry_scheduled"
    # `message` and `level` are taken by logging and by Lambda's JSON lines: renamed, not lost.
    assert (record.message_id, record.level_, record.attempts, record.to) == ("msg-7", "high", 3, "+*********8010")


def test_request_id_comes_from_api_gateway_else_from_the_lambda_context():
    from types import SimpleNamespace

    from chalicelib.runtime.logs import request_id_of

    lambda_context = SimpleNamespace(aws_request_id="lambda-1")
    web = SimpleNamespace(context={"requestId": "apigw-1"}, lambda_context=lambda_context)
    local_web = SimpleNamespace(context={"httpMethod": "GET"}, lambda_context=lambda_context)
    scheduled = SimpleNamespace(context=lambda_context)
    assert [request_id_of(e) for e in (web, local_web, scheduled)] == ["apigw-1", "lambda-1", "lambda-1"]


# --- A complaint filed through the app, in a fresh interpreter as a Lambda container -------------

# Installs the root handler the Lambda runtime would, imports app, files a complaint by the JSON
# API and runs the sweep, all against moto and the Twilio stand-in; writes the reference to argv[2].
_CONTAINER = r'''
import json, logging, os, sys, traceback

mode, result_file = sys.argv[1], sys.argv[2]


class LambdaJsonFormatter(logging.Formatter):
    """As awslambdaric's JsonFormatter: the record's other attributes become top-level keys,
    encoded with a plain JSONEncoder (no default=)."""
    RESERVED = {"name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
                "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
                "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type"}

    def format(self, record):
        result = {"timestamp": "2026-01-01T00:00:00.000Z", "level": record.levelname, "message": record.getMessage(),
                  "logger": record.name,
                  "stackTrace": traceback.format_tb(record.exc_info[2]) if record.exc_info else None,
                  "errorType": record.exc_info[0].__name__ if record.exc_info else None,
                  "errorMessage": str(record.exc_info[1]) if record.exc_info else None,
                  "requestId": getattr(record, "aws_request_id", None)}
        result.update((k, v) for k, v in record.__dict__.items() if k not in self.RESERVED and k not in result)
        return json.dumps({k: v for k, v in result.items() if v is not None}, ensure_ascii=False)


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = "lambda-runtime-request-id"
        return True


handler = logging.StreamHandler(sys.stdout)
handler.addFilter(LambdaLoggerFilter())
if mode == "json":  # LoggingConfig LogFormat JSON, ApplicationLogLevel INFO
    handler.setFormatter(LambdaJsonFormatter())
    logging.getLogger().setLevel(os.environ["AWS_LAMBDA_LOG_LEVEL"])
else:  # no LoggingConfig: plain text, the root left at WARNING
    handler.setFormatter(logging.Formatter("PLAIN [%(levelname)s] %(aws_request_id)s %(name)s %(message)s"))
logging.getLogger().addHandler(handler)

import app  # noqa: E402 - after the runtime's handler, as in Lambda

import boto3  # noqa: E402
from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402

from support import TWILIO_SID, TWILIO_TOKEN, prepare_table  # noqa: E402
from infra import config  # noqa: E402
from sandbox.twilio_standin import TwilioStandIn  # noqa: E402

twilio = TwilioStandIn(TWILIO_SID, TWILIO_TOKEN).start()
os.environ["TWILIO_API_BASE"] = twilio.base_url
try:
    with mock_aws():
        boto3.client("ses").verify_domain_identity(Domain="harbourcitybank.example")
        prepare_table(boto3.client("dynamodb"), boto3.resource("dynamodb"), os.environ["TABLE_NAME"],
                       config.load("harbour-city-bank"))
        with Client(app.app) as client:
            response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"},
                                        body=json.dumps({"description": "Charged twice for one transfer",
                                                         "phone": "+8613800138010", "language": "en"}))
            assert response.status_code == 201, response.body
            # Chalice's own logger, as the event handlers use it, with a contact in its args.
            from chalicelib.runtime import logs  # noqa: E402 - app set it up at its first invocation

            with logs.invocation(request_id="sns-delivery-1"):
                app.app.log.info("inbound_email %s", {"sender": "complainant.lee@example.org", "to": "13800138010"})
            client.lambda_.invoke("sla_sweep", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    with open(result_file, "w") as out:
        json.dump({"reference": json.loads(response.body)["reference"]}, out)
finally:
    twilio.stop()
'''


def _run_container(mode: str, tmp_path, tencent_base: str) -> tuple[str, list[dict], str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_LAMBDA_LOG_")}
    env.update(  # the acknowledgement to a mainland number goes through Tencent Cloud SMS (its stand-in)
        {
            f"TENCENT_SMS_{name}": value
            for name, value in zip(("SECRET_ID", "SECRET_KEY", "APP_ID"), TENCENT_CREDENTIALS, strict=True)
        }
        | {"TENCENT_SMS_API_BASE": tencent_base}
    )
    env.update(
        {
            "TABLE_NAME": "hotline-logging",
            "AWS_LAMBDA_FUNCTION_NAME": "hotline-harbour-city-bank-api",
            "INSTITUTION": "harbour-city-bank",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        }
    )
    if mode == "json":  # what the runtime is told by LoggingConfig JSON / INFO
        env.update({"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"})
    result = tmp_path / f"{mode}.json"
    ran = subprocess.run(
        [sys.executable, "-c", _CONTAINER, mode, str(result)],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Logging error" not in ran.stderr, ran.stderr
    lines = []
    for line in ran.stdout.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            lines.append({"plain": line})
    return json.loads(result.read_text())["reference"], lines, ran.stdout + ran.stderr


@pytest.mark.parametrize("mode", ["plain", "json"])
def test_a_filed_complaint_logs_one_json_line_with_top_level_fields(mode, tmp_path, tencent):
    reference, lines, output = _run_container(mode, tmp_path, tencent.base_url)
    assert "8613800138010" not in output and "complainant.lee@" not in output  # masked everywhere
    product = [line for line in lines if str(line.get("logger", "")).startswith(("chalicelib", "complaint-hotline"))]
    # Every product line is one JSON object, none also written by the plain handler.
    assert not [
        line for line in lines if "chalicelib" in line.get("plain", "") or "complaint-hotline" in line.get("plain", "")
    ]
    [filed] = [line for line in lines if line.get("event") == "case_filed"]
    assert filed["message"] == "case_filed" and filed["level"] == "INFO"
    assert filed["reference"] == reference and filed["channel"] == "api"
    assert "+*********8010" in json.dumps(filed["contacts"])
    assert all(line.get("request_id") for line in product), product
    # Later lines of the same invocation carry the reference (the acknowledgement sent by SMS).
    # (in working hours the handler's new-case text goes in the same invocation: only the complainant's here)
    [sent] = [line for line in lines if line.get("event") == "message_sent" and line.get("to") == "+*********8010"]
    assert sent["reference"] == reference and sent["request_id"] == filed["request_id"]
    assert sent["message_id"]
    # Chalice's app.log: the same shape, masked; the sweep is another invocation, without the reference.
    [inbound] = [line for line in product if line["message"].startswith("inbound_email")]
    assert inbound["logger"] == "complaint-hotline" and "c***@example.org" in inbound["message"]
    [sweep] = [line for line in product if line["message"].startswith("sla_sweep")]
    assert sweep["logger"] == "complaint-hotline" and sweep["level"] == "INFO"
    assert sweep["request_id"] != filed["request_id"] and "reference" not in sweep
    if mode == "json":  # the runtime's own keys are there: its handler wrote the line
        assert filed["requestId"] == "lambda-runtime-request-id"
    # The EMF metric lines stay plain prints, read by CloudWatch as metrics.
    [metric] = [line for line in lines if "_aws" in line and "ComplaintsFiled" in line]
    assert "level" not in metric and metric["Channel"] == "api"


# --- The functions' LoggingConfig ------------------------------------------------------------


@pytest.mark.parametrize("slug", EXAMPLES)
def test_every_function_in_the_merge_template_logs_json_at_info(slug):
    from infra import config, render

    resources = render.merge_template(config.load_file(slug))["Resources"]
    functions = {name: item for name, item in resources.items() if "FunctionName" in item.get("Properties", {})}
    assert set(functions) == set(render.LOGICAL_IDS.values())
    for name, function in functions.items():
        logging_config = function["Properties"]["LoggingConfig"]
        assert (logging_config["LogFormat"], logging_config["ApplicationLogLevel"]) == ("JSON", "INFO"), name
        assert logging_config["SystemLogLevel"] == "WARN"
        log_group = resources[f"{name}LogGroup"]
        assert logging_config["LogGroup"] == log_group["Properties"]["LogGroupName"]
        assert f"{name}LogGroup" in function["DependsOn"]


@pytest.mark.parametrize("slug", EXAMPLES)
def test_the_packaged_functions_keep_the_logging_config(packaged_stacks, slug):
    template = json.loads((packaged_stacks[slug] / "sam.json").read_text())
    functions = [item for item in template["Resources"].values() if item["Type"] == "AWS::Serverless::Function"]
    from infra.deployment import FUNCTION_NAMES

    assert len(functions) == len(FUNCTION_NAMES) == 5
    assert all(item["Properties"]["LoggingConfig"]["LogFormat"] == "JSON" for item in functions)
