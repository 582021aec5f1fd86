"""An accessibility check for browser tests: axe-core, from the npm package pinned below, run in
the Playwright page under test. Installed on first use into the same tools folder as DynamoDB
Local (`sandbox/dynamodb_local.py`), so a fresh checkout needs only npm and the package registry.

    from accessibility import axe_problems

    context = browser.new_context(bypass_csp=True)  # the pages' CSP would refuse the injected script
    page = context.new_page()
    page.goto(url)
    assert axe_problems(page) == [], url
"""

import json
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from sandbox.dynamodb_local import TOOLS

AXE_VERSION = "4.10.3"
PACKAGE = f"axe-core@{AXE_VERSION}"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
REPORTED_IMPACTS = ("serious", "critical")
TARGETS_SHOWN = 3


PREFIX = TOOLS / "axe-core"
AXE_JS = PREFIX / "node_modules" / "axe-core" / "axe.min.js"  # where it is once installed: see axe_js()


def _installed_version() -> str | None:
    try:
        return json.loads(AXE_JS.with_name("package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def axe_js() -> Path:
    """Installs axe-core (exactly AXE_VERSION) on first use; returns the path of its axe.min.js."""
    if not AXE_JS.exists() or _installed_version() != AXE_VERSION:
        if not shutil.which("npm"):
            raise RuntimeError("the accessibility check needs npm, to install axe-core")
        PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--loglevel=error", PACKAGE],
            check=True,
        )
    return AXE_JS


def axe_problems(page) -> list[str]:
    """Runs axe-core in a Playwright (sync API) page, as it is now; returns one line per serious or
    critical violation: rule id, impact, what to do, and the first few elements it concerns. An
    empty list is a pass.

    The script is injected with `page.add_script_tag`, which a strict Content-Security-Policy (as
    the hotline's pages send) refuses: create the browser context with `bypass_csp=True`."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        try:
            page.add_script_tag(path=str(axe_js()))
        except PlaywrightError as error:
            if "Content Security Policy" not in str(error):
                raise
            raise RuntimeError("axe-core cannot run here: create the browser context with bypass_csp=True") from error
    results = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const results = await axe.run(document, options);
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((node) => node.target.join(' ')),
            }));
        }""",
        AXE_TAGS,
    )
    problems = []
    for violation in results:
        if violation["impact"] not in REPORTED_IMPACTS:
            continue
        targets = violation["targets"]
        shown = ", ".join(targets[:TARGETS_SHOWN]) + (
            f" (+{len(targets) - TARGETS_SHOWN} more)" if len(targets) > TARGETS_SHOWN else ""
        )
        problems.append(f"{violation['id']} ({violation['impact']}): {violation['help']} - {shown}")
    return problems
