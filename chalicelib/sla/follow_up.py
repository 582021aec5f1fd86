"""Follow-up (回访): a resolved case is asked once how it went, `after_resolution.follow_up_after`
the result and never in the follow-up quiet hours (the institution's zone), by the complainant's
channel - a text that takes a reply where two-way SMS works and the number has not opted out,
else a call-back task (voice and walk-in cases always: someone calls). Unanswered after
`answer_within`: a call-back task, or closed, by policy. The sweep calls `act` for each case
whose moment has come (sla/plan.follow_up_moment, part of the case's due time); the answer itself
arrives as a text (intake/sms.py) or on the link's page (edge/follow_up_page.py), and
staff/reopening.record_feedback (or reopen, for a low one) records it."""

from datetime import datetime

from chalicelib.model.case import Case, Event, FollowUp
from chalicelib.model.lifecycle import transition
from chalicelib.model.message import new_message
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.sla.deadlines import task_clock
from chalicelib.sla.plan import follow_up_moment, next_due
from chalicelib.sla.working_time import add_duration

CALLED = ("voice", "walk_in")  # followed up by a call, never a text


def act(deps: Dependencies, case: Case, now: datetime) -> bool:
    """Asks the question, or handles its unanswered end, if its moment has come; False otherwise."""
    from chalicelib.notify import sender as notify

    institution = deps.institution
    moment = follow_up_moment(case, institution)
    if moment is None or moment > now:
        return False
    messages, events = [], []
    if case.follow_up is None:
        by = _channel(deps, case)
        if by == "link":
            messages = _link_messages(deps, case, now)
        if by == "sms":
            language = case.complainant.language
            question = text(
                language, "sms_follow_up", institution=institution.sms_name(language), reference=case.reference
            )
            messages = [
                new_message(
                    now,
                    "sms",
                    case.complainant.phone,
                    question,
                    purpose="follow_up",
                    language=language,
                    case_reference=case.reference,
                )
            ]
        updated = case.model_copy(update={"follow_up": FollowUp(asked_at=now, by=by)})
        if by == "callback":
            updated = updated.model_copy(update={"clocks": [*case.clocks, task_clock(institution, "callback", now)]})
        sent = {"message_id": messages[0].id} if messages else {}  # the timeline names what went
        events.append(Event(at=now, actor="system", kind="follow_up_asked", data={"by": by, **sent}))
    else:
        unanswered = case.follow_up.model_copy(update={"unanswered": True})
        updated = case.model_copy(update={"follow_up": unanswered})
        if institution.after_resolution.no_answer == "callback":
            updated = updated.model_copy(update={"clocks": [*case.clocks, task_clock(institution, "callback", now)]})
        else:
            updated = updated.model_copy(update={"status": transition(case.status, "closed")})
        events.append(Event(at=now, actor="system", kind="follow_up_unanswered"))
    updated = updated.model_copy(update={"version": case.version + 1})
    zone = institution.calendar.timezone
    deps.store.cases.update(updated, case.version, events, next_due(updated, institution), messages, zone, case)
    if messages:
        notify.deliver(deps, [message.id for message in messages], now)
    return True


def _channel(deps: Dependencies, case: Case) -> str:
    """sms: a question to answer by text; link: a link to answer on a page (by email, or a text
    where replies cannot arrive); callback: someone calls."""
    phone, email = case.complainant.phone, case.complainant.email
    if case.channel in CALLED:
        return "callback"
    texts = bool(phone) and not deps.store.outbox.is_opted_out(phone)
    if texts and deps.institution.channels.sms_profile(phone).two_way:
        return "sms"
    return "link" if texts or email else "callback"


def _link_messages(deps: Dependencies, case: Case, now: datetime) -> list:
    """The follow-up link, by email where there is an address, else by text. Its GET shows the
    choice and records nothing (mail scanners open links); only the page's POST records."""
    institution, language = deps.institution, case.complainant.language
    within = institution.after_resolution.answer_within
    expires = add_duration(institution.calendar.work_calendar(), now, within.amount, within.unit)
    link = (
        f"{deps.base_url.rstrip('/')}/complaints/follow-up/{deps.store.links.issue_follow_up(case.reference, expires)}"
    )
    common = {"purpose": "follow_up", "language": language, "case_reference": case.reference}
    if case.complainant.email:
        body = text(
            language, "email_follow_up", institution=institution.name.in_(language), reference=case.reference, link=link
        )
        subject = text(language, "email_subject_follow_up", reference=case.reference)
        return [new_message(now, "email", case.complainant.email, body, subject=subject, **common)]
    body = text(
        language, "sms_follow_up_link", institution=institution.sms_name(language), reference=case.reference, link=link
    )
    return [new_message(now, "sms", case.complainant.phone, body, **common)]
