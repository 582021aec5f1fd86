"""The institution's configuration: what differs between a bank, a hospital and a property
manager lives here, not in code. Validated with pydantic; stored in the table by
`python -m infra sync` and read by the app (cached briefly per container). The policies (clocks,
escalation, severity rules, calendar) are in policy.py."""

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from chalicelib.model.literals import CLOCK_NAMES, SEVERITIES
from chalicelib.model.policy import AfterResolution, CalendarConfig, ClockPolicy, Escalation, SeverityRule, Strict, Text
from chalicelib.model.references import PREFIX_PATTERN
from chalicelib.model.routing import Routing
from chalicelib.model.routing import problems as routing_problems
from chalicelib.model.sending import SendingProfile, profile_for
from chalicelib.runtime.language import Language

__all__ = ["CLOCK_NAMES", "SEVERITIES", "Institution", "Strict", "Text"]


class Category(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name: Text


class IntakePolicy(Strict):
    allow_anonymous: bool = True
    require_contact: bool = False  # some institutions require real contact details
    default_phone_region: str = "CN"
    max_text_chars: int = Field(default=5000, gt=0, le=20000)
    submissions_per_source_per_hour: int = Field(default=10, gt=0)
    # How far back staff may date a complaint they register (a letter that sat in the post room).
    staff_backdate_days: int = Field(default=7, ge=0, le=60)
    # A call shorter than this (or without a recording) is a contact to call back, not a complaint.
    contact_call_seconds: int = Field(default=10, ge=0, le=120)


def e164(value: str | None) -> str | None:
    """A phone number of the config: valid, and written the one way it is compared (E.164)."""
    from chalicelib.model.contacts import InvalidContact, normalise_phone

    if value is None:
        return None
    try:
        normalised = normalise_phone(value)
    except InvalidContact:
        raise ValueError(f"not a valid phone number: {value!r} (write it in E.164, e.g. +8613800138000)") from None
    if normalised != value:
        raise ValueError(f"write phone numbers in E.164: {normalised!r}, not {value!r}")
    return value


class SmsPrice(Strict):
    """What one SMS segment to a number costs (shown to staff as they type)."""

    per_segment: Decimal
    currency: str


class Channels(Strict):
    sms_number: str | None = None  # the hotline's Twilio number, E.164
    # How texts reach each destination country (model/sending.py); the longest calling code applies.
    sms_profiles: list[SendingProfile] = []
    email_address: str | None = None  # the complaint mailbox, also the sender of our emails
    hotline_display: str | None = None  # how the hotline number is written in help texts

    def sms_profile(self, phone: str | None) -> SendingProfile:
        return profile_for(self.sms_profiles, phone)

    def sms_price(self, phone: str | None) -> SmsPrice | None:
        profile = self.sms_profile(phone)
        if profile.price_per_segment is None:
            return None
        return SmsPrice(per_segment=profile.price_per_segment, currency=profile.currency)

    @field_validator("sms_profiles")
    @classmethod
    def _one_profile_per_country(cls, profiles: list[SendingProfile]) -> list[SendingProfile]:
        countries = [profile.country for profile in profiles]
        twice = sorted({country for country in countries if countries.count(country) > 1})
        if twice:
            raise ValueError(f"one profile per country, not several for {twice}")
        return profiles

    @field_validator("sms_number")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164(value)

    @field_validator("email_address")
    @classmethod
    def _mailbox(cls, value: str | None) -> str | None:
        from chalicelib.model.contacts import InvalidContact, normalise_email

        if value is None:
            return None
        try:
            normalise_email(value)
        except InvalidContact:
            raise ValueError(f"not a valid email address: {value!r}") from None
        return value


class Voice(Strict):
    greeting: Text | None = None  # said first, in both languages
    menu: list[str] = Field(default=[], max_length=9)  # category codes offered as keys 1-9
    max_recording_seconds: int = Field(default=300, ge=10, le=3600)
    # Chinese voicemail goes to Amazon Transcribe in this language (Twilio transcribes English
    # only); null turns it off (it is billed per minute).
    transcribe_chinese: Literal["zh-CN", "zh-TW", "zh-HK"] | None = "zh-CN"
    # Twilio transcribes English recordings of up to 120 seconds; longer ones go to Amazon
    # Transcribe in this language (null: not transcribed; staff listen to them).
    transcribe_long_english: Literal["en-US", "en-GB", "en-AU", "en-IN"] | None = "en-US"


class OrgUnit(Strict):
    """A branch, department or office. Every unit has a head: the person a case in that unit
    ultimately answers to."""

    code: str = Field(pattern=r"^[a-z0-9_.-]{1,40}$")
    name: Text
    head: str  # staff id
    parent: str | None = None  # unit code
    handlers: list[str] = []  # staff ids: who handles the unit's cases, A then B (default: its other staff)


class StaffMember(Strict):
    """One person of the staff directory. Texts from their phone are staff commands, never
    complaints."""

    id: str = Field(pattern=r"^[a-z0-9_.-]{1,40}$")
    name: str
    phone: str | None = None
    email: str | None = None
    unit: str | None = None
    language: Language | None = None  # of the texts this person gets; default: the institution's

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164(value)


class Institution(Strict):
    slug: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name: Text
    short_name: Text | None = None  # the sender name in text messages, where space is short
    reference_prefix: str
    default_language: Language = "zh"
    calendar: CalendarConfig = CalendarConfig()
    clocks: ClockPolicy = ClockPolicy()
    after_resolution: AfterResolution = AfterResolution()
    categories: list[Category] = []
    intake: IntakePolicy = IntakePolicy()
    channels: Channels = Channels()
    voice: Voice = Voice()
    units: list[OrgUnit] = []
    routing: Routing | None = None  # which unit owns a case (model/routing.py)
    staff: list[StaffMember] = []
    escalation: Escalation | None = None
    severity_rules: list[SeverityRule] = []
    alert_link_days: int = Field(default=7, gt=0)  # how long a staff link in an alert stays valid
    # The institution's own wording: entries of templates/texts/<language>.json (web form, SMS
    # texts) and whole message templates (templates/messages/<name>.<language>.txt, in Jinja).
    texts: dict[Language, dict[str, str]] = {}
    messages: dict[str, dict[Language, str]] = {}

    @field_validator("reference_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not PREFIX_PATTERN.match(value):
            raise ValueError("reference_prefix must be 2 or 3 capital letters, e.g. CB")
        return value

    @model_validator(mode="after")
    def _unique_categories(self):
        codes = [category.code for category in self.categories]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"categories: duplicate codes {duplicates}")
        return self

    @model_validator(mode="after")
    def _escalation_refers_to_known_people_and_roles(self):
        if self.escalation is None:
            return self
        staff_ids = {member.id for member in self.staff}
        roles = [level.role for level in self.escalation.chain]
        problems = []
        for index, level in enumerate(self.escalation.chain):
            for kind, person in (
                ("primary", level.primary),
                ("backup", level.backup),
                *(("on_duty", duty.staff) for duty in level.on_duty),
            ):
                if person is not None and person not in staff_ids:
                    problems.append(f"escalation.chain.{index}.{kind}: {person!r} is not a staff id")
                elif person is not None and not self.staff_member(person).phone:
                    problems.append(f"escalation.chain.{index}.{kind}: {person!r} has no phone to text")
        for clock in CLOCK_NAMES:
            target = getattr(self.escalation, clock).escalate_to
            if target not in roles:
                problems.append(f"escalation.{clock}.escalate_to: {target!r} is not a role of the chain {roles}")
        if self.escalation.leadership_role not in roles:
            problems.append(
                f"escalation.leadership_role: {self.escalation.leadership_role!r} is not a role of the chain"
            )
        return _checked(self, problems)

    @model_validator(mode="after")
    def _directory_is_consistent(self):
        """Units have heads, staff belong to declared units, one phone per person, one level per role."""
        staff_ids = [member.id for member in self.staff]
        unit_codes = [unit.code for unit in self.units]
        problems = (
            [f"staff: duplicate ids {sorted({i for i in staff_ids if staff_ids.count(i) > 1})}"]
            if len(set(staff_ids)) != len(staff_ids)
            else []
        )
        for index, unit in enumerate(self.units):
            if unit.head not in staff_ids:
                problems.append(
                    f"units.{index}.head: {unit.head!r} is not a staff id (every unit needs a head "
                    "from the staff directory)"
                )
            if unit.parent is not None and unit.parent not in unit_codes:
                problems.append(f"units.{index}.parent: {unit.parent!r} is not a unit code")
            problems += [
                f"units.{index}.handlers: {h!r} is not a staff id" for h in unit.handlers if h not in staff_ids
            ]
        if self.routing:
            problems += routing_problems(self.routing, unit_codes, [category.code for category in self.categories])
        phones = [member.phone for member in self.staff if member.phone]
        shared = sorted({phone for phone in phones if phones.count(phone) > 1})
        if shared:  # a text from that phone could not say who sent it
            problems.append(f"staff: phone numbers used by more than one person {shared}")
        if self.channels.sms_number and self.channels.sms_number in phones:
            problems.append(f"channels.sms_number: {self.channels.sms_number} is also a staff phone")
        if self.escalation:
            roles = [level.role for level in self.escalation.chain]
            if len(set(roles)) != len(roles):
                problems.append(f"escalation.chain: each role once, not {roles}")
        if self.units:
            for index, member in enumerate(self.staff):
                if member.unit is not None and member.unit not in unit_codes:
                    problems.append(
                        f"staff.{index}.unit: {member.unit!r} is not a unit under units (a unit without a head)"
                    )
        return _checked(self, problems)

    @model_validator(mode="after")
    def _own_wording_fits_the_product(self):
        if self.texts or self.messages:
            from chalicelib.runtime.rendering import override_problems

            problems = override_problems(self.texts, self.messages)
            if problems:
                raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _every_text_has_an_approved_template(self):
        """Where the operator allows only approved templates, every kind of text the product sends
        there needs one, in each language complainants and staff may read."""
        languages = ("zh", "en")
        problems = []
        for index, profile in enumerate(self.channels.sms_profiles):
            missing = profile.missing_templates(languages)
            if missing:
                problems.append(
                    f"channels.sms_profiles.{index} ({profile.country}, {profile.provider}): no approved "
                    f"template for {missing}"
                )
            if profile.templated and profile.sign_name is None:
                problems.append(f"channels.sms_profiles.{index}.sign_name: the operator-registered signature")
        return _checked(self, problems)

    @model_validator(mode="after")
    def _voice_menu_categories(self):
        unknown = [code for code in self.voice.menu if self.category(code) is None]
        if unknown:
            raise ValueError(f"voice.menu: {unknown} are not codes under categories")
        return self

    def category(self, code: str | None) -> Category | None:
        return next((category for category in self.categories if category.code == code), None)

    def unit(self, code: str | None) -> OrgUnit | None:
        return next((unit for unit in self.units if unit.code == code), None)

    def unit_line(self, code: str | None) -> list[OrgUnit]:
        """The unit and its parents, up to the top (a parent cycle ends it)."""
        line: list[OrgUnit] = []
        unit = self.unit(code)
        while unit is not None and unit not in line:
            line.append(unit)
            unit = self.unit(unit.parent)
        return line

    def unit_handlers(self, unit: OrgUnit) -> list[str]:
        """The unit's handlers, A then B: as configured, else its staff other than the head."""
        return unit.handlers or [m.id for m in self.staff if m.unit == unit.code and m.id != unit.head]

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return next((member for member in self.staff if member.id == staff_id), None)

    def staff_language(self, staff_id: str) -> Language:
        member = self.staff_member(staff_id)
        return (member.language if member else None) or self.default_language

    def staff_with_phone(self, phone: str) -> StaffMember | None:
        return next((member for member in self.staff if member.phone == phone), None)

    def sms_name(self, language: Language) -> str:
        return (self.short_name or self.name).in_(language)


def _checked(institution: "Institution", problems: list[str]) -> "Institution":
    """A cross-check's end: every problem found, each as 'field.path: what is wrong', or the config."""
    if problems:
        raise ValueError("; ".join(problems))
    return institution
