"""Reading an institution's config file, with errors that name the file, the field path and what
was expected."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from chalicelib.model.institution import Institution
from chalicelib.notify.complainant import acknowledgement_length_problems

from .deployment import Deployment

INSTITUTIONS_DIR = Path(__file__).resolve().parent / "institutions"
FIELD_PATH = re.compile(r"^[a-z_][a-z0-9_.]*$")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class InstitutionFile:
    path: Path
    institution: Institution
    deployment: Deployment


def path_for(slug_or_path: str) -> Path:
    candidate = Path(slug_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    return INSTITUTIONS_DIR / f"{slug_or_path}.yaml"


def load(slug_or_path: str) -> Institution:
    return load_file(slug_or_path).institution


def load_file(slug_or_path: str) -> InstitutionFile:
    path = path_for(slug_or_path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    deployment_section = document.pop("deployment", None) or {}
    problems = []
    try:
        institution = Institution.model_validate(document)
        problems = acknowledgement_length_problems(institution)
    except ValidationError as error:
        institution, problems = None, _describe(error, ())
    try:
        deployment = Deployment.model_validate(deployment_section)
    except ValidationError as error:
        problems += _describe(error, ("deployment",))
    if problems:
        raise ConfigError("\n".join([f"{path}: {len(problems)} problem(s)", *(f"  {line}" for line in problems)]))
    try:
        return InstitutionFile(path, with_country_holidays(institution), deployment)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def _describe(error: ValidationError, prefix: tuple) -> list[str]:
    """One line per problem: the field path, then what was expected. Cross-checks that span
    fields report 'path: message; path: message', which becomes one line each."""
    lines = []
    for problem in error.errors():
        where = [str(part) for part in (*prefix, *problem["loc"])]
        if problem["type"] == "missing":
            lines.append(f"{'.'.join(where)}: Field required (missing)")
            continue
        message = problem["msg"].removeprefix("Value error, ")
        got = problem.get("input")
        shown = (
            f" (got {got!r})" if isinstance(got, (str, int, float, bool)) and problem["type"] != "value_error" else ""
        )
        for part in message.split("; "):
            field, colon, text = part.partition(": ")
            if colon and FIELD_PATH.match(field):
                lines.append(f"{'.'.join([*where, field]) if where else field}: {text}")
            else:
                lines.append(f"{'.'.join(where) or '(top level)'}: {part}{shown}")
    return lines


def with_country_holidays(institution: Institution, years_ahead: int = 2) -> Institution:
    """`calendar.country` (any country the `holidays` package knows) becomes explicit dates in
    `calendar.holidays`, here on the admin side, so the deployed functions never load that package.
    Dates already listed stay; `make_up_workdays` still win over holidays. The years are
    `calendar.years` when given, else last year to two years ahead."""
    calendar = institution.calendar
    if not calendar.country:
        return institution
    import datetime

    import holidays

    this_year = datetime.date.today().year
    first, last = calendar.years or (this_year - 1, this_year + years_ahead)
    try:
        found = holidays.country_holidays(calendar.country, years=range(first, last + 1))
    except NotImplementedError:
        raise ConfigError(
            f"calendar.country: {calendar.country!r} is not a country the holidays package knows"
        ) from None
    dates = sorted(set(calendar.holidays) | set(found))
    return institution.model_copy(
        update={"calendar": calendar.model_copy(update={"holidays": dates, "years": (first, last)})}
    )
