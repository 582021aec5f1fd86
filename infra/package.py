"""Building the deployment package: vendor what Chalice's requirements step cannot trim, then
`chalice package`, merging the institution's rendered resources into Chalice's own template.
The zip carries templates/ through the vendor/templates link."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def vendor_packages(root: Path = ROOT) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-compile",
            "--upgrade",
            "--target",
            str(root / "vendor"),
            "-r",
            str(root / "vendor-requirements.txt"),
        ],
        check=True,
    )
    # The SMS SDK carries every API version; the product calls 2021-01-11 only (notify/tencent.py).
    shutil.rmtree(root / "vendor" / "tencentcloud" / "sms" / "v20190711", ignore_errors=True)


def package_config(stage: str, root: Path = ROOT) -> None:
    """The institution's config, validated, at the zip root (institution.json, through vendor/): the
    functions fall back on it when a cold container cannot read the table. Stages that are not an
    institution (dev) carry none."""
    from infra.config import ConfigError, load

    target = root / "vendor" / "institution.json"
    try:
        target.write_text(load(stage).model_dump_json(), encoding="utf-8")
    except ConfigError:
        target.unlink(missing_ok=True)


def build(stage: str, out: str | Path, merge_template: Path | None = None, root: Path = ROOT) -> Path:
    """Returns the zip; `out` also receives sam.json, the template to deploy."""
    vendor_packages(root)
    package_config(stage, root)
    out = Path(out).resolve()
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    chalice = Path(sys.executable).with_name("chalice")
    merge = ["--merge-template", str(Path(merge_template).resolve())] if merge_template else []
    try:
        subprocess.run([str(chalice), "package", "--stage", stage, *merge, str(out)], cwd=root, env=env, check=True)
    finally:  # it belongs to this zip only: never a stale fallback for the sandbox or the next stage
        (root / "vendor" / "institution.json").unlink(missing_ok=True)
    return out / "deployment.zip"


def lint(template: Path) -> subprocess.CompletedProcess:
    """cfn-lint on a packaged template (SAM transform included); returncode 0 means clean."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(cfn_lint), str(template)], capture_output=True, text=True)
