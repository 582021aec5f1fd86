"""Files staff add to a case from the browser, straight into the bucket (the edge's 64 KiB body
limit stays): the case page carries an S3 presigned POST form whose key is bound to the case and
to the session (a nonce and its HMAC), at most UPLOAD_MAX_BYTES; S3 sends the browser back to
`/staff/cases/{reference}/uploaded`, which checks the key is this session's for this case, reads
the file's size and first bytes, and records it only if it is a picture, a recording or a PDF
(the kind read from its bytes, not from its name) - anything else is deleted and refused."""

import hashlib
import hmac
import secrets
from contextlib import suppress
from datetime import datetime
from urllib.parse import quote

from chalice import Response

from chalicelib.model.case import Attachment, Event
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.store.table import DuplicateSubmission, Once

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
UPLOAD_FORM_SECONDS = 900
# The first bytes of each kind of file a case may carry, and what it is.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"\xff\xf3", "audio/mpeg"),
)


def sniffed_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    return None


def _prefix(session: str, reference: str, nonce: str) -> str:
    mac = hmac.new(session.encode(), f"upload|{reference}|{nonce}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"cases/{reference}/staff/{nonce}.{mac}/"


def upload_form(deps: Dependencies, session: str, reference: str) -> dict | None:
    """The case page's upload form for this session, or None where the deployment has no bucket."""
    if not deps.files.bucket:
        return None
    redirect = f"{deps.base_url.rstrip('/')}/staff/cases/{quote(reference)}/uploaded"
    prefix = _prefix(session, reference, secrets.token_hex(8))
    return deps.files.upload_form(prefix, UPLOAD_MAX_BYTES, redirect, UPLOAD_FORM_SECONDS)


def recorded(deps: Dependencies, session: str, member, case, key: str, now: datetime) -> str:
    """Records an uploaded file on the case; returns the text key of what the person is told."""
    parts = key.split("/")
    if len(key) > 900 or len(parts) != 5 or parts[:3] != ["cases", case.reference, "staff"] or not parts[4]:
        return "staff_upload_refused"
    nonce = parts[3].split(".")[0]
    if not hmac.compare_digest(_prefix(session, case.reference, nonce), "/".join(parts[:4]) + "/"):
        return "staff_upload_refused"
    try:
        size = deps.files.size(deps.files.bucket, key)
        content_type = sniffed_type(deps.files.read(deps.files.bucket, key, first_bytes=16))
    except Exception:  # noqa: BLE001 - no such object: nothing to record
        return "staff_upload_refused"
    if content_type is None or size > UPLOAD_MAX_BYTES:
        deps.files.delete(key)
        return "staff_upload_wrong_kind"
    name = parts[4][:200]
    attachment = Attachment(name=name, content_type=content_type, size=size, location=f"s3://{deps.files.bucket}/{key}")
    event = Event(at=now, actor=f"staff:{member.id}", kind="file_added", data={"name": name, "size": size})
    with suppress(DuplicateSubmission):  # the same redirect again (a reload): recorded once already
        deps.store.cases.add_to(
            case,
            [event],
            now,
            Once("upload", hashlib.sha256(key.encode()).hexdigest()[:40]),
            set_fields={"attachments": [a.model_dump() for a in [*case.attachments, attachment]]},
        )
    return "staff_upload_done"


def back_to_case(reference: str, said: str) -> Response:
    return Response(body="", status_code=303, headers={"Location": f"../{quote(reference)}?said={said}"})
