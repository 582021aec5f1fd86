"""Every complainant page passes axe-core (WCAG 2 A/AA and best practices, serious and critical
problems) in a real browser: in English and Chinese, on a phone and on a desktop, in each state a
complainant meets - the empty form, the form sent back with errors, the confirmation, the status
lookup and the status of the case, and the message page. One sandbox for all of it; screenshots
go to test-artifacts/a11y-<page>-<language>-<viewport>.png."""

from playwright.sync_api import sync_playwright

from accessibility import axe_problems
from support import ROOT, start_sandbox, stop_sandbox, wait_for
from test_staff_browser import CHROMIUM_ARGS, VIEWPORTS

ARTIFACTS = ROOT / "test-artifacts"
LOCALES = {"en": "en-GB", "zh": "zh-CN"}
DESCRIPTION = {
    "en": "The ATM at Pier Road kept my card and the branch refused to help.",
    "zh": "码头路的自动柜员机吞了我的卡，分行拒绝帮忙。",
}


def test_every_complainant_page_passes_axe_in_both_languages_on_a_phone_and_a_desktop(tmp_path):
    from sandbox.dynamodb_local import free_port

    base = 20000 + free_port() % 20000
    app = f"http://127.0.0.1:{base}"
    ARTIFACTS.mkdir(exist_ok=True)
    problems: dict[str, list[str]] = {}
    checked: list[str] = []

    def check(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"a11y-{name}.png"), full_page=True)
        checked.append(name)
        found = axe_problems(page)
        if found:
            problems[name] = found

    sandbox = start_sandbox(tmp_path, base)
    try:
        wait_for(f"{app}/complaints/new", process=sandbox)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for number, (lang, viewport) in enumerate((lang, view) for lang in LOCALES for view in VIEWPORTS):
                phone_number = f"+8529123890{number}"
                context = browser.new_context(locale=LOCALES[lang], bypass_csp=True, **VIEWPORTS[viewport])
                page = context.new_page()
                form = page.locator("form.card")

                page.goto(f"{app}/complaints/new?lang={lang}")
                assert page.locator("#description").count() == 1
                check(page, f"new-{lang}-{viewport}")

                # Sent back: no description, a phone number that is not one.
                page.fill("#phone", "12")
                form.locator("button[type=submit]").click()
                page.wait_for_selector(".field-error")
                assert page.locator("#description-error").count() == 1
                assert page.locator("#phone-error").count() == 1
                check(page, f"new-errors-{lang}-{viewport}")

                page.fill("#description", DESCRIPTION[lang])
                page.fill("#phone", phone_number)
                form.locator("button[type=submit]").click()
                page.wait_for_selector("#reference")
                reference = page.text_content("#reference").strip()
                check(page, f"confirmation-{lang}-{viewport}")

                # The confirmation's own link to the status page, which asks for the contact too.
                page.click(f"a[href*='complaints/status'][href*='{reference}']")
                assert page.input_value("#ref") == reference
                check(page, f"status-lookup-{lang}-{viewport}")
                page.fill("#contact", phone_number)
                form.locator("button[type=submit]").click()
                page.wait_for_selector("#case")
                assert reference in page.text_content("#case")
                check(page, f"status-{lang}-{viewport}")

                # The message page (message.html: also the answer to a too-large form), shown here to
                # what the honeypot takes for a robot: a form with the hidden field filled in.
                page.goto(f"{app}/complaints/new?lang={lang}")
                page.fill("#description", DESCRIPTION[lang])
                page.eval_on_selector("#website", "field => { field.value = 'https://example.com'; }")
                form.locator("button[type=submit]").click()
                page.wait_for_selector("p[role=alert]")
                assert page.locator("form").count() == 0
                check(page, f"message-{lang}-{viewport}")
                context.close()
            browser.close()
    finally:
        stop_sandbox(sandbox)

    assert len(checked) == 6 * len(LOCALES) * len(VIEWPORTS)
    assert problems == {}, "axe found serious or critical problems:\n" + "\n".join(
        f"{name}: {problem}" for name, found in problems.items() for problem in found
    )


def test_the_follow_up_page_passes_axe_in_both_languages_on_a_phone_and_a_desktop(client, moto_store, twilio):
    """The follow-up link's page (issue 19) as the app renders it - the question, the question sent
    back without a choice, the thanks -, loaded into the real browser."""
    import json
    import re
    from datetime import datetime, timedelta, timezone

    import time_machine

    from chalicelib.edge import dependencies as context
    from chalicelib.sla.sweep import run_sweep
    from chalicelib.staff.actions import resolve
    from support import FORM_HEADERS, form_body

    monday = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    ARTIFACTS.mkdir(exist_ok=True)
    pages: dict[str, str] = {}
    for lang in LOCALES:
        with time_machine.travel(monday, tick=False):
            body = {"description": DESCRIPTION[lang], "email": f"follow.{lang}@example.org", "language": lang}
            filed = client.http.post(
                "/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body)
            )
            reference = json.loads(filed.body)["reference"]
            resolve(context.current(), reference, "staff:chen.jing", "Refunded.", "valid", "", "", "", monday)
        run_sweep(context.current(), monday + timedelta(hours=24, minutes=1))
        [message] = [m for m in moto_store.outbox.for_case(reference) if m.purpose == "follow_up"]
        path = re.search(r"(/complaints/follow-up/[\w-]+)$", message.body).group(1)
        with time_machine.travel(monday + timedelta(hours=25), tick=False):
            pages[f"follow-up-{lang}"] = client.http.get(path).body.decode()
            pages[f"follow-up-choose-{lang}"] = client.http.post(path, headers=FORM_HEADERS, body="").body.decode()
            answered = client.http.post(path, headers=FORM_HEADERS, body=form_body(score="5"))
            pages[f"follow-up-thanks-{lang}"] = answered.body.decode()
    problems: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for viewport in VIEWPORTS:
            page = browser.new_context(bypass_csp=True, **VIEWPORTS[viewport]).new_page()
            for name, markup in pages.items():
                page.set_content(markup)
                page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{viewport}.png"), full_page=True)
                if found := axe_problems(page):
                    problems[f"{name}-{viewport}"] = found
        browser.close()
    assert 'type="radio"' in pages["follow-up-zh"] and "5 非常满意" in pages["follow-up-zh"]
    assert "请选择一项评价。" in pages["follow-up-choose-zh"] and "Thank you" in pages["follow-up-thanks-en"]
    assert problems == {}, problems
