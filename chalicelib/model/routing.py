"""Routing (归口办理): which unit owns a case, from the institution's `routing` section - the unit its
category belongs to, else the unit of the number or mailbox it came in on, else the default - and
the escalation chain built from that unit: the unit's handlers (A and B), its head, then each parent
unit's head, then the levels above as the escalation chain names them (leadership). Pure."""

from pydantic import Field

from chalicelib.model.policy import Strict


class Routing(Strict):
    default_unit: str | None = None  # where a case no rule routes goes
    categories: dict[str, str] = Field(default_factory=dict)  # category code -> unit code
    # the hotline number (E.164) or mailbox a case came in on -> unit code
    entry_points: dict[str, str] = Field(default_factory=dict)
    # A unit that cannot solve a case forwards it within this time; the receiving unit starts within
    # the next (domain brief section 4: 30 minutes to 1 hour, then 2 hours).
    forward_within_minutes: int = Field(default=60, ge=1, le=1440)
    start_within_minutes: int = Field(default=120, ge=1, le=2880)


def route(routing: Routing | None, category: str | None, entry_point: str | None) -> str | None:
    """The owning unit of a new case (None: the institution routes nothing)."""
    if routing is None:
        return None
    if category and category in routing.categories:
        return routing.categories[category]
    if entry_point and entry_point.lower() in {key.lower(): key for key in routing.entry_points}:
        return next(unit for key, unit in routing.entry_points.items() if key.lower() == entry_point.lower())
    return routing.default_unit


def problems(routing: Routing, unit_codes: list[str], category_codes: list[str]) -> list[str]:
    """What `validate` reports about a routing section, one line each, naming the field."""
    found = []
    for field, unit in [
        ("routing.default_unit", routing.default_unit),
        *((f"routing.categories.{category}", unit) for category, unit in routing.categories.items()),
        *((f"routing.entry_points.{entry}", unit) for entry, unit in routing.entry_points.items()),
    ]:
        if unit is not None and unit not in unit_codes:
            found.append(f"{field}: {unit!r} is not a unit under units")
    found += [
        f"routing.categories.{category}: not a category code ({category_codes})"
        for category in routing.categories
        if category not in category_codes
    ]
    if routing.default_unit is None:
        unrouted = [code for code in category_codes if code not in routing.categories]
        if unrouted:
            found.append(f"routing: categories {unrouted} route nowhere; give them a unit or set default_unit")
    return found
