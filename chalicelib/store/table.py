"""The one DynamoDB table of an institution: the key of every item family, and the
helpers every family store shares (transactions, paged queries, the once-keys of deliveries).

| item                       | PK                       | SK                       | family            |
|----------------------------|--------------------------|--------------------------|-------------------|
| case                       | CASE#<ref>               | CASE                     | cases             |
| timeline event             | CASE#<ref>               | EV#n<ver>.<i>#<utc>#<rnd>| cases             |
| case of a phone or email   | CONTACT#<e164 or email>  | CASE#<ref>               | cases             |
| a new number's first case  | CLAIM#<e164>             | CLAIM                    | cases             |
| reference counter          | COUNTER#REF#<yymm>       | COUNTER                  | cases             |
| idempotency key (TTL)      | IDEM#<scope>#<key>       | IDEM                     | deliveries        |
| outbound message           | MSG#<id>                 | MSG                      | outbox            |
| provider id of a message   | PROVIDER#<provider id>   | PROVIDER                 | outbox            |
| SMS opt-out                | CONTACT#<e164>           | OPTOUT                   | outbox            |
| texts to a number, per day | CONTACT#<e164>           | SMSDAY#<date>            | daily_caps        |
| texts held over the cap    | SMSHELD#<e164>           | SMSHELD                  | daily_caps        |
| alert sent (exactly once)  | ALERT#<ref>#<clock:step> | ALERT                    | alerts            |
| contact not reachable (TTL)| UNREACHABLE#<e164>       | UNREACHABLE              | alerts            |
| staff link (by token hash) | LINK#<sha256 of token>   | LINK                     | links             |
| link pointer of a case     | CASE#<ref>               | LINK#<staff id>#<hash>   | links             |
| staff reply code (TTL)     | CODE#<e164>#<n>          | CODE                     | links             |
| sign-in link, session (TTL)| SIGNIN# / SESSION#<hash> | SIGNIN / SESSION         | sessions          |
| reply-code counter         | CODECOUNTER#<e164>       | CODECOUNTER              | links             |
| rate-limit window (TTL)    | RATE#<source>#<window>   | RATE                     | abuse             |
| quarantined submission     | QUARANTINE#<channel>     | <utc time>#<random>      | abuse             |
| API client key             | APICLIENTS               | <sha256 of key>          | abuse             |
| institution config         | CONFIG                   | INSTITUTION              | config            |

| queue counter of a unit    | QCOUNT#<unit>            | <local day>#<shard>      | queue             |

Its definition and its sparse indexes (`due`, `queue`, `assigned`): store/schema.py.
"""

import hashlib
import itertools
import random
import secrets
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from chalicelib.model.case import Event
from chalicelib.runtime.clock import iso
from chalicelib.store.schema import DUE_INDEX, TTL_ATTRIBUTE, create_table, table_definition  # noqa: F401

# Cancellation reasons that say "try again" rather than "no": retried within this many seconds.
THROTTLED = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})
TRANSIENT_CANCELLATIONS = THROTTLED | {"TransactionConflict"}
TRANSACT_BUDGET_SECONDS = 4
DUE_SHARDS = 8
IDEMPOTENCY_TTL = timedelta(days=7)


# -- keys ---------------------------------------------------------------------------------------
def case_key(reference: str) -> dict:
    return {"PK": f"CASE#{reference}", "SK": "CASE"}


def case_pk(reference: str) -> str:
    return f"CASE#{reference}"


def message_key(message_id: str) -> dict:
    return {"PK": f"MSG#{message_id}", "SK": "MSG"}


def single(family: str, *parts: str) -> dict:
    """The key of an item alone in its partition: `FAMILY#part#part` / `FAMILY`."""
    return {"PK": "#".join((family, *parts)), "SK": family}


def contact_pk(contact: str) -> str:
    """The partition of a phone (E.164) or an email: one item per case of that contact."""
    return f"CONTACT#{contact}"


def quarantine_pk(channel: str) -> str:
    return f"QUARANTINE#{channel}"


def link_pointer_sk(staff_id: str, token_hash: str = "") -> str:
    """A case's pointer to one of its staff links (all of one person's with token_hash empty)."""
    return f"LINK#{staff_id}#{token_hash}"


def due_partition(shard: int) -> str:
    return f"DUE#{shard}"


def due_shard(pk: str) -> str:
    return due_partition(zlib.crc32(pk.encode()) % DUE_SHARDS)


def due_fields(pk: str, due: datetime | None) -> dict:
    """The attributes that put an item into the due index at `due` (none: not due)."""
    return {"due_shard": due_shard(pk), "due_at": f"{iso(due)}#{pk}"} if due else {}


def due_clause(pk: str, due: datetime | None) -> tuple[str, str, dict]:
    """(SET part, REMOVE part, values) that put an item in the due index at `due`, or take it out."""
    fields = due_fields(pk, due)
    if fields:
        return "due_shard = :shard, due_at = :due", "", {":shard": fields["due_shard"], ":due": fields["due_at"]}
    return "", "REMOVE due_shard, due_at", {}


# -- values -------------------------------------------------------------------------------------
def clean(value: Any) -> Any:
    """JSON-shaped data -> what DynamoDB accepts: no None, no empty strings or sets, no floats."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, float):
        raise TypeError("floats are not stored; use integers or strings")
    return value


def plain(value: Any) -> Any:
    """DynamoDB's Decimals -> ints, so that pydantic and json see plain numbers."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


def event_items(reference: str, events: list[Event], version: int) -> list[dict]:
    """The timeline items of events written by the change that made `version` of the case. They
    sort by that version, not by their time, so that they read in the order they were written even
    when a clock was set back (the sandbox's reset); events of one change keep their order, and two
    changes made at once from the same version fall back to their times. Timelines written before
    the version came into the key ("EV#<utc time>#...") sort before the numbered ones ("EV#n...")."""
    return [
        {
            "PK": case_pk(reference),
            "SK": f"EV#n{version:09d}.{index:03d}#{iso(event.at)}#{secrets.token_hex(3)}",
            "event": clean(event.model_dump(mode="json")),
        }
        for index, event in enumerate(events)
    ]


# -- deliveries that take effect once -----------------------------------------------------------
@dataclass(frozen=True)
class Once:
    """A delivery that must take effect once, e.g. ("sms", MessageSid) or ("api", Idempotency-Key).
    `response` is what to answer when the same delivery comes again (a TwiML reply, say)."""

    scope: str
    key: str
    response: str | None = None

    @property
    def pk(self) -> str:
        return f"IDEM#{self.scope}#{self.key}"

    def answering(self, response: str | None) -> "Once":
        """The same delivery, remembering what it was answered."""
        return Once(self.scope, self.key, response)


@dataclass(frozen=True)
class Delivery:
    """The record of a delivery taken earlier: the case it made or joined, and what it was answered."""

    reference: str | None
    response: str | None
    taken_at: datetime | None = None  # when it was taken (its TTL is counted from then)


class DuplicateSubmission(Exception):
    """The delivery was taken before (by another request, perhaps at the same moment)."""

    def __init__(self, earlier: Delivery):
        super().__init__(earlier.reference)
        self.earlier = earlier
        self.reference, self.response = earlier.reference, earlier.response


class AlertsTaken(Exception):
    """Another sweep recorded (some of) these alert steps first."""


class Contention(Exception):
    """Another transaction was writing the same items at that moment: try again shortly."""


class StaleCase(Exception):
    """The case changed since it was read; read it again and decide again."""


def new_secret(random_bytes: int = 16) -> str:
    """A token to hand out once (a staff link: 128 bits; an API key: 256 bits), URL-safe."""
    return secrets.token_urlsafe(random_bytes)


def digest(secret: str) -> str:
    """How a handed-out secret is stored and looked up: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Table:
    """One institution's table, as every family store uses it."""

    def __init__(self, table):
        self.table = table
        self.client = table.meta.client  # a resource client: takes and returns Python values
        self.name = table.name

    def earlier(self, once: Once) -> Delivery | None:
        """The record of this delivery, if it was already taken."""
        item = self.table.get_item(Key={"PK": once.pk, "SK": "IDEM"}, ConsistentRead=True).get("Item")
        if not item:
            return None
        taken = datetime.fromtimestamp(int(item["expires_at"]), timezone.utc) - IDEMPOTENCY_TTL
        return Delivery(item.get("reference"), item.get("response"), taken)

    @staticmethod
    def once_put(once: Once, reference: str | None, now: datetime) -> dict:
        return {
            "Item": clean(
                {
                    "PK": once.pk,
                    "SK": "IDEM",
                    "reference": reference,
                    "response": once.response,
                    "expires_at": int((now + IDEMPOTENCY_TTL).timestamp()),
                }
            ),
            "ConditionExpression": "attribute_not_exists(PK)",
        }

    def transact(
        self, puts: list[dict], updates: list[dict], once: Once | None, retried=TRANSIENT_CANCELLATIONS
    ) -> None:
        """All or nothing; a Once already taken raises DuplicateSubmission with its outcome. A
        transaction cancelled only for one of the `retried` reasons (throttling, a conflicting
        transaction: botocore retries neither) is tried again with backoff and full jitter, within
        TRANSACT_BUDGET_SECONDS. A caller with its own answer to conflicts narrows `retried`."""
        items = [{"Put": {"TableName": self.name, **put}} for put in puts]
        items += [{"Update": {"TableName": self.name, **update}} for update in updates]
        deadline = time.monotonic() + TRANSACT_BUDGET_SECONDS
        for attempt in itertools.count():  # ends by returning or raising, never by running out
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except self.client.exceptions.TransactionCanceledException as error:
                codes = {reason.get("Code") for reason in error.response.get("CancellationReasons", [])}
                pause = random.uniform(0, min(1.0, 0.05 * 2**attempt))
                transient = codes & set(retried) and "ConditionalCheckFailed" not in codes
                if transient and time.monotonic() + pause < deadline:
                    time.sleep(pause)
                    continue
                self._refused(error, puts, once)

    def _refused(self, error, puts: list[dict], once: Once | None) -> None:
        """A cancelled transaction, for good: DuplicateSubmission when its once-key was taken."""
        reasons = error.response.get("CancellationReasons", [])
        position = next((i for i, put in enumerate(puts) if once and put["Item"]["PK"] == once.pk), None)
        if (
            position is not None
            and len(reasons) > position
            and reasons[position].get("Code") == "ConditionalCheckFailed"
        ):
            earlier = self.earlier(once)
            if earlier:
                raise DuplicateSubmission(earlier) from None
        raise error

    def query_all(self, **kwargs) -> list[dict]:
        items: list[dict] = []
        while True:
            page = self.table.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put_new(self, item: dict) -> bool:
        """Writes an item that must not exist yet; False when it already does."""
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def add_one(self, key: dict, attribute: str, ttl_epoch: int | None = None, by: int = 1) -> int:
        """An atomic counter: adds `by` to `attribute` of the item at `key` and returns the new value."""
        expression = "ADD #n :one" + (" SET expires_at = if_not_exists(expires_at, :ttl)" if ttl_epoch else "")
        values = {":one": by, **({":ttl": ttl_epoch} if ttl_epoch else {})}
        result = self.table.update_item(
            Key=key,
            UpdateExpression=expression,
            ExpressionAttributeNames={"#n": attribute},
            ExpressionAttributeValues=values,
            ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"][attribute])


class FamilyStore:
    """The store of one item family, over the shared table."""

    def __init__(self, table: Table):
        self.table = table
