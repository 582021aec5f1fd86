"""The boundary model for complaints typed by people: the web form and the JSON API share it, so
both apply the same rules. Errors carry a message key per field, translated by the page."""

from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.model.case import Complainant, NewComplaint
from chalicelib.model.contacts import InvalidContact, normalise_email, normalise_phone
from chalicelib.model.institution import Institution
from chalicelib.model.literals import ComplaintType
from chalicelib.runtime.language import Language, choose, from_text

SHORT_FIELD_CHARS = 500
MIN_HAN_CHARS, MIN_OTHER_CHARS = 2, 5  # the shortest description that can say what happened
NAME_CHARS = 100

# pydantic's own error types -> our message keys (see templates/texts/*.json, "error_<key>")
_ERROR_KEYS = {
    "missing": "required",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "literal_error": "choice_invalid",
    "bool_parsing": "choice_invalid",
}


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=MIN_HAN_CHARS)  # and 5 unless it is Chinese: _says_something
    type: ComplaintType = "complaint"
    category: str | None = None
    occurred: str | None = Field(None, max_length=SHORT_FIELD_CHARS)
    location: str | None = Field(None, max_length=SHORT_FIELD_CHARS)
    subject: str | None = Field(None, max_length=SHORT_FIELD_CHARS)
    demands: str | None = None
    name: str | None = Field(None, max_length=NAME_CHARS)
    phone: str | None = None
    email: str | None = None
    language: Language | None = None
    anonymous: bool = False
    group_size: int | None = Field(None, ge=1, le=100_000)  # how many people complain together

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("description")
    @classmethod
    def _says_something(cls, value: str) -> str:
        """Chinese says much in few characters ("被扣费" is a complaint); other scripts need 5."""
        han = any("\u3400" <= ch <= "\u9fff" for ch in value)
        if len(value.strip()) < (MIN_HAN_CHARS if han else MIN_OTHER_CHARS):
            raise PydanticCustomError("string_too_short", "too short")
        return value

    @field_validator("description", "demands")
    @classmethod
    def _long_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        limit = _institution(info).intake.max_text_chars
        if value is not None and len(value) > limit:
            raise PydanticCustomError("too_long", "at most {max} characters", {"max": limit})
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        return (
            _contact(lambda: normalise_phone(value, _institution(info).intake.default_phone_region)) if value else None
        )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return _contact(lambda: normalise_email(value)) if value else None

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and _institution(info).category(value) is None:
            raise PydanticCustomError("category_unknown", "not one of the institution's categories")
        return value

    @model_validator(mode="after")
    def _identity_rules(self, info: ValidationInfo):
        intake = _institution(info).intake
        if self.anonymous and not intake.allow_anonymous:
            raise _field_error("anonymous", "anonymous_not_allowed")
        if intake.require_contact and not (self.phone or self.email):
            raise _field_error("phone", "contact_required")
        return self

    def to_new_complaint(self, channel: str, page_language: Language, default: Language) -> NewComplaint:
        language = choose(self.language, from_text(self.description), page_language, default=default)
        return NewComplaint(
            channel=channel,
            complainant=Complainant(
                name=self.name, phone=self.phone, email=self.email, language=language, anonymous=self.anonymous
            ),
            **self.model_dump(
                include={"description", "type", "category", "occurred", "location", "subject", "demands", "group_size"}
            ),
        )


STAFF_CHANNELS = ("walk_in", "letter", "fax", "referral")


class StaffRegistration(Submission):
    """A complaint staff register on someone's behalf: how it came, when it was accepted (local time,
    as entered: not in the future, at most `intake.staff_backdate_days` back), who referred it and
    by when the referrer wants it settled (that day's end, local), and whether to acknowledge it."""

    channel: Literal["walk_in", "letter", "fax", "referral"]
    accepted_at: str = Field(max_length=40)
    referrer: str | None = Field(None, max_length=SHORT_FIELD_CHARS)
    referrer_deadline: str | None = Field(None, max_length=40)
    acknowledge: bool = True
    _zone: str = PrivateAttr(default="UTC")

    @property
    def accepted(self) -> datetime:
        return _local_moment(self.accepted_at, self._zone)

    @field_validator("accepted_at")
    @classmethod
    def _accepted_in_range(cls, value: str, info: ValidationInfo) -> str:
        institution, now = _institution(info), info.context["now"]
        try:
            accepted = _local_moment(value, institution.calendar.timezone)
        except ValueError:
            raise PydanticCustomError("datetime_invalid", "not a date and time") from None
        if accepted > now:
            raise PydanticCustomError("accepted_in_future", "in the future")
        if accepted < now - timedelta(days=institution.intake.staff_backdate_days):
            raise PydanticCustomError("accepted_too_early", "too far back")
        return value

    @field_validator("referrer_deadline")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        try:
            return datetime.strptime(value, "%Y-%m-%d").date().isoformat() if value else None
        except ValueError:
            raise PydanticCustomError("date_invalid", "not a date") from None

    @model_validator(mode="after")
    def _referral(self, info: ValidationInfo):
        self._zone = _institution(info).calendar.timezone
        if self.channel == "referral" and not self.referrer:
            raise _field_error("referrer", "referral_needs_referrer")
        if self.referrer_deadline and self._deadline() < self.accepted:
            raise _field_error("referrer_deadline", "deadline_before_acceptance")
        return self

    def _deadline(self) -> datetime:
        day = datetime.strptime(self.referrer_deadline, "%Y-%m-%d").date()
        return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(self._zone))

    def to_new_complaint(self, channel: str, page_language: Language, default: Language) -> NewComplaint:
        complaint = super().to_new_complaint(channel, page_language, default)
        deadline = self._deadline() if self.referrer_deadline else None
        return complaint.model_copy(update={"referrer": self.referrer, "referrer_deadline": deadline})


def _local_moment(text: str, zone: str) -> datetime:
    """ "2026-11-23T09:30" (a datetime-local field) in the institution's zone -> an aware datetime."""
    moment = datetime.strptime(text.strip()[:16], "%Y-%m-%dT%H:%M")
    return moment.replace(tzinfo=ZoneInfo(zone))


def _field_error(field: str, key: str) -> PydanticCustomError:
    return PydanticCustomError("field_rule", "{field}: {key}", {"field": field, "key": key})


def _contact(parse) -> str:
    try:
        return parse()
    except InvalidContact as error:
        raise PydanticCustomError(error.message_key, error.message_key) from None


def _institution(info: ValidationInfo) -> Institution:
    return info.context["institution"]


class Rejected(Exception):
    """A submission that breaks the rules: per field, a message key and its values."""

    def __init__(self, fields: dict[str, tuple[str, dict]], unknown: list[str]):
        super().__init__(f"invalid fields {sorted(fields)}; unknown fields {unknown}")
        self.fields, self.unknown = fields, unknown


def validate_registration(data: dict, institution: Institution, now: datetime) -> StaffRegistration:
    return validate_submission(data, institution, StaffRegistration, now)


def validate_submission(data: dict, institution: Institution, model=Submission, now: datetime | None = None):
    try:
        return model.model_validate(data, context={"institution": institution, "now": now})
    except ValidationError as error:
        fields: dict[str, tuple[str, dict]] = {}
        unknown: list[str] = []
        for problem in error.errors():
            context = problem.get("ctx") or {}
            if problem["type"] == "extra_forbidden":
                unknown.append(str(problem["loc"][0]))
            elif problem["type"] == "field_rule":
                fields.setdefault(context["field"], (context["key"], {}))
            else:
                field = str(problem["loc"][0]) if problem["loc"] else "description"
                key = _ERROR_KEYS.get(problem["type"], problem["type"])
                if problem.get("input") is None and problem["type"].endswith("_type"):
                    key = "required"  # a blank required field arrives as None
                values = {"max": context["max_length"]} if "max_length" in context else context
                fields.setdefault(field, (key, values))
        raise Rejected(fields, sorted(unknown)) from None
