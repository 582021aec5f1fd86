"""A real browser against the running sandbox (one for the module): the supervisor opens the link
from their alert SMS on a phone and acknowledges, replies and resolves; and staff sign in through
the one-time link texted to them, open a case, show the complainant's contact, call (the tel: link)
and resolve it - on a phone and a desktop, in Chinese and in English. axe-core checks every staff
page in each state it reaches. Screenshots go to test-artifacts/."""

import re

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from accessibility import axe_problems
from support import ROOT, start_sandbox, stop_sandbox, wait_for

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _hours_to_a_morning_a_day_later() -> float:
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    now = datetime.now(timezone.utc)
    target = (now + timedelta(hours=25)).astimezone(ZoneInfo("Asia/Shanghai"))
    target = target.replace(hour=10, minute=0, second=0, microsecond=0)
    while target - now < timedelta(hours=25):
        target += timedelta(days=1)
    return round((target - now).total_seconds() / 3600, 3)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """(app URL, outbox URL): one sandbox for the module's browser tests."""
    from sandbox.dynamodb_local import free_port

    base = 20000 + free_port() % 20000
    app, outbox = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 4}"
    ARTIFACTS.mkdir(exist_ok=True)
    sandbox = start_sandbox(tmp_path_factory.mktemp("sandbox"), base)
    try:
        wait_for(f"{app}/complaints/new", process=sandbox)
        yield app, outbox
    finally:
        stop_sandbox(sandbox)


def _accessible(page, name: str, found: dict) -> None:
    """A screenshot of the page as it is, and axe-core's serious or critical problems, if any."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    problems = axe_problems(page)
    if problems:
        found[name] = problems


def test_supervisor_handles_a_case_from_the_alert_link_on_a_phone(running):
    app, outbox = running
    found = {}
    filed = requests.post(
        f"{app}/api/complaints",
        json={
            "description": "The <b>ATM</b> kept my card and the branch refused to help",
            "phone": "+85291238900",
            "language": "en",
        },
    )
    reference = filed.json()["reference"]
    # On to 10:00 in Shanghai a day later: the acknowledgement is overdue and the staff quiet hours
    # (22:00-08:00), which would hold the late alert, are over, whenever the test runs.
    requests.post(f"{outbox}/advance", data={"hours": str(_hours_to_a_morning_a_day_later())})
    [alert] = [m for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+8613911110003"]
    link = re.search(r"http://\S+/s/[\w-]{22}", alert["body"]).group(0)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        phone = browser.new_context(locale="en-GB", bypass_csp=True, **VIEWPORTS["phone"])
        page = phone.new_page()
        page.goto(link)
        assert reference in page.text_content("h1")
        assert page.text_content("#words") == "The <b>ATM</b> kept my card and the branch refused to help"
        _accessible(page, "staff-1-opened", found)

        page.click("#acknowledge")
        expect(page.locator("#status")).to_have_text("Acknowledged")  # the page after the action
        # The reply box counts as the complainant will receive it: signed, in SMS segments, priced for
        # +852 (Twilio, free text; a mainland number would get the approved link text instead).
        page.fill("#reply-text", "We have your card; collect it at Pier Road from 2pm today.")
        assert page.text_content("#reply-meter") == "58 characters · 1 SMS · about USD 0.07"
        page.fill("#reply-text", "We checked every step of what happened at the machine. " * 10)
        assert page.text_content("#reply-meter").startswith(
            "549 characters: over 3 SMS, so the complainant gets a link"
        )
        assert "warning" in page.get_attribute("#reply-meter", "class")
        page.screenshot(path=str(ARTIFACTS / "staff-2-reply-meter.png"), full_page=False)
        page.fill("#reply-text", "We have your card; collect it at Pier Road from 2pm today.")
        page.click("#send-reply")
        expect(page.locator("#status")).to_have_text("Answered")  # the page after the action
        _accessible(page, "staff-3-replied", found)

        page.fill("#summary", "Card returned; the ATM was repaired and the branch apologised.")
        page.select_option("#validity", "valid")
        page.fill("#cause", "ATM card reader fault")
        page.check("#confirm-resolve")
        page.click("#resolve")
        expect(page.locator("#status")).to_have_text("Resolved")  # the page after the action
        assert page.locator("#resolve").count() == 0
        _accessible(page, "staff-4-resolved", found)
        browser.close()

    to_complainant = [
        m["body"] for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+85291238900"
    ]
    assert any("collect it at Pier Road" in body for body in to_complainant)
    assert any("the branch apologised" in body for body in to_complainant)
    assert found == {}, found


# Who signs in on which screen and in which language: each a person who may see a Pier Road case.
SIGN_INS = [
    ("chen.jing", "+8613911110001", "zh", "phone"),
    ("li.qiang", "+8613911110003", "en", "phone"),
    ("sun.li", "+8613911110005", "zh", "desktop"),
    ("he.jun", "+8613911110007", "en", "desktop"),
]
RESOLVED = {"zh": "已办结", "en": "Resolved"}


@pytest.mark.parametrize("staff_id,phone,lang,screen", SIGN_INS)
def test_staff_sign_in_through_the_texted_link_call_the_complainant_and_resolve(running, staff_id, phone, lang, screen):
    app, outbox = running
    found, name = {}, f"signin-{lang}-{screen}"
    complainant = f"+86138001{SIGN_INS.index((staff_id, phone, lang, screen)):02d}000"
    filed = requests.post(
        f"{app}/api/complaints",
        json={
            "description": "柜员拒绝办理取款，态度恶劣"
            if lang == "zh"
            else "The teller refused my withdrawal and was rude",
            "phone": complainant,
            "category": "service_attitude",
            "location": "码头路支行" if lang == "zh" else "Pier Road branch",
            "demands": "道歉" if lang == "zh" else "An apology",
            "language": lang,
        },
    )
    reference = filed.json()["reference"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-GB", bypass_csp=True, **VIEWPORTS[screen])
        page = context.new_page()
        page.goto(f"{app}/staff/cases/{reference}?lang={lang}")  # not signed in yet
        _accessible(page, f"{name}-0-needs-sign-in", found)
        page.click("#sign-in")
        _accessible(page, f"{name}-1-form", found)
        page.fill("#contact", phone)
        page.click("button[type=submit]")
        expect(page.locator("p[role=status]")).to_be_visible()
        _accessible(page, f"{name}-2-sent", found)

        texts = [m for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == phone]
        link = re.search(r"http://\S+/staff/sign-in/[\w-]+", texts[-1]["body"]).group(0)
        app = link.split("/staff/")[0]  # the public address the texts carry: the session cookie is for it
        page.goto(link)
        _accessible(page, f"{name}-3-link", found)  # opening the link only shows the button
        page.click("button[type=submit]")
        assert "/staff/home" in page.url
        _accessible(page, f"{name}-4-home", found)

        page.goto(f"{app}/staff/cases/{reference}?lang={lang}")
        assert reference in page.text_content("h1")
        assert page.locator("#phone a[href^='tel:']").count() == 0  # masked until asked for
        _accessible(page, f"{name}-5-case", found)
        page.click("#show-contact")
        expect(page.locator("#phone a")).to_have_attribute("href", f"tel:{complainant}")
        _accessible(page, f"{name}-6-contact", found)

        page.click("#acknowledge")  # what a new case needs first
        page.click("#more-actions > summary")  # resolving is folded until the complainant is answered
        page.fill("#summary", "已退款并道歉" if lang == "zh" else "Refunded and apologised")
        page.fill("#cause", "柜员差错" if lang == "zh" else "Teller error")
        page.click("#resolve")
        assert page.text_content("#status") != RESOLVED[lang]  # the browser asks for the tick first
        page.check("#confirm-resolve")
        page.click("#resolve")
        expect(page.locator("#status")).to_have_text(RESOLVED[lang])  # the page after the action
        _accessible(page, f"{name}-7-resolved", found)

        page.goto(f"{app}/staff/cases/HCB-000000000?lang={lang}")
        _accessible(page, f"{name}-8-not-found", found)
        page.goto(f"{app}/staff/home?lang={lang}")
        page.click("button[type=submit]")  # sign out
        expect(page.locator("#contact")).to_be_visible()  # back at the sign-in form
        page.goto(f"{app}/staff/cases/{reference}?lang={lang}")
        assert page.locator("#sign-in").count() == 1  # the session is gone
        browser.close()
    assert found == {}, found


def test_leadership_filters_the_overdue_queue_searches_and_assigns_two_cases(running):
    app, outbox = running
    found, name = {}, "queue-en-desktop"
    filed = []
    for number in range(3):
        response = requests.post(
            f"{app}/api/complaints",
            json={
                "description": f"Queue case {number}: the branch lost my documents",
                "phone": f"+8613900{number:02d}8000",
                "category": "service_attitude",
                "language": "en",
            },
        )
        filed.append(response.json()["reference"])
    requests.post(f"{outbox}/advance", data={"hours": "30"})  # all three are now past their acknowledgement
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB", bypass_csp=True, **VIEWPORTS["desktop"])
        page = context.new_page()
        page.goto(f"{app}/staff/sign-in?lang=en")
        page.fill("#contact", "+8613911110007")  # 何军, leadership
        page.click("button[type=submit]")
        texts = [m for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+8613911110007"]
        link = re.search(r"http://\S+/staff/sign-in/[\w-]+", texts[-1]["body"]).group(0)
        app = link.split("/staff/")[0]  # the public address: the session cookie is for it
        page.goto(link)
        page.click("button[type=submit]")
        page.click("#queue-link")
        expect(page.locator("#counts")).to_be_visible()
        _accessible(page, f"{name}-1-queue", found)

        page.select_option("#filter-due", "overdue")
        page.click("#apply-filters")
        page.wait_for_url(re.compile(r"[?&]due=overdue"))  # the filtered page, not the one before it
        shown = page.locator("#queue > li").evaluate_all("items => items.map(i => i.dataset.reference)")
        assert set(filed) <= set(shown)  # every one of them overdue, the longest overdue first
        assert page.locator("#queue > li.late").count() == len(shown)
        _accessible(page, f"{name}-2-overdue", found)

        page.fill("#q", "139-0001-8000")  # the second complainant's number, typed with dashes
        page.click("#search-button")
        page.wait_for_url(re.compile(r"[?&]q="))
        assert page.locator("#queue > li").evaluate_all("items => items.map(i => i.dataset.reference)") == [filed[1]]
        _accessible(page, f"{name}-3-search", found)

        page.goto(f"{app}/staff/cases?lang=en&due=overdue")
        page.check(f"#tick-{filed[0]}")
        page.check(f"#tick-{filed[2]}")
        page.select_option("#assign-to", "zhou.min")
        page.click("#assign")
        expect(page.locator("#assigned")).to_contain_text("Assigned to 周敏: 2.")
        _accessible(page, f"{name}-4-assigned", found)
        page.goto(f"{app}/staff/cases?lang=en&assignee=zhou.min")
        mine = page.locator("#queue > li").evaluate_all("items => items.map(i => i.dataset.reference)")
        assert {filed[0], filed[2]} <= set(mine) and filed[1] not in mine

        page.click("#new-case-link")  # a walk-in, registered on the complainant's behalf
        _accessible(page, f"{name}-5-new-case", found)
        accepted = page.input_value("#accepted_at")  # the form offers now, in the bank's zone
        page.fill("#accepted_at", "2020-01-01T09:00")  # years back, and nothing said: sent back with reasons
        page.click("#register")
        expect(page.locator("#accepted_at-error")).to_be_visible()
        expect(page.locator("#description-error")).to_be_visible()
        _accessible(page, f"{name}-5b-new-case-errors", found)
        page.fill("#accepted_at", accepted)
        page.select_option("#channel", "walk_in")
        page.fill("#description", "Came to the counter: the fee promised waived was charged")
        page.fill("#phone", "+85291230011")
        page.click("#register")
        expect(page.locator("#reference")).to_be_visible()
        walk_in = page.text_content("#reference").strip()
        _accessible(page, f"{name}-6-registered", found)
        page.click("#open-case")
        assert "Walk-in visit" in page.text_content("#details")
        photo = ARTIFACTS / "upload-receipt.png"  # a picture of the receipt the visitor brought
        page.screenshot(path=str(photo), clip={"x": 0, "y": 0, "width": 200, "height": 80})
        page.set_input_files("#upload-file", str(photo))
        page.click("#upload")  # straight to the bucket, then back to the case
        expect(page.locator("p.banner")).to_contain_text("The file is on the case.")
        expect(page.locator("#files img")).to_have_attribute("alt", "upload-receipt.png")
        page.wait_for_function("document.querySelector('#files img').naturalWidth === 200", timeout=10000)  # shown
        _accessible(page, f"{name}-6b-file-added", found)
        strict = browser.new_context(storage_state=context.storage_state(), **VIEWPORTS["desktop"])  # the real CSP
        checked = strict.new_page()
        refused = []
        checked.on(
            "console", lambda message: refused.append(message.text) if "Content Security" in message.text else None
        )
        checked.goto(page.url.split("?")[0])
        checked.wait_for_function("document.querySelector('#files img').naturalWidth === 200", timeout=10000)
        assert refused == []  # the picture comes through the page's own policy
        strict.close()
        page.goto(f"{app}/staff/register?lang=en")
        _accessible(page, f"{name}-7-register", found)
        browser.close()
    to_walk_in = [m for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+85291230011"]
    assert walk_in in to_walk_in[0]["body"]  # acknowledged, as the form offered by default
    assert found == {}, found
