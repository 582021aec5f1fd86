"""Building the deployment package: vendor what Chalice's requirements step cannot trim, then
`chalice package`. The zip carries templates/ through the vendor/templates link."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def vendor_packages() -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--no-compile",
                    "--upgrade", "--target", str(ROOT / "vendor"), "-r", str(ROOT / "vendor-requirements.txt")],
                   check=True)


def build(stage: str, out: str | Path) -> Path:
    vendor_packages()
    out = Path(out).resolve()
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", stage, str(out)], cwd=ROOT, env=env, check=True)
    return out / "deployment.zip"
