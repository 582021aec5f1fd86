"""A real browser on a phone-sized screen: the supervisor opens the link from their alert SMS in
the running sandbox, acknowledges, replies and resolves. Screenshots go to test-artifacts/."""

import re

import requests
from playwright.sync_api import sync_playwright

from support import ROOT, start_sandbox, stop_sandbox, wait_for

ARTIFACTS = ROOT / "test-artifacts"
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


def test_supervisor_handles_a_case_from_the_alert_link_on_a_phone(tmp_path):
    from sandbox.dynamodb_local import free_port

    base = 20000 + free_port() % 20000
    app, outbox = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 4}"
    ARTIFACTS.mkdir(exist_ok=True)
    sandbox = start_sandbox(tmp_path, base)
    try:
        wait_for(f"{app}/complaints/new", process=sandbox)
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
            phone = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="en-GB",
            )
            page = phone.new_page()
            page.goto(link)
            assert reference in page.text_content("h1")
            assert page.text_content("#words") == "The <b>ATM</b> kept my card and the branch refused to help"
            page.screenshot(path=str(ARTIFACTS / "staff-1-opened.png"), full_page=True)

            page.click("#acknowledge")
            assert page.text_content("#status") == "Acknowledged"
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
            assert page.text_content("#status") == "Answered"
            page.screenshot(path=str(ARTIFACTS / "staff-3-replied.png"), full_page=True)

            page.fill("#summary", "Card returned; the ATM was repaired and the branch apologised.")
            page.select_option("#validity", "valid")
            page.fill("#cause", "ATM card reader fault")
            page.click("#resolve")
            assert page.text_content("#status") == "Resolved"
            assert page.locator("#resolve").count() == 0
            page.screenshot(path=str(ARTIFACTS / "staff-4-resolved.png"), full_page=True)
            browser.close()

        to_complainant = [
            m["body"] for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+85291238900"
        ]
        assert any("collect it at Pier Road" in body for body in to_complainant)
        assert any("the branch apologised" in body for body in to_complainant)
    finally:
        stop_sandbox(sandbox)
