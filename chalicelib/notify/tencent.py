"""Tencent Cloud SMS, the mainland China provider: approved-template sends through its kept SDK
(`tencentcloud-sdk-python-sms`, API 2021-01-11, requests signed TC3-HMAC-SHA256; pointed at a local
stand-in by TENCENT_SMS_API_BASE in the sandbox and tests), its status reports, and its reply
(upstream) messages.

Tencent Cloud does not sign its callbacks (its documentation names no signature header), so the
callback URLs registered in its console carry a secret of ours (TENCENT_SMS_CALLBACK_TOKEN, 32+
random characters) that every callback must present; a request without it is refused and nothing
is read. The SDK and its client are imported and built on the first send only (cold start)."""

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.notify.provider import CredentialsRefused, DeliveryReport, PermanentFailure, TemporaryFailure

# The SDK logs requests at DEBUG only; keep it quiet even so (numbers and texts are in them).
logging.getLogger("tencentcloud_sdk_common").setLevel(logging.WARNING)
MAX_CALLBACK_ITEMS = 500  # one push carries several reports; more than this is not Tencent's
# Per-number codes that retrying cannot fix; anything else (limits, operator trouble) is tried again.
_PERMANENT = (
    "InvalidParameterValue.IncorrectPhoneNumber",
    "InvalidParameterValue.TemplateParameterFormatError",
    "InvalidParameterValue.TemplateParameterLengthLimit",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.PhoneNumberInBlacklist",
    "UnsupportedOperation",
)


class Forbidden(Exception):
    pass


@dataclass(frozen=True)
class Reply:
    """A text a mainland number sent to the hotline (an upstream message)."""

    phone: str  # E.164
    text: str
    sent_at: int  # Unix seconds, as Tencent reports it
    sign: str

    @property
    def delivery_id(self) -> str:
        """Tencent gives replies no id; its retries of one push carry the same number, time and text."""
        import hashlib

        return hashlib.sha256(f"{self.phone}|{self.sent_at}|{self.text}".encode()).hexdigest()[:32]


class TencentSms:
    """Created once per container. `credentials` returns (secret id, secret key, SMS app id), read
    from the environment or a secret store at the edge when first needed."""

    def __init__(self, credentials: Callable[[], tuple[str, str, str]], api_base: str | None = None):
        self._credentials = credentials
        self.api_base = api_base
        self._client = None
        self._app_id = None

    def client(self):
        if self._client is None:
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111 import sms_client

            secret_id, secret_key, self._app_id = self._credentials()
            scheme, _, host = (self.api_base or "").rstrip("/").partition("://")
            http = HttpProfile(protocol=scheme or None, endpoint=host or None, reqTimeout=10)
            self._client = sms_client.SmsClient(
                credential.Credential(secret_id, secret_key), "ap-guangzhou", ClientProfile(httpProfile=http)
            )
        return self._client

    def send_template(self, to: str, sign_name: str, template_id: str, parameters: list[str], context: str) -> str:
        """One approved template to one number; Tencent's serial number of the send back."""
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        client = self.client()
        request = models.SendSmsRequest()
        request.SmsSdkAppId, request.SignName, request.TemplateId = self._app_id, sign_name, template_id
        request.PhoneNumberSet, request.TemplateParamSet, request.SessionContext = [to], parameters, context
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as error:
            code = error.get_code() or ""
            if code.startswith(("AuthFailure", "UnauthorizedOperation")):
                raise CredentialsRefused("Tencent Cloud SMS", code) from None
            if code.startswith(("InvalidParameter", "MissingParameter")):
                raise PermanentFailure(f"Tencent Cloud SMS {code}: {error.get_message()}") from None
            raise TemporaryFailure(f"Tencent Cloud SMS {code}") from None
        [status] = response.SendStatusSet
        if status.Code == "Ok":
            return status.SerialNo
        if status.Code.startswith(_PERMANENT):
            raise PermanentFailure(f"Tencent Cloud SMS {status.Code}: {status.Message}")
        raise TemporaryFailure(f"Tencent Cloud SMS {status.Code}: {status.Message}")


def verify_token(expected: str, presented: str | None) -> None:
    if not expected or not presented or not hmac.compare_digest(expected.encode(), presented.encode()):
        raise Forbidden("callback token does not match")


def _items(body: bytes) -> list[dict]:
    try:
        items = json.loads(body or b"[]")
    except ValueError:
        raise ValueError("not JSON") from None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or len(items) > MAX_CALLBACK_ITEMS or not all(isinstance(i, dict) for i in items):
        raise ValueError(f"expected a JSON array of at most {MAX_CALLBACK_ITEMS} objects")
    return items


def replies(body: bytes) -> list[Reply]:
    """Tencent's reply callback: [{"mobile", "nationcode", "text", "time", "sign", "extend"}]."""
    found = []
    for item in _items(body):
        mobile, code = str(item.get("mobile", "")).strip(), str(item.get("nationcode", "86")).strip()
        if not mobile.isdigit() or not code.isdigit() or len(mobile) > 15:
            raise ValueError("mobile and nationcode must be digits")
        found.append(
            Reply(
                phone=f"+{code}{mobile}",
                text=str(item.get("text", ""))[:5000],
                sent_at=int(item.get("time") or 0),
                sign=str(item.get("sign", ""))[:60],
            )
        )
    return found


def delivery_reports(body: bytes) -> list[DeliveryReport]:
    """Tencent's status callback: [{"sid", "report_status": SUCCESS|FAIL, "errmsg", ...}]."""
    reports = []
    for item in _items(body):
        sid, status = str(item.get("sid", ""))[:128], item.get("report_status")
        if not sid or status not in ("SUCCESS", "FAIL"):
            continue
        failed = status == "FAIL"
        reports.append(
            DeliveryReport(
                provider_id=sid,
                status="undelivered" if failed else "delivered",
                rank=4,
                error_code=str(item.get("errmsg") or "")[:40] or None,
                failed=failed,
            )
        )
    return reports
