"""Protection against abuse: hourly counting windows per source, the quarantine that keeps
suspected spam for an administrator (never thrown away), and the API keys of the institution's
own systems. Keys are 256 random bits, shown once by `python -m infra api-key create`, stored
only as SHA-256; a known key gets its own hourly limit and its name on the case."""

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from chalicelib.runtime.clock import iso
from chalicelib.store.table import FamilyStore, digest, new_secret, quarantine_pk, single

API_CLIENTS = "APICLIENTS"


@dataclass(frozen=True)
class ApiClient:
    name: str
    per_hour: int


# A keyed client may be allowed far more than a person: its window is spread over as many items as
# keep each under 100 writes a second at the full limit (each shard takes its share of the limit and
# is chosen at random), so no one item is written by every filing. Limits up to 360,000 an hour
# stay one item, and exact.
WRITES_PER_SHARD_PER_HOUR = 100 * 3600


class OverLimit(Exception):
    """The source has filed its hourly limit: the filing was refused and nothing was written."""


@dataclass(frozen=True)
class Window:
    """An hourly counting window a filing takes one from, in the filing's own transaction."""

    source: str  # "<kind>#<address or key:name>"
    hour: str  # "%Y%m%d%H"
    limit: int
    sharded: bool = False

    def update(self) -> dict:
        """The transaction's update; OverLimit at once for a limit of 0 (an absent item passes the condition)."""
        import math
        import random

        if self.limit < 1:
            raise OverLimit()
        shards = math.ceil(self.limit / WRITES_PER_SHARD_PER_HOUR) if self.sharded else 1
        shard = f"#{random.randrange(shards)}" if shards > 1 else ""
        limit = math.ceil(self.limit / shards)
        return {
            "Key": single("RATE", self.source + shard, self.hour),
            "UpdateExpression": "ADD #n :one SET expires_at = if_not_exists(expires_at, :ttl)",
            "ConditionExpression": "attribute_not_exists(#n) OR #n < :limit",
            "ExpressionAttributeNames": {"#n": "count"},
            "ExpressionAttributeValues": {":one": 1, ":limit": limit, ":ttl": int(time.time()) + 7200},
        }


class AbuseStore(FamilyStore):
    def count_in_window(self, source: str, window: str, ttl_seconds: int) -> int:
        # TTL only: DynamoDB deletes the window some time after it has passed.
        return self.table.add_one(single("RATE", source, window), "count", ttl_epoch=int(time.time()) + ttl_seconds)

    def quarantine(self, channel: str, reason: str, payload: dict, now: datetime) -> None:
        """Suspected spam is kept for an administrator to look at, never thrown away."""
        self.table.table.put_item(
            Item={
                "PK": quarantine_pk(channel),
                "SK": f"{iso(now)}#{secrets.token_hex(3)}",
                "reason": reason,
                "payload": json.dumps(payload, ensure_ascii=False),
            }
        )

    def quarantined(self, channel: str) -> list[dict]:
        return [
            {"reason": item["reason"], "payload": json.loads(item["payload"])}
            for item in self.table.query_all(
                KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": quarantine_pk(channel)}
            )
        ]

    def register_api_client(self, name: str, per_hour: int, now: datetime) -> str:
        """A new key for a client; returned once, stored as its hash."""
        key = "hk_" + new_secret(32)
        self.table.table.put_item(
            Item={"PK": API_CLIENTS, "SK": digest(key), "name": name, "per_hour": per_hour, "created": iso(now)},
            ConditionExpression="attribute_not_exists(PK)",
        )
        return key

    def api_client_for(self, key: str) -> ApiClient | None:
        """The client presenting this key, unless it is unknown or revoked."""
        item = (
            self.table.table.get_item(Key={"PK": API_CLIENTS, "SK": digest(key)}).get("Item")
            if 16 <= len(key) <= 200
            else None
        )
        return ApiClient(item["name"], int(item["per_hour"])) if item and not item.get("revoked") else None

    def api_clients(self) -> list[dict]:
        return self.table.query_all(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": API_CLIENTS})

    def revoke_api_client(self, name: str, now: datetime) -> int:
        named = [item for item in self.api_clients() if item["name"] == name and not item.get("revoked")]
        for item in named:
            self.table.table.update_item(
                Key={"PK": API_CLIENTS, "SK": item["SK"]},
                UpdateExpression="SET revoked = :at",
                ExpressionAttributeValues={":at": iso(now)},
            )
        return len(named)
