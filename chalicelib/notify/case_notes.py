"""What happened to a message, on the timeline of every case it names (its lead case and, for a
bundled alert, the others): not reached, opted out, held over a daily cap, folded. May import store,
model, runtime."""

from datetime import datetime

from chalicelib.model.case import Event
from chalicelib.model.message import OutboundMessage
from chalicelib.runtime.dependencies import Dependencies
from chalicelib.runtime.rendering import text


def note_on_cases(
    deps: Dependencies,
    message: OutboundMessage,
    now: datetime,
    kind: str,
    detail_key: str | None = None,
    **details: str,
) -> None:
    """The page labels the kind; the provider's own words, if any (`detail_key`), are the event's
    text, in the institution's language."""
    words = text(deps.institution.default_language, detail_key, **details) if detail_key else None
    for reference in dict.fromkeys(
        [*([message.case_reference] if message.case_reference else []), *message.case_references]
    ):
        deps.store.cases.append_event(
            reference,
            Event(
                at=now,
                actor="system",
                kind=kind,
                text=words,
                data={"message_id": message.id, "channel": message.channel, **details},
            ),
        )
