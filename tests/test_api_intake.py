"""The JSON intake API used by institution websites and apps."""

import json
import threading
from datetime import datetime, timezone

import pytest

from chalicelib.store.table import Once

JSON = {"Content-Type": "application/json"}


@pytest.fixture(params=["moto_store", "local_store"])
def store(request, twilio):
    return request.getfixturevalue(request.param)


def _post(client, document, **headers):
    return client.http.post("/api/complaints", headers={**JSON, **headers}, body=json.dumps(document))


def test_api_files_a_complaint_and_returns_201_with_the_reference(client, store, twilio):
    response = _post(
        client,
        {
            "description": "Mobile app charged me twice for one transfer",
            "phone": "+8613800138010",
            "category": "channel",
            "language": "en",
        },
    )
    assert response.status_code == 201
    answer = json.loads(response.body)
    case = store.cases.get(answer["reference"])
    assert case.channel == "api" and case.category == "channel"
    assert answer["acknowledgements"] == ["sms"]
    assert answer["reference"] in twilio.sent_to("+8613800138010")[0]["body"]


def test_same_idempotency_key_delivered_twice_yields_one_case(client, store, twilio):
    document = {"description": "Branch closed early without notice", "phone": "13800138011"}
    first = _post(client, document, **{"Idempotency-Key": "order-7781-complaint"})
    second = _post(client, document, **{"Idempotency-Key": "order-7781-complaint"})
    assert first.status_code == 201 and second.status_code == 200
    assert json.loads(first.body)["reference"] == json.loads(second.body)["reference"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(twilio.sent_to("+8613800138011")) == 1


def test_unknown_fields_are_refused_with_400_naming_them(client, store):
    response = _post(client, {"description": "Fee too high", "colour": "red", "priority": 1})
    assert response.status_code == 400
    answer = json.loads(response.body)
    assert answer["fields"] == ["colour", "priority"]
    assert "colour" in answer["message"] and "priority" in answer["message"]


def test_invalid_fields_are_named_with_a_reason(client, store):
    response = _post(client, {"description": "x", "email": "nobody@", "type": "praise"})
    assert response.status_code == 422
    fields = json.loads(response.body)["fields"]
    assert fields["email"]["code"] == "email_invalid"
    assert fields["description"]["code"] == "too_short"
    assert fields["type"]["code"] == "choice_invalid"


def _file_from_threads(table_name, institution, complaints, once=None) -> list[str]:
    """Each thread has its own boto3 session and store, as separate Lambda containers would."""
    from dataclasses import replace

    import boto3

    from chalicelib.edge import dependencies as context
    from chalicelib.intake.filing import file_complaint
    from chalicelib.store.stores import Stores

    references, errors = [], []
    barrier = threading.Barrier(len(complaints))

    def submit(complaint):
        try:
            store = Stores(boto3.session.Session().resource("dynamodb").Table(table_name))
            barrier.wait()
            filed = file_complaint(replace(context.current(), store=store), complaint, datetime.now(timezone.utc), once)
            references.append(filed.case.reference)
        except Exception as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(complaint,)) for complaint in complaints]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return references


def _complaint(text, phone=None):
    from chalicelib.model.case import Complainant, NewComplaint

    return NewComplaint(channel="api", description=text, complainant=Complainant(phone=phone, language="en"))


def test_concurrent_submissions_get_distinct_references_on_dynamodb_local(local_store, institution, twilio):
    references = _file_from_threads(
        local_store.name, institution, [_complaint(f"Queue complaint from customer {n}") for n in range(8)]
    )
    assert len(references) == 8 and len(set(references)) == 8


def test_concurrent_duplicates_of_one_idempotency_key_make_one_case_on_dynamodb_local(local_store, institution, twilio):
    complaint = _complaint("Retrying app sends the same complaint", "+8613800138012")
    references = _file_from_threads(local_store.name, institution, [complaint] * 6, Once("api", "app-retry-0001"))
    assert len(references) == 6 and len(set(references)) == 1
    assert len(twilio.sent_to("+8613800138012")) == 1


def test_the_institutions_own_systems_file_with_a_key_beyond_the_public_limit(client, moto_store, twilio, capsys):
    """The public may file 10 an hour from one address; the institution's app server, with a key,
    files at its own limit, and each case says which system sent it. A wrong or revoked key is
    refused (nothing stored); the key itself is shown once and never listed."""
    from infra.__main__ import main

    table = ["--table", moto_store.name]
    assert main(["api-key", "harbour-city-bank", "create", "--name", "mobile-app", "--per-hour", "12", *table]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("hk_") and len(key) > 40
    public = [_post(client, {"description": f"Public complaint {n}"}).status_code for n in range(11)]
    assert public[:10] == [201] * 10 and public[10] == 429
    keyed = [_post(client, {"description": f"From the app {n}"}, **{"X-Api-Key": key}) for n in range(13)]
    assert [r.status_code for r in keyed] == [201] * 12 + [429]
    reference = json.loads(keyed[0].body)["reference"]
    [via] = [e for e in moto_store.cases.timeline(reference) if e.kind == "received_from_client"]
    assert via.actor == "api:mobile-app"

    wrong = _post(client, {"description": "Guessing"}, **{"X-Api-Key": "hk_" + "x" * 43})
    assert wrong.status_code == 401 and json.loads(wrong.body)["error"] == "unknown_api_key"
    assert main(["api-key", "harbour-city-bank", "list", *table]) == 0
    listed = capsys.readouterr().out
    assert "mobile-app  12/hour" in listed and "active" in listed and key not in listed
    assert main(["api-key", "harbour-city-bank", "revoke", "--name", "mobile-app", *table]) == 0
    assert _post(client, {"description": "After revocation"}, **{"X-Api-Key": key}).status_code == 401


def test_every_refusal_has_one_json_shape_with_status_error_and_message(client, moto_store, twilio, monkeypatch):
    from chalicelib.edge import dependencies as context

    refused = {
        400: _post(client, {"description": "Charged twice for one transfer", "colour": "red"}),
        401: _post(client, {"description": "Charged twice for one transfer"}, **{"X-Api-Key": "not-a-key"}),
        413: client.http.post("/api/complaints", headers=JSON, body="x" * (64 * 1024 + 1)),
        415: client.http.post("/api/complaints", headers={"Content-Type": "text/plain"}, body="Charged twice"),
        422: _post(client, {"description": "?", "email": "nobody"}),
    }
    limited = context.current().institution.intake.model_copy(update={"submissions_per_source_per_hour": 0})
    monkeypatch.setattr(context, "current", lambda real=context.current: _with_intake(real(), limited))
    refused[429] = _post(client, {"description": "Charged twice for one transfer"})
    for status, response in refused.items():
        answer = json.loads(response.body)
        assert response.status_code == status, (status, answer)
        assert response.headers["Content-Type"].startswith("application/json")
        assert answer["status"] == status and answer["error"] and answer["message"], answer
    unknown = json.loads(refused[400].body)
    assert unknown["fields"] == ["colour"] and "description" in unknown["accepted"] and "phone" in unknown["accepted"]
    invalid = json.loads(refused[422].body)
    assert set(invalid["fields"]) == {"description", "email"} and "email" in invalid["message"]


def _with_intake(deps, intake):
    from dataclasses import replace

    return replace(deps, institution=deps.institution.model_copy(update={"intake": intake}))


def test_the_same_idempotency_key_with_another_body_is_refused_naming_the_key(client, store, twilio):
    first = {"description": "Charged twice for one transfer", "phone": "+8613800138011"}
    created = _post(client, first, **{"Idempotency-Key": "order-7781-complaint"})
    assert created.status_code == 201
    # The same complaint again, its keys in another order: a replay of the first answer.
    replay = _post(client, dict(reversed(list(first.items()))), **{"Idempotency-Key": "order-7781-complaint"})
    assert replay.status_code == 200 and json.loads(replay.body)["reference"] == json.loads(created.body)["reference"]
    other = _post(
        client,
        {"description": "A different complaint: the ATM kept my card"},
        **{"Idempotency-Key": "order-7781-complaint"},
    )
    answer = json.loads(other.body)
    assert other.status_code == 422 and answer["error"] == "idempotency_key_reused"
    assert "Idempotency-Key" in answer["fields"] and "Idempotency-Key" in answer["message"]


def test_the_served_openapi_description_is_valid_and_every_example_gets_its_documented_answer(
    client, moto_store, twilio
):
    from openapi_schema_validator import OAS31Validator
    from openapi_spec_validator import validate

    from chalicelib.edge.openapi import REQUEST_EXAMPLES

    served = client.http.get("/api/openapi.json")
    assert served.status_code == 200
    description = json.loads(served.body)
    validate(description)  # a valid OpenAPI 3.1 document

    def schema(node: dict) -> dict:  # the documented schemas name each other by "#/components/schemas/..."
        return description["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    operation = description["paths"]["/api/complaints"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    request_schema = OAS31Validator(schema(operation["requestBody"]["content"]["application/json"]["schema"]))
    assert set(examples) == set(REQUEST_EXAMPLES)
    for name, example in examples.items():
        status, _ = REQUEST_EXAMPLES[name]
        assert request_schema.is_valid(example["value"]) is (status == 201), name  # the schema agrees
        answer = _post(client, example["value"])
        assert answer.status_code == status, (name, answer.body)
        documented = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        OAS31Validator(schema(documented)).validate(json.loads(answer.body))
