"""Overlapping sweeps on the real engine: every alert is sent exactly once."""

import re
import threading
from datetime import datetime, timedelta, timezone

import boto3

from chalicelib.sla.plan import next_due
from chalicelib.store.stores import Stores
from support import open_case, scan

RECEIVED = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai
CASES = 300  # three bundles of at most 100 cases per person, fought over by four sweeps


def seed_open_cases(store: Stores, institution, count: int, received: datetime, prefix: str = "HCB-2611") -> None:
    """Open cases written straight into the table in batches (the intake path is not what is
    measured here), each in the due index at its first alert step."""
    with store.table.batch_writer() as batch:
        for number in range(count):
            case = open_case(institution, f"{prefix}{number:06d}", received, number)
            batch.put_item(Item=store.cases.item(case, next_due(case, institution)))


def test_four_parallel_sweeps_over_300_due_cases_send_every_alert_exactly_once(local_store, institution, twilio):
    from dataclasses import replace

    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    seed_open_cases(local_store, institution, CASES, RECEIVED)
    now = RECEIVED + timedelta(hours=24, minutes=1)  # every acknowledgement is overdue
    barrier, results = threading.Barrier(4), []

    def sweep():
        store = Stores(boto3.session.Session().resource("dynamodb").Table(local_store.name))
        barrier.wait()
        results.append(run_sweep(replace(context.current(), store=store), now))

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Per case: the new-case notice and the reason for the missed deadline to the handler, the late
    # alert to the supervisor (the reminders are overtaken by the late alert: recorded, never sent).
    steps = {"intake:new", "acknowledge:why", "acknowledge:late0"}
    assert sum(result["alerts_recorded"] for result in results) == len(steps) * CASES
    alerts = scan(local_store, "begins_with(PK, :p)", {":p": "ALERT#"})
    assert len(alerts) == len(steps) * CASES and {a["PK"].split("#")[2] for a in alerts} == steps
    events = [
        item for item in scan(local_store, "begins_with(SK, :p)", {":p": "EV#"}) if item["event"]["kind"] == "alert"
    ]
    assert len(events) == len(steps) * CASES and len({item["PK"] for item in events}) == CASES
    for phone in ("+8613911110001", "+8613911110003"):  # the handler and the supervisor
        texts = twilio.sent_to(phone)
        assert len(texts) <= 4  # at most one per sweep, however many cases it covers
        texted = 0
        for message in texts:  # each names the cases its steps were recorded for, each case once
            counted = re.search(r"(\d+)件投诉待您处理", message["body"])
            texted += int(counted.group(1)) if counted else 1
        assert texted == CASES
    # and a later sweep finds nothing more to send for these steps
    again = run_sweep(context.current(), now + timedelta(minutes=1))
    assert again["alerts_recorded"] == 0
