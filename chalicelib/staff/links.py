"""Using a staff link (`/s/{token}`): what a token must look like before any lookup, and the CSRF
token of the link's page. Links are minted by notify.staff and stored by store.links; nothing
about a case is said to a link that is unknown, tampered with or revoked."""

import hashlib
import hmac

from chalicelib.store.links import Link, token_hash

__all__ = ["Link", "csrf_token", "looks_like_token", "token_hash"]


def looks_like_token(token: str) -> bool:
    return 16 <= len(token) <= 64 and all(ch.isalnum() or ch in "-_" for ch in token)


def csrf_token(token: str, version: int) -> str:
    """Bound to the link and to the case version the page showed: a form from a stale page, or one
    built without the link, is refused."""
    return hmac.new(token.encode(), f"csrf|{version}".encode(), hashlib.sha256).hexdigest()[:32]
