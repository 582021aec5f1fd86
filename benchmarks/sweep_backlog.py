"""The sweep against a large backlog on DynamoDB Local: N open cases of which D are due.
Prints the items the sweep read (target: at most 1.1 x the due count), its wall time and
requests, the items a full-table Scan would read in the same run, and an idle sweep's reads
(target 0) and requests.

    .venv/bin/python benchmarks/sweep_backlog.py [N] [D]
"""

import json
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCAN_SECONDS = 120
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main(open_cases: int, due: int) -> None:
    import boto3

    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep
    from chalicelib.store.stores import Stores
    from chalicelib.store.table import create_table
    from infra import config
    from sandbox.dynamodb_local import DynamoDBLocal
    from sandbox.twilio_standin import TwilioStandIn
    from test_sweep_concurrency import seed_open_cases

    sid, token = "AC" + "c" * 32, "bench-token"
    dynamodb, twilio = DynamoDBLocal().start(), TwilioStandIn(sid, token).start()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
            "TWILIO_ACCOUNT_SID": sid,
            "TWILIO_AUTH_TOKEN": token,
            "TWILIO_API_BASE": twilio.base_url,
            "TABLE_NAME": "backlog",
            "PUBLIC_BASE_URL": "https://bench.example",
        }
    )
    try:
        institution = config.load("harbour-city-bank")
        create_table(boto3.client("dynamodb"), "backlog")
        store = Stores(boto3.resource("dynamodb").Table("backlog"))
        store.config.put(json.loads(institution.model_dump_json()))
        context.reset()
        deps = replace(context.current(), store=store)
        now = datetime(2026, 11, 24, 2, 30, tzinfo=timezone.utc)  # Tuesday 10:30 in Shanghai
        started = time.perf_counter()
        seed_open_cases(store, institution, open_cases - due, now - timedelta(minutes=5), prefix="HCB-2611")
        seed_open_cases(
            store, institution, due, now - timedelta(hours=25), prefix="HCB-2610"
        )  # acknowledgement overdue
        print(f"seeded {open_cases} open cases ({due} due) in {time.perf_counter() - started:.0f} s", flush=True)

        reads, requests = Counter(), Counter()

        def count(http_response, parsed, model, **_):
            requests[model.name] += 1
            reads[model.name] += parsed.get("ScannedCount", parsed.get("Count", 1 if "Item" in parsed else 0))

        store.client.meta.events.register("after-call.dynamodb", count)

        started = time.perf_counter()
        result = run_sweep(deps, now)
        sweep_seconds = time.perf_counter() - started
        sweep_reads, sweep_requests = dict(reads), dict(requests)
        reads.clear(), requests.clear()

        idle = run_sweep(deps, now + timedelta(minutes=1))
        idle_reads, idle_requests = dict(reads), dict(requests)
        reads.clear(), requests.clear()
        index_reads = sweep_reads.get("Query", 0)
        print(f"sweep: {result}")
        print(f"sweep wall time:               {sweep_seconds:.2f} s")
        print(
            f"items read from the due index: {index_reads} for {due} due "
            f"({index_reads / max(due, 1):.2f} x; target <= 1.10)"
        )
        print(f"all reads by the sweep:        {sweep_reads} in requests {sweep_requests}")
        print(
            f"idle sweep: items read {sum(idle_reads.values())} (target 0), requests {sum(idle_requests.values())} "
            f"{idle_requests}, result {idle}"
        )
        print(f"alert texts sent:              {len(twilio.messages)}", flush=True)

        # What a sweep without the index would have to do. DynamoDB Local scans big tables slowly,
        # so the Scan stops after SCAN_SECONDS; the table's item count is printed beside it.
        started = time.perf_counter()
        scanned, kwargs, finished = 0, {"Select": "COUNT"}, False
        while time.perf_counter() - started < SCAN_SECONDS:
            page = store.table.scan(**kwargs)
            scanned += page["ScannedCount"]
            if "LastEvaluatedKey" not in page:
                finished = True
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        scan_seconds = time.perf_counter() - started
        item_count = boto3.client("dynamodb").describe_table(TableName="backlog")["Table"]["ItemCount"]
    finally:
        twilio.stop()
        dynamodb.stop()

    print(
        f"full-table Scan:               read {scanned} items in {scan_seconds:.1f} s"
        + ("" if finished else " and had not finished")
        + f"; the table holds {item_count} items"
    )


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    main(*(arguments + [100_000, 100][len(arguments) :]))
