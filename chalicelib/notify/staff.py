"""Texts to staff that carry a link of their own to a case (alerts, assignments, extension
requests, fresh links): the link is minted for that person and case only, and the message is
returned, not queued, so that the caller writes it with the change that causes it."""

from datetime import datetime, timedelta

from chalicelib.model.message import OutboundMessage, new_message
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.labels import labelled
from chalicelib.runtime.rendering import text


def staff_link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def issue_link(deps: Dependencies, reference: str, staff_id: str, now: datetime, also: tuple[str, ...] = ()) -> str:
    """A new link for one person and the cases its text names (`reference` first, then `also`),
    valid for the institution's `alert_link_days`."""
    expires_at = now + timedelta(days=deps.institution.alert_link_days)
    token = deps.store.links.issue(reference, staff_id, expires_at, also=tuple(r for r in also if r != reference))
    return staff_link_url(deps.base_url, token)


def link_message(
    deps: Dependencies, reference: str, staff_id: str, phone: str, purpose: str, now: datetime, text_key: str, **values
) -> OutboundMessage:
    """A text to one staff member, in their language, carrying a new link of their own to the case:
    the catalog text `text_key` with the reference, the link and `values` (codes labelled)."""
    url = issue_link(deps, reference, staff_id, now)
    language = deps.institution.staff_language(staff_id)
    body = text(language, text_key, reference=reference, link=url, **labelled(language, values))
    return new_message(now, "sms", phone, body, purpose, language, case_reference=reference, recipient_id=staff_id)
