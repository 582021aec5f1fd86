"""Staff links: `/s/{token}`. The token is 128 random bits (22 URL-safe characters), given out
once in a text and stored only as its SHA-256, scoped to one case and one staff member, expiring
after the institution's `alert_link_days`. Nothing about a case is said to a link that is unknown,
tampered with or revoked."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.runtime.clock import iso, parse_iso


@dataclass(frozen=True)
class Link:
    token_hash: str
    reference: str
    staff_id: str
    expires_at: datetime
    revoked: bool = False

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def new_token() -> str:
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return 16 <= len(token) <= 64 and all(ch.isalnum() or ch in "-_" for ch in token)


def csrf_token(token: str, version: int) -> str:
    """Bound to the link and to the case version the page showed: a form from a stale page, or one
    built without the link, is refused."""
    return hmac.new(token.encode(), f"csrf|{version}".encode(), hashlib.sha256).hexdigest()[:32]


def link_item(link: Link) -> dict:
    return {"PK": f"LINK#{link.token_hash}", "SK": "LINK", "reference": link.reference, "staff_id": link.staff_id,
            "expires_at_text": iso(link.expires_at), "revoked": link.revoked,
            # kept a while after expiry so that the page can still offer a fresh link
            "expires_at": int((link.expires_at + timedelta(days=30)).timestamp())}


def link_from_item(item: dict) -> Link:
    return Link(token_hash=item["PK"].removeprefix("LINK#"), reference=item["reference"], staff_id=item["staff_id"],
                expires_at=parse_iso(item["expires_at_text"]), revoked=bool(item.get("revoked")))


def issue_link(store, institution, reference: str, staff_id: str, now: datetime, base_url: str) -> str:
    """A new link for one person and one case; only its hash is stored."""
    token = new_token()
    store.put_link(Link(token_hash(token), reference, staff_id, now + timedelta(days=institution.alert_link_days)))
    return f"{base_url.rstrip('/')}/s/{token}"


def link_message(store, institution, reference: str, staff_id: str, phone: str, words: str, purpose: str,
                 now: datetime, base_url: str):
    """A text to one staff member carrying a new link of their own to the case: "<words> <link>".
    Returned, not queued, so that the caller writes it with the change that causes it."""
    from chalicelib.model.message import OutboundMessage, new_message_id

    url = issue_link(store, institution, reference, staff_id, now, base_url)
    return OutboundMessage(id=new_message_id(now), channel="sms", to=phone, body=f"{words} {url}", purpose=purpose,
                           language=institution.staff_language(staff_id), created_at=now, next_attempt_at=now,
                           case_reference=reference, recipient_id=staff_id)
