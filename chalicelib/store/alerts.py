"""Alert steps recorded exactly once (in the transaction that queues the text carrying them), and
the staff phones that count as unreachable for a while after a text to them failed."""

from datetime import datetime

from chalicelib.model.case import Event
from chalicelib.model.message import OutboundMessage
from chalicelib.runtime.clock import iso
from chalicelib.store.table import (
    THROTTLED,
    AlertsTaken,
    Contention,
    Table,
    case_key,
    case_pk,
    due_clause,
    event_items,
    single,
)


class AlertStore:
    def __init__(self, table: Table, message_puts, is_opted_out):
        self.table = table
        self._message_puts = message_puts
        self._is_opted_out = is_opted_out

    def fire(
        self,
        fired: dict[str, tuple[list[str], datetime | None]],
        message: OutboundMessage | None,
        events: dict[str, list[Event]],
        versions: dict[str, int],
        now: datetime,
        skipped: dict[str, list[str]] | None = None,
        raised: dict[str, str] | None = None,
        message_id: str | None = None,
    ) -> None:
        """Records alert steps exactly once, in one transaction with the message that carries them:
        an ALERT item per (case, clock, step), conditional on not existing; the steps (and any
        `skipped` ones, overtaken and never sent) added to each case's `fired`, and its next due time.
        `raised` sets a case's severity (the age rules). `message_id` names the text when it was
        written by an earlier transaction (one text whose steps need several). Raises AlertsTaken
        if any step was already recorded, Contention on a clash to retry. Each case's `versions`
        entry is its version as read: the steps are a change of the case, which makes the next."""
        puts = [
            {
                "Item": {
                    **single("ALERT", reference, key),
                    "at": iso(now),
                    "message_id": message.id if message else (message_id or "-"),
                },
                "ConditionExpression": "attribute_not_exists(PK)",
            }
            for reference, (keys, _) in fired.items()
            for key in keys
        ]
        skipped = skipped or {}
        fired = {reference: ([*keys, *skipped.get(reference, [])], due) for reference, (keys, due) in fired.items()}
        puts += [
            {"Item": item}
            for reference, items in events.items()
            for item in event_items(reference, items, versions[reference] + 1)
        ]
        puts += self._message_puts([message] if message else [])
        updates = []
        for reference, (keys, next_due) in fired.items():
            due_set, due_remove, due_values = due_clause(case_pk(reference), next_due)
            severity = (raised or {}).get(reference)
            sets = ["fired = list_append(if_not_exists(fired, :empty), :keys)"]
            sets += ["severity = :severity"] if severity else []
            sets += [due_set] if due_set else []
            updates.append(
                {
                    "Key": case_key(reference),
                    "UpdateExpression": ("SET " + ", ".join(sets) + " " + due_remove).strip() + " ADD version :one",
                    "ExpressionAttributeValues": {
                        ":one": 1,
                        ":empty": [],
                        ":keys": keys,
                        **due_values,
                        **({":severity": severity} if severity else {}),
                    },
                    "ConditionExpression": "attribute_exists(PK)",
                }
            )
        try:  # a conflict is answered by the caller (without the steps another sweep took), not retried as is
            self.table.transact(puts, updates, None, retried=THROTTLED)
        except self.table.client.exceptions.TransactionCanceledException as error:
            codes = {reason.get("Code") for reason in error.response.get("CancellationReasons", [])}
            if "ConditionalCheckFailed" in codes:
                raise AlertsTaken() from error
            raise Contention() from error

    def recorded(self, reference: str, key: str) -> bool:
        return "Item" in self.table.table.get_item(Key=single("ALERT", reference, key), ConsistentRead=True)

    def mark_unreachable(self, phone: str, until: datetime) -> None:
        self.table.table.put_item(
            Item={**single("UNREACHABLE", phone), "until": iso(until), "expires_at": int(until.timestamp())}
        )

    def unreachable(self, phones: set[str], now: datetime) -> set[str]:
        found = set()
        for phone in phones:
            item = self.table.table.get_item(Key=single("UNREACHABLE", phone)).get("Item")
            if (item and item["until"] > iso(now)) or self._is_opted_out(phone):
                found.add(phone)
        return found
