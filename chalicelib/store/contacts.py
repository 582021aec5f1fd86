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
    finished_at: str | None = None  # UTC, ISO: when it was resolved or refused, while it stays so
    category: str | None = None


@dataclass(frozen=True)
class ContactRecord:
    cases: tuple[ContactCase, ...]  # in reference order: by month and sequence, so by receipt
    opted_out: bool = False
    days: tuple[tuple[str, dict], ...] = ()  # (local date, the day's text count item)

    @classmethod
    def of(cls, items: list[dict]) -> "ContactRecord":
        cases = tuple(
            ContactCase(
                item["SK"].removeprefix("CASE#"),
                item["received_at"],
                bool(item.get("open")),
                item.get("language"),
                item.get("finished_at"),
                item.get("category"),
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

    def repeat_of(self, category: str | None, since: datetime) -> str | None:
        """This contact's most recent case in the same category received since then: a new one
        about the same thing is a repeat of it."""
        from chalicelib.runtime.clock import iso

        same = [c for c in self.cases if category and c.category == category and c.received_at >= iso(since)]
        return same[-1].reference if same else None

    def latest_finished(self) -> ContactCase | None:
        """The case finished most recently (what a "thank you" or a "still not solved" is about)."""
        finished = [case for case in self.cases if not case.open and case.finished_at]
        return max(finished, key=lambda case: case.finished_at) if finished else None

    def latest(self) -> ContactCase | None:
        return self.cases[-1] if self.cases else None


NO_CONTACT = ContactRecord(())
