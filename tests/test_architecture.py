"""The shape of chalicelib/, checked without running it: the import contracts in pyproject.toml
(layers, pure modules, who may touch the environment) hold and really catch a violation; modules
and classes stay small; only the edge and the runtime read environment variables; and tests take
their helpers from support.py, never from conftest."""

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from support import ROOT

CHALICELIB = ROOT / "chalicelib"
MAX_MODULE_LINES = 350
MAX_CLASS_METHODS = 25
MAY_READ_ENVIRONMENT = ("edge", "runtime")  # chalicelib's packages that build Dependencies from the environment
IMPORT_LINTER = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in IMPORT_LINTER["contracts"]}


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-logo", "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _modules(root: Path = CHALICELIB) -> dict[str, Path]:
    """chalicelib's modules by dotted name (a package by its own name, for its __init__.py)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


# -- the import contracts ------------------------------------------------------------------------
def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _contract_modules() -> set[str]:
    """Every chalicelib module that a contract names, so that a copy can be completed with empty ones."""
    named = set()
    for contract in CONTRACTS.values():
        for container in contract.get("containers", []):
            named.update(f"{container}.{layer.strip('()')}" for layer in contract["layers"])
        for key in ("source_modules", "forbidden_modules"):
            named.update(name for name in contract.get(key, []) if name.split(".")[0] == "chalicelib")
    return named


PLANTS = {  # contract id -> (lines to add to files in a copy of chalicelib, the imports the report must name)
    "layers": (
        {"sla/planted.py": "from chalicelib.edge import http"},
        ["chalicelib.sla.planted -> chalicelib.edge.http"],
    ),
    "pure": ({"model/planted.py": "import boto3"}, ["chalicelib.model.planted -> boto3"]),
    "pure, indirectly": (
        {"sla/planted.py": "import requests", "sla/deadlines.py": "from chalicelib.sla import planted"},
        ["chalicelib.sla.deadlines -> chalicelib.sla.planted", "chalicelib.sla.planted -> requests"],
    ),
    "environment": ({"store/planted.py": "import chalice"}, ["chalicelib.store.planted -> chalice"]),
    "no-app": ({"notify/planted.py": "from infra import config"}, ["chalicelib.notify.planted -> infra"]),
}


def _complete_with_empty_modules(root: Path, names: set[str]) -> None:
    """Adds an empty module for each name not in the tree yet (and the packages above it)."""
    for name in sorted(names):
        *packages, leaf = name.split(".")
        folder = root
        for package in packages:
            folder = folder / package
            if not (folder.with_suffix(".py").exists() or (folder / "__init__.py").exists()):
                folder.mkdir()
                (folder / "__init__.py").touch()
        if not ((folder / f"{leaf}.py").exists() or (folder / leaf / "__init__.py").exists()):
            (folder / f"{leaf}.py").touch()


@pytest.mark.parametrize("plant", PLANTS)
def test_a_planted_violation_breaks_its_contract(plant, tmp_path):
    """On a copy of chalicelib/ (with empty stand-ins for any module a contract names that is not
    written yet), one planted import makes lint-imports fail and name the contract and the import."""
    shutil.copytree(CHALICELIB, tmp_path / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    _complete_with_empty_modules(tmp_path, _contract_modules() | {"chalicelib.edge.http"})
    additions, imports = PLANTS[plant]
    for relative, line in additions.items():
        with (tmp_path / "chalicelib" / relative).open("a", encoding="utf-8") as planted:
            planted.write(f"\n{line}\n")
    result = _lint_imports(tmp_path)
    contract = CONTRACTS[plant.split(",")[0]]
    assert result.returncode != 0, result.stdout + result.stderr
    assert f"{contract['name']} BROKEN" in result.stdout, result.stdout + result.stderr
    report = result.stdout.partition("Broken contracts")[2]
    assert all(f"{line} (l." in report for line in imports), result.stdout


# -- size ------------------------------------------------------------------------------------------
def test_no_module_is_over_350_lines():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not too_long, f"over {MAX_MODULE_LINES} lines: {too_long}"


class _Classes:
    """The classes defined in chalicelib/, with their bases resolved to other chalicelib classes
    where a base is one (a library base such as pydantic's BaseModel resolves to nothing)."""

    def __init__(self, modules: dict[str, Path]):
        self.trees = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in modules.items()}
        self.classes: dict[str, ast.ClassDef] = {}  # "chalicelib.store.table.Store" -> its node
        self.imported: dict[str, dict[str, str]] = {}  # module -> local name -> dotted name it refers to
        for module, tree in self.trees.items():
            package = module if modules[module].name == "__init__.py" else module.rpartition(".")[0]
            names = self.imported[module] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):  # `import a.b` binds a; `import a.b as c` binds c to a.b
                    for alias in node.names:
                        top = alias.name.split(".")[0]
                        names[alias.asname or top] = alias.name if alias.asname else top
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                        base = ".".join([*anchor, *([node.module] if node.module else [])])
                    for alias in node.names:
                        names[alias.asname or alias.name] = f"{base}.{alias.name}"
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    self.classes[f"{module}.{node.name}"] = node

    def resolve(self, dotted: str, seen: frozenset = frozenset()) -> str | None:
        """The chalicelib class a dotted name refers to, following re-exports, or None."""
        if dotted in self.classes:
            return dotted
        module, _, name = dotted.rpartition(".")
        if module in self.imported and name in self.imported[module] and dotted not in seen:
            return self.resolve(self.imported[module][name], seen | {dotted})
        return None

    def base_names(self, qualified: str) -> list[str]:
        module = qualified.rpartition(".")[0]
        found = []
        for base in self.classes[qualified].bases:
            parts = []
            while isinstance(base, ast.Attribute):
                parts.insert(0, base.attr)
                base = base.value
            if not isinstance(base, ast.Name):
                continue
            head = self.imported[module].get(base.id, f"{module}.{base.id}")
            resolved = self.resolve(".".join([head, *parts]))
            if resolved:
                found.append(resolved)
        return found

    def methods(self, qualified: str, seen: frozenset = frozenset()) -> set[str]:
        """Names of the methods a class has: its own and those inherited from chalicelib classes."""
        own = {
            node.name
            for node in self.classes[qualified].body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for base in self.base_names(qualified):
            if base not in seen:
                own |= self.methods(base, seen | {qualified})
        return own


def test_no_class_has_more_than_25_methods_counting_what_it_inherits_from_chalicelib():
    classes = _Classes(_modules())
    counts = {name: len(classes.methods(name)) for name in classes.classes}
    too_big = {name: count for name, count in counts.items() if count > MAX_CLASS_METHODS}
    assert not too_big, f"more than {MAX_CLASS_METHODS} methods: {too_big}"


def test_the_method_count_follows_chalicelib_bases_and_ignores_library_bases(tmp_path):
    """The counter itself, on a small package: a base from another module (imported by name, as a
    module attribute, or through a package's re-export) counts; pydantic's BaseModel does not."""
    package = tmp_path / "chalicelib"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").touch()
    (package / "a" / "__init__.py").write_text("from .base import Base\n")
    (package / "a" / "base.py").write_text("class Base:\n" + "".join(f"    def b{n}(self): ...\n" for n in range(20)))
    (package / "b.py").write_text(
        "from pydantic import BaseModel\nfrom chalicelib import a\nfrom chalicelib.a import Base\n"
        "class Model(BaseModel):\n    def m(self): ...\n"
        "class One(Base):\n"
        + "".join(f"    def o{n}(self): ...\n" for n in range(6))
        + "class Two(a.Base):\n    def b0(self): ...\n    async def t(self): ...\n"
        "class Three(Two, Model):\n    @property\n    def p(self): ...\n"
    )
    classes = _Classes(_modules(package))
    counted = {name.rpartition(".")[2]: len(classes.methods(name)) for name in classes.classes}
    assert counted == {"Base": 20, "Model": 1, "One": 26, "Two": 21, "Three": 23}


# -- who reads environment variables ---------------------------------------------------------------
ENVIRONMENT_NAMES = {"environ", "getenv", "environb", "getenvb"}


def _environment_reads(tree: ast.AST) -> list[int]:
    """Lines that use os.environ, os.getenv or a bare environ/getenv (from os import environ)."""
    lines = set()
    for node in ast.walk(tree):
        used = {node.attr} if isinstance(node, ast.Attribute) else {node.id} if isinstance(node, ast.Name) else set()
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            used = {alias.name for alias in node.names}
        if used & ENVIRONMENT_NAMES:
            lines.add(node.lineno)
    return sorted(lines)


def test_only_the_edge_and_the_runtime_read_environment_variables():
    """app.py (outside chalicelib) may too; everything else is handed its settings."""
    readers = {}
    for name, path in _modules().items():
        parts = name.split(".")
        if len(parts) > 1 and parts[1] in MAY_READ_ENVIRONMENT:
            continue
        lines = _environment_reads(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if lines:
            readers[str(path.relative_to(ROOT))] = lines
    assert not readers, f"read the environment (file: lines): {readers}"


def test_the_environment_check_sees_each_way_of_reading_it():
    samples = [
        "import os\nos.environ['A']",
        "import os\nos.getenv('A')",
        "import os\nos.environ.get('A')",
        "from os import environ\nenviron['A']",
        "from os import getenv as g\ng('A')",
    ]
    assert [bool(_environment_reads(ast.parse(sample))) for sample in samples] == [True] * len(samples)
    assert _environment_reads(ast.parse("import os\nos.path.join('a', 'b')\nsettings = {'environment': 1}")) == []


# -- tests import helpers from support, never conftest ---------------------------------------------
def test_no_test_module_imports_conftest():
    importers = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(alias.name for alias in node.names if not node.module)]
            else:
                continue
            if any(name.split(".")[-1] == "conftest" or name.split(".")[0] == "conftest" for name in names):
                importers.setdefault(str(path.relative_to(ROOT)), []).append(node.lineno)
    assert not importers, f"import conftest (use `from support import ...`): {importers}"
