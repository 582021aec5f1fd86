"""Cases, their append-only timelines, the contact items that find a complainant's cases, the
per-month reference counters, and the case's place in the due index."""

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

from chalicelib.model.case import Case, Event
from chalicelib.model.lifecycle import is_open
from chalicelib.model.message import OutboundMessage
from chalicelib.model.queue import queue_place
from chalicelib.runtime.clock import iso
from chalicelib.store.abuse import OverLimit, Window
from chalicelib.store.contacts import ContactRecord
from chalicelib.store.queue import counter_updates, queue_fields
from chalicelib.store.table import (
    DUE_INDEX,
    DUE_SHARDS,
    Once,
    StaleCase,
    Table,
    case_key,
    case_pk,
    clean,
    contact_pk,
    due_clause,
    due_fields,
    due_partition,
    event_items,
    plain,
    single,
)
from chalicelib.store.words import posting_puts

# Texts from a number with no open case that arrive within this time of each other join one case.
CLAIM_WINDOW = timedelta(minutes=10)
REFERENCE_BLOCK = 20  # numbers a container reserves at a time: 1 counter write per 20 complaints
_block_lock = threading.Lock()  # Chalice local serves requests in threads


class ContactBusy(Exception):
    """A case for this contact was opened moments ago (by a text delivered at the same time)."""

    def __init__(self, reference: str):
        super().__init__(reference)
        self.reference = reference


class CaseStore:
    def __init__(self, table: Table, message_puts):
        self.table = table
        self._message_puts = message_puts  # the outbox's conditional puts, for messages written with a change
        self._blocks: dict[str, tuple[int, int]] = {}  # month -> (next sequence, last of the block)

    def next_reference_sequence(self, month: str) -> int:
        """Unique under concurrency, and no hot key: each container reserves a block of
        REFERENCE_BLOCK numbers of the month with one atomic update and hands them out itself
        (a container that ends leaves its unused numbers as gaps)."""
        with _block_lock:
            following, last = self._blocks.get(month, (1, 0))
            if following > last:
                last = self.table.add_one(single("COUNTER", "REF", month), "seq", by=REFERENCE_BLOCK)
                following = last - REFERENCE_BLOCK + 1
            self._blocks[month] = (following + 1, last)
            return following

    def item(self, case: Case, next_due: datetime | None, zone: str | None = None) -> dict:
        """The stored case: in the due index at `next_due`; with the institution's `zone`, in the
        workspace queue too while it is open (without: a case seeded for a test of something else)."""
        pk = case_pk(case.reference)
        queued = queue_fields(case, queue_place(case, zone)) if zone else {}
        return {**case_key(case.reference), **clean(case.model_dump(mode="json")), **due_fields(pk, next_due), **queued}

    def get(self, reference: str) -> Case | None:
        item = self.table.table.get_item(Key=case_key(reference)).get("Item")
        return Case.model_validate(plain(item)) if item else None

    def get_many(self, references: list[str]) -> list[Case]:
        """The cases of up to 100 references in one BatchGetItem (its unprocessed keys asked again),
        in the order given; unknown ones left out."""
        keys = [case_key(reference) for reference in dict.fromkeys(references)][:100]
        found: dict[str, Case] = {}
        request = {self.table.name: {"Keys": keys}} if keys else {}
        while request:
            answer = self.table.table.meta.client.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(self.table.name, []):
                case = Case.model_validate(plain(item))
                found[case.reference] = case
            request = answer.get("UnprocessedKeys") or {}
        return [found[reference] for reference in references if reference in found]

    def timeline(self, reference: str) -> list[Event]:
        return [
            Event.model_validate(plain(item["event"]))
            for item in self.table.query_all(
                KeyConditionExpression="PK = :pk AND begins_with(SK, :ev)",
                ExpressionAttributeValues={":pk": case_pk(reference), ":ev": "EV#"},
            )
        ]

    def append_event(self, reference: str, event: Event) -> None:
        """One event on a case not read beforehand (a delivery report, say): the version it makes
        comes back from the update that takes it, so the event still sorts in writing order."""
        version = self.table.table.update_item(
            Key=case_key(reference),
            UpdateExpression="ADD version :one",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )["Attributes"]["version"]
        (item,) = event_items(reference, [event], int(version))
        self.table.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")

    def create(
        self,
        case: Case,
        events: list[Event],
        messages: list[OutboundMessage],
        once: Once | None,
        now: datetime,
        next_due: datetime | None = None,
        claim: str | None = None,
        window: Window | None = None,
        updates: list[dict] = (),
        zone: str | None = None,
    ) -> None:
        """One transaction: the case (in the due index when a clock step is pending), its first
        events, its contact links, its outbound messages and its once-key. A second delivery of the
        same key raises DuplicateSubmission. `claim`: the case is this contact's only new one for
        CLAIM_WINDOW - another filed at the same moment raises ContactBusy naming the first.
        `window`: the source's hourly limit, taken in the same transaction (OverLimit when full);
        `updates`: more of the filing's writes (the acknowledgement's daily-cap count); `zone`: the
        institution's, which puts the case in the queue and its unit's count."""
        pk = case_pk(case.reference)
        puts: list[dict] = [
            {"Item": self.item(case, next_due, zone), "ConditionExpression": "attribute_not_exists(PK)"}
        ]
        if zone:
            updates = [*updates, *counter_updates(None, queue_place(case, zone), case.reference)]
        if once:
            puts.append(self.table.once_put(once, case.reference, now))
        claim_position = len(puts)  # where the claim sits, to read its cancellation reason
        if claim:
            puts.append(
                {
                    "Item": {
                        **single("CLAIM", claim),
                        "reference": case.reference,
                        "opened_at": iso(now),
                        "expires_at": int((now + CLAIM_WINDOW).timestamp()) + 86400,
                    },
                    "ConditionExpression": "attribute_not_exists(PK) OR opened_at < :since",
                    "ExpressionAttributeValues": {":since": iso(now - CLAIM_WINDOW)},
                }
            )
        puts += [{"Item": item} for item in event_items(case.reference, events, case.version)]
        puts += [
            {
                "Item": {
                    "PK": contact_pk(contact),
                    "SK": pk,
                    "received_at": iso(case.received_at),
                    "open": True,
                    "language": case.complainant.language,
                    **({"category": case.category} if case.category else {}),
                }
            }
            for contact in case.complainant.contacts()
        ]
        puts += posting_puts(case.reference, case.received_at, case.description)
        puts += self._message_puts(messages)
        try:
            self.table.transact(puts, [*([window.update()] if window else []), *updates], once)
        except self.table.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            if window and len(reasons) > len(puts) and reasons[len(puts)].get("Code") == "ConditionalCheckFailed":
                raise OverLimit() from None
            refused = len(reasons) > claim_position and reasons[claim_position].get("Code") == "ConditionalCheckFailed"
            if claim and refused:
                item = self.table.table.get_item(Key=single("CLAIM", claim), ConsistentRead=True).get("Item")
                if item:
                    raise ContactBusy(item["reference"]) from None
            raise

    def add_to(
        self,
        case: Case,
        events: list[Event],
        now: datetime,
        once: Once | None = None,
        messages: list[OutboundMessage] = (),
        set_fields: dict | None = None,
        indexed_text: str | None = None,
    ) -> None:
        """Appends events (and queues messages, and sets case fields, and puts the complainant's
        `indexed_text` in the word index) once per delivery, to the case as it was read. It counts
        as a change of the case (its version goes up), so a staff page showing the case from before
        is refused as stale instead of writing over what came in."""
        reference = case.reference
        puts = [{"Item": item} for item in event_items(reference, events, case.version + 1)]
        if once:
            puts.insert(0, self.table.once_put(once, reference, now))
        puts += self._message_puts(list(messages))
        if indexed_text:
            puts += posting_puts(reference, case.received_at, indexed_text)
        fields = clean(set_fields or {})
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": value for i, value in enumerate(fields.values())}
        sets = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))) + " " if fields else ""
        update = {
            "Key": case_key(reference),
            "UpdateExpression": sets + "ADD version :one",
            "ConditionExpression": "attribute_exists(PK)",
            "ExpressionAttributeValues": {**values, ":one": 1},
        }
        self.table.transact(puts, [{**update, **({"ExpressionAttributeNames": names} if names else {})}], once)

    def update(
        self,
        case: Case,
        expected_version: int,
        events: list[Event],
        next_due: datetime | None,
        messages: list[OutboundMessage] = (),
        zone: str | None = None,
        before: Case | None = None,
        once: Once | None = None,
        indexed_text: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Writes a changed case if nobody changed it since it was read (StaleCase otherwise),
        with its events, messages, due time and (given the `zone` and the case as it was `before`)
        its place in the queue and in its unit's counts, in one transaction; `once`: the delivery
        that made the change (DuplicateSubmission when it came before); `indexed_text`: the
        complainant's words it brought, for the word index."""
        was = queue_place(before, zone) if zone and before else None
        counted = counter_updates(was, queue_place(case, zone), case.reference) if zone else []
        if before is not None and is_open(before.status) != is_open(case.status):
            counted += self._contact_updates(case)
        puts = [
            {
                "Item": self.item(case, next_due, zone),
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": expected_version},
            }
        ]
        puts += [{"Item": item} for item in event_items(case.reference, events, case.version)]
        puts += self._message_puts(list(messages))
        if indexed_text:
            puts += posting_puts(case.reference, case.received_at, indexed_text)
        if once:
            puts.append(self.table.once_put(once, case.reference, now))
        try:
            self.table.transact(puts, counted, once)
        except self.table.client.exceptions.TransactionCanceledException as error:
            raise StaleCase(case.reference) from error

    def _contact_updates(self, case: Case) -> list[dict]:
        """A case finished or reopened: its contact items say so, and since when, so a text from
        the complainant is threaded by the one Query of their partition."""
        finished = not is_open(case.status)
        return [
            {
                "Key": {"PK": contact_pk(contact), "SK": case_pk(case.reference)},
                "UpdateExpression": "SET #open = :open, finished_at = :at",
                "ExpressionAttributeNames": {"#open": "open"},
                "ExpressionAttributeValues": {
                    ":open": not finished,
                    ":at": iso(case.finished_at) if finished and case.finished_at else None,
                },
            }
            for contact in case.complainant.contacts()
        ]

    def set_next_due(self, reference: str, next_due: datetime | None) -> None:
        due_set, due_remove, due_values = due_clause(case_pk(reference), next_due)
        self.table.table.update_item(
            Key=case_key(reference),
            UpdateExpression=f"SET {due_set}" if due_set else due_remove,
            ConditionExpression="attribute_exists(PK)",
            **({"ExpressionAttributeValues": due_values} if due_values else {}),
        )

    def due_work(self, now: datetime, page_size: int = 200, first_shard: int = 0) -> Iterator[str | Case]:
        """Everything due, read from the sparse index only, shard by shard (from first_shard on, so
        parallel sweeps start apart), oldest first within a shard: the id of each outbound message
        whose next attempt is due, and each case with an alert step due."""
        bound = iso(now) + "#~"
        for offset in range(DUE_SHARDS):
            shard = (first_shard + offset) % DUE_SHARDS
            kwargs = dict(
                IndexName=DUE_INDEX,
                KeyConditionExpression="due_shard = :shard AND due_at <= :bound",
                ExpressionAttributeValues={":shard": due_partition(shard), ":bound": bound},
                Limit=page_size,
            )
            while True:
                page = self.table.table.query(**kwargs)
                for item in page.get("Items", []):
                    if item["PK"].startswith("CASE#"):
                        yield Case.model_validate(plain(item))
                    elif item["PK"].startswith("MSG#"):
                        yield item["PK"].removeprefix("MSG#")
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def contact_record(self, contact: str) -> ContactRecord:
        """Everything the contact partition holds, in one Query (store/contacts.py)."""
        return ContactRecord.of(
            self.table.query_all(
                KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": contact_pk(contact)}
            )
        )

    def open_for_contact(self, contact: str) -> list[str]:
        return self.contact_record(contact).open_references()

    def of_contact_since(self, contact: str, since: datetime) -> list[str]:
        return self.contact_record(contact).since(since)
