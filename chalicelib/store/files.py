"""The mail/media bucket (S3): raw inbound mail (written by SES), and what complainants send with
their messages - MMS pictures, voice recordings, email attachments, transcripts."""

import json
from collections.abc import Callable


def origin_of(url: str) -> str:
    """A URL's scheme, host and port: what a Content-Security-Policy names."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class MediaFiles:
    """`client` returns the S3 client (created once per container, when first needed); `bucket` is
    the stack's bucket (MAIL_BUCKET), None where the deployment has none."""

    def __init__(self, client: Callable, bucket: str | None):
        self._client = client
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str, bucket: str | None = None) -> str:
        """Stores a file (encrypted at rest); returns its location, s3://bucket/key."""
        bucket = bucket or self.bucket
        if not bucket:
            raise LookupError("no media bucket is configured (MAIL_BUCKET)")
        self._client().put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=content_type, ServerSideEncryption="AES256"
        )
        return f"s3://{bucket}/{key}"

    def size(self, bucket: str, key: str) -> int:
        return self._client().head_object(Bucket=bucket, Key=key)["ContentLength"]

    def read(self, bucket: str, key: str, first_bytes: int | None = None) -> bytes:
        extra = {"Range": f"bytes=0-{first_bytes - 1}"} if first_bytes else {}
        return self._client().get_object(Bucket=bucket, Key=key, **extra)["Body"].read()

    def read_json(self, key: str) -> dict:
        return json.loads(self.read(self.bucket, key))

    def signed_url(self, location: str, content_type: str, seconds: int) -> str | None:
        """A URL that fetches the file for `seconds`, without credentials: for s3:// locations a
        presigned GET; a provider's https URL (kept when a copy failed) as it is."""
        if location.startswith("https://"):
            return location
        if not location.startswith("s3://"):
            return None
        bucket, _, key = location.removeprefix("s3://").partition("/")
        return self._client().generate_presigned_url(
            "get_object",
            Params={"Bucket": bucket, "Key": key, "ResponseContentType": content_type},
            ExpiresIn=seconds,
        )

    def signed_origin(self) -> str:
        """Where signed URLs of this bucket lead (scheme, host, port), for a page's CSP."""
        return origin_of(self.signed_url(f"s3://{self.bucket or 'bucket'}/origin", "text/plain", 60))

    def upload_form(self, key_prefix: str, max_bytes: int, redirect: str, seconds: int) -> dict:
        """A browser's direct upload into the bucket (an S3 presigned POST): the form's `url` and
        hidden `fields`. The file lands under `key_prefix` with its own name, at most `max_bytes`,
        and S3 sends the browser on to `redirect` with the bucket and key."""
        return self._client().generate_presigned_post(
            Bucket=self.bucket,
            Key=key_prefix + "${filename}",
            Fields={"success_action_redirect": redirect},
            Conditions=[
                ["starts-with", "$key", key_prefix],
                ["content-length-range", 1, max_bytes],
                {"success_action_redirect": redirect},
            ],
            ExpiresIn=seconds,
        )

    def delete(self, key: str) -> None:
        self._client().delete_object(Bucket=self.bucket, Key=key)
