"""A burst of N complaints filed at once by up to PROCESSES worker processes against ONE DynamoDB
Local table: half `POST /api/complaints` (JSON, a +1 phone, so the acknowledgement goes to the
Twilio stand-in; from the institution's own system, its API key allowed 1,000 filings a second),
half texts from new numbers (`POST /twilio/sms`, signed webhooks). Every worker runs the app
in-process (chalice.test.Client) and records, with a botocore hook, the items every DynamoDB write
request targets. Prints the writes per item family, the busiest item and what it takes at 1,000
complaints/s, the webhook latencies per channel and whether references are unique.

    .venv/bin/python benchmarks/intake_burst.py [N] [PROCESSES]
"""

import json
import logging
import math
import multiprocessing
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # support.py: signed Twilio webhooks

TABLE = "burst"
TOKEN = "bench-token"  # what local_engines sets as TWILIO_AUTH_TOKEN
ENV_PREFIXES = ("AWS_", "TWILIO_", "TENCENT_", "TABLE_NAME", "PUBLIC_BASE_URL")
WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem")
TRANSACT_WRITES = ("Put", "Update", "Delete")  # ConditionCheck writes nothing


def _plain(value):
    """A key attribute as a Python value, whether boto3's resource form or the typed {'S': ...} form."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("S", "N", "B"):
            return inner
    return value


def _key(item: dict) -> tuple[str, str]:
    return str(_plain(item.get("PK"))), str(_plain(item.get("SK")))


def written_keys(operation: str, params: dict) -> list[tuple[str, str]]:
    """The (PK, SK) of every item one DynamoDB write request targets."""
    if operation in WRITE_OPERATIONS:
        return [_key(params.get("Item") or params.get("Key") or {})]
    if operation == "TransactWriteItems":
        return [
            _key(entry[kind].get("Item") or entry[kind].get("Key") or {})
            for entry in params.get("TransactItems", [])
            for kind in TRANSACT_WRITES
            if kind in entry
        ]
    if operation == "BatchWriteItem":
        return [
            _key(request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key") or {})
            for requests in params.get("RequestItems", {}).values()
            for request in requests
        ]
    return []


def worker(worker_id: int, numbers: list[int], env: dict, barrier, results) -> None:
    """Files the complaints `numbers` (even: API, odd: SMS) once every worker is ready."""
    os.environ.update(env)
    from chalice.test import Client

    from app import app
    from chalicelib.edge import dependencies
    from chalicelib.model.references import find_references
    from support import sms_params, twilio_post

    logging.disable(logging.INFO)  # the app's per-request JSON lines: thousands, and not measured here
    dependencies.reset()
    writes = Counter()
    operations = Counter()
    recording = [False]

    def record(params, model, **_):
        if recording[0]:
            keys = written_keys(model.name, params)
            if keys:
                operations[model.name] += 1
                writes.update(keys)

    dependencies.store().client.meta.events.register("before-parameter-build.dynamodb", record)
    latencies = {"api": [], "sms": []}
    refused = {"api": Counter(), "sms": Counter()}
    refusal_samples = []
    references = []
    sid = env["TWILIO_ACCOUNT_SID"]

    with Client(app) as client:
        client.http.get("/complaints/new")  # warm-up: imports, config read, clients built
        barrier.wait()
        recording[0] = True
        started = time.time()
        for number in numbers:
            if number % 2 == 0:
                channel = "api"
                body = json.dumps(
                    {
                        "description": f"Burst complaint {number}: the ATM kept my card",
                        "phone": f"+1415{2000000 + number:07d}",
                        "category": "channel",
                    }
                )
                before = time.perf_counter()
                headers = {"Content-Type": "application/json", "X-Api-Key": env["BURST_API_KEY"]}
                response = client.http.post("/api/complaints", headers=headers, body=body)
                latencies[channel].append(time.perf_counter() - before)
            else:
                channel = "sms"
                params = sms_params(
                    f"+1628{2000000 + number:07d}",
                    f"Burst complaint {number}: the branch refused my deposit",
                    AccountSid=sid,
                )
                before = time.perf_counter()
                response = twilio_post(client, "/twilio/sms", params, token=TOKEN)
                latencies[channel].append(time.perf_counter() - before)
            text = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
            if not 200 <= response.status_code < 300:
                refused[channel][response.status_code] += 1
                if len(refusal_samples) < 3:
                    refusal_samples.append(f"{channel} {response.status_code}: {text[:200]}")
                references.append(None)
                continue
            if channel == "api":
                references.append(json.loads(text).get("reference"))
            else:
                found = find_references(" ".join(_messages(text)))
                references.append(found[0] if found else None)
        finished = time.time()
        recording[0] = False

    results.put(
        {
            "worker": worker_id,
            "started": started,
            "finished": finished,
            "writes": dict(writes),
            "operations": dict(operations),
            "latencies": latencies,
            "refused": {channel: dict(codes) for channel, codes in refused.items()},
            "refusal_samples": refusal_samples,
            "references": references,
        }
    )


def _messages(twiml: str) -> list[str]:
    from xml.etree import ElementTree

    try:
        return [element.text or "" for element in ElementTree.fromstring(twiml).iter("Message")]
    except ElementTree.ParseError:
        return re.findall(r"<Message[^>]*>(.*?)</Message>", twiml, re.S)


def mask(text: str) -> str:
    """Phone numbers and email addresses in an item key, masked."""
    text = re.sub(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", lambda m: m.group()[0] + "***@" + m.group().split("@")[1], text)
    return re.sub(r"\+\d{7,15}", lambda m: m.group()[:5] + "*" * (len(m.group()) - 7) + m.group()[-2:], text)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def main(count: int, processes: int) -> None:
    from infra import config
    from sandbox.local_engines import local_engines

    processes = max(1, min(processes, count))
    institution = config.load("harbour-city-bank")
    institution = institution.model_copy(
        update={"intake": institution.intake.model_copy(update={"submissions_per_source_per_hour": count * 10})}
    )
    spawn = multiprocessing.get_context("spawn")
    with local_engines(TABLE, institution) as (_, twilio):
        import boto3

        from chalicelib.runtime.clock import now
        from chalicelib.store.stores import Stores

        # The API half comes from the institution's own system, with a key allowed 1,000 filings a
        # second: its hourly window is sharded (store/abuse.py), so no window item is hot.
        key = Stores(boto3.resource("dynamodb").Table(TABLE)).abuse.register_api_client("app-server", 3_600_000, now())
        env = {name: value for name, value in os.environ.items() if name.startswith(ENV_PREFIXES)}
        env["BURST_API_KEY"] = key
        barrier, results = spawn.Barrier(processes), spawn.Queue()
        shares = [list(range(count))[i::processes] for i in range(processes)]
        workers = [spawn.Process(target=worker, args=(i, shares[i], env, barrier, results)) for i in range(processes)]
        for process in workers:
            process.start()
        reports = []
        while len(reports) < processes:
            try:
                reports.append(results.get(timeout=5))
            except Exception:  # noqa: BLE001 - queue.Empty: see whether a worker died
                dead = [p for p in workers if p.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"worker(s) failed: {[p.exitcode for p in dead]}") from None
        for process in workers:
            process.join()
        sms_sent = len(twilio.messages)

    elapsed = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    writes, operations = Counter(), Counter()
    latencies = {"api": [], "sms": []}
    refused = {"api": Counter(), "sms": Counter()}
    references, samples = [], []
    for report in reports:
        writes.update(report["writes"])
        operations.update(report["operations"])
        for channel in latencies:
            latencies[channel].extend(report["latencies"][channel])
            refused[channel].update({int(code): n for code, n in report["refused"][channel].items()})
        references.extend(report["references"])
        samples.extend(report["refusal_samples"])

    families = Counter()
    for (pk, _sk), n in writes.items():
        families[pk.split("#", 1)[0]] += n
    (busiest_pk, busiest_sk), busiest = writes.most_common(1)[0] if writes else (("-", "-"), 0)
    distinct = len({r for r in references if r})

    print(f"complaints filed:     {count} ({count - count // 2} API, {count // 2} SMS)")
    print(f"processes:            {processes}")
    print(f"elapsed seconds:      {elapsed:.1f}")
    print(f"complaints/s:         {count / elapsed:.1f}")
    print(f"write requests:       {dict(sorted(operations.items()))}")
    print(f"item writes:          {sum(writes.values())} to {len(writes)} items")
    print("writes per item family:")
    for family, n in sorted(families.items(), key=lambda pair: (-pair[1], pair[0])):
        print(f"  {family:<14} {n}")
    print(f"busiest item:         PK={mask(busiest_pk)} SK={mask(busiest_sk)}: {busiest} writes")
    for (pk, sk), n in writes.most_common(5)[1:]:
        print(f"  next:               PK={mask(pk)} SK={mask(sk)}: {n} writes")
    print(
        f"at 1,000 complaints/s the busiest item takes {busiest / count * 1000:.0f} writes/s "
        "(goal: no item above 100 writes/s)"
    )
    for channel in ("api", "sms"):
        values = latencies[channel]
        print(
            f"{channel} latency:          p50 {percentile(values, 0.50) * 1000:.1f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:.1f} ms ({len(values)} requests)"
        )
    total_refused = sum(sum(codes.values()) for codes in refused.values())
    print(
        f"refused (non-2xx):    {total_refused}"
        + "".join(f", {channel} {dict(codes)}" for channel, codes in refused.items() if codes)
    )
    for sample in samples[:3]:
        print(f"  e.g. {sample}")
    print(f"SMS to the stand-ins: {sms_sent}")
    print(f"references unique:    {'yes' if distinct == count else 'no'} ({distinct} distinct of {count})")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 4,
    )
