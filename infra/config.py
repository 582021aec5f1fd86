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
        return Institution.model_validate(document)
    except ValidationError as error:
        lines = [f"{path}: {error.error_count()} problem(s)"]
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
            lines.append(f"  {where}: {problem['msg']}")
        raise ConfigError("\n".join(lines)) from None
