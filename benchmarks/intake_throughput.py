"""Files N complaints through the whole intake path (POST /api/complaints: parsing, validation,
reference, transaction, acknowledgement SMS to the Twilio stand-in) against DynamoDB Local, and
in the same run measures raw PutItem on the same engine, so the overhead is a ratio.
Also prints the requests made per complaint (the basis of the cost estimate).

    .venv/bin/python benchmarks/intake_throughput.py [N]
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(count: int) -> None:
    import boto3
    from chalice.test import Client

    from app import app
    from chalicelib.edge import dependencies as context
    from infra import config
    from sandbox.local_engines import local_engines

    institution = config.load("harbour-city-bank")
    institution = institution.model_copy(
        update={"intake": institution.intake.model_copy(update={"submissions_per_source_per_hour": count * 10})}
    )
    with local_engines("bench", institution) as (_, twilio):
        calls = Counter()
        store = context.store()
        store.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))

        with Client(app) as client:
            headers = {"Content-Type": "application/json"}
            client.http.post("/api/complaints", headers=headers, body=json.dumps({"description": "warm-up call"}))
            calls.clear()
            sent_before = len(twilio.messages)
            started = time.perf_counter()
            for number in range(count):
                response = client.http.post(
                    "/api/complaints",
                    headers=headers,
                    body=json.dumps(
                        {
                            "description": f"Benchmark complaint {number}: the ATM kept my card",
                            "phone": f"+86138{number:08d}",
                            "category": "channel",
                        }
                    ),
                )
                assert response.status_code == 201, response.body
            intake_seconds = time.perf_counter() - started
            sms = len(twilio.messages) - sent_before

        raw = boto3.client("dynamodb")
        started = time.perf_counter()
        for number in range(count):
            raw.put_item(
                TableName="bench", Item={"PK": {"S": f"RAW#{number}"}, "SK": {"S": "RAW"}, "text": {"S": "x" * 300}}
            )
        raw_seconds = time.perf_counter() - started

    per_complaint = {name: round(n / count, 2) for name, n in sorted(calls.items())}
    intake_rate, raw_rate = count / intake_seconds, count / raw_seconds
    print(f"complaints filed:            {count}")
    print(f"intake complaints/second:    {intake_rate:.1f}")
    print(f"raw PutItem/second:          {raw_rate:.1f}")
    print(f"overhead ratio (raw/intake): {raw_rate / intake_rate:.1f}x")
    print(f"DynamoDB calls per complaint: {sum(calls.values()) / count:.2f} {per_complaint}")
    print(f"SMS sent per complaint:      {sms / count:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
