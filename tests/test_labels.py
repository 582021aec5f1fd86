"""Every internal code has a label in both languages, every text exists in both catalogs with the
same placeholders, and nothing a person reads shows a code raw."""

import ast
import json
import string
import typing

import pytest

from support import ROOT

CATALOGS = {
    language: json.loads((ROOT / "templates" / "texts" / f"{language}.json").read_text(encoding="utf-8"))
    for language in ("zh", "en")
}


def _placeholders(value) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(value) if field} if isinstance(value, str) else set()


def test_both_catalogs_have_the_same_texts_and_no_placeholder_the_other_lacks():
    """A language may leave a value out (Chinese says 已完成 without the verb), never ask for one more."""
    assert set(CATALOGS["zh"]) == set(CATALOGS["en"])
    extra = [key for key in CATALOGS["en"] if _placeholders(CATALOGS["zh"][key]) - _placeholders(CATALOGS["en"][key])]
    assert extra == []


def _codes():
    from chalicelib.model import lifecycle, literals
    from chalicelib.sla.escalation import Step

    families = {
        "channel": literals.Channel,
        "type": literals.ComplaintType,
        "severity": literals.Severity,
        "clock": literals.ClockName,
        "unit": literals.DurationUnit,
        "status": lifecycle.Status,
        "step": typing.get_type_hints(Step)["kind"],
    }
    codes = [(family, code) for family, kind in families.items() for code in typing.get_args(kind)]
    codes += [("validity", code) for code in ("valid", "unfounded", "unassessed")]
    codes += [("verb", code) for code in ("acknowledge", "reply", "resolve", "escalate")]
    return codes


@pytest.mark.parametrize("family,code", _codes())
def test_every_code_has_a_label_in_both_languages(family, code):
    from chalicelib.runtime.labels import label

    assert label("en", family, code) and label("zh", family, code) != code


def _calls(name: str, argument: str) -> set[str]:
    """The literal string values given to `argument` (or as the first positional argument) of calls to `name`."""
    found = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                values = [keyword.value for keyword in node.keywords if keyword.arg == argument]
                values += node.args[:1] if argument == "*" else []
                found |= {
                    value.value for value in values if isinstance(value, ast.Constant) and isinstance(value.value, str)
                }
    return found


def test_every_event_kind_written_by_the_code_has_a_label():
    kinds = _calls("Event", "kind") | {"message_not_delivered", "message_suppressed_opt_out"}
    kinds |= {
        f"email_{reason.replace('-', '_')}"
        for reason in ("bounce", "auto-reply", "bulk", "mailing-list", "own-address", "no-sender")
    }
    assert len(kinds) > 20
    missing = sorted(kind for kind in kinds if f"event_{kind}" not in CATALOGS["en"])
    assert missing == []


def test_every_refusal_the_code_raises_says_why_in_both_languages():
    keys = _calls("Refused", "*") | _calls("ExtensionRefused", "*")
    assert {"no_level_above", "extension_cap", "reply_needs_words"} <= keys
    assert sorted(key for key in keys if f"refused_{key}" not in CATALOGS["zh"]) == []


def test_a_refusal_is_said_in_the_reader_language_with_its_codes_labelled():
    from chalicelib.model.lifecycle import InvalidTransition, transition

    with pytest.raises(InvalidTransition) as refused:
        transition("closed", "in_progress")
    assert str(refused.value) == "a case that is closed cannot become in_progress"  # for logs: the codes
    assert refused.value.say("zh") == "处于“已关闭”状态的案件不能变为“处理中”"
    assert refused.value.say("en") == "a case that is Closed cannot become Being handled"


def test_actors_are_named_never_shown_as_ids(institution):
    from chalicelib.runtime.labels import actor

    assert actor("zh", "staff:chen.jing", institution) == institution.staff_member("chen.jing").name
    assert actor("en", "staff:somebody.gone", institution) == "A former member of staff"
    assert actor("zh", "complainant", institution) == "投诉人"
    assert actor("en", "api:website", institution) == "website (API)"
