"""What one Lambda container keeps between invocations: AWS clients (created lazily, once, from
environment variables, as in the Chalice todo sample), the store, and the institution config,
cached briefly so that `python -m infra sync` takes effect within a minute."""
import os
import threading
import time
from functools import cache

CONFIG_TTL_SECONDS = 60
_lock = threading.Lock()
_config_cache: dict = {}


class MissingSetting(RuntimeError):
    pass


def setting(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise MissingSetting(f"environment variable {name} is not set")
    return value


@cache
def aws_resource(service: str):
    import boto3  # boto3 picks up AWS_ENDPOINT_URL_<SERVICE> for the local stand-ins

    return boto3.resource(service)


@cache
def aws_client(service: str):
    import boto3

    return boto3.client(service)


@cache
def store():
    from .store import Store

    return Store(aws_resource("dynamodb").Table(setting("TABLE_NAME")))


def institution():
    from .institution import Institution

    with _lock:
        cached = _config_cache.get("institution")
        if cached and cached[0] > time.monotonic():
            return cached[1]
    document = store().get_institution()
    if document is None:
        raise MissingSetting(
            f"no institution config in table {setting('TABLE_NAME')}: run `python -m infra sync`")
    value = Institution.model_validate(document)
    with _lock:
        _config_cache["institution"] = (time.monotonic() + CONFIG_TTL_SECONDS, value)
    return value


def reset() -> None:
    """Forget clients and config (tests switch endpoints and tables between cases)."""
    aws_resource.cache_clear()
    aws_client.cache_clear()
    store.cache_clear()
    _config_cache.clear()
