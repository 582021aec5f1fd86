"""Keys for the JSON intake: an institution's own website backend or app server files many
complaints from one address, which the per-source limit for the public would stop after a few.
A client presents `X-Api-Key`; a known key gets its own hourly limit and its name on the case.
Keys are 256 random bits, shown once by `python -m infra api-key create`, and stored only as
SHA-256, like staff links. No key: the public limit by source address, as for the web form."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApiClient:
    name: str
    per_hour: int


def new_key() -> str:
    return "hk_" + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_for(store, key: str) -> ApiClient | None:
    item = store.api_client(key_hash(key)) if 16 <= len(key) <= 200 else None
    return ApiClient(item["name"], int(item["per_hour"])) if item and not item.get("revoked") else None


def register(store, name: str, per_hour: int, now: datetime) -> str:
    key = new_key()
    store.put_api_client(key_hash(key), name, per_hour, now)
    return key
