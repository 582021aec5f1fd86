"""Labels for the internal codes, so that no person ever reads one raw: statuses, severities, clock
names, channels, types, validity, duration units, event kinds, actors (`staff:<id>` becomes the
person's name), roles and organisational units (the institution's own names). Each code family has
entries `<family>_<code>` in every text catalog; tests check that every code has one."""

from collections.abc import Mapping

from chalicelib.runtime.language import Language
from chalicelib.runtime.rendering import text


class Code(str):
    """A code value inside a message: shown as its label, logged as the code itself."""

    family: str

    def __new__(cls, family: str, value: str):
        code = super().__new__(cls, value)
        code.family = family
        return code


def label(language: Language, family: str, code: str) -> str:
    return text(language, f"{family}_{code}")


def labelled(language: Language, values: Mapping) -> dict:
    """Values for a text, with every Code replaced by its label."""
    return {
        name: label(language, value.family, value) if isinstance(value, Code) else value
        for name, value in values.items()
    }


def actor(language: Language, who: str, institution) -> str:
    """ "complainant", "system", "api:<client>", "staff:<id>" -> what a person reads."""
    if who.startswith("staff:"):
        member = institution.staff_member(who.removeprefix("staff:"))
        return member.name if member else text(language, "actor_former_staff")
    if who.startswith("api:"):
        return text(language, "actor_api", client=who.removeprefix("api:"))
    return text(language, f"actor_{who}")


def person(language: Language, staff_id: str | None, institution) -> str:
    return actor(language, f"staff:{staff_id}", institution) if staff_id else ""


def role(language: Language, role_code: str, institution) -> str:
    chain = institution.escalation.chain if institution.escalation else []
    return next((level.name.in_(language) for level in chain if level.role == role_code), text(language, "role_other"))


def org_unit(language: Language, unit_code: str | None, institution) -> str:
    unit = next((unit for unit in institution.units if unit.code == unit_code), None)
    return unit.name.in_(language) if unit else ""


def event_detail(language: Language, kind: str, data: Mapping, institution) -> str | None:
    """What a system event says beyond its label, from the facts it records (no stored prose)."""
    if kind == "alert" and data.get("step_kind"):
        return text(
            language,
            "event_alert_detail",
            step=text(language, f"step_{data['step_kind']}"),
            clock=label(language, "clock", data["clock"]),
            person=person(language, data.get("to"), institution),
            role=role(language, data.get("role", ""), institution),
        )
    if kind == "escalated" and data.get("to"):
        return text(
            language,
            "event_escalated_detail",
            person=person(language, data["to"], institution),
            role=role(language, data.get("role", ""), institution),
        )
    if kind == "reassigned" and data.get("to"):
        return text(
            language,
            "event_reassigned_detail",
            before=person(language, data.get("from"), institution),
            after=person(language, data["to"], institution),
        )
    if kind == "severity_changed" and data.get("to"):
        return text(
            language,
            "event_severity_detail",
            before=label(language, "severity", data["from"]),
            after=label(language, "severity", data["to"]),
        )
    if kind == "calendar_unpublished":
        return text(language, "event_calendar_unpublished_detail", years=", ".join(map(str, data.get("years", []))))
    if kind in ("message_not_delivered", "message_suppressed_opt_out") and data.get("channel"):
        return text(language, "event_channel_detail", channel=label(language, "channel", data["channel"]))
    return None


def timeline_entry(language: Language, event, institution, local_time: str) -> dict:
    """One line of a case's history as a person reads it: when, who, what, and the words."""
    return {
        "at": local_time,
        "actor": actor(language, event.actor, institution),
        "kind": label(language, "event", event.kind),
        "detail": event_detail(language, event.kind, event.data, institution),
        "text": event.text,
    }
