"""The Twilio number's fallback endpoint: a REST API of its own in front of S3, with no Lambda
behind it, so it does not share the failure that sends Twilio there (the function timing out,
crashing, or answering 5xx). It keeps each request as Twilio sent it - the URL it signed, the
X-Twilio-Signature and the raw body - under spool/fallback/ in the stack's bucket, in the shape
chalicelib/store/spool.py reads, and answers static TwiML from the text catalogs: a text is told its
reference follows, a caller is asked to leave a message (whose report is kept the same way). The
spool replay files them once the function is well again."""

from chalicelib.edge.twilio import messaging_twiml
from chalicelib.intake import voice
from chalicelib.runtime.rendering import text

STAGE = "spool"
# API Gateway's mapping template (VTL): the fields of a SpooledDelivery; $context.path carries the
# stage, so the URL is the one Twilio signed.
REQUEST_TEMPLATE = (
    '{"received_ms": "$context.requestTimeEpoch", "route": "$context.resourcePath", '
    '"url": "https://$context.domainName$context.path", '
    '"signature": "$util.escapeJavaScript($input.params(\'X-Twilio-Signature\'))", '
    '"body": "$util.base64Encode($input.body)", "source": "fallback"}'
)


def as_api_gateway_stores(domain: str, route: str, signature: str, body: bytes, received_ms: int) -> dict:
    """The object API Gateway's mapping template writes for one request (for the sandbox's stand-in
    and the tests): the template itself, filled with the values API Gateway would put in."""
    import base64
    import json

    values = {
        "$context.requestTimeEpoch": str(received_ms),
        "$context.resourcePath": f"/{route}",
        "$context.domainName": domain,
        "$context.path": f"/{STAGE}/{route}",
        "$util.escapeJavaScript($input.params('X-Twilio-Signature'))": signature,
        "$util.base64Encode($input.body)": base64.b64encode(body).decode("ascii"),
    }
    document = REQUEST_TEMPLATE
    for variable, value in values.items():
        document = document.replace(variable, value)
    return json.loads(document)


def static_answers() -> dict[str, str]:
    """The TwiML each fallback route answers with, in both languages (no config is read there)."""
    both = "\n".join(str(text(language, "sms_spooled")) for language in ("zh", "en"))
    return {
        "sms": messaging_twiml(both).body,
        # relative: Twilio resolves it against this route's URL, .../spool/voice/recorded
        "voice": voice.holding("voice/recorded"),
        "voice/recorded": voice.holding_thanks(),
    }


def _method(resource: str, bucket: dict, twiml: str) -> dict:
    return {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": {"Ref": "FallbackApi"},
            "ResourceId": {"Ref": resource},
            "HttpMethod": "POST",
            "AuthorizationType": "NONE",
            "Integration": {
                "Type": "AWS",
                "IntegrationHttpMethod": "PUT",
                "Uri": {
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:apigateway:${AWS::Region}:s3:path/${Bucket}/spool/fallback/{object}",
                        {"Bucket": bucket},
                    ]
                },
                "Credentials": {"Fn::GetAtt": ["FallbackRole", "Arn"]},
                "PassthroughBehavior": "NEVER",
                "RequestParameters": {
                    "integration.request.path.object": "context.requestId",
                    "integration.request.header.Content-Type": "'application/json'",
                    "integration.request.header.x-amz-server-side-encryption": "'AES256'",
                },
                "RequestTemplates": {"application/x-www-form-urlencoded": REQUEST_TEMPLATE},
                "IntegrationResponses": [
                    {
                        "StatusCode": "200",
                        "ResponseTemplates": {"application/xml": twiml},
                        "ResponseParameters": {"method.response.header.Content-Type": "'application/xml'"},
                    }
                ],
            },
            "MethodResponses": [
                {"StatusCode": "200", "ResponseParameters": {"method.response.header.Content-Type": True}}
            ],
        },
    }


def resources(stack: str, bucket: dict, bucket_arn: dict) -> dict:
    """The API, its role (may only add objects under spool/fallback/), routes, deployment and stage."""
    answers = static_answers()
    routes = {"sms": ("FallbackSms", "sms", None), "voice": ("FallbackVoice", "voice", None)}
    routes["voice/recorded"] = ("FallbackVoiceRecorded", "recorded", "FallbackVoice")
    out = {
        "FallbackApi": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": f"{stack}-twilio-fallback",
                "Description": "Keeps Twilio's requests in S3 when the hotline's function cannot answer",
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
            },
        },
        "FallbackRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": f"{stack}-twilio-fallback",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["s3:PutObject"],
                                    "Resource": [{"Fn::Sub": ["${Arn}/spool/fallback/*", {"Arn": bucket_arn}]}],
                                }
                            ],
                        },
                    }
                ],
            },
        },
    }
    methods = []
    for route, (logical_id, part, parent) in routes.items():
        out[logical_id] = {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "FallbackApi"},
                "ParentId": {"Ref": parent} if parent else {"Fn::GetAtt": ["FallbackApi", "RootResourceId"]},
                "PathPart": part,
            },
        }
        out[f"{logical_id}Post"] = _method(logical_id, bucket, answers[route])
        methods.append(f"{logical_id}Post")
    out["FallbackDeployment"] = {
        "Type": "AWS::ApiGateway::Deployment",
        "DependsOn": methods,
        "Properties": {"RestApiId": {"Ref": "FallbackApi"}},
    }
    out["FallbackStage"] = {
        "Type": "AWS::ApiGateway::Stage",
        "Properties": {
            "RestApiId": {"Ref": "FallbackApi"},
            "DeploymentId": {"Ref": "FallbackDeployment"},
            "StageName": STAGE,
        },
    }
    return out


def url(route: str) -> dict:
    return {"Fn::Sub": f"https://${{FallbackApi}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{STAGE}/{route}"}
