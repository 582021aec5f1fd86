"""Cold start and package size, before and after, in one run: this checkout ("after") against a
reference revision ("before", default aa60e1e, the last commit before chalicelib's move into
packages). Budget: every import time (lower quartile) within 10 % of before, the zip within +100 KB.

    .venv/bin/python benchmarks/cold_start.py [--against REV] [--runs 9] [--no-package]
                                              [--cached-bytecode] [--profile]

Both trees are measured from temporary directories side by side: "before" is a
`git worktree add --detach` of REV, "after" a copy of this checkout's files as `git add -A` would
see them (tracked and untracked, not ignored; uncommitted changes included). Stale __pycache__
directories would otherwise skew both numbers: Chalice zips everything under chalicelib/, and
Python would load old bytecode for some modules and compile others.

For each tree, in fresh interpreters, the lower quartile of --runs, the two trees' runs interleaved:
  * `import app`;
  * per entry point, `import app` + the modules its first request loads + boto3. The modules are
    discovered per tree (their paths differ between layouts) by benchmarks/_first_request.py:
    one request through chalice.test.Client under moto (GET /complaints/new; POST /api/complaints
    with a phone; a signed POST /twilio/sms; the sla_sweep function, woken when the case filed
    through the API has its first alert due), recording every module imported under the app's
    frames: chalicelib.*, third-party and standard-library modules alike;
  * once: `import boto3, chalice`, the floor every function pays.
By default the app's own modules are compiled from source in every run (PYTHONDONTWRITEBYTECODE),
as on Lambda, where the zip carries no bytecode and /var/task is read-only; --cached-bytecode
lets every run use the bytecode the first (discarded) run wrote.
The deployment zip per tree: infra.package.build("dev", ...) of that tree, in a subprocess.
--profile adds, per tree and entry point, the packages that take the most import time
(`python -X importtime`, one run). Exits 0 whatever the verdict; 1 only if something could not
be measured.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPER = Path(__file__).resolve().parent / "_first_request.py"
BEFORE_DEFAULT = "aa60e1e"
TIME_BUDGET = 1.10
ZIP_BUDGET_KB = 100  # KB = 1000 bytes
ENTRY_POINTS = [  # (key, label)
    ("web", "GET /complaints/new"),
    ("api", "POST /api/complaints"),
    ("sms", "POST /twilio/sms"),
    ("sweep", "sla_sweep"),
]
sys.path.insert(0, str(HELPER.parent))
import _first_request as first_request  # noqa: E402 - beside this script, found once its folder is on the path


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout


def child_env(cached_bytecode: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("AWS_ENDPOINT_URL")}
    if cached_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Failed(Exception):
    pass


def run(args: list[str], cwd: Path, env: dict) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise Failed(f"{' '.join(args[:3])}... in {cwd}: exit {done.returncode}\n{tail}")
    return done.stdout


# -- the two trees ---------------------------------------------------------------------------------
def copy_checkout(destination: Path) -> None:
    names = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, names):
        source, target = ROOT / name, destination / name
        if not os.path.lexists(source):  # deleted, not yet committed
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_file():
            shutil.copy2(source, target)


def describe_after() -> str:
    changed = git("status", "--porcelain", "--untracked-files=no").strip()
    untracked = git("ls-files", "--others", "--exclude-standard").split()
    return (
        git("rev-parse", "--short", "HEAD").strip()
        + (" + uncommitted changes" if changed else "")
        + (f" + {len(untracked)} untracked file(s)" if untracked else "")
    )


# -- discovery -------------------------------------------------------------------------------------
def sms_signature() -> str:
    from twilio.request_validator import RequestValidator

    url = first_request.PUBLIC_BASE_URL + first_request.SMS_PATH
    return RequestValidator(first_request.TWILIO_TOKEN).compute_signature(url, first_request.SMS_PARAMS)


def discover(tree: Path, scratch: Path, env: dict) -> dict:
    """entry -> {"modules": [...], ...} or {"error": text}."""
    python = sys.executable
    setup, items = scratch / "setup.pickle", scratch / "items.pickle"
    try:
        run([python, str(HELPER), "prepare", str(setup)], tree, env)
    except Failed as error:
        return {entry: {"error": f"preparing the table: {error}"} for entry, _ in ENTRY_POINTS}
    found = {}
    for entry, _ in ENTRY_POINTS:
        out = scratch / f"{entry}.json"
        extra = {
            "api": ["--dump", str(items)],
            "sms": ["--signature", sms_signature()],
            "sweep": ["--seed", str(items)],
        }.get(entry, [])
        try:
            if entry == "sweep" and not items.exists():
                raise Failed("no case to sweep: the API request failed")
            run([python, str(HELPER), "discover", entry, str(setup), str(out), *extra], tree, env)
            result = json.loads(out.read_text())
            if not result.get("ok"):
                raise Failed(f"the request did not succeed: {result.get('outcome')}")
            found[entry] = result
        except Failed as error:
            found[entry] = {"error": str(error)}
    return found


def kinds(modules: list[str]) -> tuple[list[str], list[str]]:
    """(chalicelib modules, third-party top-level packages)"""
    chalicelib = [m for m in modules if m.split(".")[0] == "chalicelib"]
    tops = sorted(
        {m.split(".")[0] for m in modules}
        - set(sys.stdlib_module_names)
        - {"chalicelib", "app"}
        - set(sys.builtin_module_names)
    )
    return chalicelib, tops


def import_code(modules: list[str]) -> str:
    lines = [f"import {name}" for name in dict.fromkeys(modules)]
    return "\n".join(["import time", "_t = time.perf_counter()", *lines, "print(time.perf_counter() - _t)"])


# -- timing ----------------------------------------------------------------------------------------
def time_all(jobs: dict, runs: int, env: dict, fastest: dict) -> dict:
    """jobs: key -> (cwd, code); fresh interpreter per sample, the first round discarded, jobs
    interleaved (alternating order) so that both trees see the same machine load."""
    samples = defaultdict(list)
    failed = {}
    keys = list(jobs)
    for round_ in range(runs + 1):
        for key in keys if round_ % 2 else reversed(keys):
            if key in failed:
                continue
            cwd, code = jobs[key]
            try:
                seconds = float(run([sys.executable, "-c", code], cwd, env).strip().splitlines()[-1])
            except Failed as error:
                failed[key] = str(error)
                continue
            if round_:
                samples[key].append(seconds)
    fastest.update({key: min(samples[key]) for key in keys if key not in failed})
    return {key: lower_quartile(samples[key]) if key not in failed else failed[key] for key in keys}


def lower_quartile(samples: list[float]) -> float:
    """The statistic compared: fresh interpreters on this machine come out bimodal (the same import
    takes ~30 or ~46 ms, by scheduling), so a median flips between the modes from run to run; noise
    only ever adds time, and the lower quartile is stable where the median is not."""
    return statistics.quantiles(samples, n=4)[0] if len(samples) > 1 else samples[0]


def profile(cwd: Path, code: str, env: dict, top: int = 5) -> str:
    """Self import time summed per top-level package, from one `-X importtime` run."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    per_package = defaultdict(int)
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            fields = [field.strip() for field in line[len("import time:") :].split("|")]
            if fields[0].isdigit():
                per_package[fields[2].split(".")[0]] += int(fields[0])
    ranked = sorted(per_package.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{name} {micros / 1000:.0f}" for name, micros in ranked) + " ms"


# -- the zip ---------------------------------------------------------------------------------------
ZIP_CODE = """
import json, sys, tempfile, zipfile
sys.path.insert(0, ".")
from infra.package import build
with tempfile.TemporaryDirectory() as out:
    bundle = build("dev", out)
    with zipfile.ZipFile(bundle) as archive:
        infos = archive.infolist()
    app = [i for i in infos if i.filename == "app.py" or i.filename.startswith("chalicelib/")]
    print(json.dumps({"size": bundle.stat().st_size, "files": len(infos), "app_files": len(app),
                      "app_compressed": sum(i.compress_size for i in app),
                      "pyc": sum(i.filename.endswith(".pyc") for i in app)}))
"""


def package(tree: Path, env: dict) -> dict:
    try:
        return json.loads(
            run([sys.executable, "-c", ZIP_CODE], tree, {**env, "PYTHONDONTWRITEBYTECODE": "1"})
            .strip()
            .splitlines()[-1]
        )
    except Failed as error:
        return {"error": str(error)}


# -- report ----------------------------------------------------------------------------------------
def verdict(before: float, after: float) -> tuple[str, bool]:
    ratio = after / before
    if ratio > TIME_BUDGET:
        return f"{ratio:5.2f}  OVER", False
    return f"{ratio:5.2f}  ok", True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default=BEFORE_DEFAULT, metavar="REV", help="the 'before' revision")
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per measurement (default 9)")
    parser.add_argument("--no-package", action="store_true", help="skip the deployment zip")
    parser.add_argument(
        "--cached-bytecode", action="store_true", help="let runs use bytecode (default: compile app code)"
    )
    parser.add_argument("--profile", action="store_true", help="top packages by import time per entry point")
    options = parser.parse_args()
    env = child_env(options.cached_bytecode)
    before_rev = git("rev-parse", "--verify", "--short", f"{options.against}^{{commit}}").strip()
    after_label = describe_after()

    scratch = Path(tempfile.mkdtemp(prefix="cold-start-"))
    trees = {"before": scratch / "before", "after": scratch / "after"}
    problems, over = [], []
    try:
        git("worktree", "add", "--detach", "--quiet", str(trees["before"]), before_rev)
        copy_checkout(trees["after"])
        # The zips first, before any run could write bytecode into the trees.
        zips = {side: package(tree, env) for side, tree in trees.items()} if not options.no_package else {}
        found = {}
        for side, tree in trees.items():
            (scratch / f"{side}-discovery").mkdir()
            found[side] = discover(tree, scratch / f"{side}-discovery", env)
        jobs = {("both", "baseline"): (trees["after"], import_code(["boto3", "chalice"]))}
        for side, tree in trees.items():
            jobs[(side, "app")] = (tree, import_code(["app"]))
            for entry, _ in ENTRY_POINTS:
                if "modules" in found[side][entry]:
                    jobs[(side, entry)] = (tree, import_code(["app", *found[side][entry]["modules"], "boto3"]))
        fastest = {}
        times = time_all(jobs, options.runs, env, fastest)

        def ms(key):
            value = times.get(key)
            return f"{value * 1000:5.0f} ms" if isinstance(value, float) else "  error"

        bytecode = "cached bytecode" if options.cached_bytecode else "app code compiled from source, as on Lambda"
        print(f"cold start: lower quartile of {options.runs} fresh interpreters, {bytecode}")
        print(f"  before = {before_rev} ({options.against}), after = {after_label} ({ROOT})")
        print(f"  {'':44} {'before':>8} {'after':>8}  after/before (budget {TIME_BUDGET:.2f})")
        print(f"  {'import boto3, chalice (baseline, once)':44} {ms(('both', 'baseline')):>8}")
        rows = [("app", "import app")] + [(entry, f"app + first {label} + boto3") for entry, label in ENTRY_POINTS]
        for key, label in rows:
            before, after = times.get(("before", key)), times.get(("after", key))
            if isinstance(before, float) and isinstance(after, float):
                text, ok = verdict(before, after)
                if not ok:
                    over.append(f"{label} {after / before:.2f}x")
            else:
                text = "not measured"
                for side in trees:
                    reason = found[side].get(key, {}).get("error") or times.get((side, key))
                    if reason and not isinstance(reason, float):
                        problems.append(f"{side} {label}: {reason}")
            mins = ""
            if ("before", key) in fastest and ("after", key) in fastest:
                mins = f"  (min {fastest[('before', key)] * 1000:.0f} / {fastest[('after', key)] * 1000:.0f} ms)"
            print(f"  {label:44} {ms(('before', key)):>8} {ms(('after', key)):>8}  {text}{mins}")
            if key != "app":
                counts = []
                for side in trees:
                    modules = found[side][key].get("modules")
                    if modules is not None:
                        chalicelib, tops = kinds(modules)
                        counts.append(f"{side} {len(modules)} modules, {len(chalicelib)} chalicelib")
                tops = {side: kinds(found[side][key]["modules"])[1] for side in trees if "modules" in found[side][key]}
                print(f"  {'':46}{'; '.join(counts)}")
                if len(tops) == 2 and tops["before"] != tops["after"]:
                    print(f"  {'':46}third-party differs: before {tops['before']}, after {tops['after']}")
                elif tops:
                    print(f"  {'':46}third-party: {' '.join(next(iter(tops.values())))}")
                if options.profile:
                    for side, tree in trees.items():
                        if (side, key) in jobs:
                            print(f"  {'':46}{side} top: {profile(tree, jobs[(side, key)][1], env)}")
        if zips:
            before, after = zips["before"], zips["after"]
            if "size" in before and "size" in after:
                delta_kb = (after["size"] - before["size"]) / 1000
                ok = delta_kb <= ZIP_BUDGET_KB
                if not ok:
                    over.append(f"zip {delta_kb:+.1f} KB")
                print(
                    f"  {'deployment.zip (stage dev)':44} {before['size']:,} B  {after['size']:,} B  "
                    f"{delta_kb:+.1f} KB  {'ok' if ok else 'OVER'} (budget +{ZIP_BUDGET_KB} KB)"
                )
                print(
                    f"  {'':46}files {before['files']} / {after['files']}; app.py + chalicelib/: "
                    f"{before['app_files']} / {after['app_files']} files, "
                    f"{before['app_compressed'] / 1000:.1f} / {after['app_compressed'] / 1000:.1f} KB compressed"
                )
                for side, facts in zips.items():
                    if facts.get("pyc"):
                        print(f"  {'':46}{side}: {facts['pyc']} .pyc files inside chalicelib/ (stale bytecode?)")
            else:
                print(f"  {'deployment.zip':44} not measured")
                problems += [f"{side} zip: {facts['error']}" for side, facts in zips.items() if "error" in facts]
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(trees["before"])],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True, check=False)
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > cores:
        print(f"  (load average {load:.1f} on {cores} cores: other work shared the machine; times are noisy)")
    for problem in problems:
        print(f"\n{problem}", file=sys.stderr)
    if problems:
        print(
            f"cold start: NOT MEASURED ({len(problems)} problem(s) above)"
            + (f"; OVER budget ({', '.join(over)})" if over else "")
        )
        return 1
    print("cold start: within budget" if not over else f"cold start: OVER budget ({', '.join(over)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
