"""The workspace queue on a large register in DynamoDB Local: N cases (90% open, spread over the
bank's three units and a month of receipt times; the rest resolved), written as the store writes
them (queue index fields, the units' sharded counters). Then, as leadership (every unit) and as the
branch head (one unit), the first page, an indexed filter (overdue), the filters on top (a
severity), the counts, and a search by words of the complaint: per unit queried, the requests
made and the items read, the wall time, beside the table's item count. Target: the first page
and an indexed filter read at most 2 x 50 items in at most 4 requests per unit queried.

    .venv/bin/python benchmarks/queue_at_scale.py [N]
"""

import os
import random
import sys
import time
import zlib
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
ZONE = "Asia/Shanghai"
UNITS = ("pier-road-branch", "branch-service-management", "head-office-service-supervision")
# What the cases say, one phrase each: 扣费 is in 2 of 8, so a search for it matches 25,000 of 100,000.
PHRASES = ("重复扣费", "柜员态度恶劣", "排队太久", "ATM吞卡", "年费扣费", "理财亏损", "电话打不通", "网点关门")


def _seed(store, institution, count: int, now: datetime) -> None:
    from chalicelib.model.case import Clock
    from chalicelib.model.queue import queue_place
    from chalicelib.sla.plan import next_due
    from chalicelib.store.queue import COUNT_SHARDS
    from chalicelib.store.words import posting_puts
    from support import open_case

    counters: Counter = Counter()
    rng = random.Random(7)
    with store.table.batch_writer() as batch:
        for number in range(count):
            received = now - timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
            unit = UNITS[number % 3] if number % 5 else UNITS[0]  # the branch gets the most
            case = open_case(institution, f"HCB-26{number:07d}", received, number).model_copy(
                update={
                    "unit": unit,
                    "severity": "serious" if number % 17 == 0 else "general",
                    "description": PHRASES[number % len(PHRASES)],
                }
            )
            if number % 10 == 9:  # resolved: out of the queue and the counts
                stopped = [Clock(**{**clock.model_dump(), "stopped_at": now}) for clock in case.clocks]
                case = case.model_copy(update={"status": "resolved", "clocks": stopped})
            batch.put_item(Item=store.cases.item(case, next_due(case, institution), ZONE))
            for put in posting_puts(case.reference, case.received_at, case.description):
                batch.put_item(Item=put["Item"])
            place = queue_place(case, ZONE)
            if place:
                counters[(place.unit, place.day, zlib.crc32(case.reference.encode()) % COUNT_SHARDS)] += 1
        for (unit, day, shard), n in counters.items():
            batch.put_item(Item={"PK": f"QCOUNT#{unit}", "SK": f"{day}#{shard:02d}", "n": n})


def _print(*args) -> None:
    print(*args, flush=True)


def _measure(store, label: str, sources, before=None, after=None, filters=None) -> None:
    from chalicelib.model.queue import OPEN, OPEN_END

    calls: list[tuple[str, int]] = []

    def counted(parsed, model, **_):
        calls.append((model.name, parsed.get("ScannedCount", parsed.get("Count", 0))))

    store.client.meta.events.register("after-call.dynamodb", counted)
    started = time.perf_counter()
    page = store.queue.page(sources, before or OPEN_END, after or OPEN, filters or {}, None)
    elapsed = (time.perf_counter() - started) * 1000
    store.client.meta.events.unregister("after-call.dynamodb", counted)
    units = len(sources)
    read = sum(n for _, n in calls)
    _print(
        f"{label:<44} {len(page.cases):>3} cases, {len(calls)} requests for {units} unit(s) "
        f"({len(calls) / units:.1f} per unit), {read} items read ({read / units:.0f} per unit), {elapsed:.0f} ms"
    )


def _search(store, query: str) -> None:
    """A search as the workspace makes it: the word index, then one BatchGetItem of the newest."""
    from chalicelib.model.words import searched_words

    calls: list[tuple[str, int]] = []

    def counted(parsed, model, **_):
        calls.append((model.name, parsed.get("Count", len(parsed.get("Responses", {}).get("queue", [])))))

    store.client.meta.events.register("after-call.dynamodb", counted)
    started = time.perf_counter()
    cases = store.cases.get_many(store.words.find(searched_words(query))[:100])
    elapsed = (time.perf_counter() - started) * 1000
    store.client.meta.events.unregister("after-call.dynamodb", counted)
    kinds = Counter(name for name, _ in calls)
    _print(
        f"search {query!r:<12} {len(cases):>3} cases, {len(calls)} requests ({dict(kinds)}), "
        f"{sum(n for _, n in calls)} items read, {elapsed:.0f} ms, no Scan: {'Scan' not in kinds}"
    )


def main(count: int) -> None:
    import boto3

    from chalicelib.runtime.clock import iso
    from chalicelib.staff.scopes import queue_sources
    from chalicelib.store.schema import create_table
    from chalicelib.store.stores import Stores
    from infra import config
    from sandbox.dynamodb_local import DynamoDBLocal

    dynamodb = DynamoDBLocal().start()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
        }
    )
    try:
        institution = config.load("harbour-city-bank")
        create_table(boto3.client("dynamodb"), "queue")
        store = Stores(boto3.resource("dynamodb").Table("queue"))
        now = datetime(2026, 11, 24, 2, 30, tzinfo=timezone.utc)  # Tuesday 10:30 in Shanghai
        started = time.perf_counter()
        _seed(store, institution, count, now)
        total = boto3.client("dynamodb").describe_table(TableName="queue")["Table"]["ItemCount"]
        _print(
            f"cases written: {count} ({count - count // 10} open), table items: {total}, "
            f"seeded in {time.perf_counter() - started:.0f} s"
        )
        leadership = queue_sources(institution, institution.staff_member("he.jun"))
        branch = queue_sources(institution, institution.staff_member("li.qiang"))
        _measure(store, "leadership, first page", leadership)
        _measure(store, "leadership, overdue (indexed)", leadership, before="O#" + iso(now))
        _measure(store, "leadership, serious (filter on top)", leadership, filters={"severity": "serious"})
        _measure(store, "branch head, first page", branch)
        _measure(store, "branch head, overdue (indexed)", branch, before="O#" + iso(now))
        calls = []
        store.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
        started = time.perf_counter()
        counts = store.queue.counts([value for _, value in leadership])
        elapsed = (time.perf_counter() - started) * 1000
        _print(
            f"counts for {len(leadership)} units: {len(calls)} requests, {elapsed:.0f} ms, "
            f"open {sum(sum(days.values()) for days in counts.values())} (written: {count - count // 10})"
        )
        for query in ("扣费", "重复扣费", "柜员态度"):
            _search(store, query)
    finally:
        dynamodb.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
