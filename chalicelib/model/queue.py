"""Where a case stands in its unit's index partition. An open case is in the queue part (`O#`), by
its nearest running deadline (the earliest due time of the clocks still running - a paused clock
waits for the complainant and counts for nothing), and counted by the local day of that deadline;
a finished one (resolved, closed, refused) is in the register part (`C#`), by its receipt time.
Pure."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.model.case import Case
from chalicelib.model.lifecycle import is_open
from chalicelib.runtime.clock import iso

NO_UNIT = "-"  # cases filed before units existed, or by an institution without them
NO_DEADLINE = "9999-12-31T23:59:59Z"  # every clock paused or stopped: after everything that is due
NO_DAY = "none"
OPEN, FINISHED = "O#", "C#"  # the two parts of a unit's partition: the queue, the register
OPEN_END, FINISHED_END = "O$", "C$"  # just above every key of each part ("$" sorts after "#")


@dataclass(frozen=True)
class QueuePlace:
    unit: str
    nearest: str  # ISO time of the nearest running deadline, or NO_DEADLINE
    day: str  # its date in the institution's zone (YYYY-MM-DD), or NO_DAY
    assignee: str | None

    def key(self, reference: str) -> str:
        """The queue index's sort key: by deadline, then by reference (unique, stable)."""
        return f"{OPEN}{self.nearest}#{reference}"


def nearest_deadline(case: Case) -> datetime | None:
    running = [clock.due_at for clock in case.clocks if clock.running]
    return min(running) if running else None


def register_key(case: Case) -> str:
    """A finished case's sort key: by the time it was received, which is the period it counts in."""
    return f"{FINISHED}{iso(case.received_at)}#{case.reference}"


def queue_place(case: Case, zone: str) -> QueuePlace | None:
    """None for a finished case, unless a task keeps it in the queue (a message to read)."""
    if not is_open(case.status) and not case.open_tasks():
        return None
    nearest = nearest_deadline(case)
    return QueuePlace(
        unit=case.unit or NO_UNIT,
        nearest=iso(nearest) if nearest else NO_DEADLINE,
        day=nearest.astimezone(ZoneInfo(zone)).date().isoformat() if nearest else NO_DAY,
        assignee=case.assignee,
    )
