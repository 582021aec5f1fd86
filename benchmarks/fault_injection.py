"""Fault injection at scale: the scenario of tests/test_fault_injection.py with N mixed texts per
fault (new numbers' first texts, follow-ups, Twilio's retries of a MessageSid, STATUS) against
DynamoDB Local and the Twilio stand-in (sandbox.local_engines), the spool's S3 on moto. DynamoDB is
throttled (30 % of attempts), fails (20 %, half of them after doing the work), slows down (30 % of
the webhooks: attempts of 1.5-4.5 s, those past the 3 s read timeout timing out) or pauses (a
quarter of the texts), or Twilio fails and recovers; then the faults are removed, the spool
replayed and the sweeps run until nothing waits. Each fault gets a table of its own.

Prints per fault: texts delivered, filed exactly once, spooled ("reference will follow") and
replayed, complaints acknowledged once / twice, duplicate texts, and the wall-clock p50/p99 of the
webhook's answers (time.perf_counter around each request; DynamoDB's injected slowness is on the
webhook's stopwatch, shown beside it, and never really slept).

    .venv/bin/python benchmarks/fault_injection.py [N]
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
BUCKET = "bench-spool"


def main(count: int) -> None:
    import boto3
    import pytest
    import time_machine
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib.edge import dependencies as context
    from chalicelib.store.stores import Stores
    from chalicelib.store.table import create_table
    from infra import config
    from sandbox.local_engines import local_engines
    from support import over_twilio
    from test_fault_injection import FAULTS, START, examine, make_harness, run_scenario, use_stopwatch

    institution = over_twilio(config.load("harbour-city-bank"))  # every number texts through Twilio
    rows = []
    with local_engines("faults", institution) as (dynamodb, twilio), tempfile.TemporaryDirectory() as folder:
        packaged = Path(folder) / "institution.json"
        packaged.write_text(institution.model_dump_json(), encoding="utf-8")
        passthrough = {"core": {"passthrough": {"urls": [dynamodb.endpoint + ".*"]}}}
        with mock_aws(config=passthrough), Client(app) as client:
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            os.environ["MAIL_BUCKET"] = BUCKET
            for fault in FAULTS:
                table = f"faults-{fault}"
                create_table(boto3.client("dynamodb"), table)
                store = Stores(boto3.resource("dynamodb").Table(table))
                store.config.put(json.loads(institution.model_dump_json()))
                os.environ["TABLE_NAME"] = table
                with twilio.lock:
                    twilio.messages.clear()
                    twilio.failures.clear()
                    twilio.drop_answer_once.clear()
                context.reset()
                with pytest.MonkeyPatch.context() as monkeypatch:
                    harness = make_harness(client, store, twilio, use_stopwatch(monkeypatch, packaged))
                    started = time.perf_counter()
                    with time_machine.travel(START, tick=False) as traveller:
                        outcome = run_scenario(harness, fault, count, traveller)
                        report = examine(harness, outcome)
                    seconds = time.perf_counter() - started
                rows.append((fault, outcome, report, seconds))
                print_fault(fault, outcome, report, seconds, flush=True)
    print()
    print(
        f"{'fault':<9} {'texts':>6} {'filed once':>11} {'spooled':>8} {'replayed':>9} {'ack once':>9} "
        f"{'ack twice':>10} {'dup texts':>10} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for fault, outcome, report, _ in rows:
        wall = [d.wall_seconds * 1000 for d in outcome.log]
        print(
            f"{fault:<9} {report['deliveries']:>6} {report['filed once']:>5}/{report['distinct texts']:<5} "
            f"{report['spooled']:>8} {report['replayed']:>9} "
            f"{report['acknowledged once']:>4}/{report['cases']:<4} {len(report['acknowledged twice']):>10} "
            f"{report['duplicate texts']:>10} {percentile(wall, 50):>7.1f} {percentile(wall, 99):>7.1f}"
        )


def percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1] if len(values) > 1 else values[0]


def print_fault(fault: str, outcome, report: dict, seconds: float, flush: bool = False) -> None:
    wall = [d.wall_seconds * 1000 for d in outcome.log]
    clock = [d.stopwatch_seconds for d in outcome.log]
    kinds = {kind: sum(d.kind == kind for d in outcome.log) for kind in ("first", "follow", "retry", "status")}
    lines = [
        f"\n== {fault}: {report['deliveries']} texts {kinds}, {seconds:.0f} s",
        f"injected:                     {dict(outcome.injected)}",
        f"filed exactly once:           {report['filed once']} of {report['distinct texts']} distinct texts"
        f" (not: {len(report['not filed once'])})",
        f"spooled / replayed:           {report['spooled']} answered 'reference will follow'"
        f" / {report['replayed']} filed by the replay {outcome.replays}",
        f"cases:                        {report['cases']} for {len(outcome.phones)} numbers"
        f" ({len(report['numbers with other than one case'])} numbers with other than one case;"
        f" {report['cases opened by a later text']} opened by a later text while the first waited)",
        f"acknowledged once / twice:    {report['acknowledged once']} / {len(report['acknowledged twice'])}"
        f" (not acknowledged: {len(report['not acknowledged'])})",
        f"duplicate texts:              {report['duplicate texts']}"
        f" ({report['duplicates to numbers whose answer was dropped']} to the {len(outcome.dropped)} numbers"
        f" whose answer was dropped; {report['dropped answers taken']} of those taken)",
        f"left unsent:                  {len(report['left unsent'])}; sweeps sent"
        f" {[s['messages_sent'] for s in outcome.sweeps]}",
        f"webhook answers, wall clock:  p50 {percentile(wall, 50):.1f} ms, p99 {percentile(wall, 99):.1f} ms,"
        f" max {max(wall):.1f} ms; not 200: {len(report['not answered 200'])}",
        f"webhook's stopwatch:          p50 {percentile(clock, 50):.2f} s, p99 {percentile(clock, 99):.2f} s,"
        f" max {max(clock):.2f} s (simulated DynamoDB time and backoff)",
    ]
    lines += [f"  acknowledged twice: {twice}" for twice in report["acknowledged twice"][:5]]
    print("\n".join(lines), flush=flush)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
