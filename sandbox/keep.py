"""What the sandbox keeps across restarts besides DynamoDB Local's own files: the bucket (raw
mail, recordings, pictures, attachments: moto's server holds S3 in memory), and the outbound log
(texts the Twilio stand-in took, emails SES sent, what the page's phone heard). Saved to the state
folder as the sandbox runs and when it stops, restored when it starts; `--clean` removes it."""

import json
import os
from pathlib import Path


class Keeper:
    def __init__(self, state: Path, twilio, page):
        self.folder, self.twilio, self.page = state / "kept", twilio, page
        self.bucket_folder = self.folder / "bucket"
        self.saved_keys: set[str] = set()

    def restore(self) -> None:
        import boto3

        from sandbox import page as sandbox_page

        s3, bucket = boto3.client("s3"), os.environ["MAIL_BUCKET"]
        index = self._load("bucket.json", {})
        for key, content_type in index.items():
            path = self.bucket_folder / key
            if path.is_file():
                s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type)
                self.saved_keys.add(key)
        self.twilio.messages[:0] = self._load("sms.json", [])
        sandbox_page.RESTORED_EMAILS[:] = self._load("email.json", [])
        self.page.log[:0] = self._load("phone.json", [])

    def save(self) -> None:
        import boto3

        from sandbox.page import sent_emails

        s3, bucket = boto3.client("s3"), os.environ["MAIL_BUCKET"]
        index = self._load("bucket.json", {})
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key in self.saved_keys or ".." in key.split("/"):
                    continue
                stored = s3.get_object(Bucket=bucket, Key=key)
                path = self.bucket_folder / key
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(stored["Body"].read())
                index[key] = stored.get("ContentType", "application/octet-stream")
                self.saved_keys.add(key)
        self._dump("bucket.json", index)
        self._dump("sms.json", list(self.twilio.messages))
        self._dump("email.json", sent_emails())
        self._dump("phone.json", list(self.page.log))

    def _load(self, name: str, default):
        path = self.folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default

    def _dump(self, name: str, value) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.tmp"
        temporary.write_text(json.dumps(value, ensure_ascii=False, default=str), encoding="utf-8")
        temporary.replace(self.folder / name)  # never half a file, even if the sandbox is killed
