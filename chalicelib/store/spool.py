"""The spool (S3, under spool/ in the stack's mail/media bucket): Twilio deliveries that could not be
filed in time, kept as Twilio sent them - the signed URL, the X-Twilio-Signature and the raw form
body - until the spool replay files them. Two writers, one shape: the webhook itself when DynamoDB is
slow or down (spool/<received ms>-<id>.json), and the fallback endpoint, API Gateway writing straight
to S3 when the function fails or times out (spool/fallback/<API Gateway request id>; its mapping
template in infra/render.py writes the same fields)."""

import base64
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timezone

from pydantic import BaseModel

PREFIX = "spool/"
REFUSED = "spool-refused/"  # a delivery whose signature does not verify: kept for a person, never filed


def route_of(path: str) -> str:
    """The webhook a delivery was sent to, below /twilio or the fallback's stage: "/twilio/sms" and
    the fallback's "/sms" are both "sms"; the call's first step is "voice"."""
    return path.strip("/").removeprefix("twilio").strip("/") or "voice"


class SpooledDelivery(BaseModel):
    received_at: datetime
    route: str  # the webhook it was sent to, below /twilio: "sms", "voice", "voice/recorded", ...
    url: str  # the URL Twilio signed, query included
    signature: str
    body: str  # the form body as posted
    source: str  # "webhook" or "fallback"
    key: str = ""  # where it is kept

    @classmethod
    def from_object(cls, key: str, document: dict) -> "SpooledDelivery":
        return cls(
            received_at=datetime.fromtimestamp(int(document["received_ms"]) / 1000, tz=timezone.utc),
            route=route_of(document["route"]),
            url=document["url"],
            signature=document.get("signature") or "",
            body=base64.b64decode(document.get("body") or "").decode("utf-8"),
            source=document.get("source") or "fallback",
            key=key,
        )

    def document(self) -> dict:
        return {
            "received_ms": str(int(self.received_at.timestamp() * 1000)),
            "route": self.route,
            "url": self.url,
            "signature": self.signature,
            "body": base64.b64encode(self.body.encode("utf-8")).decode("ascii"),
            "source": self.source,
        }


class Spool:
    """`client` returns the S3 client (created when first needed); `bucket` is MAIL_BUCKET."""

    def __init__(self, client: Callable, bucket: str | None):
        self._client = client
        self.bucket = bucket

    def keep(self, delivery: SpooledDelivery) -> str:
        if not self.bucket:
            raise LookupError("no bucket for the spool is configured (MAIL_BUCKET)")
        key = f"{PREFIX}{int(delivery.received_at.timestamp() * 1000):013d}-{secrets.token_hex(8)}.json"
        self._client().put_object(
            Bucket=self.bucket,
            Key=key,
            Body=json.dumps(delivery.document()).encode("utf-8"),
            ContentType="application/json",
            ServerSideEncryption="AES256",
        )
        return key

    def pending(self, limit: int = 1000) -> list[SpooledDelivery]:
        """What waits to be filed, oldest first (at most `limit`: the next run takes the rest)."""
        if not self.bucket:
            return []
        client, deliveries = self._client(), []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=PREFIX):
            for item in page.get("Contents", []):
                if len(deliveries) >= limit:
                    break
                document = json.loads(client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read())
                deliveries.append(SpooledDelivery.from_object(item["Key"], document))
        return sorted(deliveries, key=lambda delivery: (delivery.received_at, delivery.key))

    def done(self, delivery: SpooledDelivery) -> None:
        self._client().delete_object(Bucket=self.bucket, Key=delivery.key)

    def refuse(self, delivery: SpooledDelivery) -> None:
        """Out of the way of the replay, kept for a person to look at."""
        client = self._client()
        client.copy_object(
            Bucket=self.bucket,
            Key=REFUSED + delivery.key.removeprefix(PREFIX),
            CopySource={"Bucket": self.bucket, "Key": delivery.key},
            ServerSideEncryption="AES256",
        )
        client.delete_object(Bucket=self.bucket, Key=delivery.key)
