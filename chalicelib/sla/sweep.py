"""The scheduled sweep (Lambda `sla_sweep`, every minute): sends outbound messages that are due
(retries), then the alert steps of every case with one due. It reads only the sparse due index,
works within a time budget, and leaves the rest for the next minute (it is still due then). The
alerts of the whole sweep are sent together, so a person gets at most one text per sweep.
Overlapping or repeated sweeps never send an alert twice: each step is recorded conditionally,
in the same transaction as the text that carries it."""

import random
import time
from datetime import datetime

from chalicelib.notify import sender as notify
from chalicelib.runtime import metrics
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.sla import follow_up
from chalicelib.sla.alerts import fire_due
from chalicelib.sla.plan import plan
from chalicelib.store.table import DUE_SHARDS


def run_sweep(deps: Dependencies, now: datetime, budget_seconds: float = 45, monotonic=time.monotonic) -> dict:
    store, institution = deps.store, deps.institution
    stop_at = monotonic() + budget_seconds
    result = {"messages_sent": 0, "cases_checked": 0, "alerts_recorded": 0, "follow_ups": 0, "complete": True}
    due_cases, message_ids = [], []
    for work in store.cases.due_work(now, first_shard=random.randrange(DUE_SHARDS)):
        if monotonic() > stop_at:
            result["complete"] = False  # the rest is still due next minute
            break
        if isinstance(work, str):
            message_ids.append(work)
            continue
        case = work
        result["cases_checked"] += 1
        planned = plan(case, institution, now)
        if planned.due:
            due_cases.append(case)
        elif follow_up.act(deps, case, now):  # its follow-up question, or the end of its time
            result["follow_ups"] += 1
        else:  # woken for a step that no longer applies (a clock stopped): move the case on
            store.cases.set_next_due(case.reference, planned.next_due)
    if due_cases:  # all at once: a person gets one text per sweep, however many cases it covers
        result["alerts_recorded"] += fire_due(deps, due_cases, now)
    result["messages_sent"] = notify.deliver(deps, message_ids, now)
    metrics.count("SweepsCompleted")  # the dead-man alarm watches for this every 5 minutes
    return result
