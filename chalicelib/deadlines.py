"""The clocks a case starts with, from the institution's policy. Pure: "now" is passed in."""
from datetime import datetime

from .complaint import Clock
from .institution import Institution
from .working_time import add_duration


def opening_clocks(institution: Institution, received_at: datetime) -> list[Clock]:
    calendar = institution.calendar.work_calendar()
    clocks = []
    for name in ("acknowledge", "respond", "resolve"):
        duration = getattr(institution.clocks, name)
        clocks.append(Clock(
            name=name, amount=duration.amount, unit=duration.unit, started_at=received_at,
            due_at=add_duration(calendar, received_at, duration.amount, duration.unit),
        ))
    return clocks
