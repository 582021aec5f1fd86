"""What one complaint costs to run, measured, and the monthly estimate for an institution.

Each of N complaints lives its whole life against DynamoDB Local and the Twilio stand-in, in its own
two weeks of simulated time, half in English and half in Chinese: filed by phone through POST
/api/complaints (acknowledgement SMS), left untouched until the sweep texts the handler a reminder,
then the handler opens the link and acknowledges, replies and resolves on the staff page (the
complainant is texted each time). Counted per complaint: HTTP requests (API Gateway + Lambda),
DynamoDB requests and the capacity units the engine reports, SMS and their segments. The every-
minute sweep is counted separately, from idle sweeps. Prices are list prices (USD, us-east-1 /
Twilio US long code) written into PRICES below: check them against the providers' pages before
quoting.

    .venv/bin/python benchmarks/cost_per_complaint.py [N] [complaints per month]
"""

import json
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRICES = {
    "dynamodb_write_unit": 0.625 / 1e6,  # on-demand, per write request unit
    "dynamodb_read_unit": 0.125 / 1e6,  # on-demand, per read request unit
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,  # x86
    "api_gateway_request": 3.50 / 1e6,  # REST API
    "sms_segment": 0.0083,  # Twilio, US long code, outbound; China mainland and others cost more
    "phone_number_month": 1.15,  # Twilio US local number
    "alarm_month": 0.10,  # CloudWatch standard alarm
}
ALARMS = 4
MEMORY_GB = 0.5  # the functions' 512 MB (infra/deployment.py)
SWEEPS_PER_MONTH = 60 * 24 * 30
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Meter:
    """Counts DynamoDB requests and the capacity the engine reports for them."""

    def __init__(self, client):
        self.requests, self.read_units, self.write_units = Counter(), 0.0, 0.0
        events = client.meta.events
        events.register("provide-client-params.dynamodb.*", self._ask_for_capacity)
        events.register("before-call.dynamodb", lambda model, **_: self.requests.update([model.name]))
        events.register("after-call.dynamodb", self._capacity)

    @staticmethod
    def _ask_for_capacity(params, model, **_):
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def _capacity(self, parsed, model, **_):
        """AWS bills at least half a read unit per read request (eventually consistent; the engine
        here reports 0 for an empty Query) and one write unit per write."""
        consumed = parsed.get("ConsumedCapacity")
        units = sum(
            item.get("CapacityUnits", 0.0)
            for item in (consumed if isinstance(consumed, list) else [consumed] if consumed else [])
        )
        if model.name in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"):
            self.read_units += max(units, 0.5)
        else:
            self.write_units += max(units, 1.0)

    def snapshot(self) -> tuple[int, float, float]:
        return sum(self.requests.values()), self.read_units, self.write_units


def lifecycle(client, traveller, start: datetime, phone: str, language: str, twilio, timings: list) -> None:
    def timed(call, *args, **kwargs):
        began = time.perf_counter()
        response = call(*args, **kwargs)
        timings.append(time.perf_counter() - began)
        return response

    traveller.move_to(start)
    response = timed(
        client.http.post,
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps(
            {"description": "The branch charged me a fee I was never told about", "phone": phone, "language": language}
        ),
    )
    assert response.status_code == 201, response.body
    reference = json.loads(response.body)["reference"]
    traveller.move_to(start + timedelta(hours=12, minutes=1))  # the 50% reminder of the 24-hour clock
    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep

    run_sweep(context.current(), datetime.now(timezone.utc))
    [alert] = [m for m in twilio.messages if reference in m["body"] and m["to"] != phone]
    path = re.search(r"https://bench\.example(/s/[A-Za-z0-9_-]{22})", alert["body"]).group(1)
    traveller.move_to(start + timedelta(hours=12, minutes=20))
    for action, fields in (
        ("acknowledge", {}),
        ("reply", {"text": "We have refunded the fee; it shows within 2 days."}),
        (
            "resolve",
            {
                "summary": "Fee refunded, staff briefed",
                "validity": "valid",
                "cause": "fee not disclosed",
                "corrective_action": "briefing",
                "compensation": "refund",
            },
        ),
    ):
        page = timed(client.http.get, path + "?lang=en").body.decode()
        assert "csrf" in page, page[:2000]
        form = {
            "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),
            "version": re.search(r'name="version" value="([^"]+)"', page).group(1),
        }
        answer = timed(
            client.http.post, path + "?lang=en", headers=FORM, body=urlencode({"action": action, **form, **fields})
        )
        assert answer.status_code == 200, (action, answer.body[:300])
    assert context.store().cases.get(reference).status == "resolved"


def main(count: int, per_month: int) -> None:
    import time_machine
    from chalice.test import Client

    from app import app
    from chalicelib.edge import dependencies as context
    from chalicelib.notify.segments import segments
    from chalicelib.sla.sweep import run_sweep
    from infra import config
    from sandbox.local_engines import local_engines

    with local_engines("cost", config.load("harbour-city-bank")) as (_, twilio):
        meter = Meter(context.store().client)
        timings: list[float] = []
        monday_10 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
        with Client(app) as client, time_machine.travel(monday_10, tick=False) as traveller:
            lifecycle(client, traveller, monday_10 - timedelta(days=14), "+8613700000000", "en", twilio, [])  # warm-up
            twilio.messages.clear()
            before = meter.snapshot()
            for number in range(count):
                lifecycle(
                    client,
                    traveller,
                    monday_10 + timedelta(days=14 * number),
                    f"+86137{number:08d}",
                    ("en", "zh")[number % 2],
                    twilio,
                    timings,
                )
            requests_, reads, writes = (
                after - before_ for after, before_ in zip(meter.snapshot(), before, strict=True)
            )
            texts = list(twilio.messages)
            # Idle sweeps: what every minute of every month costs with nothing due.
            traveller.move_to(monday_10 + timedelta(days=14 * count + 30))
            idle_before, idle_started = meter.snapshot(), time.perf_counter()
            for _ in range(20):
                run_sweep(replace(context.current(), base_url="https://bench.example"), datetime.now(timezone.utc))
            idle_seconds = (time.perf_counter() - idle_started) / 20
            idle = [(after - before_) / 20 for after, before_ in zip(meter.snapshot(), idle_before, strict=False)]

    http = len(timings) / count
    lambda_seconds = sum(timings) / count
    to_complainants = [m for m in texts if m["to"].startswith("+86137")]
    segments_each = sum(segments(m["body"]) for m in texts) / count
    per = {"requests": requests_ / count, "reads": reads / count, "writes": writes / count}
    print(f"complaints, whole life each:  {count}")
    print(
        f"HTTP requests per complaint:  {http:.1f} (API Gateway + Lambda), "
        f"{lambda_seconds * 1000:.0f} ms of handler time"
    )
    print(
        f"DynamoDB per complaint:       {per['requests']:.1f} requests, {per['reads']:.1f} read units, "
        f"{per['writes']:.1f} write units"
    )
    print(
        f"SMS per complaint:            {len(texts) / count:.1f} texts ({len(to_complainants) / count:.1f} to the "
        f"complainant), {segments_each:.1f} segments"
    )
    print(
        f"idle sweep:                   {idle[0]:.1f} requests, {idle[1]:.1f} read units, {idle_seconds * 1000:.0f} ms"
    )

    month = {
        "SMS (Twilio)": per_month * segments_each * PRICES["sms_segment"],
        "phone number (Twilio)": PRICES["phone_number_month"],
        "DynamoDB, complaints": per_month
        * (per["reads"] * PRICES["dynamodb_read_unit"] + per["writes"] * PRICES["dynamodb_write_unit"]),
        "DynamoDB, sweeps": SWEEPS_PER_MONTH
        * (idle[1] * PRICES["dynamodb_read_unit"] + idle[2] * PRICES["dynamodb_write_unit"]),
        "Lambda + API Gateway, complaints": per_month
        * http
        * (PRICES["lambda_request"] + PRICES["api_gateway_request"])
        + per_month * lambda_seconds * MEMORY_GB * PRICES["lambda_gb_second"],
        "Lambda, sweeps": SWEEPS_PER_MONTH
        * (PRICES["lambda_request"] + idle_seconds * MEMORY_GB * PRICES["lambda_gb_second"]),
        "CloudWatch alarms": ALARMS * PRICES["alarm_month"],
    }
    print(f"\nmonthly estimate for {per_month} complaints (USD, list prices in PRICES):")
    for item, dollars in month.items():
        print(f"  {item:34s} {dollars:8.2f}")
    print(f"  {'total':34s} {sum(month.values()):8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
