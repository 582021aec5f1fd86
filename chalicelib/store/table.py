"""The only module that talks to DynamoDB. One table per institution, single-table design:

| item                       | PK                       | SK                       |
|----------------------------|--------------------------|--------------------------|
| case                       | CASE#<ref>               | CASE                     |
| timeline event             | CASE#<ref>               | EV#<utc time>#<random>   |
| case of a phone or email   | CONTACT#<e164 or email>  | CASE#<ref>               |
| idempotency key (TTL)      | IDEM#<scope>#<key>       | IDEM                     |
| outbound message           | MSG#<id>                 | MSG                      |
| reference counter          | COUNTER#REF#<yymm>       | COUNTER                  |
| rate-limit window (TTL)    | RATE#<source>#<window>   | RATE                     |
| quarantined submission     | QUARANTINE#<channel>     | <utc time>#<random>      |
| institution config         | CONFIG                   | INSTITUTION              |
| provider id of a message   | PROVIDER#<provider id>   | PROVIDER                 |
| SMS opt-out                | OPTOUT#<e164>            | OPTOUT                   |
| alert sent (exactly once)  | ALERT#<ref>#<clock:step> | ALERT                    |
| contact not reachable (TTL)| UNREACHABLE#<e164>       | UNREACHABLE              |
| staff link (by token hash) | LINK#<sha256 of token>   | LINK                     |
| staff reply code (TTL)     | CODE#<e164>#<n>          | CODE                     |
| API client key             | APICLIENTS               | <sha256 of key>          |

The sparse index `due` (due_shard, due_at) holds only work that is due: pending outbound messages
now, case clocks with the deadline engine. Sweeps query it by shard and read nothing else.
"""
import json
import secrets
import time as _time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterator

from chalicelib.runtime.clock import iso
from chalicelib.model.case import Case, Event
from chalicelib.model.message import SEND_LEASE, OutboundMessage

DUE_INDEX = "due"
DUE_SHARDS = 8
IDEMPOTENCY_TTL = timedelta(days=7)
TTL_ATTRIBUTE = "expires_at"  # DynamoDB deletes an item some time after this epoch second


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


class AlertsTaken(Exception):
    """Another sweep recorded (some of) these alert steps first."""


class Contention(Exception):
    """Another transaction was writing the same items at that moment: try again shortly."""


class StaleCase(Exception):
    """The case changed since it was read; read it again and decide again."""


class DuplicateSubmission(Exception):
    def __init__(self, reference: str | None, response: str | None = None):
        super().__init__(reference)
        self.reference, self.response = reference, response


def table_definition(name: str) -> dict:
    """The table's keys and indexes; used by the sandbox, the tests and the CloudFormation render."""
    string = "S"
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": attr, "AttributeType": string}
            for attr in ("PK", "SK", "due_shard", "due_at")
        ],
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [{
            "IndexName": DUE_INDEX,
            "KeySchema": [
                {"AttributeName": "due_shard", "KeyType": "HASH"},
                {"AttributeName": "due_at", "KeyType": "RANGE"},
            ],
            # ALL: a sweep reads each due case once, from the index, and nothing else.
            "Projection": {"ProjectionType": "ALL"},
        }],
    }


def create_table(client, name: str) -> None:
    """Idempotent: an existing table is kept, data and all."""
    try:
        client.create_table(**table_definition(name))
    except client.exceptions.ResourceInUseException:
        return
    client.get_waiter("table_exists").wait(TableName=name)
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )


def _shard(key: str) -> str:
    return f"DUE#{zlib.crc32(key.encode()) % DUE_SHARDS}"


def _clean(value: Any) -> Any:
    """JSON-shaped data -> what DynamoDB accepts: no None, no empty strings or sets, no floats."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        raise TypeError("floats are not stored; use integers or strings")
    return value


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals -> ints, so that pydantic and json see plain numbers."""
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


class Store:
    def __init__(self, table):
        self.table = table
        self.client = table.meta.client  # a resource client: takes and returns Python values
        self.name = table.name

    # -- institution config ---------------------------------------------------------------
    def put_institution(self, document: dict) -> None:
        self.table.put_item(Item={"PK": "CONFIG", "SK": "INSTITUTION", "document": json.dumps(document)})

    def get_institution(self) -> dict | None:
        item = self.table.get_item(Key={"PK": "CONFIG", "SK": "INSTITUTION"}).get("Item")
        return json.loads(item["document"]) if item else None

    # -- cases ------------------------------------------------------------------------------
    def next_reference_sequence(self, month: str) -> int:
        """Atomic counter: concurrent intakes never get the same number."""
        result = self.table.update_item(
            Key={"PK": f"COUNTER#REF#{month}", "SK": "COUNTER"},
            UpdateExpression="ADD #seq :one",
            ExpressionAttributeNames={"#seq": "seq"},
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["seq"])

    def seen(self, once: Once) -> DuplicateSubmission | None:
        """The earlier outcome of this delivery, if it was already taken."""
        item = self.table.get_item(Key={"PK": once.pk, "SK": "IDEM"}, ConsistentRead=True).get("Item")
        return DuplicateSubmission(item.get("reference"), item.get("response")) if item else None

    @staticmethod
    def _once_put(once: Once, reference: str | None, now: datetime) -> dict:
        return {"Item": _clean({"PK": once.pk, "SK": "IDEM", "reference": reference, "response": once.response,
                                "expires_at": int((now + IDEMPOTENCY_TTL).timestamp())}),
                "ConditionExpression": "attribute_not_exists(PK)"}

    def _transact(self, puts: list[dict], updates: list[dict], once: Once | None) -> None:
        """All or nothing; a Once already taken raises DuplicateSubmission with its outcome."""
        items = [{"Put": {"TableName": self.name, **put}} for put in puts]
        items += [{"Update": {"TableName": self.name, **update}} for update in updates]
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            position = next((i for i, put in enumerate(puts) if once and put["Item"]["PK"] == once.pk), None)
            if position is not None and len(reasons) > position and reasons[position].get("Code") == "ConditionalCheckFailed":
                earlier = self.seen(once)
                if earlier:
                    raise earlier from None
            raise

    @staticmethod
    def _due_fields(reference: str, next_due: datetime | None) -> dict:
        key = f"CASE#{reference}"
        return {"due_shard": _shard(key), "due_at": f"{iso(next_due)}#{key}"} if next_due else {}

    def _due_clause(self, reference: str, next_due: datetime | None) -> tuple[str, str, dict]:
        """(SET part, REMOVE part, values) that put a case in the due index at next_due, or take it out."""
        due = self._due_fields(reference, next_due)
        if due:
            return "due_shard = :shard, due_at = :due", "", {":shard": due["due_shard"], ":due": due["due_at"]}
        return "", "REMOVE due_shard, due_at", {}

    def case_item(self, case: Case, next_due: datetime | None) -> dict:
        return {"PK": f"CASE#{case.reference}", "SK": "CASE", **_clean(case.model_dump(mode="json")),
                **self._due_fields(case.reference, next_due)}

    def create_case(self, case: Case, events: list[Event], messages: list[OutboundMessage],
                    once: Once | None, now: datetime, next_due: datetime | None = None) -> None:
        """One transaction: the case (in the due index when a clock step is pending), its first
        events, its contact links, its outbound messages and its once-key. A second delivery of the
        same key raises DuplicateSubmission."""
        pk = f"CASE#{case.reference}"
        puts: list[dict] = [{"Item": self.case_item(case, next_due), "ConditionExpression": "attribute_not_exists(PK)"}]
        if once:
            puts.append(self._once_put(once, case.reference, now))
        puts += [{"Item": self._event_item(case.reference, event)} for event in events]
        puts += [
            {"Item": {"PK": f"CONTACT#{contact}", "SK": pk, "received_at": iso(case.received_at),
                      "open": True}}
            for contact in case.complainant.contacts()
        ]
        puts += self._message_puts(messages)
        self._transact(puts, [], once)

    def add_to_case(self, reference: str, events: list[Event], now: datetime, once: Once | None = None,
                    messages: list[OutboundMessage] = (), set_fields: dict | None = None) -> None:
        """Appends events (and queues messages, and sets case fields) once per delivery."""
        puts = [{"Item": self._event_item(reference, event)} for event in events]
        if once:
            puts.insert(0, self._once_put(once, reference, now))
        puts += self._message_puts(list(messages))
        updates = []
        if set_fields:
            names = {f"#f{i}": name for i, name in enumerate(set_fields)}
            values = {f":v{i}": value for i, value in enumerate(_clean(set_fields).values())}
            updates.append({
                "Key": {"PK": f"CASE#{reference}", "SK": "CASE"},
                "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(set_fields))),
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
            })
        self._transact(puts, updates, once)

    def take_once(self, once: Once, now: datetime) -> None:
        """Records a delivery that changes nothing else (a keyword answered, say)."""
        self._transact([self._once_put(once, None, now)], [], once)

    def fire_alerts(self, fired: dict[str, tuple[list[str], datetime | None]], message: OutboundMessage | None,
                    events: dict[str, list[Event]], now: datetime, skipped: dict[str, list[str]] | None = None,
                    raised: dict[str, str] | None = None) -> None:
        """Records alert steps exactly once, in one transaction with the message that carries them:
        an ALERT item per (case, clock, step), conditional on not existing; the steps (and any
        `skipped` ones, overtaken and never sent) added to each case's `fired`, and its next due time.
        `raised` sets a case's severity (the age rules). Raises AlertsTaken if any step was already
        recorded, Contention on a clash to retry."""
        puts = [{"Item": {"PK": f"ALERT#{reference}#{key}", "SK": "ALERT", "at": iso(now),
                          "message_id": message.id if message else "-"},
                 "ConditionExpression": "attribute_not_exists(PK)"}
                for reference, (keys, _) in fired.items() for key in keys]
        skipped = skipped or {}
        fired = {reference: ([*keys, *skipped.get(reference, [])], due) for reference, (keys, due) in fired.items()}
        puts += [{"Item": self._event_item(reference, event)} for reference, items in events.items() for event in items]
        puts += self._message_puts([message] if message else [])
        updates = []
        for reference, (keys, next_due) in fired.items():
            due_set, due_remove, due_values = self._due_clause(reference, next_due)
            severity = (raised or {}).get(reference)
            sets = ["fired = list_append(if_not_exists(fired, :empty), :keys)"]
            sets += ["severity = :severity"] if severity else []
            sets += [due_set] if due_set else []
            updates.append({"Key": {"PK": f"CASE#{reference}", "SK": "CASE"},
                            "UpdateExpression": ("SET " + ", ".join(sets) + " " + due_remove).strip(),
                            "ExpressionAttributeValues": {":empty": [], ":keys": keys, **due_values,
                                                          **({":severity": severity} if severity else {})},
                            "ConditionExpression": "attribute_exists(PK)"})
        try:
            self._transact(puts, updates, None)
        except self.client.exceptions.TransactionCanceledException as error:
            codes = {reason.get("Code") for reason in error.response.get("CancellationReasons", [])}
            if "ConditionalCheckFailed" in codes:
                raise AlertsTaken() from error
            raise Contention() from error

    def alert_recorded(self, reference: str, key: str) -> bool:
        return "Item" in self.table.get_item(Key={"PK": f"ALERT#{reference}#{key}", "SK": "ALERT"}, ConsistentRead=True)

    def set_next_due(self, reference: str, next_due: datetime | None) -> None:
        due_set, due_remove, due_values = self._due_clause(reference, next_due)
        self.table.update_item(Key={"PK": f"CASE#{reference}", "SK": "CASE"},
                               UpdateExpression=f"SET {due_set}" if due_set else due_remove,
                               ConditionExpression="attribute_exists(PK)",
                               **({"ExpressionAttributeValues": due_values} if due_values else {}))

    def update_case(self, case: Case, expected_version: int, events: list[Event], next_due: datetime | None,
                    messages: list[OutboundMessage] = ()) -> None:
        """Writes a changed case if nobody changed it since it was read (StaleCase otherwise),
        with its events, messages and due time, in one transaction."""
        puts = [{"Item": self.case_item(case, next_due), "ConditionExpression": "version = :expected",
                 "ExpressionAttributeValues": {":expected": expected_version}}]
        puts += [{"Item": self._event_item(case.reference, event)} for event in events]
        puts += self._message_puts(list(messages))
        try:
            self._transact(puts, [], None)
        except self.client.exceptions.TransactionCanceledException as error:
            raise StaleCase(case.reference) from error

    def due_work(self, now: datetime, page_size: int = 200, first_shard: int = 0) -> Iterator[str | Case]:
        """Everything due, read from the sparse index only, shard by shard (from first_shard on, so
        parallel sweeps start apart), oldest first within a shard: the id of each outbound message
        whose next attempt is due, and each case with an alert step due."""
        bound = iso(now) + "#~"
        for offset in range(DUE_SHARDS):
            shard = (first_shard + offset) % DUE_SHARDS
            kwargs = dict(IndexName=DUE_INDEX, KeyConditionExpression="due_shard = :shard AND due_at <= :bound",
                          ExpressionAttributeValues={":shard": f"DUE#{shard}", ":bound": bound}, Limit=page_size)
            while True:
                page = self.table.query(**kwargs)
                for item in page.get("Items", []):
                    if item["PK"].startswith("CASE#"):
                        yield Case.model_validate(_plain(item))
                    elif item["PK"].startswith("MSG#"):
                        yield item["PK"].removeprefix("MSG#")
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def cases_of_contact_since(self, contact: str, since: datetime) -> list[str]:
        items = self._query_all(KeyConditionExpression="PK = :pk", FilterExpression="received_at >= :since",
                                ExpressionAttributeValues={":pk": f"CONTACT#{contact}", ":since": iso(since)})
        return [item["SK"].removeprefix("CASE#") for item in items]

    def mark_unreachable(self, phone: str, until: datetime) -> None:
        self.table.put_item(Item={"PK": f"UNREACHABLE#{phone}", "SK": "UNREACHABLE", "until": iso(until),
                                  "expires_at": int(until.timestamp())})

    def unreachable(self, phones: set[str], now: datetime) -> set[str]:
        found = set()
        for phone in phones:
            item = self.table.get_item(Key={"PK": f"UNREACHABLE#{phone}", "SK": "UNREACHABLE"}).get("Item")
            if (item and item["until"] > iso(now)) or self.is_opted_out(phone):
                found.add(phone)
        return found

    def get_case(self, reference: str) -> Case | None:
        item = self.table.get_item(Key={"PK": f"CASE#{reference}", "SK": "CASE"}).get("Item")
        return Case.model_validate(_plain(item)) if item else None

    def timeline(self, reference: str) -> list[Event]:
        return [Event.model_validate(_plain(item["event"]))
                for item in self._query_all(
                    KeyConditionExpression="PK = :pk AND begins_with(SK, :ev)",
                    ExpressionAttributeValues={":pk": f"CASE#{reference}", ":ev": "EV#"})]

    def append_event(self, reference: str, event: Event) -> None:
        self.table.put_item(Item=self._event_item(reference, event),
                            ConditionExpression="attribute_not_exists(PK)")

    def open_cases_for_contact(self, contact: str) -> list[str]:
        items = self._query_all(
            KeyConditionExpression="PK = :pk",
            FilterExpression="#open = :yes",
            ExpressionAttributeNames={"#open": "open"},
            ExpressionAttributeValues={":pk": f"CONTACT#{contact}", ":yes": True})
        return [item["SK"].removeprefix("CASE#") for item in items]

    @staticmethod
    def _event_item(reference: str, event: Event) -> dict:
        return {"PK": f"CASE#{reference}", "SK": f"EV#{iso(event.at)}#{secrets.token_hex(3)}",
                "event": _clean(event.model_dump(mode="json"))}

    # -- outbox -----------------------------------------------------------------------------
    def _message_puts(self, messages: list[OutboundMessage]) -> list[dict]:
        return [{"Item": self._message_item(message), "ConditionExpression": "attribute_not_exists(PK)"}
                for message in messages]

    @staticmethod
    def _message_item(message: OutboundMessage) -> dict:
        key = f"MSG#{message.id}"
        item = {"PK": key, "SK": "MSG", **_clean(message.model_dump(mode="json"))}
        if message.status == "pending":
            item |= {"due_shard": _shard(key), "due_at": f"{iso(message.next_attempt_at or message.created_at)}#{key}"}
        return item

    def queue_message(self, message: OutboundMessage) -> None:
        self.table.put_item(Item=self._message_item(message), ConditionExpression="attribute_not_exists(PK)")

    def get_message(self, message_id: str) -> OutboundMessage | None:
        item = self.table.get_item(Key={"PK": f"MSG#{message_id}", "SK": "MSG"}).get("Item")
        return OutboundMessage.model_validate(_plain(item)) if item else None

    def claim_message(self, message_id: str, now: datetime) -> OutboundMessage | None:
        """Takes a lease on a pending message that is due, so that a request and a sweep (or two
        sweeps) never send it twice. None when someone else holds it or it is no longer pending."""
        key = f"MSG#{message_id}"
        lease = iso(now + SEND_LEASE)
        try:
            result = self.table.update_item(
                Key={"PK": key, "SK": "MSG"},
                UpdateExpression="SET next_attempt_at = :lease, due_at = :due ADD attempts :one",
                ConditionExpression="#status = :pending AND (attribute_not_exists(next_attempt_at) "
                                    "OR next_attempt_at <= :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":lease": lease, ":due": f"{lease}#{key}", ":one": 1,
                                           ":pending": "pending", ":now": iso(now)},
                ReturnValues="ALL_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        return OutboundMessage.model_validate(_plain(result["Attributes"]))

    def record_send_result(self, message_id: str, status: str, *, provider_id: str | None = None,
                           error: str | None = None, retry_at: datetime | None = None) -> None:
        """After an attempt: sent (leaves the due index), or pending again at retry_at, or gave_up."""
        key = f"MSG#{message_id}"
        names = {"#status": "status"}
        values: dict[str, Any] = {":status": status}
        sets = ["#status = :status"]
        for attr, value in (("provider_id", provider_id), ("last_error", error)):
            if value is not None:
                sets.append(f"{attr} = :{attr}")
                values[f":{attr}"] = value
        if retry_at is not None:  # back into the due index (a delivery report can follow a send)
            sets += ["next_attempt_at = :retry", "due_at = :due", "due_shard = :shard"]
            values |= {":retry": iso(retry_at), ":due": f"{iso(retry_at)}#{key}", ":shard": _shard(key)}
            removes = ""
        else:
            removes = " REMOVE due_shard, due_at, next_attempt_at"
        self.table.update_item(
            Key={"PK": key, "SK": "MSG"},
            UpdateExpression="SET " + ", ".join(sets) + removes,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def link_provider_id(self, provider_id: str, message_id: str) -> None:
        """So that a reply quoting the provider's Message-ID (SES rewrites ours) finds its message."""
        self.table.put_item(Item={"PK": f"PROVIDER#{provider_id}", "SK": "PROVIDER", "message_id": message_id})

    def message_by_provider_id(self, provider_id: str) -> OutboundMessage | None:
        item = self.table.get_item(Key={"PK": f"PROVIDER#{provider_id}", "SK": "PROVIDER"}).get("Item")
        return self.get_message(item["message_id"]) if item else None

    def record_delivery_status(self, message_id: str, provider_id: str, status: str, error_code: str | None,
                               rank: int) -> OutboundMessage | None:
        """A provider's status report for the send that produced provider_id. Statuses only move
        forward (a late "sent" never overwrites "delivered"); None when the report is stale."""
        try:
            result = self.table.update_item(
                Key={"PK": f"MSG#{message_id}", "SK": "MSG"},
                UpdateExpression="SET delivery_status = :status, delivery_rank = :rank, error_code = :code",
                ConditionExpression="provider_id = :sid AND (attribute_not_exists(delivery_rank) OR delivery_rank < :rank)",
                ExpressionAttributeValues={":status": status, ":rank": rank, ":code": error_code or "-", ":sid": provider_id},
                ReturnValues="ALL_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        return OutboundMessage.model_validate(_plain(result["Attributes"]))

    def messages_for_case(self, reference: str) -> list[OutboundMessage]:
        """For the sandbox and tests; outbound messages are found from the case's timeline events."""
        ids = dict.fromkeys(event.data["message_id"] for event in self.timeline(reference) if "message_id" in event.data)
        return [message for message in map(self.get_message, ids) if message]

    # -- staff links ----------------------------------------------------------------------------
    def put_link(self, link) -> None:
        """The link, and a pointer from its case so that a reassignment can revoke it."""
        from chalicelib.staff.links import link_item

        self.table.put_item(Item=link_item(link), ConditionExpression="attribute_not_exists(PK)")
        self.table.put_item(Item={"PK": f"CASE#{link.reference}", "SK": f"LINK#{link.staff_id}#{link.token_hash}"})

    def revoke_links(self, reference: str, staff_id: str) -> int:
        pointers = self._query_all(KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
                                   ExpressionAttributeValues={":pk": f"CASE#{reference}", ":sk": f"LINK#{staff_id}#"})
        for pointer in pointers:
            self.table.update_item(Key={"PK": f"LINK#{pointer['SK'].rsplit('#', 1)[1]}", "SK": "LINK"},
                                   UpdateExpression="SET revoked = :yes", ExpressionAttributeValues={":yes": True})
        return len(pointers)

    def get_link(self, token_hash: str):
        from chalicelib.staff.links import link_from_item

        item = self.table.get_item(Key={"PK": f"LINK#{token_hash}", "SK": "LINK"}, ConsistentRead=True).get("Item")
        return link_from_item(item) if item else None

    # -- staff reply codes --------------------------------------------------------------------
    def allocate_code(self, phone: str, reference: str, now: datetime, lifetime: timedelta) -> int:
        """The next short code (1-99, then round again) for texts to this phone, pointing at a case."""
        result = self.table.update_item(Key={"PK": f"CODECOUNTER#{phone}", "SK": "CODECOUNTER"},
                                        UpdateExpression="ADD #n :one", ExpressionAttributeNames={"#n": "n"},
                                        ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_NEW")
        code = (int(result["Attributes"]["n"]) - 1) % 99 + 1
        self.table.put_item(Item={"PK": f"CODE#{phone}#{code}", "SK": "CODE", "reference": reference,
                                  "until": iso(now + lifetime), "expires_at": int((now + lifetime).timestamp())})
        return code

    def reference_for_code(self, phone: str, code: int, now: datetime) -> str | None:
        item = self.table.get_item(Key={"PK": f"CODE#{phone}#{code}", "SK": "CODE"}).get("Item")
        return item["reference"] if item and item["until"] > iso(now) else None

    # -- SMS opt-out ------------------------------------------------------------------------
    def set_opted_out(self, phone: str, opted_out: bool, now: datetime) -> None:
        """STOP from a number holds for every later outbound text to it until START."""
        key = {"PK": f"OPTOUT#{phone}", "SK": "OPTOUT"}
        if opted_out:
            self.table.put_item(Item={**key, "since": iso(now)})
        else:
            self.table.delete_item(Key=key)

    def is_opted_out(self, phone: str) -> bool:
        return "Item" in self.table.get_item(Key={"PK": f"OPTOUT#{phone}", "SK": "OPTOUT"}, ConsistentRead=True)

    # -- API clients ------------------------------------------------------------------------
    def put_api_client(self, key_hash: str, name: str, per_hour: int, now: datetime) -> None:
        self.table.put_item(Item={"PK": "APICLIENTS", "SK": key_hash, "name": name, "per_hour": per_hour,
                                  "created": iso(now)}, ConditionExpression="attribute_not_exists(PK)")

    def api_client(self, key_hash: str) -> dict | None:
        return self.table.get_item(Key={"PK": "APICLIENTS", "SK": key_hash}).get("Item")

    def api_clients(self) -> list[dict]:
        return self._query_all(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": "APICLIENTS"})

    def revoke_api_client(self, name: str, now: datetime) -> int:
        named = [item for item in self.api_clients() if item["name"] == name and not item.get("revoked")]
        for item in named:
            self.table.update_item(Key={"PK": "APICLIENTS", "SK": item["SK"]}, UpdateExpression="SET revoked = :at",
                                   ExpressionAttributeValues={":at": iso(now)})
        return len(named)

    # -- abuse protection -------------------------------------------------------------------
    def count_in_window(self, source: str, window: str, ttl_seconds: int) -> int:
        result = self.table.update_item(
            Key={"PK": f"RATE#{source}#{window}", "SK": "RATE"},
            UpdateExpression="ADD #count :one SET expires_at = if_not_exists(expires_at, :ttl)",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":one": 1, ":ttl": int(_time.time()) + ttl_seconds},
            ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["count"])

    def quarantine(self, channel: str, reason: str, payload: dict, now: datetime) -> None:
        """Suspected spam is kept for an administrator to look at, never thrown away."""
        self.table.put_item(Item={
            "PK": f"QUARANTINE#{channel}", "SK": f"{iso(now)}#{secrets.token_hex(3)}",
            "reason": reason, "payload": json.dumps(payload, ensure_ascii=False),
        })

    def quarantined(self, channel: str) -> list[dict]:
        return [{"reason": item["reason"], "payload": json.loads(item["payload"])}
                for item in self._query_all(KeyConditionExpression="PK = :pk",
                                            ExpressionAttributeValues={":pk": f"QUARANTINE#{channel}"})]

    def _query_all(self, **kwargs) -> list[dict]:
        items: list[dict] = []
        while True:
            page = self.table.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
