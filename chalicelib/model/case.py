"""The complaint register's records: a new complaint as intake builds it, the stored case, its
clocks and its append-only timeline events."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.model.lifecycle import Status
from chalicelib.model.literals import TASK_CLOCKS, Channel, ClockName, DurationUnit, EntryType, Severity
from chalicelib.model.utc import UtcTime
from chalicelib.runtime.language import Language


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Complainant(Record):
    name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    language: Language = "zh"
    anonymous: bool = False

    def contacts(self) -> list[str]:
        return [contact for contact in (self.phone, self.email) if contact]


class Attachment(Record):
    name: str
    content_type: str
    size: int
    location: str  # s3://bucket/key


class RelatedContact(Record):
    """Someone else the case names: the original sender of a forwarded complaint, say."""

    role: Literal["original_sender"]
    name: str | None = None
    email: str | None = None


class NewComplaint(Record):
    """What every channel adapter produces; the intake turns it into a case."""

    channel: Channel
    complainant: Complainant
    description: str = Field(min_length=1)
    type: EntryType = "complaint"
    category: str | None = None
    occurred: str | None = None  # when it happened, as the complainant says it
    location: str | None = None
    subject: str | None = None  # the unit or person complained about
    demands: str | None = None
    severity: Severity = "general"
    group_size: int | None = None  # how many people complain together, when known
    referrer_deadline: UtcTime | None = None  # a referred case carries the referrer's own deadline
    referrer: str | None = None  # who referred it (a regulator, another body), as staff entered it
    attachments: list[Attachment] = []
    related_contacts: list[RelatedContact] = []
    received_on: str | None = None  # the hotline number or mailbox it came in on (routing)
    unit: str | None = None  # the owning unit (归口办理), set at intake by the routing
    repeat_of: str | None = None  # the complainant's earlier case this one follows


class Extension(Record):
    amount: int
    unit: DurationUnit
    reason: str
    approver: str
    at: UtcTime
    previous_due_at: UtcTime


class ExtensionRequest(Record):
    clock: str
    amount: int
    unit: DurationUnit
    reason: str
    requested_by: str
    approver: str  # staff id of the person asked to approve (one level up)
    at: UtcTime


class Clock(Record):
    name: ClockName
    amount: int
    unit: DurationUnit
    started_at: UtcTime
    due_at: UtcTime
    stopped_at: UtcTime | None = None
    paused_at: UtcTime | None = None  # while the case awaits the complainant, where policy allows
    extensions: list[Extension] = []
    # A missed deadline is explained (domain brief section 4): why, and the date now expected.
    explained_at: UtcTime | None = None
    delay_reason: str | None = None
    expected_by: UtcTime | None = None
    round: int = 0  # 1 for the clocks of the first reopening, and so on
    outcome: str | None = None  # a task's, when it was closed

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None

    @property
    def key(self) -> str:
        """What its alert steps are named after: a case may be forwarded more than once, and each
        transfer's clock (and each task) has steps of its own, as do the clocks of a reopening."""
        if self.name in ("transfer", *TASK_CLOCKS):
            return f"{self.name}@{self.started_at:%Y%m%dT%H%M%S}"
        return self.name if not self.round else f"{self.name}~{self.round}"


class FollowUp(Record):
    """The one follow-up question (回访) of a result, and its answer."""

    asked_at: UtcTime
    by: Literal["sms", "link", "callback"]
    answered_at: UtcTime | None = None
    score: int | None = None  # 1-5
    verdict: str | None = None  # model/replies.Verdict
    unanswered: bool = False  # its time ran out


class Person(Record):
    id: str
    name: str
    phone: str


class ChainMember(Record):
    """One level of the escalation chain, copied onto the case when it opens, so later edits of
    the directory do not rewrite escalations in flight."""

    role: str
    primary: Person
    backup: Person | None = None
    on_duty: list[tuple[Person, list[int]]] = []  # (person, weekdays) taking the role out of hours


class Case(NewComplaint):
    reference: str
    status: Status = "received"
    received_at: UtcTime
    assignee: str | None = None
    transcript: str | None = None  # of a voice message, when it arrives
    severity_reasons: list[str] = []
    clocks: list[Clock] = []
    chain: list[ChainMember] = []
    fired: list[str] = []  # alert steps already sent, "<clock>:<step>"
    pending_extension: ExtensionRequest | None = None
    finished_at: UtcTime | None = None  # when it was last resolved or refused
    outcome: str | None = None  # what the complainant was told then: the result, or the reason
    earlier_clocks: list[Clock] = []  # the clocks of the rounds before a reopening, for the reports
    follow_up: FollowUp | None = None  # of the latest result
    version: int = 1

    def clock(self, name: ClockName) -> Clock | None:
        return next((clock for clock in reversed(self.clocks) if clock.name == name), None)  # the latest

    def chain_level(self, staff_id: str | None) -> int | None:
        """The level of the case's chain where this person is the A or B contact, if any."""
        return next(
            (
                index
                for index, member in enumerate(self.chain)
                if staff_id in {member.primary.id, member.backup.id if member.backup else None}
            ),
            None,
        )

    def promised_clock(self) -> Clock | None:
        """The clock of what the complainant is promised next: the response while it is due, then
        the result; a stopped clock promises nothing."""
        for name in ("respond", "resolve"):
            clock = self.clock(name)
            if clock and clock.stopped_at is None:
                return clock
        return None

    def expected_response_by(self) -> datetime | None:
        promised = self.promised_clock()
        return promised.due_at if promised else None

    def extended(self) -> bool:
        """Whether the deadline the complainant is promised was moved by an approved extension."""
        promised = self.promised_clock()
        return bool(promised and promised.extensions)

    def open_tasks(self) -> list[Clock]:
        return [clock for clock in self.clocks if clock.name in TASK_CLOCKS and clock.stopped_at is None]


class Event(Record):
    """One line of a case's timeline. Never updated, never deleted."""

    at: UtcTime
    actor: str  # "complainant", "system", "staff:<id>"
    kind: str
    public: bool = False  # shown to the complainant on the status page
    text: str | None = None
    data: dict[str, Any] = {}

    @classmethod
    def told(cls, at: datetime, actor: str, kind: str, text: str | None, **data: Any) -> "Event":
        """An event the complainant sees on the status page (what they were told, or what happened)."""
        return cls(at=at, actor=actor, kind=kind, public=True, text=text, data=data)
