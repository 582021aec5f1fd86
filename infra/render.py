"""From one institution file to what Chalice and CloudFormation need: the Chalice stage in
`.chalice/config.json` (environment, function sizes, autogen_policy off with a least-privilege
policy file per function) and a template that `chalice package --merge-template` merges into its own: the
table, the mail/media bucket, the SES receipt rule, alarms, log groups and outputs.
Pure functions from the config to dictionaries; `write` is the only one that touches files."""

import json
from dataclasses import dataclass
from pathlib import Path

from chalicelib.store.table import TTL_ATTRIBUTE, table_definition

from . import fallback
from .config import InstitutionFile
from .deployment import FUNCTION_NAMES, secrets_needed, stack_name

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "complaint-hotline"
# Chalice's logical ids for the four functions of app.py, and for their roles (one per function
# because each has its own policy file).
LOGICAL_IDS = {
    "api_handler": "APIHandler",
    "sla_sweep": "SlaSweep",
    "inbound_email": "InboundEmail",
    "transcribed": "Transcribed",
    "spool_replay": "SpoolReplay",
}
ROLE_IDS = {
    "api_handler": "ApiHandlerRole",
    "sla_sweep": "SlaSweepRole",
    "inbound_email": "InboundEmailRole",
    "transcribed": "TranscribedRole",
    "spool_replay": "SpoolReplayRole",
}
# Invoked asynchronously (SNS, EventBridge): what still fails after Lambda's retries is kept in
# a dead-letter queue instead of being dropped.
EVENT_FUNCTIONS = ("inbound_email", "transcribed")
PARTITION_REGION_ACCOUNT = {"${AWS::Partition}": "aws", "${AWS::Region}": "*", "${AWS::AccountId}": "*"}


@dataclass(frozen=True)
class Names:
    """Every physical name of one institution's stack starts with its stack name."""

    stack: str

    @classmethod
    def of(cls, slug: str) -> "Names":
        return cls(stack_name(slug))

    table = property(lambda self: self.stack)
    bucket = property(lambda self: f"{self.stack}-${{AWS::AccountId}}")  # global names: the account makes it ours
    mail_topic = property(lambda self: f"{self.stack}-inbound-mail")
    alarm_topic = property(lambda self: f"{self.stack}-alarms")
    failed_events = property(lambda self: f"{self.stack}-failed-events")
    receipt_rule = property(lambda self: f"{self.stack}-inbound")

    def function(self, name: str) -> str:
        return f"{self.stack}-{name.replace('_', '-')}"


def _arn(service: str, resource: str, regional: bool = True) -> str:
    where = "${AWS::Region}:${AWS::AccountId}" if regional else ":"
    return f"arn:${{AWS::Partition}}:{service}:{where}:{resource}"


def _secret_resource(reference: str) -> tuple[str, str]:
    from chalicelib.runtime.environment import secret_reference

    kind, name, _ = secret_reference(reference)
    if kind == "ssm":
        return "ssm:GetParameter", _arn("ssm", f"parameter{name}")
    return "secretsmanager:GetSecretValue", _arn("secretsmanager", f"secret:{name}-??????")


def policy_statements(config: InstitutionFile, function: str) -> list[dict]:
    """What one function may do, and nothing else: its own log group and this table; the bucket
    only where it reads mail (inbound_email), keeps media (the API's MMS and recordings, mail
    attachments) or reads transcripts (transcribed); the named Twilio secrets and sending mail as
    the institution's address for those that send messages (all but transcribed)."""
    names, slug = Names.of(config.institution.slug), config.institution.slug
    table = _arn("dynamodb", f"table/{names.table}")

    def bucket_access(sid: str, action: str, prefix: str) -> dict:
        return {
            "Sid": sid,
            "Effect": "Allow",
            "Action": [action],
            "Resource": [_arn("s3", f"{names.bucket}/{prefix}*", regional=False)],
        }

    statements = [
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [_arn("logs", f"log-group:/aws/lambda/{names.function(function)}:*")],
        },
        {
            "Sid": "CaseTable",
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:ConditionCheckItem",
            ],
            "Resource": [table, f"{table}/index/*"],
        },
    ]
    if function == "inbound_email":
        statements.append(bucket_access("ReadInboundMail", "s3:GetObject", "inbound/"))
    if function in ("inbound_email", "api_handler", "spool_replay"):
        statements.append(bucket_access("KeepMedia", "s3:PutObject", "media/"))
    if function == "api_handler":  # a Twilio delivery that cannot be filed in time
        statements.append(bucket_access("KeepInSpool", "s3:PutObject", "spool/"))
    if function == "spool_replay":
        statements += [
            bucket_access("ReadSpool", "s3:GetObject", "spool/"),
            bucket_access("EmptySpool", "s3:DeleteObject", "spool/"),
            bucket_access("SetAsideRefused", "s3:PutObject", "spool-refused/"),
            {
                "Sid": "ListSpool",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [_arn("s3", names.bucket, regional=False)],
                "Condition": {"StringLike": {"s3:prefix": ["spool/*"]}},
            },
        ]
    if function in ("api_handler", "spool_replay"):
        # Transcribe reads the recording and writes the transcript with the caller's rights.
        statements.append(bucket_access("RecordingsForTranscribe", "s3:GetObject", "media/voice/"))
        statements.append(
            {
                "Sid": "TranscribeChineseVoicemail",
                "Effect": "Allow",
                "Action": ["transcribe:StartTranscriptionJob"],
                "Resource": [_arn("transcribe", f"transcription-job/{names.table}-*")],
            }
        )
    if function in EVENT_FUNCTIONS:
        statements.append(
            {
                "Sid": "KeepFailedEvents",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [_arn("sqs", names.failed_events)],
            }
        )
    if function == "transcribed":
        statements.append(bucket_access("ReadTranscripts", "s3:GetObject", "media/transcripts/"))
        return statements
    secrets = sorted(
        {_secret_resource(config.deployment.secret(slug, name)) for name in secrets_needed(config.institution)}
    )
    statements.append(
        {
            "Sid": "ReadProviderCredentials",
            "Effect": "Allow",
            "Action": sorted({action for action, _ in secrets}),
            "Resource": sorted({resource for _, resource in secrets}),
        }
    )
    sender = config.institution.channels.email_address
    if sender:
        statements.append(
            {
                "Sid": "SendMailAsTheInstitution",
                "Effect": "Allow",
                "Action": ["ses:SendRawEmail"],
                "Resource": [_arn("ses", f"identity/{sender.partition('@')[2]}"), _arn("ses", f"identity/{sender}")],
                "Condition": {"StringEquals": {"ses:FromAddress": sender}},
            }
        )
    return statements


def _substituted(value, replace):
    if isinstance(value, dict):
        return {key: _substituted(item, replace) for key, item in value.items()}
    if isinstance(value, list):
        return [_substituted(item, replace) for item in value]
    if isinstance(value, str) and "${" in value:
        return replace(value)
    return value


def policy_document(config: InstitutionFile, function: str) -> dict:
    """The policy file Chalice requires when autogen_policy is off; account and region are not
    known before deployment, so they are wildcards here. The template's copy names them exactly."""

    def wildcard(text: str) -> str:
        for placeholder, value in PARTITION_REGION_ACCOUNT.items():
            text = text.replace(placeholder, value)
        return text

    return {"Version": "2012-10-17", "Statement": _substituted(policy_statements(config, function), wildcard)}


def policy_file_name(slug: str, function: str) -> str:
    return f"policy-{slug}-{function.replace('_', '-')}.json"


def chalice_stage(config: InstitutionFile) -> dict:
    institution, deployment = config.institution, config.deployment
    names = Names.of(institution.slug)
    environment = {
        "INSTITUTION": institution.slug,
        "TABLE_NAME": names.table,
        "MAIL_TOPIC": names.mail_topic,  # read by app.py when Chalice packages the SNS subscription
        **{f"{name.upper()}_REF": deployment.secret(institution.slug, name) for name in secrets_needed(institution)},
    }
    if deployment.public_base_url:
        environment["PUBLIC_BASE_URL"] = deployment.public_base_url
    if institution.channels.sms_number:
        environment["TWILIO_FROM"] = institution.channels.sms_number
    if institution.channels.email_address:
        environment["MAIL_FROM"] = institution.channels.email_address
    return {
        "api_gateway_stage": "api",
        "autogen_policy": False,
        "environment_variables": environment,
        "tags": {"institution": institution.slug},
        "lambda_functions": {
            name: {
                "lambda_memory_size": deployment.function(name).memory_mb,
                "lambda_timeout": deployment.function(name).timeout_seconds,
                "iam_policy_file": policy_file_name(institution.slug, name),
            }
            for name in FUNCTION_NAMES
        },
    }


def _sub(text: str):
    return {"Fn::Sub": text} if "${" in text else text


def _public_base_url() -> dict:
    return {
        "Fn::If": [
            "HasPublicBaseUrl",
            {"Ref": "PublicBaseUrl"},
            {"Fn::Sub": "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"},
        ]
    }


def _webhook(path: str, description: str) -> dict:
    return {"Description": description, "Value": {"Fn::Sub": [f"${{Base}}{path}", {"Base": _public_base_url()}]}}


def _alarm(
    name: str,
    what: str,
    namespace: str,
    metric: str,
    dimension: dict,
    statistic: str = "Sum",
    operator: str = "GreaterThanOrEqualToThreshold",
    missing: str = "notBreaching",
    threshold: float = 1,
) -> dict:
    """Over 5 minutes, against 1 (or `threshold`); to the alarm topic when it fires and when it clears."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": name,
            "AlarmDescription": what,
            "Namespace": namespace,
            "MetricName": metric,
            "Statistic": statistic,
            "Dimensions": [dimension],
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": operator,
            "TreatMissingData": missing,
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        },
    }


def _function_alarm(names: Names, function: str, metric: str, what: str, **how) -> dict:
    return _alarm(
        f"{names.function(function)}-{metric.lower()}",
        what,
        "AWS/Lambda",
        metric,
        {"Name": "FunctionName", "Value": {"Ref": LOGICAL_IDS[function]}},
        **how,
    )


def _table(names: Names, slug: str) -> dict:
    definition = table_definition(names.table)
    return {
        "Type": "AWS::DynamoDB::Table",
        # The complaint records: never deleted by a stack update or a deleted stack.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            **{
                key: definition[key]
                for key in ("TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
            },
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "DeletionProtectionEnabled": True,
            "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
            "Tags": [{"Key": "institution", "Value": slug}],
        },
    }


def _bucket(names: Names, config: InstitutionFile) -> dict:
    deployment = config.deployment
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": _sub(names.bucket),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "VersioningConfiguration": {"Status": "Enabled"},  # an overwritten or deleted mail can be recovered
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "raw-mail-and-media",
                        "Status": "Enabled",
                        "Transitions": [
                            {"StorageClass": "STANDARD_IA", "TransitionInDays": deployment.infrequent_access_after_days}
                        ],
                        "ExpirationInDays": deployment.mail_retention_days,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                    }
                ]
            },
            "Tags": [{"Key": "institution", "Value": config.institution.slug}],
        },
    }


def _bucket_policy(names: Names, rule_set: str) -> dict:
    bucket = _arn("s3", names.bucket, regional=False)
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "MailBucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "SesStoresInboundMail",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": {"Fn::Sub": f"{bucket}/inbound/*"},
                        "Condition": {
                            "StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "ArnLike": {
                                "AWS:SourceArn": {
                                    "Fn::Sub": _arn(
                                        "ses", f"receipt-rule-set/{rule_set}:receipt-rule/{names.receipt_rule}"
                                    )
                                }
                            },
                        },
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [{"Fn::Sub": bucket}, {"Fn::Sub": f"{bucket}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }


def _email_resources(names: Names, config: InstitutionFile) -> dict:
    address = config.institution.channels.email_address
    if not address:
        return {}
    rule_set = config.deployment.receipt_rule_set
    return {
        "MailBucketPolicy": _bucket_policy(names, rule_set),
        "InboundMailTopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "InboundMailTopic"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "SesNotifiesInboundMail",
                            "Effect": "Allow",
                            "Principal": {"Service": "ses.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": "InboundMailTopic"},
                            "Condition": {"StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
            },
        },
        "InboundMailRule": {
            "Type": "AWS::SES::ReceiptRule",
            "DependsOn": ["MailBucketPolicy", "InboundMailTopicPolicy"],
            "Properties": {
                "RuleSetName": rule_set,
                "Rule": {
                    "Name": names.receipt_rule,
                    "Enabled": True,
                    "ScanEnabled": True,
                    "TlsPolicy": "Optional",
                    "Recipients": [address],
                    "Actions": [
                        {
                            "S3Action": {
                                "BucketName": {"Ref": "MailBucket"},
                                "ObjectKeyPrefix": "inbound/",
                                "TopicArn": {"Ref": "InboundMailTopic"},
                            }
                        }
                    ],
                },
            },
        },
        # Sending as the institution: SES gives three DKIM records to publish (see the outputs).
        "SendingIdentity": {
            "Type": "AWS::SES::EmailIdentity",
            "Properties": {"EmailIdentity": address.partition("@")[2]},
        },
    }


def _function_overrides(names: Names, config: InstitutionFile) -> dict:
    environment = {"MAIL_BUCKET": _sub(names.bucket), "PUBLIC_BASE_URL": {"Ref": "PublicBaseUrl"}}
    resources = {}
    for function, logical_id in LOGICAL_IDS.items():
        log_group = f"{logical_id}LogGroup"
        resources[log_group] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{names.function(function)}",
                "RetentionInDays": config.deployment.log_retention_days,
            },
        }
        resources[logical_id] = {
            "DependsOn": [log_group],
            "Properties": {
                "FunctionName": names.function(function),
                "Environment": {"Variables": environment},
                # Chalice's config has no key for it. JSON: the runtime's own JSON formatter
                # writes each record's extra= keys (case reference, event, channel...) as
                # top-level fields and sets the root logger to ApplicationLogLevel, so INFO
                # lines reach CloudWatch (chalicelib/runtime/logs.py). SystemLogLevel WARN
                # drops the platform's START/END/REPORT lines (the AWS/Lambda metrics stay).
                "LoggingConfig": {
                    "LogFormat": "JSON",
                    "ApplicationLogLevel": "INFO",
                    "SystemLogLevel": "WARN",
                    "LogGroup": resources[log_group]["Properties"]["LogGroupName"],
                },
            },
        }
        # Lists replace Chalice's own in the merge: the policy with this account's exact ARNs.
        resources[ROLE_IDS[function]] = {
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": names.function(function),
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": _substituted(policy_statements(config, function), _sub),
                        },
                    }
                ]
            }
        }
    for function in EVENT_FUNCTIONS:
        resources[LOGICAL_IDS[function]]["Properties"]["DeadLetterQueue"] = {
            "Type": "SQS",
            "TargetArn": {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]},
        }
    # Chalice subscribes inbound_email to the topic named by MAIL_TOPIC (this stack's topic): the
    # function, and so its subscription, waits for the topic.
    resources["InboundEmail"]["DependsOn"].append("InboundMailTopic")
    return resources


def _dashboard(names: Names, slug: str) -> dict:
    """One page for the people who run the hotline: what came in by which channel, the alerts sent,
    what could not be delivered, and the functions' health."""
    from typing import get_args

    from chalicelib.model.literals import Channel

    def widget(title: str, metrics: list, x: int, y: int, stat: str = "Sum") -> dict:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": "${AWS::Region}",
                "stat": stat,
                "period": 3600,
                "metrics": metrics,
            },
        }

    functions = [names.function(function) for function in FUNCTION_NAMES]
    body = {
        "widgets": [
            widget(
                "Complaints filed, by channel",
                [
                    ["ComplaintHotline", "ComplaintsFiled", "Institution", slug, "Channel", channel]
                    for channel in get_args(Channel)
                ],
                0,
                0,
            ),
            widget(
                "Alert steps and messages given up",
                [
                    ["ComplaintHotline", "AlertSteps", "Institution", slug],
                    ["ComplaintHotline", "MessagesGivenUp", "Institution", slug],
                ],
                12,
                0,
            ),
            widget("Function errors", [["AWS/Lambda", "Errors", "FunctionName", name] for name in functions], 0, 6),
            widget(
                "Function duration (p99, ms)",
                [["AWS/Lambda", "Duration", "FunctionName", name] for name in functions],
                12,
                6,
                stat="p99",
            ),
            widget(
                "Failed events waiting",
                [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", names.failed_events]],
                0,
                12,
                stat="Maximum",
            ),
        ]
    }
    return {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {"DashboardName": names.stack, "DashboardBody": {"Fn::Sub": json.dumps(body)}},
    }


def merge_template(config: InstitutionFile) -> dict:
    institution, deployment = config.institution, config.deployment
    names = Names.of(institution.slug)
    resources = {
        "Table": _table(names, institution.slug),
        "MailBucket": _bucket(names, config),
        "InboundMailTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": names.mail_topic}},
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": names.alarm_topic}},
        **_email_resources(names, config),
        **_function_overrides(names, config),
        "FailedEventsQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": names.failed_events,
                "MessageRetentionPeriod": 1209600,
                "SqsManagedSseEnabled": True,
            },
        },
        "FailedEventsAlarm": _alarm(
            names.failed_events,
            "An email or transcript event failed after Lambda's retries and waits in the "
            "dead-letter queue: `python -m infra failed` lists and replays it.",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailedEventsQueue", "QueueName"]}},
            statistic="Maximum",
        ),
        # Counted by chalicelib/runtime/metrics.py in CloudWatch's embedded metric format.
        "MessagesGivenUpAlarm": _alarm(
            f"{names.stack}-messages-given-up",
            "A text or email to a complainant failed every attempt; the case "
            "shows it (message_not_delivered): someone should reach them another way.",
            "ComplaintHotline",
            "MessagesGivenUp",
            {"Name": "Institution", "Value": institution.slug},
        ),
        # A dead-man alarm from the sweep's own metric: it fires when no sweep finished in 5 minutes
        # (not invoked, crashing, or timing out), not only when none was invoked.
        "SweepNotCompletingAlarm": _alarm(
            f"{names.stack}-sweep-not-completing",
            "No deadline sweep completed in 5 minutes: reminders, escalations and retries are not going out.",
            "ComplaintHotline",
            "SweepsCompleted",
            {"Name": "Institution", "Value": institution.slug},
            operator="LessThanThreshold",
            missing="breaching",
        ),
        "ProviderCredentialsAlarm": _alarm(
            f"{names.stack}-provider-credentials-refused",
            "Twilio, Tencent Cloud SMS or SES refused our credentials (401/403: a suspended account or a "
            "rotated key): no text or email is going out; messages are kept and retried.",
            "ComplaintHotline",
            "ProviderCredentialsRefused",
            {"Name": "Institution", "Value": institution.slug},
        ),
        # The spool replay reports the age of the oldest delivery still waiting each minute (0 when the
        # spool is empty): older than 5 minutes, or no report at all (the replay is not running).
        "SpoolAgeAlarm": _alarm(
            f"{names.stack}-spool-waiting",
            "A text or call kept in the spool (DynamoDB or the function was failing) has waited more than 5 "
            "minutes to be filed, or the spool replay is not running: those complainants have no reference yet.",
            "ComplaintHotline",
            "SpoolOldestAgeSeconds",
            {"Name": "Institution", "Value": institution.slug},
            statistic="Maximum",
            operator="GreaterThanThreshold",
            missing="breaching",
            threshold=300,
        ),
        **fallback.resources(names.stack, _sub(names.bucket), {"Fn::GetAtt": ["MailBucket", "Arn"]}),
        "Dashboard": _dashboard(names, institution.slug),
        "SweepNotRunningAlarm": _function_alarm(
            names,
            "sla_sweep",
            "Invocations",
            "The deadline sweep has not run for 5 minutes: no reminders or escalations are being sent.",
            operator="LessThanThreshold",
            missing="breaching",
        ),
    }
    for function in FUNCTION_NAMES:
        resources[f"{LOGICAL_IDS[function]}ErrorsAlarm"] = _function_alarm(
            names,
            function,
            "Errors",
            f"{names.function(function)} failed at least once in 5 minutes; see its log group.",
        )
    if deployment.alarm_email:
        resources["AlarmEmail"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": deployment.alarm_email},
        }
    outputs = {
        "PublicBaseUrlInUse": {
            "Description": "Base of every public URL (Twilio signs requests to it)",
            "Value": _public_base_url(),
        },
        "TwilioSmsWebhook": _webhook("twilio/sms", "Twilio number > Messaging > A message comes in (HTTP POST)"),
        "TwilioVoiceWebhook": _webhook("twilio/voice", "Twilio number > Voice > A call comes in (HTTP POST)"),
        "TwilioSmsFallback": {
            "Description": "Twilio number > Messaging > Primary handler fails (HTTP POST)",
            "Value": fallback.url("sms"),
        },
        "TwilioVoiceFallback": {
            "Description": "Twilio number > Voice > Primary handler fails (HTTP POST)",
            "Value": fallback.url("voice"),
        },
        "WebFormUrl": _webhook("complaints/new", "The complaint form, for the institution's website"),
        "StatusPageUrl": _webhook("complaints/status", "Where complainants look up a reference"),
        "JsonIntakeUrl": _webhook("api/complaints", "POST complaints from the institution's own apps"),
        "TableName": {"Value": {"Ref": "Table"}},
        "MailBucketName": {"Value": {"Ref": "MailBucket"}},
        "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
        "DashboardUrl": {
            "Value": {
                "Fn::Sub": "https://console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}"
                f"#dashboards:name={names.stack}"
            }
        },
    }
    if institution.channels.email_address:
        domain = institution.channels.email_address.partition("@")[2]
        outputs["MxRecord"] = {
            "Description": f"MX record for {domain}",
            "Value": {"Fn::Sub": "10 inbound-smtp.${AWS::Region}.amazonaws.com"},
        }
        for number in (1, 2, 3):
            outputs[f"DkimRecord{number}"] = {
                "Description": f"CNAME record for sending as {domain}",
                "Value": {
                    "Fn::Join": [
                        " CNAME ",
                        [
                            {"Fn::GetAtt": ["SendingIdentity", f"DkimDNSTokenName{number}"]},
                            {"Fn::GetAtt": ["SendingIdentity", f"DkimDNSTokenValue{number}"]},
                        ],
                    ]
                },
            }
    return {
        "Parameters": {
            "PublicBaseUrl": {
                "Type": "String",
                "Default": deployment.public_base_url or "",
                "Description": "https://.../ that Twilio calls; empty until the first deployment tells the API URL",
            }
        },
        "Conditions": {"HasPublicBaseUrl": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicBaseUrl"}, ""]}]}},
        "Resources": resources,
        "Outputs": outputs,
    }


def build_dir_of(slug: str, root: Path = ROOT) -> Path:
    """build/<slug>/: the merge template, and package/ with the zip and sam.json."""
    return root / "build" / slug


@dataclass(frozen=True)
class Rendered:
    chalice_config: Path
    policies: list[Path]
    merge_template: Path


def write(config: InstitutionFile, root: Path = ROOT, build_dir: Path | None = None) -> Rendered:
    """Adds or replaces the institution's stage in `<root>/.chalice/config.json`, writes its policy
    files there, and the merge template under `build/<slug>/`."""
    slug = config.institution.slug
    chalice_dir = root / ".chalice"
    chalice_dir.mkdir(exist_ok=True)
    config_path = chalice_dir / "config.json"
    chalice_config = (
        json.loads(config_path.read_text())
        if config_path.exists()
        else {"version": "2.0", "app_name": APP_NAME, "stages": {}}
    )
    chalice_config.setdefault("stages", {})[slug] = chalice_stage(config)
    config_path.write_text(json.dumps(chalice_config, indent=2, ensure_ascii=False) + "\n")
    policies = []
    for function in FUNCTION_NAMES:
        policies.append(chalice_dir / policy_file_name(slug, function))
        policies[-1].write_text(json.dumps(policy_document(config, function), indent=2) + "\n")
    out = build_dir or build_dir_of(slug, root)
    out.mkdir(parents=True, exist_ok=True)
    template_path = out / "resources.json"
    template_path.write_text(json.dumps(merge_template(config), indent=2, ensure_ascii=False) + "\n")
    return Rendered(config_path, policies, template_path)
