"""One config file per institution becomes one isolated stack: validated with messages an
administrator can act on, rendered into a Chalice stage and a CloudFormation template that
cfn-lint accepts, deployed only with credentials, and synced into the table so a roster change
reaches the next alert without a redeploy."""

import json
import re
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import time_machine

from support import ROOT, TWILIO_SID, TWILIO_TOKEN, over_twilio, sms_params, twilio_post

EXAMPLES = ("harbour-city-bank", "riverside-hospital")
BANK = (ROOT / "infra/institutions/harbour-city-bank.yaml").read_text(encoding="utf-8")
NAME_KEYS = {
    "TableName",
    "BucketName",
    "TopicName",
    "AlarmName",
    "FunctionName",
    "LogGroupName",
    "PolicyName",
    "QueueName",
    "DashboardName",
}


def _template(packaged_stacks, slug) -> dict:
    return json.loads((packaged_stacks[slug] / "sam.json").read_text())


@pytest.mark.parametrize("slug", EXAMPLES)
def test_each_example_packages_into_a_template_cfn_lint_accepts(packaged_stacks, slug):
    from infra.package import lint

    checked = lint(packaged_stacks[slug] / "sam.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    resources = _template(packaged_stacks, slug)["Resources"]
    table = resources["Table"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST" and table["DeletionProtectionEnabled"] is True
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["due", "queue", "assigned"]
    assert resources["Table"]["DeletionPolicy"] == "Retain"
    bucket = resources["MailBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] >= 1825
    rule = resources["InboundMailRule"]["Properties"]["Rule"]
    assert rule["Actions"] == [
        {
            "S3Action": {
                "BucketName": {"Ref": "MailBucket"},
                "ObjectKeyPrefix": "inbound/",
                "TopicArn": {"Ref": "InboundMailTopic"},
            }
        }
    ]
    # Chalice's subscription of inbound_email points at this stack's topic, created before it.
    topic = resources["InboundMailTopic"]["Properties"]["TopicName"]
    subscription = resources["InboundEmail"]["Properties"]["Events"]["InboundEmailSnsSubscription"]
    assert subscription["Properties"]["Topic"]["Fn::Sub"].endswith(f":{topic}")
    assert "InboundMailTopic" in resources["InboundEmail"]["DependsOn"]
    alarms = {name: item["Properties"] for name, item in resources.items() if item["Type"] == "AWS::CloudWatch::Alarm"}
    assert {"APIHandlerErrorsAlarm", "SlaSweepErrorsAlarm", "InboundEmailErrorsAlarm", "TranscribedErrorsAlarm"} <= set(
        alarms
    )
    assert {"FailedEventsAlarm", "MessagesGivenUpAlarm"} <= set(alarms)
    assert alarms["MessagesGivenUpAlarm"]["Namespace"] == "ComplaintHotline"  # chalicelib/runtime/metrics.py counts it
    not_running = alarms["SweepNotRunningAlarm"]
    assert (not_running["MetricName"], not_running["TreatMissingData"]) == ("Invocations", "breaching")
    # Silence is caught too: no sweep completed (its own metric, missing data breaches), or a
    # provider refusing our credentials; both counted by the code (tests/test_outbox_delivery.py).
    dead_man = alarms["SweepNotCompletingAlarm"]
    assert (dead_man["MetricName"], dead_man["ComparisonOperator"], dead_man["TreatMissingData"]) == (
        "SweepsCompleted",
        "LessThanThreshold",
        "breaching",
    )
    assert alarms["ProviderCredentialsAlarm"]["MetricName"] == "ProviderCredentialsRefused"
    # The spool: its oldest waiting delivery over 5 minutes, or no report (tests/test_durable_intake.py counts it).
    spool = alarms["SpoolAgeAlarm"]
    assert (spool["MetricName"], spool["Statistic"], spool["Threshold"], spool["TreatMissingData"]) == (
        "SpoolOldestAgeSeconds",
        "Maximum",
        300,
        "breaching",
    )
    assert {"TwilioSmsFallback", "TwilioVoiceFallback"} <= set(_template(packaged_stacks, slug)["Outputs"])
    dashboard = json.loads(resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])
    assert ["ComplaintHotline", "ComplaintsFiled", "Institution", slug, "Channel", "sms"] in dashboard["widgets"][0][
        "properties"
    ]["metrics"]
    outputs = _template(packaged_stacks, slug)["Outputs"]
    assert outputs["TwilioSmsWebhook"]["Value"]["Fn::Sub"][0] == "${Base}twilio/sms"
    assert {"TwilioVoiceWebhook", "WebFormUrl", "MxRecord", "DkimRecord1"} <= set(outputs)


def test_cfn_lint_would_catch_a_broken_stack(packaged_stacks, tmp_path):
    """The lint is a real check: the same template with a SAM function and a table broken fails it."""
    from infra.package import lint

    template = _template(packaged_stacks, "harbour-city-bank")
    del template["Resources"]["Table"]["Properties"]["KeySchema"]
    template["Resources"]["SlaSweep"]["Properties"]["MemorySize"] = "lots"
    broken = tmp_path / "sam.json"
    broken.write_text(json.dumps(template))
    checked = lint(broken)
    assert checked.returncode != 0
    assert (
        "'KeySchema' is a required property" in checked.stdout and "'lots' is not of type 'integer'" in checked.stdout
    )


@pytest.mark.parametrize("slug", EXAMPLES)
def test_each_function_may_touch_only_its_own_institutions_resources(packaged_stacks, slug):
    resources = _template(packaged_stacks, slug)["Resources"]
    roles = {
        name: item["Properties"]["Policies"] for name, item in resources.items() if item["Type"] == "AWS::IAM::Role"
    }
    # The fallback endpoint's role may only add requests to the spool, nothing else.
    fallback = json.dumps(roles.pop("FallbackRole"))
    assert '"s3:PutObject"' in fallback and "/spool/fallback/*" in fallback and "dynamodb" not in fallback
    assert set(roles) == {"ApiHandlerRole", "SlaSweepRole", "InboundEmailRole", "TranscribedRole", "SpoolReplayRole"}
    for policies in roles.values():
        [policy] = policies
        statements = policy["PolicyDocument"]["Statement"]
        text = json.dumps(statements)
        assert '"*"' not in text and ":*:*" not in text and "dynamodb:*" not in text and "Scan" not in text
        assert f"table/hotline-{slug}" in text
    sweep = json.dumps(roles["SlaSweepRole"])
    assert "s3:" not in sweep  # the sweep never reads mail or media
    assert "s3:GetObject" in json.dumps(roles["InboundEmailRole"])
    for function in ("InboundEmail", "Transcribed"):  # what fails after Lambda's retries is kept
        assert resources[function]["Properties"]["DeadLetterQueue"]["TargetArn"] == {
            "Fn::GetAtt": ["FailedEventsQueue", "Arn"]
        }
        assert "sqs:SendMessage" in json.dumps(roles[f"{function}Role"])
    transcribed = json.dumps(roles["TranscribedRole"])  # reads transcripts, sends nothing
    assert "media/transcripts/*" in transcribed and "ssm:" not in transcribed and "ses:" not in transcribed
    assert f"transcription-job/hotline-{slug}-*" in json.dumps(roles["ApiHandlerRole"])
    # The webhooks only add to the spool; the replay reads, lists (spool/ alone) and empties it.
    assert "spool/*" in json.dumps(roles["ApiHandlerRole"]) and "s3:DeleteObject" not in json.dumps(
        roles["ApiHandlerRole"]
    )
    replay = json.dumps(roles["SpoolReplayRole"])
    assert "s3:DeleteObject" in replay and '"s3:prefix": ["spool/*"]' in replay
    # Transcribe's job events reach only this stack's function: the jobs carry the table's name.
    [rule] = resources["Transcribed"]["Properties"]["Events"].values()
    assert rule["Properties"]["Pattern"]["detail"]["TranscriptionJobName"] == [{"prefix": f"hotline-{slug}-"}]


def test_two_institutions_share_no_resource_names(packaged_stacks):
    def physical_names(template: dict) -> set[str]:
        found = set()

        def walk(value, key=None):
            if isinstance(value, dict):
                if key in NAME_KEYS and "Fn::Sub" in value:
                    found.add(value["Fn::Sub"])
                for child_key, child in value.items():
                    walk(child, child_key)
            elif isinstance(value, list):
                for child in value:
                    walk(child, key)
            elif key in NAME_KEYS and isinstance(value, str):
                found.add(value)

        walk(template["Resources"])
        for item in template["Resources"].values():
            if item["Type"] == "AWS::SES::ReceiptRule":
                found.add(item["Properties"]["Rule"]["Name"])
        return found

    bank, hospital = (physical_names(_template(packaged_stacks, slug)) for slug in EXAMPLES)
    assert len(bank) >= 15 and len(hospital) >= 15
    assert bank.isdisjoint(hospital), bank & hospital
    assert all("harbour-city-bank" in name for name in bank)


@pytest.mark.parametrize("slug", EXAMPLES)
def test_each_example_validates(slug, capsys):
    from infra.__main__ import main

    assert main(["validate", slug]) == 0
    assert f"{slug}.yaml: OK" in capsys.readouterr().out


@pytest.mark.parametrize("slug", EXAMPLES)
def test_committed_chalice_stages_are_what_render_produces(slug):
    from infra import config, render

    loaded = config.load_file(slug)
    committed = json.loads((ROOT / ".chalice/config.json").read_text())["stages"][slug]
    assert committed == render.chalice_stage(loaded), f"run `python -m infra render {slug}` and commit"
    stage = committed["environment_variables"]
    assert stage["TABLE_NAME"] == f"hotline-{slug}" and "TWILIO_AUTH_TOKEN" not in stage
    for function, settings in committed["lambda_functions"].items():
        policy = json.loads((ROOT / ".chalice" / settings["iam_policy_file"]).read_text())
        assert policy == render.policy_document(loaded, function)


# -- validation: one mistake at a time, each named with its file and field ------------------------
MISTAKES = {
    "chain role without a primary": (
        ("primary: sun.li, backup: zheng.hao", "backup: zheng.hao"),
        "escalation.chain.2.primary: Field required (missing)",
    ),
    "chain names someone not in the directory": (
        ("primary: sun.li,", "primary: sun.lee,"),
        "escalation.chain.2.primary: 'sun.lee' is not a staff id",
    ),
    "phone number that is not a number": (
        ('"+8613911110003"', '"+86139111"'),
        "staff.2.phone: not a valid phone number: '+86139111'",
    ),
    "phone number not in E.164": (
        ('"+8613911110003"', '"+86 139 1111 0003"'),
        "staff.2.phone: write phone numbers in E.164: '+8613911110003'",
    ),
    "hotline number not in E.164": (
        ('sms_number: "+8675512340000"', 'sms_number: "0755-1234-0000"'),
        "channels.sms_number: ",
    ),
    "mailbox that is not an address": (
        ("email_address: complaints@harbourcitybank.example", "email_address: complaints at harbourcitybank"),
        "channels.email_address: not a valid email address",
    ),
    "two people with one phone": (
        ('"+8613911110003"', '"+8613911110001"'),
        "staff: phone numbers used by more than one person ['+8613911110001']",
    ),
    "an on-duty weekday that does not exist": (
        ("on_duty: [{staff: duty.leader}]", "on_duty: [{staff: duty.leader, weekdays: [7]}]"),
        "escalation.chain.3.on_duty.0.weekdays.0: Input should be less than or equal to 6 (got 7)",
    ),
    "unit whose head is not staff": (
        ("head: li.qiang", "head: nobody"),
        "units.2.head: 'nobody' is not a staff id (every unit needs a head",
    ),
    "staff in a unit that is not declared": (
        ("unit: pier-road-branch}\n  - {id: zhou.min", "unit: moon-branch}\n  - {id: zhou.min"),
        "staff.0.unit: 'moon-branch' is not a unit under units",
    ),
    "deadline of zero": (
        ("acknowledge: {amount: 24, unit: hours}", "acknowledge: {amount: 0, unit: hours}"),
        "clocks.acknowledge.amount: Input should be greater than 0 (got 0)",
    ),
    "negative repeat": (
        (
            "respond: {remind_at_percent: [75], escalate_to: manager}",
            "respond: {remind_at_percent: [75], escalate_to: manager, repeat_every_hours: -2}",
        ),
        "escalation.respond.repeat_every_hours: Input should be greater than 0 (got -2)",
    ),
    "holiday outside the calendar's years": (
        ("holidays: [2026-12-31]", "holidays: [2062-12-31]"),
        "calendar.holidays.0: 2062-12-31 is outside the calendar's years 2026-2027",
    ),
    "holidays without years": (
        ("  years: [2026, 2027]", "  "),
        "calendar.years: required when holidays or make_up_workdays are listed",
    ),
    "escalation to a role the chain lacks": (
        ("escalate_to: director}", "escalate_to: president}"),
        "escalation.resolve.escalate_to: 'president' is not a role of the chain",
    ),
    "a secret written into the file": (
        ("twilio_auth_token: ssm:/hotline/harbour-city-bank/twilio-auth-token", "twilio_auth_token: 3f9a8b7c6d5e"),
        "deployment.twilio_auth_token: expected the name of where the secret is kept",
    ),
    "mail kept for less time than it takes to move it to infrequent access": (
        ("mail_retention_days: 1825", "mail_retention_days: 60"),
        "deployment.mail_retention_days: 60 must be more than infrequent_access_after_days (90)",
    ),
    "a misspelt setting": (
        ("mail_retention_days:", "mail_retension_days:"),
        "deployment.mail_retension_days: Extra inputs are not permitted",
    ),
    "own wording for a text the product does not have": (
        ("\n# Where and how the stack runs", "\ntexts: {en: {new_titel: Tell us}}\n# Where and how the stack runs"),
        "texts.en.new_titel: not a text of the product",
    ),
    "own wording that drops a placeholder": (
        (
            "\n# Where and how the stack runs",
            "\ntexts: {en: {error_too_long: Too long.}}\n# Where and how the stack runs",
        ),
        "texts.en.error_too_long: must use exactly the placeholders ['{max}']",
    ),
    "own acknowledgement without the reference": (
        (
            "\n# Where and how the stack runs",
            "\nmessages: {acknowledgement_sms: {en: 'Thanks, {{ institution }}'}}\n# Where and how the stack runs",
        ),
        "messages.acknowledgement_sms.en: must include {{ reference }}",
    ),
    "own acknowledgement too long for one text": (
        (
            "\n# Where and how the stack runs",
            "\nmessages: {acknowledgement_sms: {en: '{{ institution }} has your "
            "complaint, reference {{ reference }}, and will respond by {{ expected }}; thank you for telling us, we "
            "read every word, and we will call you if anything is unclear.'}}\n# Where and how the stack runs",
        ),
        "messages.acknowledgement_sms.en: 2 SMS segments with a typical reference and date, at most 1",
    ),
    "a time zone that does not exist": (
        ("timezone: Asia/Shanghai", "timezone: Asia/Shenzhen"),
        "calendar.timezone: unknown time zone 'Asia/Shenzhen'",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_kind_of_config_mistake_is_named_with_file_and_field(mistake, tmp_path):
    from infra.__main__ import main

    (old, new), expected = MISTAKES[mistake]
    assert old in BANK, old
    path = tmp_path / "bank.yaml"
    path.write_text(BANK.replace(old, new, 1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "infra", "validate", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}: ") and expected in result.stderr, result.stderr
    assert "3f9a8b7c6d5e" not in result.stderr  # a secret pasted by mistake is not echoed back
    path.write_text(BANK, encoding="utf-8")
    assert main(["validate", str(path)]) == 0


# -- the admin commands ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command", ["validate", "render", "package", "deploy", "sync", "urls", "new", "failed", "api-key"]
)
def test_every_admin_command_explains_itself(command):
    result = subprocess.run(
        [sys.executable, "-m", "infra", command, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0 and f"usage: python -m infra {command}" in result.stdout
    assert len(result.stdout.splitlines()) >= 5


def test_deploy_refuses_without_aws_credentials_and_deploys_nothing(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-m", "infra", "deploy", "harbour-city-bank"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 3
    assert "deploy needs AWS credentials" in result.stderr and "Nothing was deployed" in result.stderr
    assert not (ROOT / "build/harbour-city-bank/package/packaged.yaml").exists()


def test_deploy_plan_names_the_institutions_stack_and_deploys_twice_without_a_custom_domain(capsys):
    from infra.__main__ import main

    assert main(["deploy", "riverside-hospital", "--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert "aws cloudformation deploy --region ap-southeast-1 --stack-name hotline-riverside-hospital" in plan
    assert "CAPABILITY_IAM" in plan and "deploy again with PublicBaseUrl=" in plan
    assert "python -m infra sync riverside-hospital --region ap-southeast-1" in plan
    assert main(["deploy", "harbour-city-bank", "--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert "PublicBaseUrl=https://complaints.harbourcitybank.example/" in plan and "deploy again" not in plan


def _create_provider_secrets(region):
    import boto3

    secrets = boto3.client("secretsmanager", region_name=region)
    secrets.create_secret(
        Name="hotline/riverside-hospital/twilio", SecretString=json.dumps({"account_sid": "AC1", "auth_token": "t"})
    )
    tencent = {"secret_id": "AKID1", "secret_key": "k", "app_id": "1400000001", "callback_token": "c" * 40}
    secrets.create_secret(Name="hotline/riverside-hospital/tencent-sms", SecretString=json.dumps(tencent))


def test_deploy_checks_secrets_prepares_ses_deploys_again_with_the_api_url_and_syncs(monkeypatch, capsys):
    """The orchestration against moto's AWS: the AWS CLI calls themselves are recorded, not run."""
    import boto3
    from moto import mock_aws

    import infra.__main__ as cli
    from chalicelib.store.stores import Stores
    from chalicelib.store.table import create_table

    region, api_url = "ap-southeast-1", "https://abc123.execute-api.ap-southeast-1.amazonaws.com/api/"
    commands, packaged = [], []
    monkeypatch.setattr(cli.shutil, "which", lambda name: f"/usr/local/bin/{name}")
    monkeypatch.setattr(cli, "_package", lambda args: packaged.append(args.institution) or 0)
    monkeypatch.setattr(cli, "_run_aws", commands.append)

    def stack_outputs(session, slug):  # the stack exists once a deploy command has run
        from botocore.exceptions import ClientError

        if not any(command[:3] == ["aws", "cloudformation", "deploy"] for command in commands):
            raise ClientError(
                {"Error": {"Code": "ValidationError", "Message": f"Stack with id hotline-{slug} does not exist"}},
                "DescribeStacks",
            )
        return {"PublicBaseUrlInUse": api_url, "TableName": f"hotline-{slug}"}

    monkeypatch.setattr(cli, "_stack_outputs", stack_outputs)
    with mock_aws():
        assert cli.main(["deploy", "riverside-hospital"]) == 3
        refused = capsys.readouterr().err
        assert "secrets are not there yet" in refused and "aws secretsmanager create-secret" in refused
        assert commands == [] and packaged == []
        assert "--name hotline/riverside-hospital/tencent-sms" in refused  # its mainland profile's provider
        _create_provider_secrets(region)
        create_table(boto3.client("dynamodb", region_name=region), "hotline-riverside-hospital")  # as the stack does

        assert cli.main(["deploy", "riverside-hospital"]) == 0
        account = boto3.client("sts").get_caller_identity()["Account"]
        ses = boto3.client("ses", region_name=region)
        assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "complaint-hotline"
        boto3.client("s3", region_name=region).head_bucket(Bucket=f"hotline-artifacts-{account}-{region}")
        synced = Stores(boto3.resource("dynamodb", region_name=region).Table("hotline-riverside-hospital"))
        assert synced.config.get()["slug"] == "riverside-hospital"
    assert packaged == ["riverside-hospital"]
    deploys = [command for command in commands if command[:3] == ["aws", "cloudformation", "deploy"]]
    assert [command[command.index("--parameter-overrides") + 1] for command in deploys] == [
        "PublicBaseUrl=",
        f"PublicBaseUrl={api_url}",
    ]
    assert all("--stack-name" in command and "hotline-riverside-hospital" in command for command in deploys)
    assert f"Webhook  HTTP POST  {api_url}twilio/sms" in capsys.readouterr().out
    # Deploying the existing stack again keeps its URL from the first command on: one deploy.
    commands.clear()
    commands.append(["aws", "cloudformation", "deploy", "(earlier)"])
    with mock_aws():
        _create_provider_secrets(region)
        create_table(boto3.client("dynamodb", region_name=region), "hotline-riverside-hospital")
        assert cli.main(["deploy", "riverside-hospital"]) == 0
    redeploys = [command for command in commands[1:] if command[:3] == ["aws", "cloudformation", "deploy"]]
    assert [command[command.index("--parameter-overrides") + 1] for command in redeploys] == [
        f"PublicBaseUrl={api_url}"
    ]


def test_failed_events_are_listed_then_replayed_to_their_function(monkeypatch, capsys):
    """What inbound_email or transcribed could not handle after Lambda's retries is in the stack's
    dead-letter queue; the administrator sees it, fixes the cause, and replays it."""
    import boto3
    from moto import mock_aws

    import infra.__main__ as cli

    invoked = []
    monkeypatch.setattr(cli, "_invoke", lambda session, name, payload: invoked.append((name, json.loads(payload))))
    mail = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Message": json.dumps(
                        {"mail": {"source": "li.wei@example.com"}, "receipt": {"action": {"objectKey": "inbound/abc"}}}
                    )
                },
            }
        ]
    }
    transcript = {"source": "aws.transcribe", "detail": {"TranscriptionJobName": "hotline-riverside-hospital-CA1"}}
    with mock_aws():
        sqs = boto3.client("sqs", region_name="ap-southeast-1")
        url = sqs.create_queue(QueueName="hotline-riverside-hospital-failed-events")["QueueUrl"]
        for event in (mail, transcript):
            sqs.send_message(
                QueueUrl=url,
                MessageBody=json.dumps(event),
                MessageAttributes={
                    "ErrorMessage": {"DataType": "String", "StringValue": "Task timed out after 120.00 seconds"}
                },
            )
        assert cli.main(["failed", "riverside-hospital"]) == 0
        listed = capsys.readouterr()
        assert listed.out.count("Task timed out") == 2 and "inbound_email" in listed.out and "transcribed" in listed.out
        assert "li.wei@example.com" not in listed.out
        assert "2 failed event(s)" in listed.err and invoked == []
        assert cli.main(["failed", "riverside-hospital", "--replay"]) == 0
        assert "2 replayed" in capsys.readouterr().err
        assert sorted(name for name, _ in invoked) == [
            "hotline-riverside-hospital-inbound-email",
            "hotline-riverside-hospital-transcribed",
        ]
        assert mail in [payload for _, payload in invoked]
        assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []


def test_urls_say_what_to_paste_into_twilio_dns_and_ses(capsys):
    from infra.__main__ import main

    assert (
        main(["urls", "riverside-hospital", "--offline", "--base-url", "https://abc123.execute-api.example/api/"]) == 0
    )
    out = capsys.readouterr().out
    assert "Phone Numbers > +8657188880000" in out
    assert "A message comes in'     Webhook  HTTP POST  https://abc123.execute-api.example/api/twilio/sms" in out
    assert "A call comes in'        Webhook  HTTP POST  https://abc123.execute-api.example/api/twilio/voice" in out
    assert (
        "'Call status changes'             HTTP POST  https://abc123.execute-api.example/api/twilio/voice/status#ct="
        in out
    )
    # the fallback URLs come from the stack's outputs (offline: named, to be read after deploying)
    assert "'Primary handler fails'           HTTP POST  <stack output TwilioSmsFallback>" in out
    assert "riverside-hospital.example  MX  10 inbound-smtp.ap-southeast-1.amazonaws.com" in out
    assert "aws secretsmanager create-secret --region ap-southeast-1 --name hotline/riverside-hospital/twilio" in out
    # Its mainland numbers use Tencent Cloud SMS: the callbacks to register carry the token kept in Secrets Manager.
    token = "<the value of secretsmanager:hotline/riverside-hospital/tencent-sms#callback_token>"
    assert f"https://abc123.execute-api.example/api/tencent/sms/{token}" in out
    assert main(["urls", "riverside-hospital", "--offline"]) == 3  # no custom domain, not deployed: says so


def test_urls_after_deployment_show_the_stacks_own_dkim_records(monkeypatch, capsys):
    import infra.__main__ as cli

    outputs = {
        "PublicBaseUrlInUse": "https://complaints.harbourcitybank.example/",
        **{
            f"DkimRecord{n}": f"tok{n}._domainkey.harbourcitybank.example CNAME tok{n}.dkim.amazonses.com"
            for n in (1, 2, 3)
        },
    }
    monkeypatch.setattr(cli, "_stack_outputs", lambda session, slug: outputs)
    assert cli.main(["urls", "harbour-city-bank"]) == 0
    out = capsys.readouterr().out
    for n in (1, 2, 3):
        assert f"DNS  tok{n}._domainkey.harbourcitybank.example CNAME tok{n}.dkim.amazonses.com" in out
    assert "shown here once the stack exists" not in out
    assert "Alarms go to service-ops@harbourcitybank.example" in out


def test_new_scaffolds_a_valid_config_from_the_example(tmp_path, capsys):
    from infra import config
    from infra.__main__ import main

    assert (
        main(
            [
                "new",
                "east-river-water",
                "--name-zh",
                "东江水务",
                "--name-en",
                "East River Water",
                "--prefix",
                "ERW",
                "--dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    created = config.load_file(str(tmp_path / "east-river-water.yaml"))
    assert created.institution.slug == "east-river-water" and created.institution.reference_prefix == "ERW"
    assert (created.institution.name.zh, created.institution.name.en) == ("东江水务", "East River Water")
    assert created.deployment.twilio_auth_token == "ssm:/hotline/east-river-water/twilio-auth-token"
    assert created.deployment.public_base_url is None and created.deployment.alarm_email is None
    assert (
        main(["new", "east-river-water", "--name-zh", "x", "--name-en", "x", "--prefix", "ERW", "--dir", str(tmp_path)])
        == 3
    )  # never overwrites


# -- at run time: credentials from SSM / Secrets Manager, and a roster change without redeploy -------
@pytest.mark.parametrize("where", ["ssm", "secretsmanager"])
def test_twilio_credentials_are_read_from_where_the_config_names_them(where, client, moto_store, twilio, monkeypatch):
    import boto3

    from chalicelib.edge import dependencies as context

    if where == "ssm":
        ssm = boto3.client("ssm")
        ssm.put_parameter(Name="/hotline/hcb/twilio-account-sid", Value=TWILIO_SID, Type="SecureString")
        ssm.put_parameter(Name="/hotline/hcb/twilio-auth-token", Value=TWILIO_TOKEN, Type="SecureString")
        references = ("ssm:/hotline/hcb/twilio-account-sid", "ssm:/hotline/hcb/twilio-auth-token")
    else:
        boto3.client("secretsmanager").create_secret(
            Name="hotline/hcb/twilio", SecretString=json.dumps({"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN})
        )
        references = ("secretsmanager:hotline/hcb/twilio#account_sid", "secretsmanager:hotline/hcb/twilio#auth_token")
    for name, reference in zip(("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"), references, strict=False):
        monkeypatch.delenv(name)
        monkeypatch.setenv(f"{name}_REF", reference)
    context.reset()
    forged = twilio_post(client, "/twilio/sms", sms_params("+8613800138777", "ATM ate my card"), token="guessed")
    assert forged.status_code == 403
    accepted = twilio_post(client, "/twilio/sms", sms_params("+8613800138777", "ATM ate my card"))
    assert accepted.status_code == 200 and re.search(r"HCB-\d{9}", accepted.body.decode())
    # An acknowledgement by the REST API: the stand-in answers 401 unless the stored SID and token match.
    filed = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"description": "The app charged me twice", "phone": "+8613800138778", "language": "en"}),
    )
    assert filed.status_code == 201
    [text] = twilio.sent_to("+8613800138778")
    assert json.loads(filed.body)["reference"] in text["body"]


def test_synced_roster_change_reaches_the_next_alert_without_a_redeploy(
    client, local_store, twilio, tencent, tmp_path, monkeypatch
):
    """Riverside's handler role is answered at night by the night duty officer. A patient-safety
    incident filed at 22:00 is due for acknowledgement at 23:00, with a reminder at 22:30. Before
    then the administrator swaps tonight's duty to the weekend officer and syncs: the reminder goes
    to the weekend officer, and the night officer gets nothing."""
    from chalicelib.edge import dependencies as context
    from chalicelib.runtime import environment
    from infra.__main__ import main

    night_officer, weekend_officer = "+8613922220007", "+8613922220008"
    hospital = ROOT / "infra/institutions/riverside-hospital.yaml"
    path = tmp_path / "riverside-hospital.yaml"
    path.write_text(hospital.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["sync", str(path), "--table", local_store.name]) == 0
    context.reset()
    monday_22 = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    with time_machine.travel(monday_22, tick=False) as traveller:
        response = client.http.post(
            "/api/complaints",
            headers={"Content-Type": "application/json"},
            body=json.dumps(
                {
                    "description": "Wrong medicine given to my father on ward 5",
                    "phone": "+8613800138555",
                    "category": "incident",
                    "language": "en",
                }
            ),
        )
        assert response.status_code == 201, response.body
        reference = json.loads(response.body)["reference"]
        assert reference.startswith("RPH-")

        swapped = path.read_text(encoding="utf-8").replace(
            "on_duty: [{staff: duty.night}]             # the 24-hour",
            "on_duty: [{staff: duty.weekend}]  # the 24-hour",
        )
        assert swapped != path.read_text(encoding="utf-8")
        path.write_text(swapped, encoding="utf-8")
        assert main(["sync", str(path), "--table", local_store.name]) == 0
        later = environment.time.monotonic() + context.CONFIG_TTL_SECONDS + 1  # the per-container cache has expired
        monkeypatch.setattr(environment.time, "monotonic", lambda: later)

        traveller.move_to(datetime(2026, 11, 23, 14, 31, tzinfo=timezone.utc))
        event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])
        client.lambda_.invoke("sla_sweep", event)
    texts = {m["to"]: m["body"] for m in tencent.messages}  # mainland staff phones: Tencent Cloud SMS
    assert weekend_officer in texts and reference in texts[weekend_officer]
    assert night_officer not in texts


def test_an_institutions_own_wording_reaches_its_form_and_its_texts(client, moto_store, twilio):
    from chalicelib.edge import dependencies as context
    from infra import config

    # Over Twilio, where a text is the institution's own words; its mainland profile sends only the
    # templates the operators approved (tests/test_mainland_sms.py).
    hospital = over_twilio(config.load("riverside-hospital"))
    moto_store.config.put(json.loads(hospital.model_dump_json()))
    context.reset()
    form = client.http.get("/complaints/new?lang=en").body.decode()
    assert "Patient feedback and complaints" in form and "Make a complaint" not in form
    filed = client.http.post(
        "/api/complaints",
        headers={"Content-Type": "application/json"},
        body=json.dumps(
            {"description": "Waited five hours in outpatients", "phone": "+8613800138779", "language": "zh"}
        ),
    )
    reference = json.loads(filed.body)["reference"]
    [text] = twilio.sent_to("+8613800138779")
    assert text["body"].startswith(f"滨江医院：已收到您的意见，编号{reference}，将于") and text["body"].endswith(
        "急症请拨120。"
    )


def test_a_cold_container_that_cannot_read_the_table_answers_from_the_packaged_config(
    client, moto_store, monkeypatch, capsys
):
    """DynamoDB unreachable at the first request: the complaint form still shows, from the config
    `python -m infra package` put in the zip, and the fallback is logged and counted."""
    from botocore.exceptions import EndpointConnectionError

    from chalicelib.edge import dependencies as context
    from chalicelib.store.config import ConfigStore
    from infra.package import package_config

    package_config("harbour-city-bank")
    packaged = ROOT / "vendor" / "institution.json"
    try:
        assert json.loads(packaged.read_text())["slug"] == "harbour-city-bank"

        def unreachable(self):
            raise EndpointConnectionError(endpoint_url="https://dynamodb.ap-southeast-1.amazonaws.com/")

        monkeypatch.setattr(ConfigStore, "get", unreachable)
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "hotline-harbour-city-bank-api-handler")  # metrics on
        context.reset()
        form = client.http.get("/complaints/new?lang=en")
        assert form.status_code == 200 and "Harbour City Bank" in form.body.decode()
        out = capsys.readouterr().out
        assert '"config_from_package"' in out and '"ConfigFromPackage": 1' in out
    finally:
        packaged.unlink(missing_ok=True)
        context.reset()
