"""Files N complaints through the whole intake path against DynamoDB Local, per channel - the JSON
API (parsing, validation, reference, transaction, acknowledgement SMS to the stand-in), the web
form, and SMS from new numbers (signed webhooks, TwiML acknowledgement) - and in the same run
measures raw PutItem on the same engine, so the overhead is a ratio. Prints the DynamoDB requests
per complaint per channel (the basis of the cost estimate and of the budget of 3 that
tests/test_filing_budget.py asserts).

    .venv/bin/python benchmarks/intake_throughput.py [N]
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main(count: int) -> None:
    import boto3
    from chalice.test import Client

    from app import app
    from chalicelib.edge import dependencies as context
    from infra import config
    from sandbox.local_engines import local_engines
    from support import FORM_HEADERS, form_body, sms_params, twilio_post

    institution = config.load("harbour-city-bank")
    institution = institution.model_copy(
        update={"intake": institution.intake.model_copy(update={"submissions_per_source_per_hour": count * 10})}
    )
    channels = {
        "api": lambda client, n: client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps(
                {"description": f"Benchmark complaint {n}: the ATM kept my card", "phone": f"+86138{n:08d}"}
            ),
        ),
        "web": lambda client, n: client.http.post(
            "/complaints",
            headers=FORM_HEADERS,
            body=form_body(
                description=f"Web complaint {n}: the branch was shut in opening hours",
                phone=f"+86139{n:08d}",
                form_token=f"bench-form-token-{n:08d}",
            ),
        ),
        "sms": lambda client, n: twilio_post(
            client, "/twilio/sms", sms_params(f"+86137{n:08d}", f"Text complaint {n}: refused"), token="bench-token"
        ),
    }
    results = {}
    with local_engines("bench", institution) as (_, twilio):
        raw = boto3.client("dynamodb")
        for number in range(count):  # DynamoDB Local's JVM warmed up before anything is timed
            raw.put_item(TableName="bench", Item={"PK": {"S": f"WARM#{number}"}, "SK": {"S": "W"}})
        calls = Counter()
        store = context.store()
        store.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
        with Client(app) as client:
            for channel, post in channels.items():
                assert post(client, 99999999).status_code in (200, 201)  # warm-up: a block of references
                calls.clear()
                started = time.perf_counter()
                for number in range(count):
                    response = post(client, number)
                    assert response.status_code in (200, 201), response.body
                results[channel] = (time.perf_counter() - started, dict(calls))
            sms = len(twilio.messages)
        started = time.perf_counter()
        for number in range(count):
            raw.put_item(
                TableName="bench", Item={"PK": {"S": f"RAW#{number}"}, "SK": {"S": "RAW"}, "text": {"S": "x" * 300}}
            )
        raw_seconds = time.perf_counter() - started
        floor_seconds = _same_requests_raw(raw, count)

    raw_rate = count / raw_seconds
    api_seconds, api_calls = results["api"]
    intake_rate = count / api_seconds
    print(f"complaints filed per channel: {count}")
    print(f"raw PutItem/second:          {raw_rate:.1f}")
    print(f"intake complaints/second:    {intake_rate:.1f} (API)")
    print(f"overhead ratio (raw/intake): {raw_rate / intake_rate:.1f}x (API; goal at most 4x)")
    print(f"DynamoDB calls per complaint: {sum(api_calls.values()) / count:.2f} (API) {_per(api_calls, count)}")
    print(
        f"engine floor (the API's requests sent raw): {floor_seconds / count * 1000:.1f} ms a complaint = "
        f"{raw_rate * floor_seconds / count:.1f}x a PutItem; intake {api_seconds / floor_seconds:.1f}x its floor"
    )
    for channel in ("web", "sms"):
        seconds, made = results[channel]
        print(
            f"  {channel}: {sum(made.values()) / count:.2f} DynamoDB calls per complaint {_per(made, count)}, "
            f"{count / seconds:.1f} complaints/s, {raw_rate / (count / seconds):.1f}x raw"
        )
    print(f"SMS sent (stand-ins):        {sms}")


def _same_requests_raw(raw, count: int) -> float:
    """The API filing's requests with literal items of the same shape, no product code: a Query of
    the contact's partition, the filing transaction (case, 2 events, contact, message, rate window,
    daily count) and the send record's transaction of 2 - the cost the engine itself sets."""

    def item(key: str, sort: str) -> dict:
        return {"PK": {"S": key}, "SK": {"S": sort}, "text": {"S": "x" * 300}}

    started = time.perf_counter()
    for number in range(count):
        key = f"FLOOR#{number}"
        raw.query(
            TableName="bench", KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "C" + key}}
        )
        raw.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": "bench",
                        "Item": item(key, sort),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
                for sort in ("CASE", "EV#1", "EV#2")
            ]
            + [{"Put": {"TableName": "bench", "Item": item(prefix + key, "X")}} for prefix in ("C", "M")]
            + [
                {
                    "Update": {
                        "TableName": "bench",
                        "Key": {"PK": {"S": prefix + key}, "SK": {"S": "N"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                }
                for prefix in ("R", "D")
            ]
        )
        raw.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "bench", "Item": item("P" + key, "X")}},
                {
                    "Update": {
                        "TableName": "bench",
                        "Key": {"PK": {"S": "M" + key}, "SK": {"S": "X"}},
                        "UpdateExpression": "SET sent = :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    return time.perf_counter() - started


def _per(calls: dict, count: int) -> dict:
    return {name: round(n / count, 2) for name, n in sorted(calls.items())}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
