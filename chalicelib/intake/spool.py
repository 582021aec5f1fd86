"""The spool replay: every delivery the webhooks could not file in time (store/spool.py) is filed
once, in the order each sender sent them, as if it had been answered then: its clocks start when it
was received. What a texter would have read in the TwiML goes out through the outbox instead (the
webhook or the fallback answered them with a holding reply that carries no reference). A delivery
that fails again stays, and with it every later one of the same sender, so their order holds; one
whose signature does not verify is set aside, never filed."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from chalicelib.intake.errors import BadWebhook
from chalicelib.runtime import metrics
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.logs import log_event
from chalicelib.store.spool import SpooledDelivery
from chalicelib.store.table import Once

logger = logging.getLogger(__name__)
# Steps of a call that carry nothing to file: what the caller said arrives as the recording, and a
# caller who hung up arrives as the call status report, both spooled (or filed) in their own right.
CALL_STEPS_WITHOUT_CONTENT = ("voice", "voice/language", "voice/category")
TWILIO_WAIT = timedelta(seconds=15)  # how long Twilio waits for a webhook's answer


class Refused(Exception):
    """The delivery's signature does not verify."""


def replay_spool(
    deps: Dependencies, now: datetime, params_of: Callable[[SpooledDelivery], dict[str, str]]
) -> dict[str, int]:
    """params_of(delivery) returns the verified form fields, or raises Refused."""
    outcome = {"filed": 0, "waiting": 0, "refused": 0}
    stuck: set[str] = set()  # senders whose earlier delivery failed: the later ones wait behind it
    waiting: list[SpooledDelivery] = []
    for delivery in deps.spool.pending():
        params: dict[str, str] = {}
        try:
            params = params_of(delivery)
            if params.get("From", "") in stuck:
                waiting.append(delivery)
                continue
            file_delivery(deps, delivery, params, now)
        except (Refused, BadWebhook) as refusal:  # never fileable: set aside for a person
            deps.spool.refuse(delivery)
            log_event(logger, "spool_refused", key=delivery.key, reason=str(refusal))
            outcome["refused"] += 1
            continue
        except Exception as error:  # noqa: BLE001 - kept for the next run; this sender's later ones wait
            stuck.add(params.get("From", ""))
            waiting.append(delivery)
            log_event(logger, "spool_replay_failed", key=delivery.key, error=f"{type(error).__name__}: {error}")
            continue
        deps.spool.done(delivery)
        outcome["filed"] += 1
    outcome["waiting"] = len(waiting)
    oldest = min((delivery.received_at for delivery in waiting), default=now)
    # The spool-age alarm watches this: 0 when the spool is empty, so an idle spool never alarms.
    metrics.count("SpoolOldestAgeSeconds", int((now - oldest).total_seconds()), unit="Seconds")
    if outcome["filed"]:
        metrics.count("DeliveriesReplayed", outcome["filed"])
    return outcome


def file_delivery(deps: Dependencies, delivery: SpooledDelivery, params: dict[str, str], now: datetime) -> None:
    from chalicelib.intake import sms, voice

    received = delivery.received_at
    query = dict(parse_qsl(urlsplit(delivery.url).query))
    route = delivery.route
    if route == "sms":
        earlier = deps.store.deliveries.seen(Once("sms", params.get("MessageSid") or params.get("SmsSid") or ""))
        reply = sms.handle_sms(deps, params, now, reply_inline=False, received_at=received)
        # Taken by a later delivery of the same text (Twilio's retry), that delivery's TwiML answered it
        # (a late one is queued too, under the same id); taken within this request's own wait, its
        # answer was lost with it, so it goes by text now.
        answered = earlier and earlier.taken_at and earlier.taken_at > received + TWILIO_WAIT
        if reply and not answered:
            sms.queue_reply(deps, params, reply, now)
    elif route == "voice/recorded":
        voice.recorded(deps, params, query, now, received_at=received)
    elif route == "voice/transcription":
        voice.transcription(deps, params, query, received)
    elif route == "voice/status":
        voice.call_ended(deps, params, now, received_at=received)
    elif route not in CALL_STEPS_WITHOUT_CONTENT:
        raise BadWebhook(f"a spooled delivery to an unknown webhook: {route!r}")
