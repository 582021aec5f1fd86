"""A webhook's time budget. Twilio waits 15 s for an answer; a webhook that spends its budget on a
slow or throttled DynamoDB stops starting new calls (every attempt, retries included, is checked
before it is sent) and keeps the delivery in the spool instead, so it answers in time whatever
DynamoDB does. Outside a budget nothing is checked."""

import time
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)
monotonic = time.monotonic  # the webhook's stopwatch; tests put their own clock here


class BudgetSpent(RuntimeError):
    """No time is left in this webhook for another storage call."""


@contextmanager
def within(seconds: float):
    """Storage calls made inside the block must start within `seconds` of its start."""
    token = _deadline.set(monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check(**_event) -> None:
    """botocore's before-send hook: refuses an attempt that would start after the deadline."""
    deadline = _deadline.get()
    if deadline is not None and monotonic() > deadline:
        raise BudgetSpent("the webhook's time budget is spent")


def watch(client) -> None:
    """Every HTTP attempt of this client (botocore retries included) is checked against the budget."""
    client.meta.events.register("before-send", check)
