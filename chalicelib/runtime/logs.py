"""Logging that reaches CloudWatch: one JSON object per line, the fields as top-level keys,
complainant contact details masked, and every line of an invocation carrying its request id and,
once a case is known, its reference.

How the Lambda Python runtime logs (github.com/aws/aws-lambda-python-runtime-interface-client,
awslambdaric/bootstrap.py `_setup_logging` and awslambdaric/lambda_runtime_log_utils.py
`JsonFormatter`; docs.aws.amazon.com/lambda/latest/dg/python-logging.html, "advanced logging
controls", and .../monitoring-cloudwatchlogs-log-level.html):
- Before the handler module is imported it puts one handler on the root logger. It reads the
  function's LoggingConfig from AWS_LAMBDA_LOG_FORMAT ("JSON" or "Text") and AWS_LAMBDA_LOG_LEVEL
  (ApplicationLogLevel); only with a level does it set the root logger's level, so without a
  LoggingConfig the root stays at WARNING and the handler is plain text: module loggers' INFO
  lines are lost.
- In JSON mode its JsonFormatter writes "timestamp", "level", "message", "logger", "requestId"
  (and "errorType", "errorMessage", "stackTrace", "location" with an exception), then every other
  attribute of the record -- so each `extra=` key -- at the top level, skipping a key it already
  wrote; None values are dropped. It encodes with a plain json.JSONEncoder: a value json cannot
  encode loses the whole line, hence the clean-up of the fields below.
infra/render.py sets LoggingConfig JSON/INFO on every function; setup() also covers the case
without it (and local runs): the product's loggers then get their own stdout handler writing the
same shape. The EMF metric lines (runtime/metrics.py) are plain prints and stay outside all this.
Nothing heavy is imported here: app.py calls setup() at import, in every cold start."""

import contextvars
import json
import logging
import os
import re
import sys
import time
from contextlib import contextmanager

# A whole run of 8 to 18 digits (spaces and dashes allowed), not part of a reference like HCB-261100427,
# nor a date (Twilio's URLs have /2010-04-01/; a timestamp 2026-01-02 10:30).
_PHONE = re.compile(r"(?<![\w-])(?!\d{4}-\d\d-\d\d(?![\d\w]))\+?\d[\d\s-]{6,16}\d(?![\d\w])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")

# Loggers whose INFO lines are the product's: chalicelib's module loggers (getLogger(__name__))
# and, given to setup(), Chalice's app.log.
PRODUCT_LOGGERS = ("chalicelib",)
# Attributes every LogRecord has: not fields.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# What the Lambda runtime adds to a record, and the keys its JsonFormatter writes itself: a field
# named like one of these would be refused by logging or dropped by the formatter, so it is renamed.
_RUNTIME_ATTRIBUTES = frozenset({"aws_request_id", "tenant_id"})
_FORMATTER_KEYS = frozenset(
    {"timestamp", "level", "logger", "requestId", "tenantId", "location", "errorType", "errorMessage", "stackTrace"}
)
_RENAMED = {"message": "message_id"}  # log_event(..., message=message.id)
# Not contact details, and masking would garble them (a request id may start with 8 digits).
_UNMASKED = frozenset({"request_id", "reference", "event"})

_fields: contextvars.ContextVar[dict] = contextvars.ContextVar("hotline_log_fields")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    return ("+" if phone.startswith("+") else "") + "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Masks anything that looks like a phone number or an email address inside free text."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def mask_value(value):
    """A field's value made safe to log: strings masked (inside lists and dicts too), and anything
    json cannot encode turned into (masked) text."""
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(key): mask_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [mask_value(item) for item in value]
    if hasattr(value, "isoformat"):  # datetime, date: not str(), whose "2025-01-02 10" looks like a phone
        return value.isoformat()
    return mask_text(str(value))


# --- What every line of an invocation carries -------------------------------------------------


def bind(**fields) -> None:
    """Adds fields (e.g. reference=...) to every later line of this invocation."""
    _fields.set({**_fields.get({}), **{key: value for key, value in fields.items() if value is not None}})


def bound() -> dict:
    return dict(_fields.get({}))


@contextmanager
def invocation(**fields):
    """The fields of one invocation, from the start: what an earlier invocation bound is gone."""
    token = _fields.set({key: value for key, value in fields.items() if value is not None})
    try:
        yield
    finally:
        _fields.reset(token)


def request_id_of(event) -> str | None:
    """A Chalice event's request id: API Gateway's (the x-amzn-RequestId a caller sees) for a web
    request, else the Lambda context's aws_request_id."""
    context = getattr(event, "context", None)
    if isinstance(context, dict) and context.get("requestId"):
        return context["requestId"]
    lambda_context = getattr(event, "lambda_context", None) or context
    return getattr(lambda_context, "aws_request_id", None)


# --- The filter, the formatter, the setup ----------------------------------------------------


def _field_name(key: str) -> str:
    if key in _RECORD_ATTRIBUTES or key in _RUNTIME_ATTRIBUTES or key in _FORMATTER_KEYS:
        return _RENAMED.get(key, key + "_")
    return key


def _fields_of(record: logging.LogRecord):
    return [
        key
        for key in record.__dict__
        if key not in _RECORD_ATTRIBUTES and key not in _RUNTIME_ATTRIBUTES and not key.startswith("_")
    ]


def _masked_exception(exc_info):
    """The exception with its message masked (a validation error quotes the input it refused)."""
    kind, error, trace = exc_info
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break the log line
        return exc_info
    masked = mask_text(text)
    if masked == text:
        return exc_info
    stand_in = type(kind.__name__, (Exception,), {"__module__": kind.__module__, "__str__": lambda self: masked})
    return kind, stand_in(masked), trace


class ContextFilter(logging.Filter):
    """Adds the invocation's bound fields to a record and masks phones and emails in its message,
    its args and its fields. Installed on the handlers that write the product's lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _fields.get({}).items():
            if key not in record.__dict__:
                setattr(record, key, value)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - bad args: the handler reports it when formatting
            return True
        record.msg, record.args = mask_text(message), None
        for key in _fields_of(record):
            if key not in _UNMASKED:
                setattr(record, key, mask_value(record.__dict__[key]))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_info = _masked_exception(record.exc_info)
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """The shape of the Lambda runtime's JSON lines, for when its own handler writes plain text."""

    def format(self, record: logging.LogRecord) -> str:
        created = time.gmtime(record.created)
        line = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", created) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        if record.exc_info:
            import traceback  # already loaded by logging

            line.update(
                errorType=record.exc_info[0].__name__,
                errorMessage=str(record.exc_info[1]),
                stackTrace=traceback.format_tb(record.exc_info[2]),
                location=f"{record.pathname}:{record.funcName}:{record.lineno}",
            )
        if getattr(record, "aws_request_id", None):
            line["requestId"] = record.aws_request_id
        line.update((key, record.__dict__[key]) for key in _fields_of(record) if key not in line)
        return json.dumps(
            {key: value for key, value in line.items() if value is not None}, ensure_ascii=False, default=str
        )


class _StdoutHandler(logging.Handler):
    """One line per record on whatever sys.stdout is when it is written (Lambda wraps it, test
    runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = sys.stdout
            stream.write(line + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - logging's own contract: report, never raise
            self.handleError(record)


_filter = ContextFilter()
_handler = _StdoutHandler()
_handler.setFormatter(JsonFormatter())
_handler.addFilter(_filter)


def lambda_json_logging() -> bool:
    """Whether the Lambda runtime's root handler already writes JSON (LoggingConfig LogFormat JSON)."""
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON" and bool(logging.getLogger().handlers)


def setup(*loggers: logging.Logger) -> None:
    """Once, at import of app.py (pass Chalice's app.log, made with configure_logs=False). The
    root's handlers (the Lambda runtime's) get the filter, so whatever they write is masked. With
    Lambda's JSON format on they write the product's lines too, at the runtime's level: nothing is
    added, nothing written twice. Otherwise (plain text at WARNING, or no handler: local runs) the
    product's loggers write JSON at INFO through their own handler and do not propagate."""
    for handler in logging.getLogger().handlers:
        if _filter not in handler.filters:
            handler.addFilter(_filter)
    lambda_json = lambda_json_logging()
    for logger in [logging.getLogger(name) for name in PRODUCT_LOGGERS] + list(loggers):
        if lambda_json:
            logger.removeHandler(_handler)
        elif _handler not in logger.handlers:
            logger.addHandler(_handler)
        logger.propagate = lambda_json
        if logger.level == logging.NOTSET and not (lambda_json and os.environ.get("AWS_LAMBDA_LOG_LEVEL")):
            logger.setLevel(logging.INFO)


_set_up: list[bool] = []


def setup_once(*loggers: logging.Logger) -> None:
    """setup(), the first time a container is asked (the middleware asks at every invocation)."""
    if not _set_up:
        setup(*loggers)
        _set_up.append(True)


def log_event(logger: logging.Logger, event: str, **fields) -> None:
    """One line per event: `event` is the message and a field, the other fields are top-level keys
    (never JSON inside the message), contact details masked whatever field they hide in. A
    `reference` is bound, so the invocation's later lines carry it too."""
    if fields.get("reference"):
        bind(reference=fields["reference"])
    extra = {_field_name(key): value if key in _UNMASKED else mask_value(value) for key, value in fields.items()}
    logger.info(event, extra={**extra, "event": event})
