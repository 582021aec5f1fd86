"""The sandbox page's "Staff workspace" section: links to the app's staff pages, and a row for each
person of the running institution's directory with a button that asks the app for a sign-in link
exactly as that person would (POST /staff/sign-in with their phone, or email if they have no
phone), then the newest link texted or emailed to them, found in the outbound messages the sandbox
collects. The links point at the app's public base URL, the host the session cookie is set for."""

import html
import re

import requests

LINK = re.compile(r"https?://[^\s<>\"']+/staff/sign-in/[A-Za-z0-9_-]{16,64}")
LIMITS = "3 links per person an hour, 20 requests an hour from one address (the sandbox is one address)"


def contact_of(member) -> str:
    """What the person types on the sign-in page: their phone, else their email."""
    return member.phone or member.email or ""


def roles(institution) -> dict[str, str]:
    """Staff id -> the first escalation level that names them (primary, backup or on duty)."""
    found: dict[str, str] = {}
    for level in institution.escalation.chain if institution.escalation else []:
        for staff_id in (level.primary, level.backup, *(duty.staff for duty in level.on_duty)):
            found.setdefault(staff_id, level.name.en)
    return found


def newest_link(member, sms: list[dict], emails: list[dict]) -> tuple[str, str] | None:
    """(the link, how and when it went) of the newest sign-in link sent to this person, or None."""
    for message in reversed(sms):
        found = LINK.search(message["body"]) if member.phone and message["to"] == member.phone else None
        if found:
            return found.group(0), f"texted {message.get('date_created', '')}"
    address = (member.email or "").lower()
    for email in reversed(emails):
        found = LINK.search(str(email["body"])) if address and address in str(email["to"]).lower() else None
        if found:
            return found.group(0), "emailed"
    return None


def ask_for_link(app_url: str, member, sms: list[dict], emails: list[dict]) -> dict:
    """The sign-in page's form, sent for this person; an entry for the page's log saying what came."""
    before = newest_link(member, sms, emails)
    answer = requests.post(f"{app_url}/staff/sign-in", data={"contact": contact_of(member)}, timeout=30)
    after = newest_link(member, sms, emails)
    if after is not None and after != before:
        heard = f"app answered {answer.status_code}; link {after[1]}: {after[0]}"
    else:
        heard = f"app answered {answer.status_code}, but no new link came (the limits: {LIMITS})"
    return {"what": f"Sign-in link asked for {member.name} ({member.id})", "sent": contact_of(member), "heard": [heard]}


def section(institution, public_url: str, sms: list[dict], emails: list[dict], usable=None) -> str:
    """The HTML of the section; `usable(token)`, if given, says whether a link can still be used."""
    if institution is None:
        return ""
    e, role_of = html.escape, roles(institution)
    rows = []
    for member in institution.staff:
        unit = institution.unit(member.unit)
        link = newest_link(member, sms, emails)
        shown = ""
        if link is not None:
            state = ""
            if usable is not None:
                state = " (unused)" if usable(link[0].rpartition("/")[2]) else " (used or expired)"
            shown = f'<br><a href="{e(link[0])}">{e(link[0])}</a><br><small>{e(link[1] + state)}</small>'
        rows.append(
            f"<tr><td>{e(member.name)}</td><td>{e(member.id)}</td><td>{e(contact_of(member))}</td>"
            f"<td>{e(unit.name.en if unit else member.unit or '')}</td><td>{e(role_of.get(member.id, ''))}</td>"
            f'<td><form class="row" method="post" action="/staff-link"><input type="hidden" name="staff" '
            f'value="{e(member.id)}"><button>sign-in link</button></form>{shown}</td></tr>'
        )
    base = public_url.rstrip("/")
    return f"""<section id="staff-workspace"><h2>Staff workspace</h2>
<p><a href="{e(base)}/staff/sign-in">{e(base)}/staff/sign-in</a> (sign in) &middot;
<a href="{e(base)}/staff/cases">{e(base)}/staff/cases</a> (the queue, once signed in).
"sign-in link" asks the app for a person's link as they would on the sign-in page; the newest link texted or
emailed to them shows beside it (valid 10 minutes, usable once; limits: {e(LIMITS)}; moving time on an hour
lifts them). Text the hotline from these numbers to use reply codes.</p>
<table><tr><th>Name</th><th>Id</th><th>Phone or email</th><th>Unit</th><th>Role</th><th>Sign in</th></tr>
{"".join(rows)}</table></section>"""


def console_lines(institution, public_url: str, page_url: str) -> str:
    """What the runner prints at start-up: where to sign in, and how to get a link (none is asked for)."""
    base = public_url.rstrip("/")
    lines = [
        f"  staff workspace    {base}/staff/sign-in (the queue: {base}/staff/cases)",
        f'  a sign-in link: "sign-in link" in the Staff workspace section of {page_url}/#staff-workspace,',
        "    or give one of these on the sign-in page (the link arrives as a text or email, listed there):",
    ]
    for member in institution.staff:
        unit = f", {member.unit}" if member.unit else ""
        lines.append(f"    {member.name} ({member.id}{unit}): {contact_of(member)}")
    return "\n".join(lines)
