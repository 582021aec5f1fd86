"""Staff sign-in without passwords: one-time sign-in links (10 minutes, single use) and sessions
(8 hours). Each token is 128 random bits, handed out once and stored only as its SHA-256; DynamoDB's
TTL removes them some time after they lapse, and every read checks the expiry itself."""

from datetime import datetime, timedelta

from chalicelib.runtime.clock import iso
from chalicelib.store.table import FamilyStore, digest, new_secret, single

SIGN_IN_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)


class SessionStore(FamilyStore):
    def issue_sign_in(self, staff_id: str, now: datetime) -> str:
        return self._issue("SIGNIN", staff_id, now + SIGN_IN_LIFETIME)

    def sign_in_holder(self, token: str, now: datetime) -> str | None:
        """Whose link this is, while it can still be used (opening it spends nothing)."""
        return self._holder("SIGNIN", token, now)

    def spend_sign_in(self, token: str, now: datetime) -> str | None:
        """Uses the link up, once: whose it was, or None (unknown, used, or expired)."""
        try:
            old = self.table.table.delete_item(
                Key=single("SIGNIN", digest(token)),
                ConditionExpression="attribute_exists(PK) AND #until > :now",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":now": iso(now)},
                ReturnValues="ALL_OLD",
            )
        except self.table.client.exceptions.ConditionalCheckFailedException:
            return None
        return old["Attributes"]["staff_id"]

    def open_session(self, staff_id: str, now: datetime) -> str:
        return self._issue("SESSION", staff_id, now + SESSION_LIFETIME)

    def session_holder(self, token: str, now: datetime) -> str | None:
        return self._holder("SESSION", token, now)

    def close_session(self, token: str) -> None:
        self.table.table.delete_item(Key=single("SESSION", digest(token)))

    def _issue(self, kind: str, staff_id: str, until: datetime) -> str:
        token = new_secret()
        self.table.table.put_item(
            Item={
                **single(kind, digest(token)),
                "staff_id": staff_id,
                "until": iso(until),
                "expires_at": int(until.timestamp()),
            },
            ConditionExpression="attribute_not_exists(PK)",
        )
        return token

    def _holder(self, kind: str, token: str, now: datetime) -> str | None:
        item = self.table.table.get_item(Key=single(kind, digest(token)), ConsistentRead=True).get("Item")
        return item["staff_id"] if item and item["until"] > iso(now) else None
