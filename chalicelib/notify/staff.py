"""Texts to staff that carry a link of their own to a case (alerts, assignments, extension
requests, fresh links): the link is minted for that person and case only, and the message is
returned, not queued, so that the caller writes it with the change that causes it."""
from datetime import datetime, timedelta

from chalicelib.runtime.dependencies import Dependencies
from chalicelib.model.message import OutboundMessage, new_message_id


def staff_link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def issue_link(deps: Dependencies, reference: str, staff_id: str, now: datetime) -> str:
    """A new link for one person and one case, valid for the institution's `alert_link_days`."""
    store, institution, base_url = deps.store, deps.institution, deps.base_url
    token = store.links.issue(reference, staff_id, now + timedelta(days=institution.alert_link_days))
    return staff_link_url(base_url, token)


def link_message(deps: Dependencies, reference: str, staff_id: str, phone: str, words: str, purpose: str,
                 now: datetime) -> OutboundMessage:
    """A text to one staff member carrying a new link of their own to the case: "<words> <link>"."""
    institution = deps.institution
    url = issue_link(deps, reference, staff_id, now)
    return OutboundMessage(id=new_message_id(now), channel="sms", to=phone, body=f"{words} {url}", purpose=purpose,
                           language=institution.staff_language(staff_id), created_at=now, next_attempt_at=now,
                           case_reference=reference, recipient_id=staff_id)
