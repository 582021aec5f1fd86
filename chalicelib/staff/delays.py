"""A missed deadline explained (domain brief section 4): the handler gives the reason and the
working days now needed; the clock keeps its deadline (it was missed) and records why and the date
now expected, every level of the chain sees it on the case, and the complainant is told once, in
their language, by their channels."""

from datetime import datetime

from chalicelib.model.case import Case, Clock, Event
from chalicelib.model.refusals import Refused
from chalicelib.notify.complainant import complainant_messages, complainant_time, email_body, status_url
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.labels import Code, labelled
from chalicelib.runtime.rendering import text
from chalicelib.staff.case_state import _load, _save

MAX_DAYS = 60  # the longest any regulator allows in all
MAX_REASON = 500


def missed_clocks(case: Case, now: datetime) -> list[Clock]:
    """The clocks still running past their deadline that nobody has explained yet, earliest first."""
    late = [clock for clock in case.clocks if clock.running and clock.due_at <= now and clock.explained_at is None]
    return sorted(late, key=lambda clock: clock.due_at)


def explain_delay(
    deps: Dependencies,
    reference: str,
    actor: str,
    clock_name: str | None,
    days: int,
    reason: str,
    now: datetime,
    expected_version: int | None = None,
) -> Case:
    """Records why a clock was missed and when it is now expected: the close of the `days`th working
    day after today. `clock_name` None: the earliest missed clock (a reply code names none).
    Refused for a clock that is not late, or was explained already (told once)."""
    institution = deps.institution
    case = _load(deps.store, reference, expected_version)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise Refused("delay_needs_reason", most=MAX_REASON)
    if not 1 <= days <= MAX_DAYS:
        raise Refused("delay_days_out_of_range", most=MAX_DAYS)
    late = missed_clocks(case, now)
    if clock_name is None:
        if not late:
            raise Refused("delay_none_missed")
        clock_name = late[0].name
    missed = {clock.name: clock for clock in late}
    if clock_name not in {clock.name for clock in case.clocks}:
        raise Refused("delay_needs_clock")
    if clock_name not in missed:
        raise Refused("delay_not_late", clock=Code("clock", clock_name))
    calendar = institution.calendar.work_calendar()
    expected = calendar.close_of(calendar.working_day_after(calendar.local_date(now), days))
    clocks = [
        clock.model_copy(update={"explained_at": now, "delay_reason": reason, "expected_by": expected})
        if clock.name == clock_name
        else clock
        for clock in case.clocks
    ]
    language = case.complainant.language
    values = labelled(
        language,
        {
            "reference": case.reference,
            "clock": Code("clock", clock_name),
            "due": complainant_time(case, institution, missed[clock_name].due_at),
            "expected": complainant_time(case, institution, expected),
            "reason": reason,
        },
    )
    notice = text(language, "delay_notice", inst=institution.sms_name(language), **values)
    messages = complainant_messages(
        case,
        institution,
        now,
        notice,
        purpose="delay_notice",
        subject=text(language, "email_subject_case", reference=case.reference, what=text(language, "subject_delay")),
        email_body=email_body(case, institution, text(language, "delay_words", **values), deps.base_url),
        status_link=status_url(deps.base_url, case.reference),
    )
    event = Event.told(
        now,
        actor,
        "delay_explained",
        notice,
        clock=clock_name,
        reason=reason,
        expected_by=expected.isoformat(),
        message_ids=[message.id for message in messages],
    )
    return _save(deps, case, case.model_copy(update={"clocks": clocks}), [event], messages, now)
