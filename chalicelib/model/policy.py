"""The institution's policies: clocks (durations, overrides, extensions), the escalation chain and
its steps, severity rules, and the working calendar. Validated with pydantic; every unknown key is
an error that names it."""

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.model.calendar import WorkCalendar
from chalicelib.model.literals import CLOCK_NAMES, Channel, ComplaintType, DurationUnit, Severity
from chalicelib.runtime.language import Language


class Strict(BaseModel):
    """Config typos must fail loudly: an unknown key is an error that names it."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_(self, language: Language) -> str:
        return getattr(self, language)


class Duration(Strict):
    amount: int = Field(gt=0)
    unit: DurationUnit


class ClockOverride(Strict):
    """Other durations for some cases: every condition given must match (category, type,
    severity, channel); later overrides win over earlier ones."""

    category: str | None = None
    type: ComplaintType | None = None
    severity: Severity | None = None
    channel: Channel | None = None
    acknowledge: Duration | None = None
    respond: Duration | None = None
    resolve: Duration | None = None


class ClockPolicy(Strict):
    acknowledge: Duration = Duration(amount=24, unit="hours")
    respond: Duration = Duration(amount=3, unit="working_days")
    resolve: Duration = Duration(amount=7, unit="working_days")
    overrides: list[ClockOverride] = []
    # The regulator pattern: a clock may be extended (with a reason, approved one level up)
    # up to this total, and the complainant is told the new date.
    max_extension: Duration = Duration(amount=60, unit="working_days")
    # An appeal - dissatisfied a second time, or asking for a review - is decided within this.
    review: Duration = Duration(amount=15, unit="working_days")

    def durations_for(self, category: str | None, type_: str, severity: str, channel: str) -> dict[str, Duration]:
        chosen = {name: getattr(self, name) for name in CLOCK_NAMES}
        for override in self.overrides:
            wanted = {
                "category": override.category,
                "type": override.type,
                "severity": override.severity,
                "channel": override.channel,
            }
            actual = {"category": category, "type": type_, "severity": severity, "channel": channel}
            if all(value is None or actual[key] == value for key, value in wanted.items()):
                chosen |= {name: getattr(override, name) for name in CLOCK_NAMES if getattr(override, name)}
        return chosen


class AfterResolution(Strict):
    """What follows a result. A complainant who writes within `reopen_within_days` (calendar days
    after the result) that the problem persists has the case reopened, with new respond and resolve
    clocks as the policy gives them from that moment; later, a new case opens, linked as a repeat.
    A message the product cannot read either way becomes a task for the handler, due within
    `task_within`. Every final reply says where to turn next: the review, then `regulator`. A
    resolved case is followed up once and closes with the answer (a low one reopens it)."""

    reopen_within_days: int = Field(default=30, ge=1, le=366)
    task_within: Duration = Duration(amount=1, unit="working_hours")
    regulator: Text | None = None  # e.g. the banking regulator's hotline 12378
    # Follow-up (回访): one question `follow_up_after` the result (None: no follow-up), never in
    # `follow_up_quiet_hours` (local); unanswered after `answer_within`: a call-back task, or closed.
    follow_up_after: Duration | None = Duration(amount=24, unit="hours")
    follow_up_quiet_hours: tuple[time, time] = (time(21, 0), time(9, 0))
    answer_within: Duration = Duration(amount=72, unit="hours")
    no_answer: Literal["callback", "close"] = "callback"


class ClockSteps(Strict):
    # reminders to the handler, as a share of the clock's time
    remind_at_percent: list[Annotated[int, Field(gt=0, lt=100)]] = [50, 75]
    escalate_to: str  # the role alerted when the deadline passes
    repeat_every_hours: int | None = Field(default=None, gt=0)  # while late: again, one role higher each time


class OnDuty(Strict):
    """Out of hours, this person takes the role (an on-duty leader)."""

    staff: str
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4, 5, 6]  # 0 = Monday


class ChainLevel(Strict):
    role: str = Field(pattern=r"^[a-z_]{2,30}$")
    name: Text
    primary: str  # staff id (A角)
    backup: str | None = None  # staff id (B角)
    on_duty: list[OnDuty] = []


class NightCalls(Strict):
    """A severe alert nobody has acknowledged `after_minutes` after it was due, at night (local
    [start, end)), is also placed as a voice call reading it, to the same person, where their number's
    sending profile allows calls: a text at 3 a.m. may sleep through; a ringing phone does not."""

    from_severity: Severity = "critical"
    after_minutes: int = Field(default=15, ge=1, le=240)
    night: tuple[time, time] = (time(22, 0), time(7, 0))

    @field_validator("night")
    @classmethod
    def _night_spans_time(cls, value):
        if value[0] == value[1]:
            raise ValueError("night: start and end must differ, e.g. ['22:00', '07:00']")
        return value


class Escalation(Strict):
    chain: list[ChainLevel] = Field(min_length=1)
    acknowledge: ClockSteps = ClockSteps(escalate_to="supervisor")
    respond: ClockSteps = ClockSteps(escalate_to="manager")
    resolve: ClockSteps = ClockSteps(escalate_to="director")
    # A forwarded case not taken up by the receiving unit in time (routing.start_within_minutes): its head.
    transfer: ClockSteps = ClockSteps(remind_at_percent=[], escalate_to="supervisor")
    # A complainant's message on a finished case left unread past its task's time: the supervisor.
    message: ClockSteps = ClockSteps(remind_at_percent=[], escalate_to="supervisor")
    # A call back owed and not made in its hour: the supervisor.
    callback: ClockSteps = ClockSteps(remind_at_percent=[], escalate_to="supervisor")
    # An appeal's review not decided in time: the manager.
    review: ClockSteps = ClockSteps(remind_at_percent=[], escalate_to="manager")
    leadership_role: str = "director"
    alert_leadership_from: Literal["serious", "major", "critical"] = "major"
    # Cases from this severity alert at any hour; the others wait for the end of quiet hours, and
    # a new one received off-hours reaches the handler at the next opening.
    alert_at_once_from: Severity = "major"
    quiet_hours: tuple[time, time] | None = None  # local [start, end), e.g. ["22:00", "08:00"]
    notify_new_cases: bool = True  # the handler is texted of each new case
    ask_why_late: bool = True  # at a missed deadline the handler is asked for the reason and a new date
    night_calls: NightCalls | None = None  # off unless configured

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_span_time(cls, value):
        if value and value[0] == value[1]:
            raise ValueError("quiet_hours: start and end must differ, e.g. ['22:00', '08:00']")
        return value

    def level(self, role: str) -> int:
        return next(index for index, level in enumerate(self.chain) if level.role == role)


class SeverityRule(Strict):
    """Raises severity when the complaint's words match (media, threats, litigation, regulator),
    when several people complain together, or when the same contact complained recently."""

    name: str
    raise_to: Literal["serious", "major", "critical"]
    words: list[str] = []
    group_size_at_least: int | None = None
    repeat_within_days: int | None = None
    unresolved_for_days: int | None = Field(default=None, gt=0)  # age: applied by the sweep when reached


class CalendarConfig(Strict):
    timezone: str = "Asia/Shanghai"
    weekend: list[int] = [5, 6]
    official_calendar: Literal["CN"] | None = None  # read at run time (chinese-calendar, small)
    # Any other country's public holidays (the `holidays` package) are written into `holidays`
    # by the admin CLI when it validates or syncs, so the deployed functions never load it.
    country: str | None = None
    holidays: list[date] = []
    make_up_workdays: list[date] = []
    business_hours: tuple[time, time] | None = None
    # The years the listed holidays and make-up days are for: a date outside them is a typo
    # (2062 for 2026) or a stale list, and the validator says so.
    years: tuple[int, int] | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Shanghai)") from None
        return value

    @field_validator("weekend")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(day not in range(7) for day in value):
            raise ValueError("weekend days are numbers 0 (Monday) to 6 (Sunday)")
        return value

    @model_validator(mode="after")
    def _dates_inside_years(self):
        listed = [("holidays", index, day) for index, day in enumerate(self.holidays)]
        listed += [("make_up_workdays", index, day) for index, day in enumerate(self.make_up_workdays)]
        if listed and self.years is None:
            raise ValueError("years: required when holidays or make_up_workdays are listed, e.g. [2026, 2027]")
        if self.years and self.years[0] > self.years[1]:
            raise ValueError(f"years: the first year must not be after the last: {list(self.years)}")
        outside = [
            f"{field}.{index}: {day} is outside the calendar's years {self.years[0]}-{self.years[1]}"
            for field, index, day in listed
            if not self.years[0] <= day.year <= self.years[1]
        ]
        if outside:
            raise ValueError("; ".join(outside))
        return self

    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar(
            timezone=self.timezone,
            weekend=frozenset(self.weekend),
            holidays=frozenset(self.holidays),
            make_up_workdays=frozenset(self.make_up_workdays),
            official_calendar=self.official_calendar,
            business_hours=self.business_hours,
        )
