"""The README's first command: the sandbox serves the form, a complaint filed there is
acknowledged on the outbox page, and the data survives a restart."""

import html
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import requests

from chalicelib.model.references import find_references
from support import ROOT, start_sandbox, stop_sandbox, wait_for


def test_sandbox_files_a_complaint_shows_its_acknowledgement_and_keeps_it_across_restarts(tmp_path):
    from sandbox.dynamodb_local import free_port

    base = 20000 + free_port() % 20000
    app, outbox = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 4}"
    sandbox = start_sandbox(tmp_path, base)
    try:
        wait_for(f"{app}/complaints/new", process=sandbox)
        form = requests.get(f"{app}/complaints/new?lang=en").text
        token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
        filed = requests.post(
            f"{app}/complaints?lang=en",
            data={
                "form_token": token,
                "description": "Sandbox: the branch refused my passbook update",
                "phone": "13800138030",
                "email": "sandbox@example.com",
            },
        )
        reference = re.search(r'id="reference">([^<]+)<', filed.text).group(1)
        deadline = time.monotonic() + 30
        messages = {}
        while time.monotonic() < deadline and not (messages.get("sms") and messages.get("email")):
            messages = requests.get(f"{outbox}/messages.json").json()
            time.sleep(0.5)
        assert reference in messages["sms"][0]["body"] and reference in messages["email"][0]["subject"]
        # A mainland number: the acknowledgement went as the approved template through Tencent Cloud SMS.
        assert messages["sms"][0]["provider"] == "tencent" and messages["sms"][0]["template_id"] == "2100002"
        # The page's phone texts the hotline through the provider the user picks.
        requests.post(f"{outbox}/sms", data={"from": "+8613800138031", "body": "柜台服务差", "provider": "tencent"})
        [by_tencent] = [m for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+8613800138031"]
        assert by_tencent["template_id"] == "2100001" and by_tencent["body"].startswith("【海港银行】您的投诉已受理")
        home = requests.get(outbox).text
        assert reference in home and "refreshes itself" in home
        assert "陈静" in home and "+8613911110001" in home  # the example staff and their numbers
        assert re.search(r"<td>\d x (GSM-7|UCS-2), USD \d+\.\d{4}</td>", home)  # each text's segments and cost
        _sign_in_through_the_workspace_section(outbox, f"http://localhost:{base}")

        # The mailbox: mail sent to the local SMTP port is received as SES would and filed by inbound_email.
        import smtplib
        from email.message import EmailMessage

        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "Wang Fang <wang.fang@example.com>", "complaints@x.example", "ATM"
        mail.set_content("Sandbox mail: the ATM at Pier Road kept my card and nobody helped.")
        with smtplib.SMTP("127.0.0.1", base + 5, timeout=30) as smtp:
            smtp.send_message(mail)
        requests.post(
            f"{outbox}/email",
            data={"from": "li.na@example.com", "subject": "Fee", "body": "Sandbox form mail: fee charged twice"},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(requests.get(f"{outbox}/messages.json").json()["email"]) < 3:
            time.sleep(0.5)
        emails = requests.get(f"{outbox}/messages.json").json()["email"]
        assert {"wang.fang@example.com", "li.na@example.com"} <= {e["to"] for e in emails}  # both acknowledged
        [mailed] = find_references(next(e["subject"] for e in emails if e["to"] == "wang.fang@example.com"))
        assert "the ATM at Pier Road kept my card" in requests.get(f"{outbox}/case", params={"ref": mailed}).text

        # The page's phone: a signed text and a signed call walk through the real webhooks.
        requests.post(f"{outbox}/sms", data={"from": "+8613800138031", "body": "Sandbox text: fee charged twice"})
        requests.post(
            f"{outbox}/call",
            data={"from": "+8613800138032", "language": "2", "menu": "1", "words": "Sandbox call: rude teller"},
        )
        heard = requests.get(f"{outbox}/messages.json").json()["phone"]
        [call_reference] = find_references(" ".join(heard[0]["heard"]).replace(", ", ""))
        [text_reference] = find_references(heard[1]["heard"][0])
        case_page = requests.get(f"{outbox}/case", params={"ref": call_reference}).text
        assert "Sandbox call: rude teller" in case_page and "service_attitude" in case_page
        assert "Sandbox text: fee charged twice" in requests.get(f"{outbox}/case", params={"ref": text_reference}).text
        # A Chinese call: the recording goes to (the stand-in of) Amazon Transcribe, the words to the case.
        requests.post(
            f"{outbox}/call",
            data={"from": "+8613800138033", "language": "1", "menu": "1", "words": "沙盒来电：柜员态度很差"},
        )
        heard = requests.get(f"{outbox}/messages.json").json()["phone"][0]["heard"]
        assert "(Transcribe stand-in: transcribed)" in heard, heard
        [zh_reference] = find_references(" ".join(heard).replace(", ", "").replace("，", ""))
        assert "沙盒来电：柜员态度很差" in requests.get(f"{outbox}/case", params={"ref": zh_reference}).text
        deadline = time.monotonic() + 20  # the stand-in reports delivery through /twilio/status
        while (
            time.monotonic() < deadline
            and requests.get(f"{outbox}/messages.json").json()["sms"][0]["status"] != "delivered"
        ):
            time.sleep(0.5)
        assert requests.get(f"{outbox}/messages.json").json()["sms"][0]["status"] == "delivered"

        # Moving time on (the CLI): a day and a half later the supervisor has been alerted.
        moved = subprocess.run(
            [sys.executable, "-m", "sandbox.clock", "advance", "36h", "--port-base", str(base)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert moved.returncode == 0, moved.stderr
        assert "'alerts_recorded'" in moved.stdout
        # Without options it finds the running sandbox from its state folder; elsewhere it says what to pass.
        asked = subprocess.run(
            [sys.executable, "-m", "sandbox.clock", "--state", str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert asked.returncode == 0 and "(moved on 36 hours)" in asked.stdout, asked.stderr
        lost = subprocess.run(
            [sys.executable, "-m", "sandbox.clock", "--port-base", str(base + 10)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert lost.returncode == 1 and "--port-base N" in lost.stderr
        staff_texts = [m for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+8613911110003"]
        assert staff_texts and reference in " ".join(m["body"] for m in staff_texts)
        # One clock: the staff page (served by `chalice local`, another process) sees the moved time too.
        # 36 hours after filing, the 24-hour acknowledgement is 12 hours late (plus the seconds this test took).
        [alert] = [m["body"] for m in staff_texts if reference in m["body"]]
        link = re.search(r"http://\S+/s/[\w-]{22}", alert).group(0)
        staff_page = requests.get(link + "?lang=en").text
        assert re.search(r"acknowledgement: [^<]+\(overdue by 12h( 1min)?\)", staff_page), staff_page
    finally:
        console = stop_sandbox(sandbox)
    assert "[sms -> +8613800138030]" in console and "[scheduler] sla_sweep" in console
    assert "13800138030" not in console.replace("[sms -> +8613800138030]", "")  # logs mask contacts
    # Where staff sign in and how to get a link, printed at start-up (asking for none).
    assert f"staff workspace    http://localhost:{base}/staff/sign-in" in console
    assert "陈静 (chen.jing, pier-road-branch): +8613911110001" in console

    again = start_sandbox(tmp_path, base)
    try:
        wait_for(f"{app}/complaints/new", process=again)
        lookup = requests.post(f"{app}/complaints/status?lang=en", data={"ref": reference, "contact": "13800138030"})
        assert lookup.status_code == 200 and reference in lookup.text
        # Everything else survived too: the stored files (raw mail, the Chinese call's recording) and the
        # outbound log (texts, emails, what the page's phone heard).
        for kept in (mailed, zh_reference):
            case_page = requests.get(f"{outbox}/case", params={"ref": kept}).text
            locations = re.findall(r'href="/file\?location=([^"]+)"', case_page)
            assert locations, case_page
            for location in locations:
                assert requests.get(f"{outbox}/file", params={"location": html.unescape(location)}).content
        after = requests.get(f"{outbox}/messages.json").json()
        assert reference in after["sms"][0]["body"] and any(e["to"] == "wang.fang@example.com" for e in after["email"])
        assert any("Sandbox text" in entry["sent"] for entry in after["phone"])
    finally:
        stop_sandbox(again)


def _sign_in_through_the_workspace_section(outbox: str, public: str) -> None:
    """The page's "sign-in link" for 陈静 asks the app as she would; the link texted to her (through
    Tencent Cloud SMS: a mainland number) shows in her row, opens a button, and its POST signs in."""
    asked = requests.post(f"{outbox}/staff-link", data={"staff": "chen.jing"})
    assert asked.status_code == 200 and 'id="staff-workspace"' in asked.text  # 303 back to the section
    section = asked.text.partition('id="staff-workspace"')[2].partition("</section>")[0]
    assert f'href="{public}/staff/sign-in"' in section and f'href="{public}/staff/cases"' in section
    [row] = [row for row in section.split("<tr>") if "<td>chen.jing</td>" in row]
    assert "<td>陈静</td>" in row and "<td>+8613911110001</td>" in row and "Pier Road" in row
    [link] = re.findall(rf'href="({re.escape(public)}/staff/sign-in/[\w-]+)"', row)
    assert "(unused)" in row
    sign_in_texts = [m for m in requests.get(f"{outbox}/messages.json").json()["sms"] if "/staff/sign-in/" in m["body"]]
    [text] = sign_in_texts  # hers alone: start-up asks for nobody's link
    assert link in text["body"] and text["to"] == "+8613911110001" and text["provider"] == "tencent"
    assert requests.get(link).status_code == 200  # the button; opening spends nothing
    signed = requests.post(link, headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False)
    assert signed.status_code == 303 and signed.headers["Location"] == f"{public}/staff/home"
    assert signed.headers["Set-Cookie"].startswith("hotline_staff=")
    [row] = [row for row in requests.get(outbox).text.split("<tr>") if "<td>chen.jing</td>" in row]
    assert link in row and "(used or expired)" in row
    assert requests.post(link, headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 404


def _clock(tmp_path, *arguments):
    return subprocess.run(
        [sys.executable, "-m", "sandbox.clock", "--state", str(tmp_path), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_one_clock_from_a_known_time_for_pages_links_and_alerts_then_back_to_now(tmp_path):
    """Monday 23 Nov 2026 10:00 in Shanghai, 36 hours on: Tuesday 22:00. Worked by hand: the
    acknowledgement (24 h) was due Tuesday 10:00; the response (3 working days after Monday) is due
    at the close of Thursday 26 Nov, 17:30, so 1 day 19 hours 30 minutes are left, shown as "1d 19h"."""
    from sandbox.dynamodb_local import free_port

    base = 20000 + free_port() % 20000
    app, outbox = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 4}"
    sandbox = start_sandbox(tmp_path, base)
    try:
        wait_for(f"{app}/complaints/new", process=sandbox)
        assert _clock(tmp_path, "set", "2026-11-23T10:00:00+08:00").returncode == 0
        filed = requests.post(
            f"{app}/api/complaints",
            json={"description": "Sandbox: the app charged me twice", "phone": "+8613800138040", "language": "en"},
        )
        reference = filed.json()["reference"]
        assert filed.json()["received_at"].startswith("2026-11-23T02:00")  # the app saw the set time
        assert _clock(tmp_path, "advance", "36h").returncode == 0
        assert "sandbox time: 2026-11-24 14:0" in requests.get(outbox).text  # 22:00 in Shanghai
        [alert] = [
            m["body"] for m in requests.get(f"{outbox}/messages.json").json()["sms"] if m["to"] == "+8613911110003"
        ]
        assert re.search(rf"{reference}确认已超时12小时(1分)?（期限11月24日10:00）", alert), alert
        staff_page = requests.get(re.search(r"http://\S+/s/[\w-]{22}", alert).group(0) + "?lang=en").text
        assert "response: Thu 26 Nov 2026 17:30 (1d 19h left)" in staff_page
        assert re.search(r"acknowledgement: Tue 24 Nov 2026 10:00 \(overdue by 12h( 1min)?\)", staff_page)

        # Back to the machine's time: the data stays.
        assert _clock(tmp_path, "reset").returncode == 0
        assert abs(requests.get(f"{outbox}/clock.json").json()["offset_seconds"]) < 5
        lookup = requests.post(f"{app}/complaints/status?lang=en", data={"ref": reference, "contact": "13800138040"})
        assert lookup.status_code == 200 and reference in lookup.text

        # Days ahead of the machine, then back: what came in after the reset reads after, on the case.
        ahead = datetime.now(timezone.utc) + timedelta(days=3)
        assert _clock(tmp_path, "set", ahead.isoformat()).returncode == 0
        requests.post(f"{outbox}/sms", data={"from": "+8613800138040", "body": f"{reference} written days ahead"})
        assert _clock(tmp_path, "reset").returncode == 0
        requests.post(f"{outbox}/sms", data={"from": "+8613800138040", "body": f"{reference} written after the reset"})
        timeline = requests.get(f"{outbox}/case", params={"ref": reference}).text
        assert 0 < timeline.index("written days ahead") < timeline.index("written after the reset"), timeline
    finally:
        stop_sandbox(sandbox)
