"""Transfers (归口办理): a unit that cannot solve a case forwards it to the competent one. A case's
unit changes only by a recorded transfer, which rebuilds its chain from the new unit, texts the new
unit's handler a link, and starts the transfer's own clock: the receiving unit must take the case
up (acknowledge it) within `routing.start_within_minutes`, or its head is alerted. A transfer later
than `routing.forward_within_minutes` after receipt says so on the timeline (domain brief section 4:
forward within 30 minutes to an hour, start within 2 hours)."""

from datetime import datetime, timedelta

from chalicelib.model.case import Case, Clock, Event
from chalicelib.model.refusals import Refused
from chalicelib.notify.staff import link_message
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.sla.escalation import chain_snapshot
from chalicelib.staff.case_state import _load, _save, _stop

DEFAULT_FORWARD_MINUTES, DEFAULT_START_MINUTES = 60, 120


def transfer(
    deps: Dependencies,
    reference: str,
    actor: str,
    to_unit: str,
    reason: str,
    now: datetime,
    expected_version: int | None = None,
) -> Case:
    store, institution = deps.store, deps.institution
    case = _load(store, reference, expected_version)
    unit = institution.unit(to_unit)
    if unit is None:
        raise Refused("unknown_unit", unit=to_unit)
    if to_unit == case.unit:
        raise Refused("same_unit", unit=to_unit)
    reason = reason.strip()
    if not reason:
        raise Refused("transfer_needs_reason")
    routing = institution.routing
    forward = routing.forward_within_minutes if routing else DEFAULT_FORWARD_MINUTES
    start = routing.start_within_minutes if routing else DEFAULT_START_MINUTES
    chain = chain_snapshot(institution, to_unit)
    handler = chain[0].primary if chain else None
    messages = (
        [link_message(deps, reference, handler.id, handler.phone, "transfer", now, "staff_text_case")]
        if handler
        else []
    )
    taken = round((now - case.received_at).total_seconds() / 60)
    clock = Clock(
        name="transfer",
        amount=start,
        unit="minutes",
        started_at=now,
        due_at=now + timedelta(minutes=start),
    )
    event = Event(
        at=now,
        actor=actor,
        kind="transferred",
        text=reason,
        data={
            "from": case.unit,
            "to": to_unit,
            "minutes_after_receipt": taken,
            "forwarded_late": taken > forward,
            "start_by": clock.due_at.isoformat(),
            **({"message_id": messages[0].id} if messages else {}),
        },
    )
    clocks = [*_stop(case, ("transfer",), now), clock]  # an earlier transfer's clock ends here
    previous = case.assignee or (case.chain[0].primary.id if case.chain else None)
    updated = case.model_copy(update={"unit": to_unit, "chain": chain, "assignee": None, "clocks": clocks})
    saved = _save(deps, case, updated, [event], messages, now)
    if previous and (handler is None or previous != handler.id):
        store.links.revoke(reference, previous)  # the forwarding unit's handler no longer acts on it
    return saved
