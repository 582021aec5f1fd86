"""What every case action shares: reading the case as stored (refusing a page that showed an older
version), writing it back conditionally with its events and messages and its next due time, then
sending those messages at once; stopping clocks; the level above a person in the case's chain; staff
words to the complainant, signed."""

from datetime import datetime

from chalicelib.model.case import Case, Event
from chalicelib.model.lifecycle import require_open
from chalicelib.model.refusals import Refused
from chalicelib.notify import sender as notify
from chalicelib.notify.complainant import complainant_messages, email_body, status_url
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.sla.plan import next_due
from chalicelib.store.stores import Stores
from chalicelib.store.table import StaleCase


class CaseNotFound(LookupError):
    pass


def _load(store: Stores, reference: str, expected_version: int | None = None, finished_ok: bool = False) -> Case:
    """The case as stored; StaleCase when the person acted on a page showing an older version;
    CaseFinished when it is resolved, closed or refused, unless the action applies to those too."""
    case = store.cases.get(reference)
    if case is None:
        raise CaseNotFound(reference)
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(reference)
    if not finished_ok:
        require_open(case.status)
    return case


def _level_above(case: Case, actor: str):
    """The level of the case's chain one above this person's (someone outside the chain counts as the
    handler level); ValueError at the top, where nobody is left to ask."""
    level = case.chain_level(actor.removeprefix("staff:"))
    above = (level or 0) + 1
    if above >= len(case.chain):
        raise Refused("no_level_above")
    return case.chain[above]


def _save(
    deps: Dependencies,
    before: Case,
    after: Case,
    events: list[Event],
    messages=(),
    now: datetime | None = None,
    once=None,
    indexed_text: str | None = None,
) -> Case:
    """`once` (with `now`): the delivery that brought the change, taken in the same transaction."""
    store, institution = deps.store, deps.institution
    after = after.model_copy(update={"version": before.version + 1})
    zone = institution.calendar.timezone
    store.cases.update(
        after,
        before.version,
        events,
        next_due(after, institution),
        messages,
        zone,
        before,
        once=once,
        indexed_text=indexed_text,
        now=now,
    )
    if messages:  # sent at once; a failure is retried by the sweep like any other message
        notify.deliver(deps, [message.id for message in messages], now)
    return after


def _stop(case: Case, names: tuple[str, ...], now: datetime) -> list:
    return [
        clock.model_copy(update={"stopped_at": now, "paused_at": None})
        if clock.name in names and clock.stopped_at is None
        else clock
        for clock in case.clocks
    ]


FINAL_PURPOSES = ("resolution", "not_accepted")  # the final reply: it says where to turn next


def _where_next(institution, language) -> str:
    """The review first (a reply saying so reopens the case), then the regulator, where configured."""
    regulator = institution.after_resolution.regulator
    if regulator is None:
        return text(language, "complainant_if_dissatisfied")
    return text(language, "complainant_if_dissatisfied_regulator", regulator=regulator.in_(language))


def _to_complainant(deps: Dependencies, case: Case, now: datetime, words: str, purpose: str, status_key: str):
    """Staff words to the complainant by their channels: a text signed with the institution's short
    name, and an email of its own."""
    institution, language = deps.institution, case.complainant.language
    if purpose in FINAL_PURPOSES:
        words = f"{words} {_where_next(institution, language)}"
    body = text(language, "complainant_signed", institution=institution.sms_name(language), words=words)
    subject = text(language, "email_subject_case", reference=case.reference, what=text(language, status_key))
    return complainant_messages(
        case,
        institution,
        now,
        body,
        purpose=purpose,
        subject=subject,
        email_body=email_body(case, institution, words, deps.base_url),
        status_link=status_url(deps.base_url, case.reference),
    )
