"""The `deployment:` section of an institution's config file: where and how its stack runs.
Only the admin CLI reads it; the functions get what they need as environment variables.
No secrets here: the Twilio credentials are *named* (an SSM SecureString parameter or a Secrets
Manager secret) and read by the functions at run time."""

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from chalicelib.model.institution import Strict

# ssm:/path/of/parameter  or  secretsmanager:secret-name#json_key
SECRET_REFERENCE = re.compile(
    r"^(ssm:/[A-Za-z0-9_.\-/]{1,1000}|secretsmanager:[A-Za-z0-9/_+=.@\-]{1,512}#[A-Za-z0-9_]{1,64})$"
)
FUNCTION_NAMES = ("api_handler", "sla_sweep", "inbound_email", "transcribed", "spool_replay")
STACK_PREFIX = "hotline"


class FunctionSize(Strict):
    memory_mb: int = Field(ge=128, le=10240)
    timeout_seconds: int = Field(ge=1, le=900)


# 512 MB buys the CPU for a quick cold start; API Gateway gives up on a request after 29 s.
DEFAULT_FUNCTIONS = {
    "api_handler": FunctionSize(memory_mb=512, timeout_seconds=28),
    "sla_sweep": FunctionSize(memory_mb=512, timeout_seconds=120),
    "inbound_email": FunctionSize(memory_mb=512, timeout_seconds=120),
    "transcribed": FunctionSize(memory_mb=256, timeout_seconds=60),
    "spool_replay": FunctionSize(memory_mb=512, timeout_seconds=120),
}


TWILIO_SECRETS = ("twilio_account_sid", "twilio_auth_token")
TENCENT_SECRETS = (
    "tencent_sms_secret_id",
    "tencent_sms_secret_key",
    "tencent_sms_app_id",
    "tencent_sms_callback_token",
)


def secrets_needed(institution) -> tuple[str, ...]:
    """The credentials an institution's functions read: Twilio's always, Tencent Cloud SMS's when a
    sending profile uses it."""
    uses_tencent = any(profile.provider == "tencent" for profile in institution.channels.sms_profiles)
    return TWILIO_SECRETS + (TENCENT_SECRETS if uses_tencent else ())


class Deployment(Strict):
    region: str = Field(default="us-east-1", pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    # A custom domain mapped to the API (https://complaints.example.com/). Without one, `deploy`
    # uses the API Gateway URL, which it learns from the first deployment.
    public_base_url: str | None = Field(default=None, pattern=r"^https://[^\s/]+(/[^\s]*)?/$")
    twilio_account_sid: str | None = None  # default ssm:/hotline/<slug>/twilio-account-sid
    twilio_auth_token: str | None = None  # default ssm:/hotline/<slug>/twilio-auth-token
    # Tencent Cloud SMS, for an institution with a `provider: tencent` sending profile; defaults
    # ssm:/hotline/<slug>/tencent-sms-secret-id, -secret-key, -app-id, -callback-token.
    tencent_sms_secret_id: str | None = None
    tencent_sms_secret_key: str | None = None
    tencent_sms_app_id: str | None = None
    tencent_sms_callback_token: str | None = None
    alarm_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    mail_retention_days: int = Field(default=1825, gt=0)  # raw mail and media; records stay in the table
    infrequent_access_after_days: int = Field(default=90, ge=30)
    log_retention_days: Literal[30, 60, 90, 180, 365, 731, 1827, 3653] = 365
    # SES has one active receipt rule set per region and account; each institution adds its rule to it.
    receipt_rule_set: str = Field(default="complaint-hotline", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    functions: dict[Literal["api_handler", "sla_sweep", "inbound_email", "transcribed"], FunctionSize] = Field(
        default_factory=dict
    )

    @field_validator("twilio_account_sid", "twilio_auth_token", *TENCENT_SECRETS)
    @classmethod
    def _a_name_not_a_secret(cls, value: str | None) -> str | None:
        if value is not None and not SECRET_REFERENCE.match(value):
            raise ValueError(
                "expected the name of where the secret is kept -- ssm:/path/to/parameter or "
                "secretsmanager:name#key -- never the secret itself"
            )
        return value

    @model_validator(mode="after")
    def _expiry_after_transition(self):
        if self.mail_retention_days <= self.infrequent_access_after_days:
            raise ValueError(
                f"mail_retention_days: {self.mail_retention_days} must be more than "
                f"infrequent_access_after_days ({self.infrequent_access_after_days}): S3 moves mail to "
                "infrequent access before it expires"
            )
        return self

    def secret(self, slug: str, name: str) -> str:
        return getattr(self, name) or f"ssm:/{STACK_PREFIX}/{slug}/{name.replace('_', '-')}"

    def function(self, name: str) -> FunctionSize:
        return self.functions.get(name, DEFAULT_FUNCTIONS[name])


def stack_name(slug: str) -> str:
    """Also the prefix of every named resource of the stack: two institutions never share a name.
    Short, because Lambda function names stop at 64 characters and bucket names at 63."""
    return f"{STACK_PREFIX}-{slug}"
