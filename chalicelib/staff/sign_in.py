"""Signing in without passwords. A person gives their phone or email; if it is in the directory
they get a one-time link by text (or email, when that is what they gave or all they have), which
works once within 10 minutes. Opening it only shows a button: its POST spends it and opens an
8-hour session, so a link preview or a mail scanner cannot use it up. Whoever asks gets the same
answer whether or not the contact is known, and a contact and an address may ask only a few times
an hour. A session ends at sign-out, after 8 hours, or when its person leaves the directory."""

from datetime import datetime

from chalicelib.model.contacts import InvalidContact, normalise_email, normalise_phone
from chalicelib.model.institution import StaffMember
from chalicelib.model.message import new_message
from chalicelib.notify import sender as notify
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text

LINKS_PER_CONTACT_PER_HOUR = 3
REQUESTS_PER_ADDRESS_PER_HOUR = 20


def request_link(deps: Dependencies, contact: str, address: str, now: datetime) -> None:
    """Sends a sign-in link to the person this contact belongs to, if any; says nothing either way."""
    store, institution = deps.store, deps.institution
    hour = now.strftime("%Y%m%d%H")
    if store.abuse.count_in_window(f"signin-address#{address}", hour, 7200) > REQUESTS_PER_ADDRESS_PER_HOUR:
        return
    member, by_email = _member(institution, contact)
    if member is None:
        return
    if store.abuse.count_in_window(f"signin#{member.id}", hour, 7200) > LINKS_PER_CONTACT_PER_HOUR:
        return
    token = store.sessions.issue_sign_in(member.id, now)
    language = institution.staff_language(member.id)
    link = f"{deps.base_url.rstrip('/')}/staff/sign-in/{token}"
    body = text(language, "staff_sign_in_text", institution=institution.sms_name(language), link=link)
    if member.phone and not by_email:
        message = new_message(now, "sms", member.phone, body, "sign_in", language, recipient_id=member.id)
    else:
        subject = text(language, "staff_sign_in_subject", institution=institution.name.in_(language))
        message = new_message(now, "email", member.email, body, "sign_in", language, subject=subject)
    if store.outbox.queue(message):
        notify.deliver(deps, [message.id], now)


def _member(institution, contact: str) -> tuple[StaffMember | None, bool]:
    contact = (contact or "").strip()[:200]
    if "@" in contact:
        try:
            email = normalise_email(contact)
        except InvalidContact:
            return None, True
        member = next((m for m in institution.staff if m.email and m.email.lower() == email), None)
        return member, True
    try:
        phone = normalise_phone(contact, institution.intake.default_phone_region)
    except InvalidContact:
        return None, False
    member = institution.staff_with_phone(phone)
    if member is not None and not member.phone:
        return None, False
    return member, False


def sign_in(deps: Dependencies, token: str, previous_session: str | None, now: datetime) -> tuple[str, str] | None:
    """Spends the link; (the new session token, the person's id), or None. A session the browser
    already held is closed: a sign-in always starts a fresh one."""
    store = deps.store
    staff_id = store.sessions.spend_sign_in(token, now)
    if staff_id is None or deps.institution.staff_member(staff_id) is None:
        return None
    if previous_session:
        store.sessions.close_session(previous_session)
    return store.sessions.open_session(staff_id, now), staff_id


def signed_in(deps: Dependencies, session: str | None, now: datetime) -> StaffMember | None:
    """The person of a live session who is still in the directory."""
    if not session:
        return None
    staff_id = deps.store.sessions.session_holder(session, now)
    return deps.institution.staff_member(staff_id) if staff_id else None
