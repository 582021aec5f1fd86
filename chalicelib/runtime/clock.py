"""The one clock. Everything else takes "now" as an argument; tests move time with time-machine."""

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """Fixed-width UTC text, so that stored times sort and compare as strings."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store only zone-aware times")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
