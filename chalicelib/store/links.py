"""Staff links and reply codes. A link token is 128 random bits (22 URL-safe characters), given out
once in a text and stored only as its SHA-256, scoped to one staff member and the cases its text
names (the one it leads with, and the others of a bundled alert), with an expiry; a case keeps a
pointer to each link that leads with it, so that a reassignment can revoke them. A reply
code is a short number per staff phone that points at a case for a while."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.runtime.clock import iso, parse_iso
from chalicelib.store.table import FamilyStore, case_pk, digest, link_pointer_sk, new_secret, single

CODE_LIFETIME = timedelta(days=14)  # how long a reply code in an alert keeps working
KEPT_AFTER_EXPIRY = timedelta(days=30)  # an expired link can still offer a fresh one


@dataclass(frozen=True)
class Link:
    token_hash: str
    reference: str
    staff_id: str
    expires_at: datetime
    revoked: bool = False
    also: tuple[str, ...] = ()  # the other cases a bundled alert's text names

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference, *self.also)

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


token_hash = digest  # a staff link is looked up by the SHA-256 of its token


class LinkStore(FamilyStore):
    def issue(self, reference: str, staff_id: str, expires_at: datetime, also: tuple[str, ...] = ()) -> str:
        """A new token for one person and the cases its text names; only its hash is stored."""
        token = new_secret()
        self.put(Link(token_hash(token), reference, staff_id, expires_at, also=also))
        return token

    def put(self, link: Link) -> None:
        """The link, and a pointer from its case so that a reassignment can revoke it."""
        item = {
            **single("LINK", link.token_hash),
            "reference": link.reference,
            "staff_id": link.staff_id,
            "expires_at_text": iso(link.expires_at),
            "revoked": link.revoked,
            **({"also": list(link.also)} if link.also else {}),
            "expires_at": int((link.expires_at + KEPT_AFTER_EXPIRY).timestamp()),
        }
        self.table.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        pointer = {"PK": case_pk(link.reference), "SK": link_pointer_sk(link.staff_id, link.token_hash)}
        self.table.table.put_item(Item=pointer)

    def get(self, token_hash_: str) -> Link | None:
        item = self.table.table.get_item(Key=single("LINK", token_hash_), ConsistentRead=True).get("Item")
        if not item:
            return None
        return Link(
            token_hash=item["PK"].removeprefix("LINK#"),
            reference=item["reference"],
            staff_id=item["staff_id"],
            expires_at=parse_iso(item["expires_at_text"]),
            revoked=bool(item.get("revoked")),
            also=tuple(item.get("also", ())),
        )

    def revoke(self, reference: str, staff_id: str) -> int:
        pointers = self.table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues={":pk": case_pk(reference), ":sk": link_pointer_sk(staff_id)},
        )
        for pointer in pointers:
            self.table.table.update_item(
                Key=single("LINK", pointer["SK"].rsplit("#", 1)[1]),
                UpdateExpression="SET revoked = :yes",
                ExpressionAttributeValues={":yes": True},
            )
        return len(pointers)

    def issue_follow_up(self, reference: str, expires_at: datetime) -> str:
        """A complainant's follow-up link (email, or where texts cannot be answered): 128 random
        bits handed out once, stored as their SHA-256, for one case until `expires_at`."""
        token = new_secret()
        self.table.table.put_item(
            Item={
                **single("FOLLOWUP", token_hash(token)),
                "reference": reference,
                "expires_at_text": iso(expires_at),
                "expires_at": int((expires_at + KEPT_AFTER_EXPIRY).timestamp()),
            },
            ConditionExpression="attribute_not_exists(PK)",
        )
        return token

    def follow_up_reference(self, token: str, now: datetime) -> tuple[str | None, bool]:
        """(the case the follow-up link is for, whether it has expired); (None, False): no such link."""
        item = self.table.table.get_item(Key=single("FOLLOWUP", token_hash(token))).get("Item")
        if not item:
            return None, False
        return item["reference"], item["expires_at_text"] <= iso(now)

    def allocate_code(self, phone: str, reference: str, now: datetime, lifetime: timedelta = CODE_LIFETIME) -> int:
        """The next short code (1-99, then round again) for texts to this phone, pointing at a case."""
        code = (self.table.add_one(single("CODECOUNTER", phone), "n") - 1) % 99 + 1
        self.table.table.put_item(
            Item={
                **single("CODE", phone, str(code)),
                "reference": reference,
                "until": iso(now + lifetime),
                "expires_at": int((now + lifetime).timestamp()),
            }
        )
        return code

    def latest_code(self, phone: str, now: datetime) -> int | None:
        """The code last given to this phone, while it still works (for the help text)."""
        counter = self.table.table.get_item(Key=single("CODECOUNTER", phone)).get("Item")
        if not counter:
            return None
        code = (int(counter["n"]) - 1) % 99 + 1
        return code if self.reference_for_code(phone, code, now) else None

    def reference_for_code(self, phone: str, code: int, now: datetime) -> str | None:
        item = self.table.table.get_item(Key=single("CODE", phone, str(code))).get("Item")
        return item["reference"] if item and item["until"] > iso(now) else None
