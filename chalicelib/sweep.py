"""The scheduled sweep (Lambda `sla_sweep`, every minute). Today it retries outbound messages whose
send failed or was interrupted; the deadline engine adds the case clocks to the same due index."""
from datetime import datetime

from . import notify
from .institution import Institution
from .store import Store


def run_sweep(store: Store, institution: Institution, now: datetime, base_url: str) -> dict:
    return {"messages_sent": notify.sweep_outbox(store, institution, now, base_url)}
