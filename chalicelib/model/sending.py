"""Sending profiles: how texts reach numbers of one country. Which provider sends and receives
there, whether a reply by text can arrive (two-way), the operator-approved templates every text
must match, the daily caps per recipient, the segment limit, the price and the quiet hours. Mainland
China (+86) needs all of it: Twilio's guidelines for China say no two-way SMS, content only from
whitelisted templates, and few texts a day to one number, so mainland numbers go through a domestic
provider (Tencent Cloud SMS) with the templates registered there.

SMS_KINDS lists every kind of text the product sends and the values each offers a template."""

import re
from datetime import time
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from chalicelib.model.policy import Strict, Text
from chalicelib.runtime.language import Language

SmsProvider = Literal["twilio", "tencent"]


class SmsKind(Strict):
    values: tuple[str, ...]  # what a template of this kind may use, by name
    replies: bool = False  # answers or invites a text back: only where two-way SMS works
    one_way: bool = False  # says how to follow up without texting: only where two-way SMS does not work
    free_text: bool = False  # carries staff's own words: only where the operator allows a free variable


SMS_KINDS: dict[str, SmsKind] = {
    # to complainants
    "acknowledgement_sms": SmsKind(values=("institution", "reference", "expected"), replies=True),
    "acknowledgement_sms_one_way": SmsKind(
        values=("institution", "reference", "expected", "link", "hotline"), one_way=True
    ),
    "complainant_signed": SmsKind(values=("institution", "words"), free_text=True),
    "sms_long_text": SmsKind(values=("inst", "reference", "link")),
    "sms_new_message": SmsKind(values=("inst", "reference", "link")),  # staff words, on the status page
    "sms_held_digest": SmsKind(values=("institution", "count", "link")),
    "sms_status": SmsKind(values=("institution", "reference", "status", "expected"), replies=True),
    "sms_added": SmsKind(values=("institution", "reference", "expected"), replies=True),
    "sms_status_responded": SmsKind(values=("institution", "reference", "status", "expected"), replies=True),
    "sms_status_extended": SmsKind(values=("institution", "reference", "status", "expected"), replies=True),
    "sms_status_awaiting": SmsKind(values=("institution", "reference", "status"), replies=True),
    "sms_status_plain": SmsKind(values=("institution", "reference", "status"), replies=True),
    # the result quoted: staff's words
    "sms_status_finished": SmsKind(
        values=("institution", "reference", "status", "date", "outcome"), replies=True, free_text=True
    ),
    "sms_status_not_accepted": SmsKind(
        values=("institution", "reference", "status", "date", "outcome"), replies=True, free_text=True
    ),
    "sms_reopened": SmsKind(values=("institution", "reference", "expected"), replies=True),
    "sms_appeal": SmsKind(values=("institution", "reference", "expected"), replies=True),
    "sms_feedback_thanks": SmsKind(values=("institution", "reference"), replies=True),
    "sms_message_task": SmsKind(values=("institution", "reference", "due"), replies=True),
    "sms_contact_ask": SmsKind(values=("institution",), replies=True),
    "sms_follow_up": SmsKind(values=("institution", "reference"), replies=True),
    "sms_follow_up_link": SmsKind(values=("institution", "reference", "link"), one_way=True),
    "sms_no_case": SmsKind(values=("institution",), replies=True),
    "sms_empty": SmsKind(values=("institution",), replies=True),
    "sms_help": SmsKind(values=("institution", "hotline"), replies=True),
    "sms_start": SmsKind(values=("institution",), replies=True),
    # to staff
    "staff_alert": SmsKind(values=("inst", "count", "reference", "what", "link")),
    "staff_text_case": SmsKind(values=("reference", "link")),
    "staff_text_extension_request": SmsKind(values=("reference", "amount", "unit", "reason", "link")),
    "staff_text_escalation": SmsKind(values=("reference", "asker", "link")),
    "staff_sign_in_text": SmsKind(values=("institution", "link")),  # a one-time sign-in link
    "staff_code_done": SmsKind(values=("reference", "verb"), replies=True),
    "staff_code_refused": SmsKind(values=("reference", "problem"), replies=True),
    "staff_code_help": SmsKind(values=("code",), replies=True),
    "staff_code_help_none": SmsKind(values=(), replies=True),
}
_PLACEHOLDER = re.compile(r"\{(\d+)\}")


class SmsTemplate(Strict):
    """One approved template as registered with the provider: its id, its text as approved (the
    provider's numbered placeholders {1}, {2} ...) and which value fills each placeholder."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    content: str = Field(min_length=1, max_length=500)
    variables: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _placeholders_match_variables(self):
        numbers = sorted({int(n) for n in _PLACEHOLDER.findall(self.content)})
        if numbers != list(range(1, len(self.variables) + 1)):
            raise ValueError(
                f"template {self.id}: its content has placeholders {[f'{{{n}}}' for n in numbers]} "
                f"but {len(self.variables)} variables {list(self.variables)}"
            )
        return self

    def rendered(self, values: dict[str, str]) -> str:
        """The text as the recipient reads it (without the signature the operator puts in front)."""
        return _PLACEHOLDER.sub(lambda m: str(values.get(self.variables[int(m.group(1)) - 1], "")), self.content)


class DailyCap(Strict):
    """Texts one recipient may get per day (their local day) before the operator blocks or reviews."""

    identical: int = Field(ge=1, le=100)
    different: int = Field(ge=1, le=1000)


# Twilio's guidelines for China: three identical texts a day are rejected, five different ones
# trigger a manual review; a margin of one below each.
MAINLAND_CHINA_CAP = DailyCap(identical=2, different=4)


class SendingProfile(Strict):
    country: str = Field(pattern=r"^(\+\d{1,4}|\*)$")  # the calling code numbers start with; * all others
    provider: SmsProvider = "twilio"
    two_way: bool = True  # replies by text arrive (SMS intake, STATUS, reply codes)
    sign_name: Text | None = None  # the signature registered with the operator (【...】)
    templates: dict[str, dict[Language, SmsTemplate]] = Field(default_factory=dict)  # by kind, then language
    free_text: bool = False  # the operator allows staff's own words in a template's variable
    daily_cap: DailyCap | None = None  # default for +86: MAINLAND_CHINA_CAP
    segment_limit: int = Field(default=10, ge=1, le=10)
    price_per_segment: Decimal | None = Field(default=None, ge=0, le=10)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    quiet_hours: tuple[time, time] | None = None  # local [start, end): notices wait; replies do not
    calls: bool = True  # a critical alert may also ring numbers of this country at night (escalation.night_calls)

    @model_validator(mode="before")
    @classmethod
    def _mainland_defaults(cls, data):
        if isinstance(data, dict) and data.get("country") == "+86" and "daily_cap" not in data:
            return {**data, "daily_cap": MAINLAND_CHINA_CAP.model_dump()}
        return data

    @field_validator("templates")
    @classmethod
    def _known_kinds_and_values(cls, templates):
        problems = []
        for kind, by_language in templates.items():
            if kind not in SMS_KINDS:
                problems.append(f"{kind!r} is not a kind of text the product sends ({sorted(SMS_KINDS)})")
                continue
            for language, template in by_language.items():
                unknown = [name for name in template.variables if name not in SMS_KINDS[kind].values]
                if unknown:
                    problems.append(
                        f"{kind}.{language}: variables {unknown} are not values of this kind "
                        f"{list(SMS_KINDS[kind].values)}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return templates

    @property
    def templated(self) -> bool:
        """Every text must match an approved template (the domestic provider's rule)."""
        return self.provider == "tencent"

    def sends(self, kind: str) -> bool:
        """Whether a text of this kind goes to numbers of this country at all."""
        spec = SMS_KINDS[kind]
        by_text = not spec.one_way if self.two_way else not spec.replies
        return by_text and (not self.templated or self.free_text or not spec.free_text)

    def template(self, kind: str | None, language: Language) -> SmsTemplate | None:
        by_language = self.templates.get(kind or "", {})
        return by_language.get(language) or next(iter(by_language.values()), None)

    def missing_templates(self, languages: tuple[Language, ...]) -> list[str]:
        """'kind.language' of every text this profile sends but has no approved template for."""
        if not self.templated:
            return []
        return [
            f"{kind}.{language}"
            for kind in SMS_KINDS
            if self.sends(kind)
            for language in languages
            if language not in self.templates.get(kind, {})
        ]


TWILIO_DEFAULT = SendingProfile(country="*")  # numbers no profile names: Twilio, two-way, no caps


def profile_for(profiles: list[SendingProfile], phone: str | None) -> SendingProfile:
    """The profile of the longest matching calling code, then the "*" one, else Twilio's default."""
    matching = [p for p in profiles if p.country == "*" or (phone and phone.startswith(p.country))]
    return max(matching, key=lambda p: 0 if p.country == "*" else len(p.country), default=TWILIO_DEFAULT)
