"""Changes to a case that move its clocks: acknowledging, waiting for the complainant and their
reply, extending a deadline. Each reads the case, decides with the pure functions, and writes it
back conditionally on the version it read, so two people acting at once cannot overwrite each
other (the second gets StaleCase and sees the new state). The staff pages call these."""
from datetime import datetime

from . import notify
from .acknowledgement import complainant_messages
from .complaint import Case, Event
from .deadlines import ExtensionRefused, extend, pause, resume
from .escalation import next_due
from .institution import Institution
from .lifecycle import transition
from .rendering import local_time, text
from .store import StaleCase, Store


class CaseNotFound(LookupError):
    pass


def _load(store: Store, reference: str) -> Case:
    case = store.get_case(reference)
    if case is None:
        raise CaseNotFound(reference)
    return case


def _save(store: Store, institution: Institution, before: Case, after: Case, events: list[Event], messages=(),
          now: datetime | None = None, base_url: str | None = None) -> Case:
    after = after.model_copy(update={"version": before.version + 1})
    store.update_case(after, before.version, events, next_due(after, institution), messages)
    if messages:  # sent at once; a failure is retried by the sweep like any other message
        notify.deliver(store, institution, [message.id for message in messages], now, base_url)
    return after


def acknowledge(store: Store, institution: Institution, reference: str, actor: str, now: datetime) -> Case:
    """Stops the acknowledge clock (and only it)."""
    case = _load(store, reference)
    clocks = [clock.model_copy(update={"stopped_at": now}) if clock.name == "acknowledge" and clock.stopped_at is None
              else clock for clock in case.clocks]
    status = transition(case.status, "acknowledged") if case.status in ("received", "reopened") else case.status
    event = Event(at=now, actor=actor, kind="acknowledged", public=True,
                  text=text(case.complainant.language, "status_acknowledged"))
    return _save(store, institution, case, case.model_copy(update={"clocks": clocks, "status": status}), [event])


def await_complainant(store: Store, institution: Institution, reference: str, actor: str, now: datetime) -> Case:
    """Waiting for the complainant's information pauses the running respond and resolve clocks."""
    case = _load(store, reference)
    clocks = [pause(clock, now) if clock.name != "acknowledge" else clock for clock in case.clocks]
    event = Event(at=now, actor=actor, kind="awaiting_complainant", public=True,
                  text=text(case.complainant.language, "status_awaiting_complainant"))
    updated = case.model_copy(update={"clocks": clocks, "status": transition(case.status, "awaiting_complainant")})
    return _save(store, institution, case, updated, [event])


def complainant_replied(store: Store, institution: Institution, reference: str, now: datetime) -> Case | None:
    """Their reply resumes paused clocks, with the time that was left when they paused."""
    case = _load(store, reference)
    if case.status != "awaiting_complainant":
        return None
    clocks = [resume(clock, institution, now) for clock in case.clocks]
    event = Event(at=now, actor="system", kind="clocks_resumed", data={"due": {c.name: str(c.due_at) for c in clocks}})
    updated = case.model_copy(update={"clocks": clocks, "status": transition(case.status, "in_progress")})
    return _save(store, institution, case, updated, [event])


def extend_deadline(store: Store, institution: Institution, reference: str, clock_name: str, amount: int, unit: str,
                    reason: str, approver: str, now: datetime, base_url: str) -> Case:
    """Extends one clock within the policy's cap, approved by someone above the handler in the case's
    chain (staff:<id>); the complainant is told the new date and why."""
    case = _load(store, reference)
    approvers = {person.id for member in case.chain[1:] for person in (member.primary, member.backup) if person}
    approvers |= {person.id for member in case.chain[1:] for person, _ in member.on_duty}
    if case.chain and approver.removeprefix("staff:") not in approvers:
        raise ExtensionRefused("an extension is approved by someone above the handler in this case's chain")
    clocks = [extend(clock, institution, amount, unit, reason, approver, now) if clock.name == clock_name else clock
              for clock in case.clocks]
    extended = next(clock for clock in clocks if clock.name == clock_name)
    language = case.complainant.language
    due = local_time(extended.due_at, institution.calendar.timezone, language)
    notice = text(language, "extension_notice", inst=institution.sms_name(language), reference=case.reference,
                  due=due, reason=reason.strip())
    messages = complainant_messages(case, institution, now, notice, purpose="extension_notice",
                                    subject=f"[{case.reference}] {notice.split('。')[0].split('. ')[0]}")
    events = [Event(at=now, actor=approver, kind="deadline_extended", public=True, text=notice,
                    data={"clock": clock_name, "message_ids": [m.id for m in messages]})]
    events += [Event(at=now, actor="system", kind="notice_queued", data={"message_id": m.id}) for m in messages]
    return _save(store, institution, case, case.model_copy(update={"clocks": clocks}), events, messages, now, base_url)


__all__ = ["CaseNotFound", "StaleCase", "acknowledge", "await_complainant", "complainant_replied", "extend_deadline"]
