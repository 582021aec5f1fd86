"""The status lifecycle of a case, enforced here and nowhere else."""

from typing import Literal

from chalicelib.model.refusals import Refused
from chalicelib.runtime.labels import Code

Status = Literal[
    "received",
    "acknowledged",
    "in_progress",
    "awaiting_complainant",
    "responded",
    "resolved",
    "closed",
    "not_accepted",
    "reopened",
]

_WORKING = {"in_progress", "awaiting_complainant", "responded", "resolved", "not_accepted"}
ALLOWED: dict[str, frozenset[str]] = {
    # closed from received: a contact that was not a complaint, once its call back is done
    "received": frozenset(_WORKING | {"acknowledged", "closed"}),
    "acknowledged": frozenset(_WORKING),
    "in_progress": frozenset(_WORKING - {"in_progress"}),
    # Refusing a case is decided before the complainant is asked for more.
    "awaiting_complainant": frozenset({"in_progress", "responded", "resolved"}),
    "responded": frozenset({"in_progress", "awaiting_complainant", "resolved"}),
    "resolved": frozenset({"closed", "reopened"}),
    "closed": frozenset({"reopened"}),  # a callback finds the problem persists
    "not_accepted": frozenset({"reopened"}),  # an appeal
    "reopened": frozenset(_WORKING | {"acknowledged"}),
}
FINISHED_STATUSES: tuple[Status, ...] = ("resolved", "closed", "not_accepted")  # the register's, not the queue's
OPEN_STATUSES = frozenset(ALLOWED) - set(FINISHED_STATUSES)


class InvalidTransition(Refused):
    def __init__(self, current: str, target: str):
        super().__init__("invalid_transition", current=Code("status", current), target=Code("status", target))
        self.current, self.target = current, target


def transition(current: Status, target: Status) -> Status:
    if target not in ALLOWED[current]:
        raise InvalidTransition(current, target)
    return target


def is_open(status: Status) -> bool:
    return status in OPEN_STATUSES


class CaseFinished(Refused):
    """An action for an open case, asked of a finished one (a reply code from an old alert, a page
    left open): refused, and nothing changes."""

    def __init__(self, status: str):
        super().__init__("case_finished", status=Code("status", status))


def require_open(status: Status) -> None:
    if not is_open(status):
        raise CaseFinished(status)
