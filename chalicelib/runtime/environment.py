"""What one Lambda container reads from its environment, once: settings (environment variables),
secrets (SSM SecureString or Secrets Manager, cached a few minutes), and AWS clients (created
lazily, once, as in the Chalice todo sample; boto3 picks up AWS_ENDPOINT_URL_<SERVICE> for the
local stand-ins). Only the edge and the runtime read it; everything below gets what it needs passed in."""

import os
import threading
import time
from functools import cache

SECRET_TTL_SECONDS = 300  # a rotated Twilio token reaches every container within 5 minutes
_lock = threading.Lock()
_cached: dict = {}  # key -> (valid until, on the monotonic clock; value)


def for_a_while(key: str, seconds: float, compute):
    """The value computed at most once per `seconds` in this container."""
    with _lock:
        entry = _cached.get(key)
        if entry and entry[0] > time.monotonic():
            return entry[1]
    value = compute()
    with _lock:
        _cached[key] = (time.monotonic() + seconds, value)
    return value


class MissingSetting(RuntimeError):
    pass


def setting(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise MissingSetting(f"environment variable {name} is not set")
    return value


def optional(name: str) -> str | None:
    return os.environ.get(name) or None


def secret(name: str) -> str:
    """A credential (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN): the environment variable itself in
    the sandbox and tests; in AWS, the SSM SecureString parameter or Secrets Manager secret named by
    `<name>_REF` (`ssm:/path` or `secretsmanager:name#key`), read once per container and cached."""
    if os.environ.get(name):
        return os.environ[name]
    reference = os.environ.get(f"{name}_REF")
    if not reference:
        raise MissingSetting(f"neither {name} nor {name}_REF is set")
    return for_a_while(f"secret:{reference}", SECRET_TTL_SECONDS, lambda: _read_secret(reference))


def secret_reference(reference: str) -> tuple[str, str, str | None]:
    """`ssm:/path` -> ("ssm", "/path", None); `secretsmanager:name#key` -> ("secretsmanager", "name", "key")."""
    kind, _, where = reference.partition(":")
    if kind == "ssm":
        return kind, where, None
    if kind == "secretsmanager":
        name, _, key = where.partition("#")
        return kind, name, key
    raise MissingSetting(f"{reference!r}: expected ssm:/path or secretsmanager:name#key")


def _read_secret(reference: str) -> str:
    kind, name, key = secret_reference(reference)
    if kind == "ssm":
        return aws_client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    import json

    document = json.loads(aws_client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])
    if key not in document:
        raise MissingSetting(f"secret {name} has no key {key!r}")
    return document[key]


# Time budgets: a Twilio webhook must be answered within 15 s and API Gateway gives up at 29 s, while
# botocore's defaults (60 s to connect, 60 s to read, legacy retries) outlive both. DynamoDB answers in
# milliseconds when it is well: 1 s to connect and 3 s to read, 3 attempts in all (botocore's
# `total_max_attempts`; its `max_attempts` would count retries only) in botocore's `standard`
# mode (exponential backoff with full jitter, throttling retried) keep one call under about 13 s, and
# what cannot be stored in time is refused quickly enough for the provider to retry it. DynamoDB
# validates every request itself, so botocore's own walk over each attribute (a filing's items hold
# about 180) is skipped: it cost more than a millisecond a complaint.
CLIENT_BUDGETS = {
    "dynamodb": {
        "connect_timeout": 1,
        "read_timeout": 3,
        "retries": {"mode": "standard", "total_max_attempts": 3},
        "parameter_validation": False,
    },
    # Signed links to files (a recording on a case page) in Signature Version 4, which every region
    # takes, with their lifetime as X-Amz-Expires.
    "s3": {
        "connect_timeout": 2,
        "read_timeout": 10,
        "retries": {"mode": "standard", "total_max_attempts": 3},
        "signature_version": "s3v4",
    },
}
DEFAULT_BUDGET = {"connect_timeout": 2, "read_timeout": 10, "retries": {"mode": "standard", "total_max_attempts": 3}}


def client_config(service: str):
    from botocore.config import Config

    return Config(**CLIENT_BUDGETS.get(service, DEFAULT_BUDGET))


# Storage calls a webhook makes count against its time budget (runtime/budget.py); the spool's own
# S3 writes do not, since they are what a spent budget falls back to.
BUDGETED_SERVICES = ("dynamodb",)


@cache
def aws_resource(service: str):
    import boto3

    resource = boto3.resource(service, config=client_config(service))
    _budgeted(service, resource.meta.client)
    return resource


@cache
def aws_client(service: str):
    import boto3

    client = boto3.client(service, config=client_config(service))
    _budgeted(service, client)
    return client


def _budgeted(service: str, client) -> None:
    if service in BUDGETED_SERVICES:
        from chalicelib.runtime import budget

        budget.watch(client)


def reset() -> None:
    """Forget clients, secrets and cached values (tests switch endpoints and tables between cases)."""
    aws_resource.cache_clear()
    aws_client.cache_clear()
    _cached.clear()
