"""Follow-up (回访): a resolved case is asked once how it went, `after_resolution.follow_up_after`
the result and never in the follow-up quiet hours (the institution's zone), by the complainant's
channel - a text that takes a reply where two-way SMS works and the number has not opted out,
else a call-back task (voice and walk-in cases always: someone calls). Unanswered after
`answer_within`: a call-back task, or closed, by policy. The sweep calls `act` for each case
whose moment has come (sla/plan.follow_up_moment, part of the case's due time); the answer itself
arrives as a text (intake/sms.py, staff/reopening.answer_follow_up)."""

from datetime import datetime

from chalicelib.model.case import Case, Event, FollowUp
from chalicelib.model.lifecycle import transition
from chalicelib.model.message import new_message
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.sla.deadlines import task_clock
from chalicelib.sla.plan import follow_up_moment, next_due

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
        events.append(Event(at=now, actor="system", kind="follow_up_asked", data={"by": by}))
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
    phone = case.complainant.phone
    if case.channel in CALLED or not phone:
        return "callback"
    profile = deps.institution.channels.sms_profile(phone)
    if not profile.two_way or deps.store.outbox.is_opted_out(phone):
        return "callback"
    return "sms"
