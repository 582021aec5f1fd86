"""Every family store of one table, built once per container: `stores.cases.get(reference)`,
`stores.outbox.claim(...)`, `stores.deliveries.seen(once)` ..."""

from datetime import datetime

from chalicelib.store.abuse import AbuseStore
from chalicelib.store.alerts import AlertStore
from chalicelib.store.cases import CaseStore
from chalicelib.store.config import ConfigStore
from chalicelib.store.daily_caps import DailyCapStore
from chalicelib.store.links import LinkStore
from chalicelib.store.outbox import OutboxStore
from chalicelib.store.queue import QueueStore
from chalicelib.store.sessions import SessionStore
from chalicelib.store.table import Delivery, FamilyStore, Once, Table
from chalicelib.store.words import WordStore


class DeliveryStore(FamilyStore):
    """Webhook and API deliveries that take effect once (the other stores write their once-keys in
    their own transactions)."""

    def seen(self, once: Once) -> Delivery | None:
        """The earlier outcome of this delivery, if it was already taken."""
        return self.table.earlier(once)

    def take(self, once: Once, now: datetime) -> None:
        """Records a delivery that changes nothing else (a keyword answered, say)."""
        self.table.transact([self.table.once_put(once, None, now)], [], once)


class Stores:
    def __init__(self, table):
        self.table = table  # boto3's Table, for administrators' tools and tests
        shared = Table(table)
        self.name, self.client = shared.name, shared.client  # benchmarks count the client's calls
        self.deliveries = DeliveryStore(shared)
        self.outbox = OutboxStore(shared, timeline=lambda reference: self.cases.timeline(reference))
        self.cases = CaseStore(shared, self.outbox.puts)
        self.alerts = AlertStore(shared, self.outbox.puts, self.outbox.is_opted_out)
        self.links = LinkStore(shared)
        self.abuse = AbuseStore(shared)
        self.config = ConfigStore(shared)
        self.daily_caps = DailyCapStore(shared)
        self.sessions = SessionStore(shared)
        self.queue = QueueStore(shared)
        self.words = WordStore(shared)
