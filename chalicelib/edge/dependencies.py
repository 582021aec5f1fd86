"""Builds the dependencies object from the environment, once per container (the store, the
providers and their clients), with the institution config re-read at most once a minute so that
`python -m infra sync` takes effect without a deploy. Every entry point starts with `current()`."""

import json
import logging
from functools import cache
from pathlib import Path

from chalicelib.runtime import environment
from chalicelib.runtime.dependencies import Dependencies

CONFIG_TTL_SECONDS = 60
# The institution config as packaged with the stage (`python -m infra package` writes it into
# vendor/, whose contents sit at the zip root): what a cold container answers with when the
# table cannot be read. Locally, vendor/ itself.
_ROOT = Path(__file__).resolve().parents[2]
PACKAGED_CONFIG = (_ROOT / "institution.json", _ROOT / "vendor" / "institution.json")


def packaged_config() -> dict | None:
    for path in PACKAGED_CONFIG:
        if path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("slug") == (environment.optional("INSTITUTION") or document.get("slug")):
                return document
    return None


@cache
def _parts() -> dict:
    """What lasts as long as the container: clients are created lazily, on first use."""
    from chalicelib.intake.transcription import TranscriptionJobs
    from chalicelib.notify.ses import SesEmail
    from chalicelib.notify.tencent import TencentSms
    from chalicelib.notify.twilio import TwilioSms
    from chalicelib.store.files import MediaFiles
    from chalicelib.store.spool import Spool
    from chalicelib.store.stores import Stores

    def twilio_credentials() -> tuple[str, str]:
        return environment.secret("TWILIO_ACCOUNT_SID"), environment.secret("TWILIO_AUTH_TOKEN")

    def tencent_credentials() -> tuple[str, str, str]:
        return tuple(environment.secret(f"TENCENT_SMS_{name}") for name in ("SECRET_ID", "SECRET_KEY", "APP_ID"))

    table_name = environment.setting("TABLE_NAME")
    return {
        "store": Stores(environment.aws_resource("dynamodb").Table(table_name)),
        "sms": TwilioSms(
            twilio_credentials, environment.optional("TWILIO_FROM"), environment.optional("TWILIO_API_BASE")
        ),
        "tencent_sms": TencentSms(tencent_credentials, environment.optional("TENCENT_SMS_API_BASE")),
        "email": SesEmail(lambda: environment.aws_client("ses"), environment.optional("MAIL_FROM")),
        "files": MediaFiles(lambda: environment.aws_client("s3"), environment.optional("MAIL_BUCKET")),
        "spool": Spool(lambda: environment.aws_client("s3"), environment.optional("MAIL_BUCKET")),
        # Jobs are named after the table: one account may run several institutions, and each stack
        # takes only its own jobs' events (app.py's event pattern says the same).
        "transcription": TranscriptionJobs(lambda: environment.aws_client("transcribe"), f"{table_name}-"),
    }


def store():
    return _parts()["store"]


def spool():
    """The spool alone: a webhook keeps a delivery there when nothing else can be built or reached."""
    return _parts()["spool"]


def institution():
    return environment.for_a_while("institution", CONFIG_TTL_SECONDS, _load_institution)


def _load_institution():
    from chalicelib.model.institution import Institution
    from chalicelib.notify.complainant import acknowledgement_length_problems
    from chalicelib.runtime.rendering import use_overrides

    try:
        document = store().config.get()
    except Exception as error:
        document = packaged_config()
        if document is None:
            raise
        from chalicelib.runtime import metrics
        from chalicelib.runtime.logs import log_event

        log_event(logging.getLogger(__name__), "config_from_package", error=f"{type(error).__name__}: {error}")
        metrics.count("ConfigFromPackage")
    if document is None:
        raise environment.MissingSetting(
            f"no institution config in table {environment.setting('TABLE_NAME')}: run `python -m infra sync`"
        )
    value = Institution.model_validate(document)
    problems = acknowledgement_length_problems(value)
    if problems:
        raise ValueError("; ".join(problems))
    use_overrides(value.texts, value.messages)
    return value


def current() -> Dependencies:
    """The dependencies for this invocation: the container's store and providers, the current config."""
    return Dependencies(institution=institution(), base_url=environment.optional("PUBLIC_BASE_URL") or "", **_parts())


def reset() -> None:
    """Forget clients and config (tests switch endpoints and tables between cases)."""
    from chalicelib.runtime.rendering import use_overrides

    _parts.cache_clear()
    environment.reset()
    use_overrides({}, {})
