"""Run by Python at start-up in every process the sandbox starts (it is on their PYTHONPATH): the
sandbox's one moved clock. The product reads time only through its one clock function and knows
nothing of this; here time-machine shifts the process's wall clock by the offset in the file
named by SANDBOX_CLOCK_FILE, and follows it when `python -m sandbox.clock advance` changes it.
Monotonic time is left alone (timeouts and budgets stay real), and DynamoDB Local, a Java
process, keeps the machine's clock."""

import os
import threading
import time

_POLL_SECONDS = 0.1
_state = {"offset": None, "coordinates": None}


def _read(path: str) -> float:
    try:
        with open(path, encoding="ascii") as file:
            return float(file.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def real_time() -> float:
    """The machine's own time, whatever this process's clock says."""
    import time_machine

    hatch = time_machine.escape_hatch
    return hatch.time.time() if hatch.is_travelling() else time.time()


def refresh(path: str) -> None:
    """Moves this process's clock to the machine's time plus the file's offset, if it changed."""
    import time_machine

    offset = _read(path)
    if offset == _state["offset"]:
        return
    destination = real_time() + offset
    if _state["coordinates"] is None:
        _state["coordinates"] = time_machine.travel(destination, tick=True).start()
    else:
        _state["coordinates"].move_to(destination)
    time.time()  # time-machine's clock starts ticking at its first reading after a move, not at the move
    _state["offset"] = offset


def _follow(path: str) -> None:
    refresh(path)

    def watch() -> None:
        while True:
            time.sleep(_POLL_SECONDS)  # time.sleep is not moved: it waits real time
            refresh(path)

    threading.Thread(target=watch, name="sandbox-clock", daemon=True).start()


if os.environ.get("SANDBOX_CLOCK_FILE"):
    _follow(os.environ["SANDBOX_CLOCK_FILE"])
