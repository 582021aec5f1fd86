"""Outbound messages (the outbox): queued in the write that causes them, leased before each send,
their results and the provider's delivery reports; the provider ids that lead back to them; and
the SMS opt-outs that hold every later text to a number."""

from datetime import datetime
from typing import Any

from chalicelib.model.message import SEND_LEASE, OutboundMessage
from chalicelib.runtime.clock import iso
from chalicelib.store.contacts import OPTOUT_SK
from chalicelib.store.table import Table, clean, contact_pk, due_fields, due_shard, message_key, plain, single


class OutboxStore:
    def __init__(self, table: Table, timeline):
        self.table = table
        self._timeline = timeline  # a case's events name the messages sent for it

    @staticmethod
    def item(message: OutboundMessage) -> dict:
        key = message_key(message.id)
        item = {**key, **clean(message.model_dump(mode="json"))}
        if message.status == "pending":
            item |= due_fields(key["PK"], message.next_attempt_at or message.created_at)
        return item

    def puts(self, messages: list[OutboundMessage]) -> list[dict]:
        """Conditional puts of new messages, for a transaction that writes them with their cause."""
        return [{"Item": self.item(message), "ConditionExpression": "attribute_not_exists(PK)"} for message in messages]

    def queue(self, message: OutboundMessage) -> bool:
        """False when a message with this id is already queued (the same cause, delivered twice)."""
        return self.table.put_new(self.item(message))

    def replace_body(self, message: OutboundMessage) -> None:
        """The text of a message this process still holds the lease on (and the values of its
        template), written again."""
        self.table.table.update_item(
            Key=message_key(message.id),
            UpdateExpression="SET body = :body, variables = :variables",
            ExpressionAttributeValues={":body": message.body, ":variables": message.variables},
        )

    def get(self, message_id: str) -> OutboundMessage | None:
        item = self.table.table.get_item(Key=message_key(message_id)).get("Item")
        return OutboundMessage.model_validate(plain(item)) if item else None

    def claim(self, message_id: str, now: datetime) -> OutboundMessage | None:
        """Takes a lease on a pending message that is due, so that a request and a sweep (or two
        sweeps) never send it twice. None when someone else holds it or it is no longer pending."""
        key = message_key(message_id)
        lease = iso(now + SEND_LEASE)
        try:
            result = self.table.table.update_item(
                Key=key,
                UpdateExpression="SET next_attempt_at = :lease, due_at = :due ADD attempts :one",
                ConditionExpression="#status = :pending AND (attribute_not_exists(next_attempt_at) "
                "OR next_attempt_at <= :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":lease": lease,
                    ":due": f"{lease}#{key['PK']}",
                    ":one": 1,
                    ":pending": "pending",
                    ":now": iso(now),
                },
                ReturnValues="ALL_NEW",
            )
        except self.table.client.exceptions.ConditionalCheckFailedException:
            return None
        return OutboundMessage.model_validate(plain(result["Attributes"]))

    def record_send_result(
        self,
        message_id: str,
        status: str,
        *,
        provider_id: str | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
        link_provider_id: bool = False,
    ) -> None:
        """After an attempt: sent (leaves the due index), or pending again at retry_at, or gave_up.
        `link_provider_id`: the provider's id also finds the message (its reports, a reply quoting
        it), written in the same request (a transaction of the two)."""
        key = message_key(message_id)
        values: dict[str, Any] = {":status": status}
        sets = ["#status = :status"]
        for attr, value in (("provider_id", provider_id), ("last_error", error)):
            if value is not None:
                sets.append(f"{attr} = :{attr}")
                values[f":{attr}"] = value
        if retry_at is not None:  # back into the due index (a delivery report can follow a send)
            sets += ["next_attempt_at = :retry", "due_at = :due", "due_shard = :shard"]
            values |= {":retry": iso(retry_at), ":due": f"{iso(retry_at)}#{key['PK']}", ":shard": due_shard(key["PK"])}
            removes = ""
        else:
            removes = " REMOVE due_shard, due_at, next_attempt_at"
        update = {
            "Key": key,
            "UpdateExpression": "SET " + ", ".join(sets) + removes,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        if link_provider_id and provider_id:
            self.table.transact(
                [{"Item": {**single("PROVIDER", provider_id), "message_id": message_id}}], [update], None
            )
        else:
            self.table.table.update_item(**update)

    def by_provider_id(self, provider_id: str) -> OutboundMessage | None:
        item = self.table.table.get_item(Key=single("PROVIDER", provider_id)).get("Item")
        return self.get(item["message_id"]) if item else None

    def record_delivery_status(
        self, message_id: str, provider_id: str, status: str, error_code: str | None, rank: int
    ) -> OutboundMessage | None:
        """A provider's status report for the send that produced provider_id. Statuses only move
        forward (a late "sent" never overwrites "delivered"); None when the report is stale."""
        try:
            result = self.table.table.update_item(
                Key=message_key(message_id),
                UpdateExpression="SET delivery_status = :status, delivery_rank = :rank, error_code = :code",
                ConditionExpression="provider_id = :sid AND "
                "(attribute_not_exists(delivery_rank) OR delivery_rank < :rank)",
                ExpressionAttributeValues={
                    ":status": status,
                    ":rank": rank,
                    ":code": error_code or "-",
                    ":sid": provider_id,
                },
                ReturnValues="ALL_NEW",
            )
        except self.table.client.exceptions.ConditionalCheckFailedException:
            return None
        return OutboundMessage.model_validate(plain(result["Attributes"]))

    def for_case(self, reference: str) -> list[OutboundMessage]:
        """For the sandbox and tests; outbound messages are found from the case's timeline events."""
        ids = dict.fromkeys(
            event.data["message_id"] for event in self._timeline(reference) if "message_id" in event.data
        )
        return [message for message in map(self.get, ids) if message]

    def set_opted_out(self, phone: str, opted_out: bool, now: datetime) -> None:
        """STOP from a number holds for every later outbound text to it until START."""
        key = _optout_key(phone)
        if opted_out:
            self.table.table.put_item(Item={**key, "since": iso(now)})
        else:
            self.table.table.delete_item(Key=key)

    def is_opted_out(self, phone: str) -> bool:
        return "Item" in self.table.table.get_item(Key=_optout_key(phone), ConsistentRead=True)


def _optout_key(phone: str) -> dict:
    """In the number's contact partition: the Query a filing makes reads it with its cases."""
    return {"PK": contact_pk(phone), "SK": OPTOUT_SK}
