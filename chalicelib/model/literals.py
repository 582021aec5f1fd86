"""The register's shared vocabularies, in one place: channels, types, severities, clocks, duration
units. Each code has a label in both languages in templates/texts (`channel_<code>`, `severity_<code>`,
`clock_<code>` ...): a code is never shown to a person raw."""

from typing import Literal

Channel = Literal[
    "web",
    "api",
    "sms",
    "voice",
    "email",
    "walk_in",
    "letter",
    "fax",
    "referral",
    "internal_transfer",
]
ComplaintType = Literal["complaint", "suggestion", "inquiry"]
# contact: registered (先受理) but not a complaint - a short hang-up, a text with nothing in it -, with a
# call-back task and no complaint clocks, until details follow
EntryType = Literal["complaint", "suggestion", "inquiry", "contact"]
Severity = Literal["general", "serious", "major", "critical"]
SEVERITIES: tuple[Severity, ...] = ("general", "serious", "major", "critical")  # lowest first
# transfer: a forwarded case's start; message: a complainant's message on a finished case that the
# product could not read as thanks or as dissatisfaction, for the handler to look at (a task);
# callback: a call back owed (a contact that was not a complaint, a follow-up nobody answered)
# review: an appeal (复核) decided one level up the chain, by someone other than the handler
ClockName = Literal["acknowledge", "respond", "resolve", "transfer", "message", "callback", "review"]
TASK_CLOCKS: tuple[ClockName, ...] = ("message", "callback")  # work items: they keep a finished case queued
TASK_OUTCOMES: dict[str, tuple[str, ...]] = {
    "message": ("replied", "nothing_needed"),
    "callback": ("reached", "no_answer", "wrong_number"),
}
CLOCK_NAMES: tuple[ClockName, ...] = ("acknowledge", "respond", "resolve")
DurationUnit = Literal["minutes", "hours", "calendar_days", "working_days", "working_hours"]
