"""Who may see a case: leadership everything, a unit head their unit and the units below, anyone
else what they are assigned to or named on; never a case that complains about them (回避)."""

import json

from chalicelib.staff.scopes import can_see
from support import signed_in_cookie


def _file(client, category: str, words: str, subject: str | None = None) -> str:
    body = {"description": words, "category": category, **({"subject": subject} if subject else {})}
    response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["reference"]


def test_each_level_sees_what_piles_up_below_it_and_nobody_sees_a_complaint_about_themselves(
    client, moto_store, twilio, institution
):
    branch = moto_store.cases.get(_file(client, "service_attitude", "The teller was rude to my mother"))
    product = moto_store.cases.get(_file(client, "product", "The savings product hid its fees"))
    about_li = moto_store.cases.get(
        _file(client, "service_attitude", "The branch head ignored my complaint", subject="李强")
    )

    def sees(staff_id):
        member = institution.staff_member(staff_id)
        return [can_see(institution, member, case) for case in (branch, product, about_li)]

    assert sees("chen.jing") == [True, False, True]  # the branch's handler: the branch's cases
    assert sees("li.qiang") == [True, False, False]  # the branch head, but never the one about him
    assert sees("sun.li") == [True, True, True]  # branch service management: the branch is below it
    assert sees("he.jun") == [True, True, True]  # leadership
    assert sees("duty.leader") == [True, True, True]  # on duty for the leadership level
    assert can_see(institution, None, branch) is False


def test_the_case_page_shows_a_case_in_scope_acts_on_it_and_hides_the_rest_as_404(
    client, moto_store, twilio, institution
):
    """Signed in, the branch's handler opens a branch case and acknowledges it from the page; a
    case outside their scope, one about the viewer (回避), an unknown and a malformed reference
    all answer the same 404; without a session, 401; a form without the session's token, 403."""
    import re

    from support import FORM_HEADERS, form_body

    branch = _file(client, "service_attitude", "The teller was rude to my mother at Pier Road")
    product = _file(client, "product", "The savings product hid its fees")
    about_li = _file(client, "service_attitude", "The branch head ignored my complaint", subject="李强")
    chen = {"Cookie": signed_in_cookie(client, twilio, institution.staff_member("chen.jing").phone)}
    page = client.http.get(f"/staff/cases/{branch}", headers=chen)
    body = page.body.decode()
    assert page.status_code == 200 and "The teller was rude to my mother" in body
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)
    version = re.search(r'name="version" value="(\d+)"', body).group(1)
    forged = client.http.post(
        f"/staff/cases/{branch}",
        headers={**FORM_HEADERS, **chen},
        body=form_body(csrf="0" * 32, version=version, action="acknowledge"),
    )
    assert forged.status_code == 403 and moto_store.cases.get(branch).status == "received"
    done = client.http.post(
        f"/staff/cases/{branch}",
        headers={**FORM_HEADERS, **chen},
        body=form_body(csrf=csrf, version=version, action="acknowledge"),
    )
    assert done.status_code == 200 and moto_store.cases.get(branch).status == "acknowledged"
    [event] = [e for e in moto_store.cases.timeline(branch) if e.kind == "acknowledged"]
    assert event.actor == "staff:chen.jing"
    li = {"Cookie": signed_in_cookie(client, twilio, institution.staff_member("li.qiang").phone)}
    hidden = [
        client.http.get(f"/staff/cases/{product}", headers=chen),
        client.http.get(f"/staff/cases/{about_li}", headers=li),
        client.http.get("/staff/cases/HCB-261100000", headers=chen),
        client.http.get("/staff/cases/not-a-reference", headers=chen),
    ]
    assert {r.status_code for r in hidden} == {404} and len({r.body for r in hidden}) == 1
    assert "孙" not in hidden[0].body.decode() and "hid its fees" not in hidden[0].body.decode()
    assert client.http.get(f"/staff/cases/{branch}").status_code == 401
    assert client.http.get(f"/staff/cases/{about_li}", headers=chen).status_code == 200  # the handler may


def test_contacts_are_masked_until_shown_and_each_showing_is_recorded_once_per_session(
    client, moto_store, twilio, institution
):
    import re

    from support import FORM_HEADERS, form_body

    body = {"description": "The teller was rude to my mother", "name": "王芳", "phone": "13800138901"}
    response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    reference = json.loads(response.body)["reference"]
    chen = {"Cookie": signed_in_cookie(client, twilio, institution.staff_member("chen.jing").phone)}
    page = client.http.get(f"/staff/cases/{reference}", headers=chen).body.decode()
    assert "王芳" in page and "*******8901" in page and "13800138901" not in page and "tel:" not in page

    def show(headers, page):
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        fields = form_body(csrf=csrf, version=version, action="show_contact")
        return client.http.post(f"/staff/cases/{reference}", headers={**FORM_HEADERS, **headers}, body=fields)

    shown = show(chen, page).body.decode()
    assert 'href="tel:+8613800138901"' in shown
    again = client.http.get(f"/staff/cases/{reference}", headers=chen).body.decode()
    assert "tel:+8613800138901" in again and 'id="show-contact"' not in again  # stays shown in this session
    show(chen, page)  # a second showing in the same session is not recorded again
    other = {"Cookie": signed_in_cookie(client, twilio, institution.staff_member("chen.jing").phone)}
    masked = client.http.get(f"/staff/cases/{reference}", headers=other).body.decode()
    assert "*******8901" in masked  # a new session starts masked
    show(other, masked)
    viewed = [e for e in moto_store.cases.timeline(reference) if e.kind == "contact_viewed"]
    assert [e.actor for e in viewed] == ["staff:chen.jing", "staff:chen.jing"]  # once per session
    assert len({e.data["grant"] for e in viewed}) == 2
