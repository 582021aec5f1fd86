"""Keeping what complainants send with their messages (MMS pictures, voice recordings) in the
mail/media bucket. A file that cannot be fetched or stored is kept as its provider URL: nothing is lost."""

import logging
import mimetypes

from chalicelib.model.case import Attachment
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event

logger = logging.getLogger(__name__)


def keep_twilio_media(deps: Dependencies, url: str, content_type: str, key_prefix: str, name: str) -> Attachment:
    try:
        content, served_type = deps.sms.fetch_media(url)
        content_type = content_type or served_type
        extension = mimetypes.guess_extension(content_type.split(";")[0]) or ".bin"
        location = deps.files.put(f"{key_prefix}/{name}{extension}", content, content_type)
        return Attachment(name=f"{name}{extension}", content_type=content_type, size=len(content), location=location)
    except Exception as error:  # noqa: BLE001 - the provider URL still points at the file
        log_event(logger, "media_not_copied", url=url, error=str(error))
        return Attachment(name=name, content_type=content_type or "application/octet-stream", size=0, location=url)
