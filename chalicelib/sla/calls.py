"""Night calls (`escalation.night_calls`): a severe alert nobody acknowledged at night is also
placed as a voice call that reads it, to the person the level's alert would go to now. Each call is
a step recorded exactly once with the outbox message that places it, as texts are; where the
person's number may not be called (its sending profile says `calls: false`), the step is marked done
and no call is placed. May import notify, store, model, runtime."""

from datetime import datetime

from chalicelib.model.case import Case, Person
from chalicelib.model.message import new_message
from chalicelib.notify import sender as notify
from chalicelib.runtime import metrics
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text
from chalicelib.sla.escalation import Step, alert_event
from chalicelib.store.table import AlertsTaken, Contention


def place_calls(deps: Dependencies, calls: list[tuple[Case, Step, Person]], finals: dict, now: datetime) -> int:
    """Returns how many call steps this sweep recorded (placed, or skipped where calls are not allowed)."""
    store, institution = deps.store, deps.institution
    recorded = 0
    for case, step, person in calls:
        reference = case.reference
        if not institution.channels.sms_profile(person.phone).calls:
            try:
                store.alerts.fire(
                    {reference: ([], finals[reference])},
                    None,
                    {},
                    {reference: case.version},
                    now,
                    {reference: [step.key]},
                )
            except (AlertsTaken, Contention):
                continue
            recorded += 1
            continue
        language = institution.staff_language(person.id)
        words = text(language, "staff_night_call", institution=institution.sms_name(language), reference=reference)
        message = new_message(
            now,
            "voice",
            person.phone,
            words,
            "night_call",
            language,
            leased=True,
            case_reference=reference,
            recipient_id=person.id,
        )
        event = alert_event(case, step, person, message.id, now)
        try:
            store.alerts.fire(
                {reference: ([step.key], finals[reference])},
                message,
                {reference: [event]},
                {reference: case.version},
                now,
            )
        except (AlertsTaken, Contention):  # placed by a parallel sweep, or left for the next one
            continue
        notify.attempt(deps, message, now)
        metrics.count("NightCalls")
        recorded += 1
    return recorded
