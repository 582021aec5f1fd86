"""A complainant's contact partition, CONTACT#<e164 or email>: one item per case of theirs (with when
it was received, whether it is open, the language they were answered in) and, for a phone, the
opt-out flag (SK OPTOUT). One Query reads all of it: the cases to thread a text into, the repeat
complaints of the severity rules, the language to answer in, and whether texts may go - the one read
a filing needs."""

from dataclasses import dataclass
from datetime import datetime

OPTOUT_SK = "OPTOUT"
DAY_PREFIX = "SMSDAY#"  # + the local date: the texts the number got that day (store/daily_caps.py)


@dataclass(frozen=True)
class ContactCase:
    reference: str
    received_at: str  # UTC, ISO
    open: bool
    language: str | None  # None on items written before it was kept


@dataclass(frozen=True)
class ContactRecord:
    cases: tuple[ContactCase, ...]  # in reference order: by month and sequence, so by receipt
    opted_out: bool = False
    days: tuple[tuple[str, dict], ...] = ()  # (local date, the day's text count item)

    @classmethod
    def of(cls, items: list[dict]) -> "ContactRecord":
        cases = tuple(
            ContactCase(
                item["SK"].removeprefix("CASE#"), item["received_at"], bool(item.get("open")), item.get("language")
            )
            for item in items
            if item["SK"].startswith("CASE#")
        )
        days = tuple((item["SK"].removeprefix(DAY_PREFIX), item) for item in items if item["SK"].startswith(DAY_PREFIX))
        return cls(cases, any(item["SK"] == OPTOUT_SK for item in items), days)

    def day(self, local_date: str) -> dict | None:
        return next((item for day, item in self.days if day == local_date), None)

    def open_references(self) -> list[str]:
        return [case.reference for case in self.cases if case.open]

    def since(self, moment: datetime) -> list[str]:
        from chalicelib.runtime.clock import iso

        return [case.reference for case in self.cases if case.received_at >= iso(moment)]

    def latest(self) -> ContactCase | None:
        return self.cases[-1] if self.cases else None


NO_CONTACT = ContactRecord(())
