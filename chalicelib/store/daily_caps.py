"""The texts each number got per day, so that no recipient gets more than its country's operators
allow (the sending profile's daily cap), and the texts held over the cap, per number, until they
are folded into the next allowed one. The day's count sits in the number's contact partition
(CONTACT#<e164>, SK SMSDAY#<date>), so the Query a filing makes anyway reads it, and a filing with
room to spare counts its acknowledgement in its own transaction."""

import hashlib
from datetime import date, datetime, timedelta

from chalicelib.runtime.clock import iso
from chalicelib.store.contacts import DAY_PREFIX
from chalicelib.store.table import Table, contact_pk, single


class DailyCapStore:
    def __init__(self, table: Table):
        self.table = table

    def take(self, phone: str, day: date, message_id: str, body: str, identical: int, different: int) -> bool:
        """Counts one more text to `phone` on its local `day`, if that stays within the cap: at most
        `different` texts in all and `identical` of this very text. One conditional write: two
        senders at once never both take the last place. A message counts once, however often it is
        tried."""
        key, same, expires = _day_key(phone, day), _same(body), _expires(day)
        try:
            self.table.table.update_item(
                Key=key,
                UpdateExpression="ADD texts :one, #same :one, ids :id SET expires_at = :expires",
                ConditionExpression="(attribute_not_exists(ids) OR NOT contains(ids, :message)) AND "
                "(attribute_not_exists(texts) OR texts < :different) AND "
                "(attribute_not_exists(#same) OR #same < :identical)",
                ExpressionAttributeNames={"#same": same},
                ExpressionAttributeValues={
                    ":one": 1,
                    ":id": {message_id},
                    ":message": message_id,
                    ":different": different,
                    ":identical": identical,
                    ":expires": expires,
                },
            )
        except self.table.client.exceptions.ConditionalCheckFailedException:
            item = self.table.table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
            return message_id in item.get("ids", set())  # counted at an earlier try of the same message
        return True

    @staticmethod
    def counted(phone: str, day: date, message_id: str, body: str) -> dict:
        """The same count as `take`, unconditional, for a transaction whose caller saw room to spare."""
        return {
            "Key": _day_key(phone, day),
            "UpdateExpression": "ADD texts :one, #same :one, ids :id SET expires_at = :expires",
            "ExpressionAttributeNames": {"#same": _same(body)},
            "ExpressionAttributeValues": {":one": 1, ":id": {message_id}, ":expires": _expires(day)},
        }

    @staticmethod
    def room(day_item: dict | None, body: str, identical: int, different: int) -> int:
        """How many more texts like this one the day's count allows."""
        item = day_item or {}
        return min(different - int(item.get("texts", 0)), identical - int(item.get(_same(body), 0)))

    def hold(self, phone: str, message_id: str, now: datetime) -> None:
        self.table.table.update_item(
            Key=single("SMSHELD", phone),
            UpdateExpression="SET ids = list_append(if_not_exists(ids, :empty), :id), "
            "since = if_not_exists(since, :now)",
            ExpressionAttributeValues={":empty": [], ":id": [message_id], ":now": iso(now)},
        )

    def held(self, phone: str) -> list[str]:
        item = self.table.table.get_item(Key=single("SMSHELD", phone), ConsistentRead=True).get("Item")
        return list(item["ids"]) if item else []

    def release(self, phone: str, ids: list[str]) -> bool:
        """Forgets the held texts once folded; False if more were held meanwhile (read again)."""
        try:
            self.table.table.delete_item(
                Key=single("SMSHELD", phone),
                ConditionExpression="size(ids) = :count",
                ExpressionAttributeValues={":count": len(ids)},
            )
        except self.table.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _day_key(phone: str, day: date) -> dict:
    return {"PK": contact_pk(phone), "SK": f"{DAY_PREFIX}{day.isoformat()}"}


def _same(body: str) -> str:
    return "same_" + hashlib.sha256(body.encode()).hexdigest()[:16]


def _expires(day: date) -> int:
    return int((datetime(day.year, day.month, day.day) + timedelta(days=3)).timestamp())
