"""Cold start and package size: `import app` against `import boto3, chalice` (the budget is
1.3x), each in a fresh interpreter, median of several runs; then the import cost of the modules
a first web request loads; then the size of the deployment zip built by `chalice package`.

    .venv/bin/python benchmarks/cold_start.py [--no-package]
"""
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9


def import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                                    text=True).stdout) for _ in range(RUNS)]
    return statistics.median(samples)


def package_size() -> tuple[int, list[str]]:
    sys.path.insert(0, str(ROOT))
    from infra.package import build

    with tempfile.TemporaryDirectory() as out:
        bundle = build("dev", out)
        with zipfile.ZipFile(bundle) as archive:
            names = archive.namelist()
        return bundle.stat().st_size, names


def main() -> None:
    baseline = import_seconds("import boto3, chalice")
    app_only = import_seconds("import app")
    first_request = import_seconds("import app, chalicelib.edge.web, chalicelib.intake.filing, chalicelib.runtime.environment, boto3")
    print(f"import boto3, chalice (baseline):   {baseline * 1000:.0f} ms")
    print(f"import app:                         {app_only * 1000:.0f} ms  "
          f"({app_only / baseline:.2f}x baseline; budget 1.30x)")
    print(f"import app + first web request's modules + boto3: {first_request * 1000:.0f} ms  "
          f"({first_request / baseline:.2f}x baseline)")
    if "--no-package" not in sys.argv:
        size, names = package_size()
        templates = [name for name in names if name.startswith("templates/")]
        print(f"deployment.zip:                     {size / 1e6:.2f} MB (budget 10 MB), {len(names)} files, "
              f"{len(templates)} template files")


if __name__ == "__main__":
    main()
