"""Staff register a complaint on someone's behalf (a walk-in, a letter, a fax, a referral): the
clocks count from the acceptance time they enter, which may not be in the future nor further back
than the institution allows; the case records who entered it, the referrer and the referrer's
deadline; the acknowledgement goes out only when asked; a bad form comes back as typed."""

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
import time_machine

from support import FORM_HEADERS, signed_in_cookie

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Shanghai


@pytest.fixture
def signed(client, twilio, institution):
    with time_machine.travel(NOW, tick=False):
        return {"Cookie": signed_in_cookie(client, twilio, institution.staff_member("chen.jing").phone)}


def _register(client, who, **fields):
    with time_machine.travel(NOW, tick=False):
        form = client.http.get("/staff/new-case?lang=en", headers=who).body.decode()
        hidden = {name: re.search(rf'name="{name}" value="([^"]*)"', form).group(1) for name in ("csrf", "form_token")}
        return client.http.post(
            "/staff/new-case?lang=en", headers={**FORM_HEADERS, **who}, body=urlencode({**hidden, **fields})
        )


def test_a_walk_in_registered_yesterday_afternoon_counts_from_then_and_names_who_entered_it(
    client, moto_store, twilio, signed
):
    answer = _register(
        client,
        signed,
        channel="walk_in",
        accepted_at="2026-11-24T15:30",  # Tuesday 15:30 local: the visit, entered the next morning
        name="Zhao Lei",
        phone="138 0013 8111",
        description="Came to the counter: the branch charged a fee it had promised to waive",
        category="service_attitude",
        acknowledge="yes",
    )
    body = answer.body.decode()
    assert answer.status_code == 200
    reference = re.search(r'id="reference">([A-Z]{3}-\d{9})<', body).group(1)
    case = moto_store.cases.get(reference)
    assert case.channel == "walk_in" and case.received_at == datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc)
    assert case.clock("acknowledge").due_at == case.received_at + timedelta(hours=24)
    [entered] = [e for e in moto_store.cases.timeline(reference) if e.kind == "registered_by_staff"]
    assert entered.actor == "staff:chen.jing" and entered.at == NOW
    [acknowledgement] = twilio.sent_to("+8613800138111")
    assert reference in acknowledgement["body"]
    with time_machine.travel(NOW, tick=False):
        page = client.http.get(f"/staff/cases/{reference}?lang=en", headers=signed).body.decode()
    assert "Walk-in visit" in page and "Registered by staff on the complainant&#39;s behalf" in page


def test_a_referral_carries_its_referrer_and_deadline_and_goes_unacknowledged_when_asked(
    client, moto_store, twilio, signed
):
    answer = _register(
        client,
        signed,
        channel="referral",
        accepted_at="2026-11-25T09:00",
        referrer="Regional banking regulator, case R-2211",
        referrer_deadline="2026-11-27",
        phone="+8613800138222",
        description="Referred: a customer says the branch refused to open an account for her",
    )
    reference = re.search(r'id="reference">([A-Z]{3}-\d{9})<', answer.body.decode()).group(1)
    case = moto_store.cases.get(reference)
    assert case.referrer == "Regional banking regulator, case R-2211"
    assert case.referrer_deadline == datetime(2026, 11, 27, 15, 59, tzinfo=timezone.utc)  # 23:59 local
    assert case.clock("resolve").due_at <= case.referrer_deadline  # the referrer's deadline binds
    assert twilio.sent_to("+8613800138222") == []  # no acknowledgement was asked for
    assert "No acknowledgement was sent" in answer.body.decode()


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"accepted_at": "2026-11-25T11:00"}, "accepted_at", "cannot be in the future"),
        ({"accepted_at": "2026-11-10T11:00"}, "accepted_at", "further back than staff may date"),
        ({"accepted_at": "yesterday"}, "accepted_at", "Enter a date and time"),
        ({"channel": "referral"}, "referrer", "needs the name of who referred it"),
        ({"channel": "telegram"}, "channel", ""),
        ({"referrer_deadline": "2026-11-01"}, "referrer_deadline", "before the acceptance"),
    ],
)
def test_a_bad_form_comes_back_as_typed_with_the_field_named_and_nothing_filed(
    client, moto_store, twilio, signed, fields, field, message
):
    typed = {
        "channel": "letter",
        "accepted_at": "2026-11-24T09:00",
        "description": "A letter about the closed branch at Harbour Street",
        **fields,
    }
    answer = _register(client, signed, **typed)
    body = answer.body.decode()
    assert answer.status_code == 422
    assert f'id="{field}-error"' in body and message in body
    assert "A letter about the closed branch at Harbour Street</textarea>" in body
    assert not [item for item in moto_store.table.scan()["Items"] if item["PK"].startswith("CASE#")]


def test_the_form_needs_a_session_and_its_own_token(client, moto_store, twilio, signed):
    with time_machine.travel(NOW, tick=False):
        assert client.http.get("/staff/new-case").status_code == 401
        forged = client.http.post(
            "/staff/new-case",
            headers={**FORM_HEADERS, **signed},
            body=urlencode({"csrf": "0" * 32, "channel": "letter", "description": "x" * 20}),
        )
    assert forged.status_code == 403
    fax = {"channel": "fax", "accepted_at": "2026-11-25T08:00", "description": "A fax about a lost cheque book"}
    with time_machine.travel(NOW, tick=False):
        form = client.http.get("/staff/new-case?lang=en", headers=signed).body.decode()
        hidden = {name: re.search(rf'name="{name}" value="([^"]*)"', form).group(1) for name in ("csrf", "form_token")}
        answers = [
            client.http.post("/staff/new-case", headers={**FORM_HEADERS, **signed}, body=urlencode({**hidden, **fax}))
            for _ in range(2)  # a second click on the same form
        ]
    references = {re.search(r'id="reference">([A-Z]{3}-\d{9})<', a.body.decode()).group(1) for a in answers}
    assert len(references) == 1 and moto_store.cases.get(references.pop()).channel == "fax"


def test_every_field_that_is_wrong_is_named_at_once(client, moto_store, twilio, signed):
    answer = _register(client, signed, channel="letter", accepted_at="2026-12-25T09:00", referrer_deadline="soon")
    body = answer.body.decode()
    assert answer.status_code == 422
    for field in ("accepted_at", "description", "referrer_deadline"):
        assert f'id="{field}-error"' in body, field
