"""What the case page shows, as a person reads it: every fact the register records about a case
(no raw codes - statuses, severities, channels, units, roles and staff ids become labels and
names), its deadlines with the time left, its chain, its files, its timeline, and which actions
still apply in its state, the primary one first. Pure: the case, its timeline and the directory
in, a dict for the template out."""

from datetime import datetime

from chalicelib.model.case import Case, Event
from chalicelib.model.institution import Institution
from chalicelib.model.lifecycle import is_open
from chalicelib.notify.complainant import status_url
from chalicelib.notify.segments import MAX_NUMBERED_TEXTS, segments
from chalicelib.runtime import labels
from chalicelib.runtime.language import Language
from chalicelib.runtime.logs import mask_email, mask_phone
from chalicelib.runtime.rendering import duration_text, is_now, local_time, page_script, text
from chalicelib.staff import actions as case_actions

# The primary action comes first, the others folded below it. In the order a case needs them.
ACTION_ORDER = ("close_task", "decide_extension", "acknowledge", "explain_delay", "reply", "resolve")
FOLDED = ("note", "request_extension", "transfer", "reassign", "severity", "not_accept", "reopen")


def offered_actions(case: Case, viewer: str, now: datetime) -> list[str]:
    """The actions that apply to the case in its state, for this viewer, the primary one first.
    A closed, resolved or refused case offers reopening and a note - and, while the complainant's
    message after it waits (a task), closing the task and a reply first; acknowledging only while
    its clock runs."""
    if not is_open(case.status):
        return ["close_task", "reply", "note", "reopen"] if case.open_tasks() else ["note", "reopen"]
    if case.type == "contact":  # not a complaint (yet): the call back, a text, a note
        return ["close_task", "reply", "note"] if case.open_tasks() else ["reply", "note"]
    acknowledge = case.clock("acknowledge")
    pending = case.pending_extension
    applies = {
        "decide_extension": pending is not None and pending.approver == viewer,
        "acknowledge": acknowledge is not None and acknowledge.stopped_at is None,
        "explain_delay": bool(case_actions.missed_clocks(case, now)),
        "reply": True,
        "resolve": True,
        "note": True,
        "request_extension": pending is None,
        "transfer": True,
        "reassign": True,
        "severity": True,
        "not_accept": True,
        "close_task": False,  # tasks arise on finished cases only (above)
        "reopen": False,
    }
    order = list(ACTION_ORDER)
    respond = case.clock("respond")
    if respond is not None and respond.stopped_at is not None:  # answered: resolving is what is left
        order.remove("resolve")
        order.insert(order.index("reply"), "resolve")
    return [action for action in (*order, *FOLDED) if applies[action]]


def clock_lines(
    case: Case, institution: Institution, language: Language, now: datetime, running_only: bool = False
) -> list[dict]:
    """Each clock (or, for a list of cases, each one still running) with its deadline and state."""
    zone = institution.calendar.timezone
    lines = []
    for clock in (clock for clock in case.clocks if clock.running or not running_only):
        if clock.stopped_at:
            state, late = text(language, "staff_stopped"), False
        elif clock.paused_at:
            state, late = text(language, "staff_paused"), False
        elif is_now(clock.due_at - now) and is_now(now - clock.due_at, late=True):
            state, late = text(language, "staff_due_now"), False
        elif clock.due_at > now:  # calendar time until the deadline, which is what a person plans by
            state, late = text(language, "staff_left", time=duration_text(language, clock.due_at - now)), False
        else:
            late = True
            state = text(language, "staff_overdue", time=duration_text(language, now - clock.due_at, late=True))
        if clock.explained_at:  # every level sees why it was missed and the date now expected
            state += "; " + text(
                language,
                "staff_explained",
                reason=clock.delay_reason,
                expected=local_time(clock.expected_by, zone, language),
            )
        lines.append(
            {
                "name": text(language, f"clock_{clock.name}"),
                "due": local_time(clock.due_at, zone, language),
                "state": state,
                "late": late,
            }
        )
    return lines


def details(case: Case, institution: Institution, language: Language) -> list[tuple[str, str]]:
    """(label, value) for each fact the case records, in the order a handler reads them; empty ones left out."""
    zone = institution.calendar.timezone
    category = institution.category(case.category)
    reasons = []
    for reason in case.severity_reasons:  # "<rule name> -> <level>", as the severity rules recorded it
        rule, _, level = reason.rpartition(" -> ")
        reasons.append(
            text(language, "staff_severity_rule", rule=rule, level=labels.label(language, "severity", level))
        )
    severity = labels.label(language, "severity", case.severity)
    rows = [
        ("staff_status", labels.label(language, "status", case.status)),
        ("staff_severity", f"{severity} ({'; '.join(reasons)})" if reasons else severity),
        ("staff_channel", labels.label(language, "channel", case.channel)),
        ("staff_type", labels.label(language, "type", case.type)),
        ("staff_category", category.name.in_(language) if category else text(language, "staff_no_category")),
        ("confirm_received", local_time(case.received_at, zone, language)),
        ("staff_occurred", case.occurred or ""),
        ("staff_location", case.location or ""),
        ("staff_subject", case.subject or ""),
        ("staff_demands", case.demands or ""),
        ("staff_group_size", str(case.group_size) if case.group_size else ""),
        (
            "staff_referrer_deadline",
            local_time(case.referrer_deadline, zone, language) if case.referrer_deadline else "",
        ),
        ("staff_referrer", case.referrer or ""),
        ("staff_repeat_of", case.repeat_of or ""),
        ("staff_unit", labels.org_unit(language, case.unit, institution)),
        ("staff_assignee", labels.person(language, case.assignee, institution)),
    ]
    return [(text(language, key), value) for key, value in rows if value]


def outcome(events: list[Event], institution: Institution, language: Language) -> list[tuple[str, str]]:
    """The resolution's findings (or the refusal's reason) once saved, from the latest outcome event."""
    ended = next((event for event in reversed(events) if event.kind in ("resolved", "not_accepted")), None)
    if ended is None:
        return []
    findings = ended.data
    rows = [
        ("staff_outcome_" + ended.kind, ended.text or ""),
        (
            "staff_validity",
            labels.label(language, "validity", findings["validity"]) if findings.get("validity") else "",
        ),
        ("staff_cause", findings.get("cause", "")),
        ("staff_corrective", findings.get("corrective_action", "")),
        ("staff_compensation", findings.get("compensation", "")),
        ("staff_outcome_by", labels.actor(language, ended.actor, institution)),
    ]
    return [(text(language, key), value) for key, value in rows if value]


def chain_lines(case: Case, institution: Institution, language: Language) -> list[dict]:
    return [
        {
            "role": labels.role(language, member.role, institution),
            "primary": member.primary.name,
            "backup": member.backup.name if member.backup else "",
        }
        for member in case.chain
    ]


def attachment_lines(case: Case, language: Language, file_url) -> list[dict]:
    """Each file the complainant sent: pictures shown, recordings playable, the rest to open.
    `file_url(index)` is the route that checks the viewer's scope before it signs the file's URL."""
    lines = []
    for index, attachment in enumerate(case.attachments):
        kind = attachment.content_type.split("/")[0]
        lines.append(
            {
                "name": attachment.name,
                "kind": kind if kind in ("image", "audio") else "file",
                "url": file_url(index),
                "size": text(language, "staff_file_size", kb=max(1, round(attachment.size / 1024)))
                if attachment.size
                else "",
            }
        )
    return lines


def complainant_view(case: Case, language: Language, revealed: bool) -> dict:
    """Who complained, contacts masked until the viewer asks to see them (recorded on the timeline)."""
    person = case.complainant
    phone, email = person.phone, person.email
    return {
        "name": text(language, "staff_anonymous") if person.anonymous else (person.name or ""),
        "phone": phone if revealed else mask_phone(phone),
        "email": email if revealed else mask_email(email),
        "tel": phone if revealed and phone else None,
        "language": text(language, f"language_name_{person.language}"),
        "revealed": revealed,
        "has_contact": bool(phone or email),
    }


def timeline(events: list[Event], institution: Institution, language: Language) -> list[dict]:
    zone = institution.calendar.timezone
    return [
        labels.timeline_entry(language, event, institution, local_time(event.at, zone, language)) for event in events
    ]


def reply_meter(institution: Institution, base_url: str, case: Case, language: Language) -> dict | None:
    """What the reply box needs to show the length, SMS segments and cost of a reply as the
    complainant will receive it (signed, in their language); None when they have no phone."""
    if not case.complainant.phone:
        return None
    theirs = case.complainant.language
    prefix, suffix = text(theirs, "complainant_signed", institution=institution.sms_name(theirs), words="\0").split(
        "\0"
    )
    link_text = text(
        theirs,
        "sms_long_text",
        inst=institution.sms_name(theirs),
        reference=case.reference,
        link=status_url(base_url, case.reference),
    )
    price = institution.channels.sms_price(case.complainant.phone)
    placeholders = {"length": "{length}", "segments": "{segments}", "cost": "{cost}"}
    profile = institution.channels.sms_profile(case.complainant.phone)
    # Where operators take only approved texts without free words, every reply goes as the link text.
    linked_only = profile.templated and not profile.sends("complainant_signed")
    if linked_only:
        template = profile.template("sms_new_message", theirs)
        link_text = f"【{profile.sign_name.in_(theirs)}】" + template.rendered(dict(link_text.values))
    long_key = "staff_meter_template" if linked_only else "staff_meter_long"
    return {
        "prefix": prefix,
        "suffix": suffix,
        "most": 0 if linked_only else MAX_NUMBERED_TEXTS,
        "rule": text(
            language, "staff_meter_rule_template" if linked_only else "staff_meter_rule", most=MAX_NUMBERED_TEXTS
        ),
        "link_segments": segments(link_text),
        "price": str(price.per_segment) if price else "",
        "currency": price.currency if price else "",
        "short": text(language, "staff_meter", **placeholders),
        "long": text(language, long_key, most=MAX_NUMBERED_TEXTS, **placeholders),
        "no_price": text(language, "staff_meter_no_price"),
        "script": page_script("reply_meter.js"),
    }
