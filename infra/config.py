"""Reading an institution's config file, with errors that name the file and the field path."""
from pathlib import Path

import yaml
from pydantic import ValidationError

from chalicelib.institution import Institution

INSTITUTIONS_DIR = Path(__file__).resolve().parent / "institutions"


class ConfigError(Exception):
    pass


def path_for(slug_or_path: str) -> Path:
    candidate = Path(slug_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    return INSTITUTIONS_DIR / f"{slug_or_path}.yaml"


def load(slug_or_path: str) -> Institution:
    path = path_for(slug_or_path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        return with_country_holidays(Institution.model_validate(document))
    except ValidationError as error:
        lines = [f"{path}: {error.error_count()} problem(s)"]
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
            lines.append(f"  {where}: {problem['msg']}")
        raise ConfigError("\n".join(lines)) from None


def with_country_holidays(institution: Institution, years_ahead: int = 2) -> Institution:
    """`calendar.country` (any country the `holidays` package knows) becomes explicit dates in
    `calendar.holidays`, here on the admin side, so the deployed functions never load that package.
    Dates already listed stay; `make_up_workdays` still win over holidays."""
    country = institution.calendar.country
    if not country:
        return institution
    import datetime

    import holidays

    this_year = datetime.date.today().year
    try:
        found = holidays.country_holidays(country, years=range(this_year - 1, this_year + years_ahead + 1))
    except NotImplementedError:
        raise ConfigError(f"calendar.country: {country!r} is not a country the holidays package knows") from None
    dates = sorted(set(institution.calendar.holidays) | set(found))
    return institution.model_copy(update={"calendar": institution.calendar.model_copy(update={"holidays": dates})})
