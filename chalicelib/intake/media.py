"""Keeping what complainants send with their messages (MMS pictures, voice recordings) in the
mail/media bucket. A file that cannot be fetched is kept as its provider URL: nothing is lost."""
import logging
import mimetypes

from chalicelib.runtime import context
from chalicelib.model.case import Attachment
from chalicelib.runtime.logs import log_event

logger = logging.getLogger(__name__)
MAX_MEDIA_BYTES = 5 * 1024 * 1024  # Twilio's own MMS limit


def fetch_twilio_media(url: str) -> tuple[bytes, str]:
    import requests

    from chalicelib.notify.sender import twilio_url

    response = requests.get(twilio_url(url), auth=(context.secret("TWILIO_ACCOUNT_SID"),
                                                   context.secret("TWILIO_AUTH_TOKEN")), timeout=10, stream=True)
    response.raise_for_status()
    content = response.raw.read(MAX_MEDIA_BYTES + 1, decode_content=True)
    if len(content) > MAX_MEDIA_BYTES:
        raise ValueError(f"media larger than {MAX_MEDIA_BYTES} bytes")
    return content, response.headers.get("Content-Type", "application/octet-stream")


def keep_twilio_media(url: str, content_type: str, key_prefix: str, name: str) -> Attachment:
    try:
        content, served_type = fetch_twilio_media(url)
        content_type = content_type or served_type
        extension = mimetypes.guess_extension(content_type.split(";")[0]) or ".bin"
        bucket = context.setting("MAIL_BUCKET")
        key = f"{key_prefix}/{name}{extension}"
        context.aws_client("s3").put_object(Bucket=bucket, Key=key, Body=content, ContentType=content_type,
                                            ServerSideEncryption="AES256")
        return Attachment(name=f"{name}{extension}", content_type=content_type, size=len(content),
                          location=f"s3://{bucket}/{key}")
    except Exception as error:  # noqa: BLE001 - the provider URL still points at the file
        log_event(logger, "media_not_copied", url=url, error=str(error))
        return Attachment(name=name, content_type=content_type or "application/octet-stream", size=0, location=url)
