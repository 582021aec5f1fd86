"""The running sandbox's time, moved on with the sweep run at once:

.venv/bin/python -m sandbox.clock                 what time it is in the running sandbox
.venv/bin/python -m sandbox.clock advance 6h      (or 2d, 90m)
.venv/bin/python -m sandbox.clock set 2026-11-23T10:00+08:00
.venv/bin/python -m sandbox.clock reset           back to the machine's time (the data stays)

The running sandbox is found from the ports it wrote to its state folder (.sandbox/ports.json);
pass --state DIR or --port-base N as given to the sandbox when it runs elsewhere.
"""

import json
import re
import sys
from pathlib import Path

import requests

from sandbox.run import PORTS, ROOT, use_ports


def _option(argv: list[str], name: str) -> str | None:
    if name not in argv:
        return None
    at = argv.index(name)
    value = argv[at + 1] if at + 1 < len(argv) else None
    del argv[at : at + 2]
    return value


def main(argv=None) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    port_base, state = _option(argv, "--port-base"), Path(_option(argv, "--state") or ROOT / ".sandbox")
    if port_base:
        use_ports(int(port_base))
    elif (state / "ports.json").exists():
        PORTS.update(json.loads((state / "ports.json").read_text()))
    page = f"http://127.0.0.1:{PORTS['outbox']}"
    try:
        clock = requests.get(f"{page}/clock.json", timeout=5).json()
    except (requests.RequestException, ValueError):
        print(
            f"No sandbox answers on {page} (ports from {state / 'ports.json'} or the defaults). Start one "
            "with ./dev sandbox, or pass --port-base N (or --state DIR) as given to the running sandbox.",
            file=sys.stderr,
        )
        return 1
    if not argv:
        print(f"sandbox time {clock['now']} (moved on {clock['offset_seconds'] / 3600:g} hours)")
        return 0
    if argv in (["reset"],) or (len(argv) == 2 and argv[0] == "set"):
        response = requests.post(f"{page}/clock", data={"to": argv[1] if len(argv) == 2 else ""}, timeout=60)
    else:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)([mhd])", argv[1]) if len(argv) == 2 and argv[0] == "advance" else None
        if not match:
            print(__doc__, file=sys.stderr)
            return 2
        hours = float(match.group(1)) * {"m": 1 / 60, "h": 1, "d": 24}[match.group(2)]
        response = requests.post(f"{page}/advance", data={"hours": str(hours)}, allow_redirects=False, timeout=60)
    if response.status_code not in (200, 303):
        print(f"the sandbox answered {response.status_code}", file=sys.stderr)
        return 1
    print(requests.get(f"{page}/messages.json", timeout=10).json()["phone"][0]["heard"][0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
