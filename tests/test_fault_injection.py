"""Fault injection on the real engine. While 100 mixed texts arrive, the app's DynamoDB client is
throttled, fails, slows down or pauses (answers injected below botocore's retry logic, which sees
and retries them), or Twilio fails and recovers. Once the faults are gone, the spool replay and the
sweeps must leave every text in the register once with its words, acknowledge every complaint once
with its reference, and send no text twice. benchmarks/fault_injection.py runs the same scenario
with 1,000 texts per fault."""

import io
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import boto3
import pytest
import time_machine

from support import scan, sms_params, storage_down, twilio_post

SEED = 20261123
START = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai
BUCKET = "hotline-faults-unit"
FAULTS = ("throttle", "errors", "delays", "pause", "twilio")
THROTTLED_SHARE, FAILED_SHARE, SLOW_SHARE = 0.30, 0.20, 0.30
PAUSE_WINDOW = (0.30, 0.55)  # "pause": the share of the texts that arrive while DynamoDB cannot be reached
TWILIO_DOWN_WINDOW = (0.0, 0.25)  # "twilio": these are spooled, so their answers go out by text, into Twilio's outage
ATTEMPT_SECONDS = 0.01  # what a healthy DynamoDB attempt costs on the webhook's stopwatch
SLOW_SECONDS = (1.5, 4.5)  # "delays": an attempt of a slow webhook; past the read timeout it times out
READ_TIMEOUT_SECONDS = 3.0  # the client's read timeout (environment.CLIENT_BUDGETS)
CONNECT_TIMEOUT_SECONDS = 1.0  # the client's connect timeout: what each attempt costs while DynamoDB is paused
SECONDS_BETWEEN_TEXTS = 3
HOLDING = ("reference number will follow", "受理编号将稍后另发短信告知")


# -- the faults --------------------------------------------------------------------------------
class Stopwatch:
    """The webhook's clocks (budget.monotonic and the late-reply clock): DynamoDB's latency, its
    slowness, its connect timeouts and botocore's backoff sleeps advance it; nothing really sleeps."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


def use_stopwatch(monkeypatch, packaged_config) -> Stopwatch:
    """The webhook's budget, its late-reply clock and botocore's retry sleeps on one stopwatch. The
    institution as the deployment packages it, for a config read that fails under a fault."""
    import botocore.endpoint

    from chalicelib.edge import dependencies
    from chalicelib.edge import twilio as edge_twilio
    from chalicelib.runtime import budget

    stopwatch = Stopwatch()
    monkeypatch.setattr(budget, "monotonic", stopwatch)
    monkeypatch.setattr(edge_twilio, "elapsed_clock", stopwatch)
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=stopwatch.advance))
    monkeypatch.setattr(dependencies, "PACKAGED_CONFIG", (packaged_config,))
    return stopwatch


class _Body(io.BytesIO):
    def stream(self, **_):
        yield self.getvalue()


def dynamodb_error(url: str, status: int, code: str):
    """An HTTP answer as DynamoDB gives it: the JSON error document its protocol parser reads."""
    from botocore.awsrequest import AWSResponse

    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": f"injected {code}"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(body))}
    return AWSResponse(url, status, {**headers, "x-amzn-RequestId": "injected"}, _Body(body))


class StorageFaults:
    """A before-send hook on the app's DynamoDB client, registered after the budget's own check:
    every HTTP attempt botocore makes, its retries included, passes here first."""

    def __init__(self, fault: str, rng: random.Random, stopwatch: Stopwatch):
        self.fault, self.rng, self.stopwatch = fault, rng, stopwatch
        self.active, self.slow, self.paused = True, False, False
        self.injected: Counter = Counter()
        self.http = None  # our own connection to DynamoDB, for the failures that come after the work

    def before_delivery(self, index: int, count: int) -> None:
        self.slow = self.fault == "delays" and self.rng.random() < SLOW_SHARE
        window = {"pause": PAUSE_WINDOW, "twilio": TWILIO_DOWN_WINDOW}.get(self.fault)
        self.paused = window is not None and window[0] * count <= index < window[1] * count

    def __call__(self, request, **_):
        if not self.active:
            return None
        self.stopwatch.advance(ATTEMPT_SECONDS)
        if self.paused:
            from botocore.exceptions import ConnectTimeoutError

            self.stopwatch.advance(CONNECT_TIMEOUT_SECONDS)
            self.injected["connect timeouts"] += 1
            raise ConnectTimeoutError(endpoint_url=request.url)
        if self.slow:
            seconds = self.rng.uniform(*SLOW_SECONDS)
            if seconds > READ_TIMEOUT_SECONDS:  # no answer in time: botocore gives up on it and tries again
                from botocore.exceptions import ReadTimeoutError

                self.stopwatch.advance(READ_TIMEOUT_SECONDS)
                if self.rng.random() < 0.5:  # DynamoDB did the work; its answer came too late
                    self._session().send(request)
                self.injected["read timeouts"] += 1
                raise ReadTimeoutError(endpoint_url=request.url)
            self.stopwatch.advance(seconds)
            self.injected["slow attempts"] += 1
        if self.fault == "throttle" and self.rng.random() < THROTTLED_SHARE:
            self.injected["throttled"] += 1
            return dynamodb_error(request.url, 400, "ThrottlingException")
        if self.fault == "errors" and self.rng.random() < FAILED_SHARE:
            if self.rng.random() < 0.5:  # a 500 may come after DynamoDB did the work: the retry does it again
                self._session().send(request)
                self.injected["internal errors after the work was done"] += 1
            else:
                self.injected["internal errors"] += 1
            return dynamodb_error(request.url, 500, "InternalServerError")
        return None

    def _session(self):
        if self.http is None:
            from botocore.httpsession import URLLib3Session

            self.http = URLLib3Session()
        return self.http


# -- what Twilio sends, and what it got back -----------------------------------------------------
@dataclass
class Delivery:
    kind: str  # "first" (a new number's first text), "follow", "retry" (Twilio again, same sid), "status"
    sid: str
    sender: str
    body: str
    status: int = 0
    answer: str | None = None  # the TwiML <Message>
    delivered: bool = True  # False once Twilio retried it: it never got this answer
    stopwatch_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def holding(self) -> bool:
        return self.answer is not None and any(words in self.answer for words in HOLDING)


@dataclass
class Traffic:
    """A seeded mix of texts: 40 % new numbers' first texts (half English, half Chinese), 35 %
    follow-ups from those numbers, 15 % Twilio retrying a MessageSid it got no answer for, 10 % STATUS."""

    rng: random.Random
    prefix: str
    log: list[Delivery] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    def next(self) -> Delivery:
        roll, number = self.rng.random(), len(self.log)
        if not self.phones or roll < 0.40:
            phone = f"{self.prefix}{len(self.phones):07d}"
            self.phones.append(phone)
            body = (
                f"第{number}条：自动取款机吞了我的卡，网点不给处理"
                if self.rng.random() < 0.5
                else f"Text {number}: the ATM at Pier Road kept my card and the branch would not help"
            )
            return Delivery("first", self._sid(), phone, body)
        phone = self.rng.choice(self.phones)
        if roll < 0.75:
            return Delivery("follow", self._sid(), phone, f"More on text {number}: still no card, day {number}")
        if roll < 0.90:
            earlier = self.rng.choice([d for d in self.log if d.kind != "retry"])
            for answered in self.log:  # Twilio sends again only what it got no answer for
                if answered.sid == earlier.sid:
                    answered.delivered = False
            return Delivery("retry", earlier.sid, earlier.sender, earlier.body)
        return Delivery("status", self._sid(), phone, "STATUS")

    def _sid(self) -> str:
        return "SM" + "".join(self.rng.choice("0123456789abcdef") for _ in range(32))


def twiml_message(body: str) -> str | None:
    node = ElementTree.fromstring(body).find("Message")
    return None if node is None else node.text


@dataclass
class Harness:
    """What the scenario drives and reads: the webhook, the scheduled functions, the register (read
    with a client of its own, never faulted), the Twilio stand-in and the app's DynamoDB client."""

    post: Callable  # params -> the app's response
    replay: Callable  # () -> spool_replay's payload
    sweep: Callable  # () -> sla_sweep's payload
    store: object
    twilio: object
    dynamodb: object
    deps: Callable  # () -> the app's dependencies (institution, base URL)
    stopwatch: Stopwatch


@dataclass
class Outcome:
    fault: str
    log: list[Delivery]
    phones: list[str]
    injected: Counter
    replays: list[dict]
    sweeps: list[dict]
    dropped: set[str]  # numbers whose next text Twilio took without answering


def run_scenario(harness: Harness, fault: str, count: int, traveller, seed: int = SEED) -> Outcome:
    """`count` texts under `fault`, then recovery: the faults removed, the spool replayed and the
    sweep run, time moved past each retry delay, until nothing waits."""
    state = random.getstate()
    random.seed(f"{seed}-{fault}-botocore")  # botocore's backoff jitter and the sweep's first shard
    try:
        return _run(harness, fault, count, traveller, seed)
    finally:
        random.setstate(state)


def _run(harness: Harness, fault: str, count: int, traveller, seed: int) -> Outcome:
    rng, stopwatch = random.Random(f"{seed}-{fault}"), harness.stopwatch
    traffic = Traffic(rng, prefix=f"+86139{FAULTS.index(fault)}")
    faults = StorageFaults(fault, random.Random(f"{seed}-{fault}-storage"), stopwatch)
    harness.dynamodb.meta.events.register("before-send", faults)  # after the budget's check
    try:
        for index in range(count):
            delivery = traffic.next()
            faults.before_delivery(index, count)
            params = sms_params(delivery.sender, delivery.body, delivery.sid)
            started, wall = stopwatch(), time.perf_counter()
            response = harness.post(params)
            delivery.wall_seconds = time.perf_counter() - wall
            delivery.stopwatch_seconds = stopwatch() - started
            delivery.status = response.status_code
            delivery.answer = twiml_message(response.body) if response.status_code == 200 else None
            traffic.log.append(delivery)
            traveller.shift(SECONDS_BETWEEN_TEXTS)
    finally:
        faults.active = False
        harness.dynamodb.meta.events.unregister("before-send", faults)
    # DynamoDB is well again. Texts to numbers that were answered "your reference will follow": for
    # some, Twilio takes the text but the answer is lost; "twilio": for the others, Twilio answers 503
    # through the replay and the first sweep, then recovers.
    spooled = sorted({d.sender for d in traffic.log if d.holding})
    dropped = set(rng.sample(spooled, min(len(spooled), max(3, len(spooled) // 4))))
    harness.twilio.drop_answer_once.update(dropped)
    failing = sorted(set(spooled) - dropped) if fault == "twilio" else []
    if failing:  # the handler's phone too: their alerts must reach the backup and the level above
        failing.append(harness.deps().institution.staff_member("chen.jing").phone)
    for phone in failing:
        harness.twilio.fail_next(phone, *[503] * 20)
    replays, sweeps = [], []
    for _ in range(5):
        replays.append(harness.replay())
        if replays[-1]["waiting"] == 0:
            break
        traveller.shift(60)
    for round_ in range(20):
        if failing and round_ == 1:  # Twilio is back
            with harness.twilio.lock:
                faults.injected["twilio 503s"] = 20 * len(failing) - sum(map(len, harness.twilio.failures.values()))
                harness.twilio.failures.clear()
        waiting = [m for m in complainant_messages(harness.store, traffic.phones) if m["status"] == "pending"]
        if not waiting and round_ >= 1:
            break
        now = datetime.now(timezone.utc)
        due = min((_parse_iso(m["next_attempt_at"]) for m in waiting), default=now + timedelta(seconds=60))
        traveller.move_to(max(due, now) + timedelta(seconds=1))
        sweeps.append(harness.sweep())
    return Outcome(fault, traffic.log, traffic.phones, faults.injected, replays, sweeps, dropped)


def _parse_iso(text: str) -> datetime:
    from chalicelib.runtime.clock import parse_iso

    return parse_iso(text)


def complainant_messages(store, phones) -> list[dict]:
    """Every outbound message to these numbers, as the table holds it."""
    wanted = set(phones)
    return [item for item in all_messages(store) if item.get("to") in wanted]


def all_messages(store) -> list[dict]:
    """Every outbound message, as the table holds it (a scan: a test's small table)."""
    return scan(store, "begins_with(PK, :p)", {":p": "MSG#"})


# -- what the complainants got -----------------------------------------------------------------
def examine(harness: Harness, outcome: Outcome) -> dict:
    """The register and the phones after recovery, counted: the test asserts, the benchmark prints."""
    from chalicelib.model.references import find_references
    from chalicelib.notify.complainant import sms_acknowledgement, status_url
    from chalicelib.store.table import Once

    store, deps = harness.store, harness.deps()
    texts: dict[str, list[dict]] = {}
    with harness.twilio.lock:
        for message in harness.twilio.messages:
            texts.setdefault(message["to"], []).append(dict(message))
    per_message = Counter(_message_id(m) for sent in texts.values() for m in sent)
    twice = {message_id for message_id, n in per_message.items() if n > 1}
    report = {
        "deliveries": len(outcome.log),
        "distinct texts": len({d.sid for d in outcome.log}),
        "filed once": 0,
        "not filed once": [],
        "spooled": sum(d.holding for d in outcome.log),
        "holding answers with a reference": [d.sid for d in outcome.log if d.holding and find_references(d.answer)],
        "replayed": sum(r["filed"] for r in outcome.replays),
        "cases": 0,
        "numbers with other than one case": [],
        "acknowledged once": 0,
        "acknowledged twice": [],
        "not acknowledged": [],
        "duplicate texts": sum(per_message[message_id] - 1 for message_id in twice),
        "duplicates to numbers whose answer was dropped": sum(
            per_message[message_id] - 1
            for message_id in twice
            if any(_message_id(m) == message_id for phone in outcome.dropped for m in texts.get(phone, []))
        ),
        "dropped answers taken": sum(phone not in harness.twilio.drop_answer_once for phone in outcome.dropped),
        "left unsent": [],
        "not answered 200": [d.sid for d in outcome.log if d.status != 200],
        "cases opened by a later text": 0,
    }
    by_phone: dict[str, list[Delivery]] = {}
    for delivery in outcome.log:
        if delivery.kind != "retry":
            by_phone.setdefault(delivery.sender, []).append(delivery)
    for phone in outcome.phones:
        references = store.cases.open_for_contact(phone)
        report["cases"] += len(references)
        if len(references) != 1:
            report["numbers with other than one case"].append((phone, references))
        cases = [store.cases.get(reference) for reference in references]
        words = Counter(case.description for case in cases)
        for reference in references:
            words.update(e.text for e in store.cases.timeline(reference) if e.kind == "complainant_message")
        for delivery in by_phone[phone]:
            seen = store.deliveries.seen(Once("sms", delivery.sid))
            if delivery.kind == "status":  # answered, never filed as words of a complaint
                filed = seen is not None and words[delivery.body] == 0
            else:
                filed = seen is not None and seen.reference in references and words[delivery.body] == 1
            report["filed once"] += filed
            if not filed:
                report["not filed once"].append((delivery.sid, phone, delivery.body, seen, words[delivery.body]))
        if cases and cases[0].description != by_phone[phone][0].body:
            report["cases opened by a later text"] += 1  # while the first waited in the spool
        for case in cases:
            ack = sms_acknowledgement(case, deps.institution, status_url(deps.base_url, case.reference))
            answered = [d for d in outcome.log if d.sender == phone and d.delivered and d.answer == ack]
            texted = [m for m in texts.get(phone, []) if m["body"] == ack]
            if len(answered) + len(texted) == 1:
                report["acknowledged once"] += 1
            elif not answered and not texted:
                report["not acknowledged"].append(case.reference)
            else:
                report["acknowledged twice"].append(
                    {
                        "case": case.reference,
                        "in the TwiML answer to": [(d.kind, d.sid) for d in answered],
                        "texted as": [_message_id(m) for m in texted],
                        "earlier answers to that text": [
                            (d.answer or "")[:40]
                            for d in outcome.log
                            if not d.delivered and d.sid in {a.sid for a in answered}
                        ],
                    }
                )
    report["left unsent"] = [
        (m["id"], m["status"], m.get("last_error"))
        for m in complainant_messages(store, outcome.phones)
        if m["status"] != "sent"
    ]
    alerts = [m for m in all_messages(store) if m.get("purpose") == "alert"]
    sent_copies = {m.get("fallback_of") for m in alerts if m["status"] == "sent"}
    report["alerts"] = len(alerts)
    report["alerts reaching no one"] = [
        (m["id"], m["to"][-4:], m["status"]) for m in alerts if m["status"] != "sent" and m["id"] not in sent_copies
    ]
    report["alerts handed to a backup"] = sum(1 for m in alerts if m.get("fallback_of"))
    return report


def _message_id(message: dict) -> str:
    """Our outbox id, from the status callback URL every text is sent with."""
    return parse_qs(urlsplit(message.get("status_callback") or "").query).get("m", [message["sid"]])[0]


def print_outcome(outcome: Outcome, report: dict) -> None:
    print(f"\n[{outcome.fault}] injected {dict(outcome.injected)}")
    print(f"  replays {outcome.replays}; sweeps sent {[s['messages_sent'] for s in outcome.sweeps]}")
    for key, value in report.items():
        print(f"  {key}: {value}")


# -- the tests ---------------------------------------------------------------------------------
@pytest.fixture
def packaged_institution(institution, tmp_path):
    path = tmp_path / "institution.json"
    path.write_text(institution.model_dump_json(), encoding="utf-8")
    return path


@pytest.fixture
def harness(client, local_store, twilio, monkeypatch, packaged_institution):
    from chalicelib.edge import dependencies

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("MAIL_BUCKET", BUCKET)
    dependencies.reset()
    return make_harness(client, local_store, twilio, use_stopwatch(monkeypatch, packaged_institution))


def make_harness(client, store, twilio, stopwatch) -> "Harness":
    """The app through the Chalice test client, its institution read before any fault (then cached
    for a minute); the benchmark builds its harness here too."""
    from chalicelib.edge import dependencies

    dependencies.current()
    return Harness(
        post=lambda params: twilio_post(client, "/twilio/sms", params, token=twilio.auth_token),
        replay=lambda: invoke(client, "spool_replay"),
        sweep=lambda: invoke(client, "sla_sweep"),
        store=store,
        twilio=twilio,
        dynamodb=dependencies.store().client,
        deps=dependencies.current,
        stopwatch=stopwatch,
    )


def invoke(client, name: str) -> dict:
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [f"rule/{name}"])
    return client.lambda_.invoke(name, event).payload


@pytest.mark.parametrize("fault", FAULTS)
def test_under_each_fault_every_text_is_filed_once_and_every_complaint_acknowledged_once(harness, fault):
    """100 texts under the fault, then recovery: every text answered, none lost or filed twice, one
    case per number, each complaint's acknowledgement (in the TwiML answer or a text of its own)
    reaching its number exactly once, no text to a complainant left unsent, and a text Twilio took
    without answering never sent again."""
    with time_machine.travel(START, tick=False) as traveller:
        outcome = run_scenario(harness, fault, 100, traveller)
        report = examine(harness, outcome)
    print_outcome(outcome, report)
    assert report["not answered 200"] == []  # Twilio got an answer to every text, in time
    assert sum(outcome.injected.values()) > 0, "the fault never happened"
    if fault in ("delays", "pause", "twilio"):  # throttling and errors are mostly absorbed by botocore's retries
        assert report["spooled"] > 0 and report["replayed"] > 0, "nothing was spooled"
    assert report["holding answers with a reference"] == []
    assert outcome.replays[-1]["waiting"] == 0 and outcome.replays[-1]["refused"] == 0
    assert report["not filed once"] == []
    assert report["filed once"] == report["distinct texts"]
    assert report["numbers with other than one case"] == []
    assert report["not acknowledged"] == []
    assert report["left unsent"] == []
    assert report["alerts"] and report["alerts reaching no one"] == []  # delivered, or by a backup
    assert fault != "twilio" or report["alerts handed to a backup"]
    # some of those texts went with their answers lost (a number answered live by Twilio's retry gets none)
    assert report["dropped answers taken"] >= 1
    assert outcome.dropped or report["spooled"] == 0
    assert report["duplicates to numbers whose answer was dropped"] == 0
    assert report["duplicate texts"] == 0
    assert report["acknowledged twice"] == [], f"{len(report['acknowledged twice'])} complaints acknowledged twice"
    assert report["acknowledged once"] == report["cases"] == len(outcome.phones)


def test_a_crash_between_the_send_and_its_record_is_reconciled_and_nothing_is_sent_twice(
    client, local_store, twilio, monkeypatch, packaged_institution
):
    """A text waited in the spool. The replay files it and Twilio takes the acknowledgement, then
    every attempt of the UpdateItem that records it as sent fails: the outbox still says pending.
    The replay and the sweep, every minute as scheduled, must find it sent at Twilio and record that,
    not text the complainant a second time."""
    from chalicelib.edge import dependencies

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("MAIL_BUCKET", BUCKET)
    dependencies.reset()
    use_stopwatch(monkeypatch, packaged_institution)
    dependencies.current()
    dynamodb = dependencies.store().client
    attempts = dynamodb.meta.config.retries["total_max_attempts"]  # max_attempts=3 retries: 4 attempts
    phone = "+8613912300001"
    refused = []

    def lose_the_record(request, **_):
        """Every attempt of outbox.record_send_result(..., "sent", provider_id=...) fails."""
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if not target.endswith(".UpdateItem") or len(refused) >= attempts:
            return None
        values = json.loads(request.body).get("ExpressionAttributeValues", {})
        if values.get(":status") != {"S": "sent"}:
            return None
        refused.append(values.get(":provider_id", {}).get("S"))
        return dynamodb_error(request.url, 500, "InternalServerError")

    with time_machine.travel(START, tick=False) as traveller:
        restore = storage_down(dynamodb)
        answer = twiml_message(twilio_post(client, "/twilio/sms", sms_params(phone, "The ATM kept my card")).body)
        restore()
        assert any(words in answer for words in HOLDING)
        traveller.shift(60)
        dynamodb.meta.events.register("before-send", lose_the_record)
        try:
            runs = [invoke(client, "spool_replay")]
        finally:
            dynamodb.meta.events.unregister("before-send", lose_the_record)
        [sent] = twilio.sent_to(phone)
        assert refused == [sent["sid"]] * attempts  # the text went; its record did not
        [reference] = local_store.cases.open_for_contact(phone)
        [ack] = [m for m in local_store.outbox.for_case(reference) if m.purpose == "acknowledgement"]
        assert ack.status == "pending" and ack.provider_id is None and reference in sent["body"]
        sent_at, recorded_at = parsedate_to_datetime(sent["date_created"]), None
        for _ in range(15):  # each minute, as scheduled
            traveller.shift(60)
            runs += [invoke(client, "spool_replay"), invoke(client, "sla_sweep")]
            if local_store.outbox.get(ack.id).status == "sent":
                recorded_at = datetime.now(timezone.utc)
                break
    message, texts = local_store.outbox.get(ack.id), twilio.sent_to(phone)
    window = (recorded_at - sent_at).total_seconds() if recorded_at else None
    print(
        f"\nacknowledgement taken by Twilio at {sent_at:%H:%M:%S}; recorded as sent {window} s later "
        f"(attempts {message.attempts}, provider_id {message.provider_id}); texts to the complainant: "
        f"{len(texts)} {[t['sid'] for t in texts]}; runs {runs}"
    )
    assert message.status == "sent"
    assert [t["sid"] for t in texts] == [sent["sid"]], f"the acknowledgement was texted {len(texts)} times"
    assert message.provider_id == sent["sid"]  # reconciled: recorded as the text Twilio took
    assert local_store.cases.open_for_contact(phone) == [reference]
