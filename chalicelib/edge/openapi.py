"""The OpenAPI 3.1 description of the JSON API, served at `GET /api/openapi.json`: the request
schema is the intake's own pydantic model, so the description cannot drift from what is accepted;
each documented example is sent and checked in tests/test_api_intake.py."""

from functools import cache

_ERROR = {
    "type": "object",
    "required": ["status", "error", "message"],
    "properties": {
        "status": {"type": "integer", "description": "the HTTP status, again"},
        "error": {"type": "string", "description": "a stable code: invalid_json, unknown_fields, invalid_fields ..."},
        "message": {"type": "string", "description": "what is wrong, in words"},
        "fields": {
            "description": "the fields at fault: a list of unknown ones, or per field a code and a message",
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            ],
        },
        "accepted": {"type": "array", "items": {"type": "string"}, "description": "with unknown_fields"},
    },
}
_FILED = {
    "type": "object",
    "required": ["reference", "status", "received_at", "expected_response_by", "acknowledgements"],
    "properties": {
        "reference": {"type": "string", "pattern": "^[A-Z]{2,3}-\\d{9}$"},
        "status": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time"},
        "expected_response_by": {"type": ["string", "null"], "format": "date-time"},
        "acknowledgements": {"type": "array", "items": {"enum": ["sms", "email"]}},
    },
}
# Each request example with the status it gets; tests send every one.
REQUEST_EXAMPLES = {
    "complaint": (
        201,
        {
            "description": "The mobile app charged me twice for one transfer",
            "phone": "+8613800138010",
            "language": "en",
        },
    ),
    "unknown_field": (400, {"description": "The mobile app charged me twice", "colour": "red"}),
    "invalid_fields": (422, {"description": "?", "email": "not-an-address"}),
}
_REFUSALS = {
    400: "invalid JSON, unknown fields (listed, with the accepted ones) or a malformed Idempotency-Key",
    401: "an X-Api-Key that is not a key of this hotline",
    413: "a body over 64 KiB",
    415: "a Content-Type other than application/json",
    422: "fields that fail validation (each named), or an Idempotency-Key used before with another body",
    429: "too many complaints from this source this hour (Retry-After)",
}


@cache
def document() -> dict:
    from chalicelib.intake.submission import Submission

    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    filed = {"application/json": {"schema": {"$ref": "#/components/schemas/Filed"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Complaint hotline intake API", "version": "1"},
        "paths": {
            "/api/complaints": {
                "post": {
                    "summary": "File a complaint; answered with its reference",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "8-128 printable characters: the same key and body again replay the "
                            "first answer (200); the same key with another body is refused (422)",
                            "schema": {"type": "string", "minLength": 8, "maxLength": 128},
                        },
                        {
                            "name": "X-Api-Key",
                            "in": "header",
                            "required": False,
                            "description": "the institution's own systems: a key from `python -m infra api-key`",
                            "schema": {"type": "string"},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Complaint"},
                                "examples": {
                                    name: {"summary": f"answered {status}", "value": body}
                                    for name, (status, body) in REQUEST_EXAMPLES.items()
                                },
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "filed", "content": filed},
                        "200": {"description": "a replay of an Idempotency-Key: the first answer", "content": filed},
                        **{str(status): {"description": why, "content": error} for status, why in _REFUSALS.items()},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Complaint": Submission.model_json_schema(ref_template="#/components/schemas/{model}"),
                "Filed": _FILED,
                "Error": _ERROR,
            }
        },
    }
