"""Malformed requests get a clear 4xx answer, never a 500, and lose nothing."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import FORM_HEADERS, form_body


def test_oversized_form_body_gets_413(client, moto_store):
    response = client.http.post("/complaints?lang=en", headers=FORM_HEADERS, body=form_body(description="x" * 70_000))
    assert response.status_code == 413
    assert "too large" in response.body.decode()


def test_oversized_json_body_gets_413(client, moto_store):
    response = client.http.post(
        "/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps({"description": "x" * 70_000})
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "path,content_type",
    [
        ("/complaints", "application/json"),
        ("/complaints", "text/plain"),
        ("/api/complaints", "application/x-www-form-urlencoded"),
        ("/api/complaints", "multipart/form-data"),
    ],
)
def test_wrong_content_type_gets_415(client, moto_store, path, content_type):
    response = client.http.post(path, headers={"Content-Type": content_type}, body="description=hello")
    assert response.status_code == 415


@pytest.mark.parametrize("body", [b"{", b"[1,2]", b"\xff\xfe\x00", b"null", b'"text"'])
def test_malformed_json_gets_400(client, moto_store, body):
    response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"}, body=body)
    assert response.status_code == 400
    assert json.loads(response.body)["error"] == "invalid_json"


def test_text_too_long_for_the_institution_is_a_field_error(client, moto_store, institution):
    response = client.http.post(
        "/complaints?lang=en",
        headers=FORM_HEADERS,
        body=form_body(description="y" * (institution.intake.max_text_chars + 1)),
    )
    assert response.status_code == 422
    assert f"at most {institution.intake.max_text_chars} characters" in response.body.decode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "description",
                "phone",
                "email",
                "type",
                "category",
                "anonymous",
                "language",
                "name",
                "form_token",
                "extra",
                "ref",
                "contact",
            ]
        ),
        st.text(max_size=300),
        max_size=8,
    ),
    raw=st.binary(max_size=200),
)
def test_no_form_input_causes_a_server_error(client, moto_store, twilio, fields, raw):
    for body in (form_body(**fields), raw):
        for path in ("/complaints", "/complaints/status"):
            response = client.http.post(path, headers=FORM_HEADERS, body=body)
            assert response.status_code < 500, response.body[:500]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=10,
    )
)
def test_no_json_input_causes_a_server_error(client, moto_store, twilio, document):
    for body in (document, {"description": document}, {"description": "Fee charged twice", "phone": document}):
        response = client.http.post(
            "/api/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(body)
        )
        assert response.status_code < 500, response.body[:500]


TWILIO_FIELDS = [
    "From",
    "To",
    "Body",
    "MessageSid",
    "CallSid",
    "Digits",
    "RecordingUrl",
    "RecordingSid",
    "RecordingDuration",
    "TranscriptionText",
    "TranscriptionStatus",
    "CallStatus",
    "MessageStatus",
    "ErrorCode",
    "NumMedia",
    "MediaUrl0",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(st.sampled_from(TWILIO_FIELDS), st.text(max_size=40), max_size=10),
    query=st.dictionaries(st.sampled_from(["lang", "category", "m"]), st.text(max_size=10), max_size=2),
)
def test_no_signed_twilio_input_causes_a_server_error(client, moto_store, twilio, params, query):
    from support import twilio_post

    for path in (
        "/twilio/sms",
        "/twilio/status",
        "/twilio/voice",
        "/twilio/voice/language",
        "/twilio/voice/category",
        "/twilio/voice/recorded",
        "/twilio/voice/transcription",
        "/twilio/voice/status",
    ):
        response = twilio_post(client, path, params, query=query or None)
        assert response.status_code < 500, (path, response.body[:500])


@pytest.mark.parametrize("digits", ["²", "١", "３", "99999999999999999999"])
def test_keys_that_python_calls_digits_but_are_not_0_to_9_choose_nothing(client, moto_store, twilio, digits):
    """Found by the fuzzing above: "²".isdigit() is True and int("²") fails; a keypad sends 0-9 only."""
    from support import twilio_post

    params = {"CallSid": "CA" + "1" * 32, "From": "+8613800138999", "Digits": digits, "RecordingDuration": digits}
    for path in ("/twilio/voice/category", "/twilio/voice/recorded"):
        assert twilio_post(client, path, params, query={"lang": "en"}).status_code == 200, path


def test_a_complaint_filed_while_dynamodb_throttles_its_transaction_is_stored_once(client, moto_store, twilio):
    """Two throttled tries of the filing transaction (which botocore itself does not retry): the
    third goes through within the budget, and the complaint is stored and acknowledged once."""
    import json

    from chalicelib.edge import dependencies as context
    from support import fail_calls

    refused = fail_calls(
        context.store().client, "TransactWriteItems", 2, "TransactionCanceledException", ["ThrottlingError", "None"]
    )
    filed = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"description": "Filed while the table was throttling", "phone": "+8613800138444"}),
    )
    assert filed.status_code == 201 and len(refused) == 2
    reference = json.loads(filed.body)["reference"]
    assert moto_store.cases.get(reference) is not None
    assert moto_store.cases.open_for_contact("+8613800138444") == [reference]
    assert len(twilio.sent_to("+8613800138444")) == 1


def test_the_store_clients_answer_within_the_webhook_budget():
    """botocore's 60-second defaults would outlive Twilio's 15-second webhook timeout."""
    from chalicelib.runtime.environment import client_config

    dynamodb = client_config("dynamodb")
    assert dynamodb.connect_timeout + dynamodb.read_timeout <= 5
    assert dynamodb.retries == {"mode": "standard", "total_max_attempts": 3}  # 3 in all, the first included
    worst = (dynamodb.connect_timeout + dynamodb.read_timeout) * dynamodb.retries["total_max_attempts"]
    assert worst < 15
