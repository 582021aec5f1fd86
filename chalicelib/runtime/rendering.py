"""Pages and message texts from `templates/`, in Chinese and English. Jinja2 with autoescape:
every page escapes what it shows. Jinja2 is imported on first use, not at cold start."""

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from chalicelib.runtime.language import Language

_HERE = Path(__file__).resolve().parent.parent  # chalicelib/
# templates/ sits beside chalicelib/ in the repository and in the deployment zip: Chalice deploys
# only app.py, chalicelib/ and vendor/, and vendor/templates is a link to ../templates whose
# contents Chalice puts at the root of the zip.
TEMPLATE_DIRS = [_HERE.parent / "templates"]
# The institution's own wording (config `texts` and `messages`), installed when its config loads;
# one institution per stack, so one set per container.
_overrides: dict = {"texts": {}, "messages": {}}


def use_overrides(texts: dict, messages: dict) -> None:
    _overrides.update(texts=texts, messages=messages)


@cache
def _catalog(language: Language) -> dict:
    for directory in TEMPLATE_DIRS:
        path = directory / "texts" / f"{language}.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no texts for language {language!r} in {TEMPLATE_DIRS}")


class Rendered(str):
    """A text as rendered, which still knows its catalog key and the values that filled it: a
    provider that may send only approved templates sends the template of that kind with those
    values. A text made of several (joined, cut) is a plain str again and has no kind."""

    kind: str
    values: dict[str, str]
    language: Language

    def __new__(cls, value: str, kind: str, values: dict, language: Language):
        rendered = super().__new__(cls, value)
        rendered.kind, rendered.values = kind, {name: str(v) for name, v in values.items()}
        rendered.language = language
        return rendered

    def __reduce__(self):  # copies (boto3 deep-copies what it writes) keep what the text knows
        return (Rendered, (str(self), self.kind, self.values, self.language))


def text(language: Language, key: str, **values) -> Rendered:
    template = _overrides["texts"].get(language, {}).get(key) or _catalog(language).get(key)
    if template is None:
        raise KeyError(f"text {key!r} missing for language {language!r}")
    return Rendered(template.format(**values) if values else template, key, values, language)


def local_time(
    moment: datetime, timezone: str, language: Language, short: bool = False, with_zone: bool = False
) -> str:
    """To the minute, with the weekday, in the institution's zone (as the register requires).
    The short form, for text messages, leaves out the year; `with_zone` names the zone's offset,
    for a reader who may not live in it ("10:00 (UTC+8)")."""
    local = moment.astimezone(ZoneInfo(timezone))
    weekday = _catalog(language)["weekdays"][local.weekday()]
    if language == "zh":
        day = f"{local.month}月{local.day}日" if short else f"{local.year}年{local.month}月{local.day}日 "
        shown = f"{day}{weekday} {local:%H:%M}" if not short else f"{day}{local:%H:%M}"
    else:
        shown = f"{weekday} {local.day} {local:%b %H:%M}" if short else f"{weekday} {local.day} {local:%b %Y %H:%M}"
    return text(language, "time_with_zone", time=shown, offset=_offset(local)) if with_zone else shown


def _offset(local: datetime) -> str:
    minutes = int(local.utcoffset().total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def duration_parts(amount: timedelta, late: bool = False) -> tuple[int, int, int]:
    """(days, hours, minutes) in the two largest units that apply: days and hours from a day on, hours
    and minutes from an hour on, else minutes. Time left is rounded down (never promise more than is
    left), time late rounded up (never say less than it is), at the precision shown."""
    seconds = max(amount.total_seconds(), 0)
    step = 3600 if seconds >= 86400 else 60
    units = (-(-seconds // step) if late else seconds // step) * step  # rounded to whole hours or minutes
    minutes = int(units // 60)
    return minutes // 1440, minutes % 1440 // 60, minutes % 60 if minutes < 1440 else 0


def is_now(amount: timedelta, late: bool = False) -> bool:
    """Whether the time shows as nothing at all: at the deadline itself ("due now", never "0 min late")."""
    return duration_parts(amount, late) == (0, 0, 0)


def duration_text(language: Language, amount: timedelta, late: bool = False) -> str:
    """ "2d 3h", "1h 55min", "40min" (or 2天3小时, 1小时55分, 40分钟): how long until, or since, a deadline."""
    days, hours, minutes = duration_parts(amount, late)
    if days:
        return text(language, "duration_days_hours", days=days, hours=hours)
    if hours:
        if minutes:
            return text(language, "duration_hours_minutes", hours=hours, minutes=minutes)
        return text(language, "duration_hours", hours=hours)
    return text(language, "duration_minutes", minutes=minutes)


@cache
def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in TEMPLATE_DIRS]),
        # Pages are HTML and always escaped; message bodies (.txt) are plain text for SMS/email.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_page(name: str, language: Language, **context) -> str:
    def t(key: str, **values) -> str:
        return text(language, key, **values)

    return _environment().get_template(f"pages/{name}.html").render(lang=language, t=t, **context)


@cache
def page_script(name: str) -> tuple[str, str]:
    """(source, CSP source expression) of a script in templates/scripts: pages allow exactly the
    scripts they inline, by hash, and nothing else."""
    import base64
    import hashlib

    source = next(path / "scripts" / name for path in TEMPLATE_DIRS if (path / "scripts" / name).exists()).read_text(
        encoding="utf-8"
    )
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    return source, f"'sha256-{digest}'"


@cache
def _sandboxed():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_message(template: str, language: Language, **context) -> str:
    """A message body (SMS or email text): plain text, so nothing is HTML-escaped, and trimmed.
    An institution's own version (config `messages`) renders in Jinja's sandbox."""
    custom = _overrides["messages"].get(template, {}).get(language)
    if custom:
        return Rendered(render_custom(custom, **context), template, context, language)
    body = _environment().get_template(f"messages/{template}.{language}.txt").render(**context).strip()
    return Rendered(body, template, context, language)


def render_custom(body: str, **context) -> str:
    return _sandboxed().from_string(body).render(**context).strip()


def override_problems(texts: dict, messages: dict) -> list[str]:
    """What is wrong with an institution's own wording, as 'field.path: problem' lines: a text
    must replace one the product has and use the same placeholders; a message must be valid
    Jinja, use only the variables the product's version gets, and keep the reference."""
    import string

    problems = []

    def placeholders(value: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(value) if field}

    for language, entries in texts.items():
        catalog = _catalog(language)
        for key, value in entries.items():
            where = f"texts.{language}.{key}"
            if key not in catalog or not isinstance(catalog[key], str):
                problems.append(f"{where}: not a text of the product (see templates/texts/{language}.json)")
                continue
            try:
                used = placeholders(value)
            except ValueError as error:
                problems.append(f"{where}: {error} (write {{{{ and }}}} for a literal brace)")
                continue
            if used != placeholders(catalog[key]):
                problems.append(
                    f"{where}: must use exactly the placeholders "
                    f"{sorted('{' + name + '}' for name in placeholders(catalog[key]))}"
                )
    if messages:
        from jinja2 import TemplateSyntaxError, meta

        for name, versions in messages.items():
            for language, body in versions.items():
                where = f"messages.{name}.{language}"
                default = next(
                    (
                        directory / "messages" / f"{name}.{language}.txt"
                        for directory in TEMPLATE_DIRS
                        if (directory / "messages" / f"{name}.{language}.txt").exists()
                    ),
                    None,
                )
                if default is None:
                    available = sorted(
                        {
                            path.name.split(".")[0]
                            for directory in TEMPLATE_DIRS
                            for path in (directory / "messages").glob("*.txt")
                        }
                    )
                    problems.append(f"{where}: not a message of the product (one of {available})")
                    continue
                allowed = meta.find_undeclared_variables(_sandboxed().parse(default.read_text(encoding="utf-8")))
                try:
                    used = meta.find_undeclared_variables(_sandboxed().parse(body))
                except TemplateSyntaxError as error:
                    problems.append(f"{where}: not a valid template: {error.message} (line {error.lineno})")
                    continue
                if used - allowed:
                    problems.append(
                        f"{where}: unknown variables {sorted(used - allowed)} (available: {sorted(allowed)})"
                    )
                if "reference" in allowed and "reference" not in used:
                    problems.append(f"{where}: must include {{{{ reference }}}}: the complainant needs the number")
    return problems
