"""Who may see a case: leadership everything, a unit head their unit and the units below, anyone
else what they are assigned to or named on; never a case that complains about them (回避)."""

import json

from chalicelib.staff.scopes import can_see


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
