"""Move the running sandbox's time on and run the sweep:

.venv/bin/python -m sandbox.clock advance 6h      (or 2d, 90m; --port-base N as given to the sandbox)
"""

import re
import sys

import requests

from sandbox.run import PORTS, use_ports


def main(argv=None) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    if "--port-base" in argv:
        at = argv.index("--port-base")
        use_ports(int(argv[at + 1]))
        del argv[at : at + 2]
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([mhd])", argv[1]) if len(argv) == 2 and argv[0] == "advance" else None
    if not match:
        print(__doc__, file=sys.stderr)
        return 2
    hours = float(match.group(1)) * {"m": 1 / 60, "h": 1, "d": 24}[match.group(2)]
    response = requests.post(
        f"http://127.0.0.1:{PORTS['outbox']}/advance", data={"hours": str(hours)}, allow_redirects=False, timeout=60
    )
    if response.status_code not in (200, 303):
        print(f"the sandbox answered {response.status_code}", file=sys.stderr)
        return 1
    print(requests.get(f"http://127.0.0.1:{PORTS['outbox']}/messages.json", timeout=10).json()["phone"][0]["heard"][0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
