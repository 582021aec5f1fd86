"""The acknowledgement a complainant receives: reference and expected handling time, by SMS
when we have their phone, by email when we have their email, in their language."""

from datetime import datetime
from functools import cache
from urllib.parse import quote

from chalicelib.model.case import Case
from chalicelib.model.institution import Institution
from chalicelib.model.message import OutboundMessage, new_message
from chalicelib.notify.segments import MAX_NUMBERED_TEXTS, numbered_texts, segments
from chalicelib.runtime.rendering import local_time, render_message, text


def shows_zone(institution: Institution, language: str, phone: str | None) -> bool:
    """Times a complainant reads carry the zone when they may not live in it: a foreign number, or
    a language other than the institution's."""
    if language != institution.default_language:
        return True
    return bool(phone) and not phone.startswith(f"+{_calling_code(institution.intake.default_phone_region)}")


@cache
def _calling_code(region: str) -> int:
    import phonenumbers  # imported where used: keeps cold start small

    return phonenumbers.country_code_for_region(region)


def complainant_time(case: Case, institution: Institution, moment: datetime, short: bool = False) -> str:
    """A time as this case's complainant reads it: in the institution's zone, named where needed."""
    language = case.complainant.language
    zoned = shows_zone(institution, language, case.complainant.phone)
    return local_time(moment, institution.calendar.timezone, language, short=short, with_zone=zoned)


OUTCOME_CHARS = 40  # of the result quoted in a status text: the text stays within its segment budget


def status_answer(case: Case, institution: Institution, language: str | None = None) -> str:
    """Where the case stands, truthfully, in one text: what is promised next while it is open (the
    extended date once extended), the result and its date once it is finished. In `language`
    (the one the question was asked in), else the complainant's."""
    language = language or case.complainant.language
    values = {
        "institution": institution.sms_name(language),
        "reference": case.reference,
        "status": text(language, f"status_{case.status}"),
    }
    if case.status in ("resolved", "closed", "not_accepted"):
        outcome = (case.outcome or "").strip()
        values["outcome"] = outcome if len(outcome) <= OUTCOME_CHARS else outcome[: OUTCOME_CHARS - 1] + "…"
        values["date"] = complainant_time(case, institution, case.finished_at, short=True) if case.finished_at else ""
        if case.status == "not_accepted":
            return text(language, "sms_status_not_accepted", **values)
        return text(language, "sms_status_finished", **values)
    if case.status == "awaiting_complainant":
        return text(language, "sms_status_awaiting", **values)
    expected = case.expected_response_by()
    if expected is None:
        return text(language, "sms_status_plain", **values)
    values["expected"] = complainant_time(case, institution, expected, short=True)
    if case.extended():
        return text(language, "sms_status_extended", **values)
    if case.status == "responded":
        return text(language, "sms_status_responded", **values)
    return text(language, "sms_status", **values)


def sms_acknowledgement(case: Case, institution: Institution, status_url: str = "") -> str:
    """At most 1 segment in English and 2 in Chinese (tests/test_sms_segments.py checks). Where a
    text back cannot arrive (no two-way SMS for their number), it says how to follow up instead."""
    language = case.complainant.language
    values = {
        "institution": institution.sms_name(language),
        "reference": case.reference,
        "expected": complainant_time(case, institution, case.expected_response_by(), short=True),
    }
    if not institution.channels.sms_profile(case.complainant.phone).two_way:
        hotline = institution.channels.hotline_display or institution.channels.sms_number or ""
        return text(language, "acknowledgement_sms_one_way", link=status_url, hotline=hotline, **values)
    return render_message("acknowledgement_sms", language, **values)


def acknowledgement_messages(
    case: Case, institution: Institution, now: datetime, status_url: str, sms: bool = True
) -> list[OutboundMessage]:
    """sms=False when the acknowledgement text goes back in the webhook's own reply instead. Created
    already leased to the intake that sends them at once."""
    language = case.complainant.language
    email = case.complainant.email and render_message(
        "acknowledgement_email",
        language,
        institution=institution.name.in_(language),
        reference=case.reference,
        name=case.complainant.name,
        received=complainant_time(case, institution, case.received_at),
        expected=complainant_time(case, institution, case.expected_response_by()),
        status_url=status_url,
    )
    return _by_their_channels(
        case,
        now,
        "acknowledgement",
        sms_acknowledgement(case, institution, status_url) if sms else None,
        email,
        text(language, "email_subject_ack", reference=case.reference),
        leased=True,
    )


def complainant_messages(
    case: Case,
    institution: Institution,
    now: datetime,
    body: str,
    purpose: str,
    subject: str,
    email_body: str | None = None,
    *,
    status_link: str,
) -> list[OutboundMessage]:
    """A notice to the complainant by the channels we have for them: SMS and/or email (a real email
    of its own when `email_body` is given: greeting, the words, the reference, the status link).
    A text of up to 3 segments goes as numbered texts of one segment each; a longer one is a text
    linking to the status page, which shows it whole (never over Twilio's 1,600 characters)."""
    language = case.complainant.language
    profile = institution.channels.sms_profile(case.complainant.phone)
    if profile.templated:  # one template send, never numbered parts; staff words only where allowed
        texts = [body] if profile.sends("complainant_signed") and segments(body) <= profile.segment_limit else None
    else:  # up to 3 segments' worth as numbered texts (numbering may take a 4th), never more
        texts = numbered_texts(body, most=MAX_NUMBERED_TEXTS + 1) if segments(body) <= MAX_NUMBERED_TEXTS else None
    if texts is None:  # too long, or free words their operators do not take: the status page shows them
        key = "sms_new_message" if profile.templated else "sms_long_text"
        link = status_link or ""
        texts = [text(language, key, inst=institution.sms_name(language), reference=case.reference, link=link)]
    messages = _by_their_channels(case, now, purpose, texts[0], email_body or body, subject)
    for more in texts[1:]:
        messages += _by_their_channels(case, now, purpose, more, None, subject)
    return messages


def status_url(base_url: str, reference: str) -> str:
    return f"{base_url.rstrip('/')}/complaints/status?ref={quote(reference)}"


def email_body(case: Case, institution: Institution, words: str, base_url: str) -> str:
    """An email to the complainant, not an SMS text: addressed to them, the institution's words, the
    reference and where to follow the case, signed with the institution's full name."""
    language = case.complainant.language
    named = case.complainant.name and not case.complainant.anonymous
    greeting = (
        text(language, "email_greeting_named", name=case.complainant.name)
        if named
        else text(language, "email_greeting")
    )
    return text(
        language,
        "email_case_body",
        greeting=greeting,
        words=words,
        reference=case.reference,
        status_url=status_url(base_url, case.reference),
        institution=institution.name.in_(language),
    )


def _by_their_channels(
    case: Case, now: datetime, purpose: str, sms: str | None, email: str | None, subject: str, leased: bool = False
) -> list[OutboundMessage]:
    """The SMS to their phone and the email to their address, where we have each (and a body for it)."""
    common = {
        "purpose": purpose,
        "language": case.complainant.language,
        "leased": leased,
        "case_reference": case.reference,
    }
    messages = []
    if case.complainant.phone and sms:
        messages.append(new_message(now, "sms", case.complainant.phone, sms, **common))
    if case.complainant.email and email:
        messages.append(new_message(now, "email", case.complainant.email, email, subject=subject, **common))
    return messages


def acknowledgement_length_problems(institution: Institution) -> list[str]:
    """An institution's own acknowledgement text is at most 1 segment in English and 2 in Chinese
    (each segment is billed, and long texts arrive split): checked with a typical reference and date."""
    from chalicelib.notify.segments import SEGMENT_BUDGET, segments
    from chalicelib.runtime.rendering import render_custom

    problems = []
    for language, body in institution.messages.get("acknowledgement_sms", {}).items():
        sample = render_custom(
            body,
            institution=institution.sms_name(language),
            reference=f"{institution.reference_prefix}-261200427",
            expected="12月31日 17:30" if language == "zh" else "Thu 31 Dec 17:30",
        )
        budget = SEGMENT_BUDGET[language]
        if segments(sample) > budget:
            problems.append(
                f"messages.acknowledgement_sms.{language}: {segments(sample)} SMS segments with a "
                f"typical reference and date, at most {budget}; shorten it"
            )
    return problems
