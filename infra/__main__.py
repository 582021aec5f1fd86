"""Admin CLI: python -m infra <command> --help.

An institution is one config file (infra/institutions/<slug>.yaml) and one stack:
new -> validate -> render -> package -> deploy -> urls; later, `sync` for roster changes and
`failed` for events that failed after retries."""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from . import config
from .deployment import stack_name

INSTITUTION_HELP = "slug under infra/institutions/ or a path to a .yaml file"


class Refused(Exception):
    """The command cannot go on; the message says what to do."""


def _validate(args) -> int:
    loaded = config.load_file(args.institution)
    institution = loaded.institution
    print(
        f"{loaded.path}: OK ({institution.name.en}, prefix {institution.reference_prefix}, "
        f"{len(institution.staff)} staff, stack {stack_name(institution.slug)} in {loaded.deployment.region})"
    )
    for warning in _calendar_warnings(institution):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _calendar_warnings(institution) -> list[str]:
    """The official Chinese calendar is published a year at a time: say which years it lacks."""
    calendar = institution.calendar
    if calendar.official_calendar != "CN" or not calendar.years:
        return []
    import datetime

    from chalicelib.sla.working_time import official_workday

    missing = [
        year
        for year in range(calendar.years[0], calendar.years[1] + 1)
        if official_workday(datetime.date(year, 1, 1)) is None
    ]
    return [
        f"calendar: the official calendar of {year} is not published in chinese-calendar yet; until an update, "
        "only weekends and calendar.holidays count for that year"
        for year in missing
    ]


def _render(args) -> int:
    from . import render

    loaded = config.load_file(args.institution)
    rendered = render.write(loaded)
    print(f"stage {loaded.institution.slug} in {rendered.chalice_config}")
    for policy in rendered.policies:
        print(f"policy {policy}")
    print(f"merge template {rendered.merge_template}")
    return 0


def _package(args) -> int:
    """Render, `chalice package --merge-template`, then cfn-lint the result."""
    from . import render
    from .package import build, lint

    loaded = config.load_file(args.institution)
    slug = loaded.institution.slug
    rendered = render.write(loaded)
    out = Path(args.out) if args.out else render.build_dir_of(slug) / "package"
    bundle = build(slug, out, rendered.merge_template)
    print(f"{bundle}: {bundle.stat().st_size / 1e6:.2f} MB")
    checked = lint(out / "sam.json")
    if checked.returncode != 0:
        raise Refused(f"cfn-lint found problems in {out / 'sam.json'}:\n{checked.stdout}{checked.stderr}")
    print(f"{out / 'sam.json'}: cfn-lint clean")
    return 0


def _session(region: str):
    import boto3

    return boto3.Session(region_name=region)


def _account(session) -> str:
    """The account the credentials belong to; refuses when there are none."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return session.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as error:
        raise Refused(
            f"deploy needs AWS credentials for the account that will run this hotline ({error}).\n"
            "Set AWS_PROFILE (see `aws configure`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run "
            "this again. Nothing was deployed."
        ) from None


def _deploy_commands(loaded, template: Path, packaged: Path, artifact_bucket: str, base_url: str) -> list[list[str]]:
    region, stack = loaded.deployment.region, stack_name(loaded.institution.slug)
    return [
        [
            "aws",
            "cloudformation",
            "package",
            "--region",
            region,
            "--template-file",
            str(template),
            "--s3-bucket",
            artifact_bucket,
            "--output-template-file",
            str(packaged),
        ],
        [
            "aws",
            "cloudformation",
            "deploy",
            "--region",
            region,
            "--stack-name",
            stack,
            "--template-file",
            str(packaged),
            "--capabilities",
            "CAPABILITY_IAM",
            "CAPABILITY_AUTO_EXPAND",
            "--no-fail-on-empty-changeset",
            "--parameter-overrides",
            f"PublicBaseUrl={base_url}",
            "--tags",
            f"institution={loaded.institution.slug}",
        ],
    ]


def _deploy(args) -> int:
    """Package, then `aws cloudformation deploy` the institution's stack; a new stack without a
    custom domain is deployed a second time with the API URL the first one created (Twilio signs
    requests to it).
    Then sync the config into the new table and print what to paste where."""
    from . import render

    loaded = config.load_file(args.institution)
    slug, deployment = loaded.institution.slug, loaded.deployment
    out = render.build_dir_of(slug) / "package"
    template, packaged = out / "sam.json", out / "packaged.yaml"
    if args.dry_run:
        commands = _deploy_commands(
            loaded, template, packaged, args.artifact_bucket or "<artifact bucket>", deployment.public_base_url or ""
        )
        print(f"would package into {out}, cfn-lint it, check the secrets, then run:")
        for command in commands:
            print("  " + shlex.join(command))
        if not deployment.public_base_url:
            print("  ... and, for a new stack, deploy again with PublicBaseUrl=<the stack's PublicBaseUrlInUse output>")
        print(f"  python -m infra sync {slug} --region {deployment.region}")
        return 0
    session = _session(deployment.region)
    account = _account(session)
    if shutil.which("aws") is None:
        raise Refused(
            "deploy runs the AWS CLI: install it (pip install awscli) and run this again. Nothing was deployed."
        )
    missing = _missing_secrets(session, loaded)
    if missing:
        raise Refused("these secrets are not there yet; create them first:\n" + "\n".join(missing))
    _package(argparse.Namespace(institution=args.institution, out=str(out)))
    if loaded.institution.channels.email_address:
        _ensure_receipt_rule_set(session, deployment.receipt_rule_set)
    bucket = args.artifact_bucket or f"hotline-artifacts-{account}-{deployment.region}"
    _ensure_bucket(session, bucket, deployment.region)
    # An existing stack keeps its API URL: deploying with it keeps Twilio's signatures valid throughout.
    base_url = deployment.public_base_url or _existing_outputs(session, slug).get("PublicBaseUrlInUse", "")
    for command in _deploy_commands(loaded, template, packaged, bucket, base_url):
        _run_aws(command)
    outputs = _stack_outputs(session, slug)
    if not base_url:  # a new stack without a custom domain: its API URL exists only now
        *_, second = _deploy_commands(loaded, template, packaged, bucket, outputs["PublicBaseUrlInUse"])
        _run_aws(second)
    _sync(argparse.Namespace(institution=args.institution, table=outputs["TableName"], region=deployment.region))
    _print_urls(loaded, outputs["PublicBaseUrlInUse"], outputs)
    return 0


def _run_aws(command: list[str]) -> None:
    print("+ " + shlex.join(command), flush=True)
    subprocess.run(command, check=True)


def _secret(loaded, name: str) -> tuple[str, str, str | None]:
    from chalicelib.runtime.environment import secret_reference

    return secret_reference(loaded.deployment.secret(loaded.institution.slug, name))


def _missing_secrets(session, loaded) -> list[str]:
    from botocore.exceptions import ClientError

    from infra.deployment import secrets_needed

    missing = []
    for name in secrets_needed(loaded.institution):
        kind, where, _ = _secret(loaded, name)
        try:
            if kind == "ssm":
                session.client("ssm").get_parameter(Name=where)
            else:
                session.client("secretsmanager").describe_secret(SecretId=where)
        except ClientError:
            missing.append("  " + _secret_command(loaded, name))
    return missing


def _secret_command(loaded, name: str) -> str:
    kind, where, key = _secret(loaded, name)
    region = loaded.deployment.region
    placeholder = {
        "twilio_account_sid": "AC...",
        "twilio_auth_token": "<auth token from the Twilio console>",
        "tencent_sms_secret_id": "AKID... (Tencent Cloud CAM key with SMS access)",
        "tencent_sms_secret_key": "<its secret key>",
        "tencent_sms_app_id": "<SmsSdkAppId from the Tencent Cloud SMS console>",
        "tencent_sms_callback_token": "<32+ random characters: openssl rand -hex 24>",
    }[name]
    if kind == "ssm":
        return f"aws ssm put-parameter --region {region} --type SecureString --name {where} --value '{placeholder}'"
    return (
        f"aws secretsmanager create-secret --region {region} --name {where} "
        f'--secret-string \'{{"{key}": "{placeholder}", ...}}\''
    )


def _ensure_receipt_rule_set(session, name: str) -> None:
    ses = session.client("ses")
    existing = [rule_set["Name"] for rule_set in ses.list_receipt_rule_sets().get("RuleSets", [])]
    if name not in existing:
        ses.create_receipt_rule_set(RuleSetName=name)
    active = ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
    if active is None:
        ses.set_active_receipt_rule_set(RuleSetName=name)
    elif active != name:
        print(
            f"warning: SES receipt rule set {active!r} is active, not {name!r}: mail will not reach the "
            f"hotline until {name!r} is activated or deployment.receipt_rule_set names {active!r}",
            file=sys.stderr,
        )


def _ensure_bucket(session, bucket: str, region: str) -> None:
    from botocore.exceptions import ClientError

    s3 = session.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **where)


def _stack_outputs(session, slug: str) -> dict:
    stack = session.client("cloudformation").describe_stacks(StackName=stack_name(slug))["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def _existing_outputs(session, slug: str) -> dict:
    """The stack's outputs, or nothing before its first deployment."""
    from botocore.exceptions import ClientError

    try:
        return _stack_outputs(session, slug)
    except ClientError as error:
        if "does not exist" in str(error):
            return {}
        raise


def _urls(args) -> int:
    loaded = config.load_file(args.institution)
    outputs = {}
    base_url = args.base_url or loaded.deployment.public_base_url
    if not args.offline:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            outputs = _stack_outputs(_session(loaded.deployment.region), loaded.institution.slug)
            base_url = args.base_url or outputs.get("PublicBaseUrlInUse", base_url)
        except (BotoCoreError, ClientError) as error:
            print(f"(stack outputs not read: {error})", file=sys.stderr)
    if not base_url:
        raise Refused("no public URL yet: deploy first, or give --base-url https://.../")
    _print_urls(loaded, base_url if base_url.endswith("/") else base_url + "/", outputs)
    return 0


def _print_urls(loaded, base_url: str, outputs: dict) -> None:
    institution, deployment = loaded.institution, loaded.deployment
    region = deployment.region
    print(f"== {institution.name.en} ({stack_name(institution.slug)}, {region})")
    number = institution.channels.sms_number or "<channels.sms_number>"
    print(f"\nTwilio console > Phone Numbers > {number}:")
    from chalicelib.notify.twilio import CONNECTION_OVERRIDES

    fallback = {key: outputs.get(key, f"<stack output {key}>") for key in ("TwilioSmsFallback", "TwilioVoiceFallback")}
    print(f"  Messaging  'A message comes in'     Webhook  HTTP POST  {base_url}twilio/sms")
    print(f"  Messaging  'Primary handler fails'           HTTP POST  {fallback['TwilioSmsFallback']}")
    print(f"  Voice      'A call comes in'        Webhook  HTTP POST  {base_url}twilio/voice")
    print(f"  Voice      'Primary handler fails'           HTTP POST  {fallback['TwilioVoiceFallback']}")
    status_url = f"{base_url}twilio/voice/status#{CONNECTION_OVERRIDES}"
    print(f"  Voice      'Call status changes'             HTTP POST  {status_url}")
    print("             (a caller who hangs up early still gets a call-back case)")
    print(f"  (delivery reports: each message asks for {base_url}twilio/status itself; nothing to paste)")
    from infra.deployment import TENCENT_SECRETS, secrets_needed

    print("\nCredentials, once (read by the functions at run time, never stored in files):")
    for name in secrets_needed(institution):
        print(f"  {_secret_command(loaded, name)}")
    if TENCENT_SECRETS[0] in secrets_needed(institution):
        token = f"<the value of {loaded.deployment.secret(institution.slug, 'tencent_sms_callback_token')}>"
        print("\nTencent Cloud SMS console > 应用管理 > 回调配置 (mainland numbers):")
        print(f"  回复回调 (replies)         {base_url}tencent/sms/{token}")
        print(f"  状态回调 (status reports)  {base_url}tencent/status/{token}")
    address = institution.channels.email_address
    if address:
        domain = address.partition("@")[2]
        print(f"\nEmail to {address} (SES in {region}):")
        print(f"  DNS  {domain}  MX  10 inbound-smtp.{region}.amazonaws.com")
        print(f"  SES receipt rule set '{deployment.receipt_rule_set}' must be the active one:")
        print(
            f"    aws ses set-active-receipt-rule-set --region {region} --rule-set-name {deployment.receipt_rule_set}"
        )
        dkim = [outputs[key] for key in ("DkimRecord1", "DkimRecord2", "DkimRecord3") if key in outputs]
        for record in dkim:
            print(f"  DNS  {record}")
        if not dkim:
            print("  DNS  three DKIM CNAME records: shown here once the stack exists (DkimRecord1-3 outputs)")
        print("  Leave the SES sandbox (request production access) so acknowledgements reach any address.")
    print("\nWeb:")
    print(f"  complaint form     {base_url}complaints/new")
    print(f"  status lookup      {base_url}complaints/status")
    print(f"  JSON intake        POST {base_url}api/complaints")
    if deployment.alarm_email:
        print(f"\nAlarms go to {deployment.alarm_email}: confirm the subscription email from AWS Notifications.")


def _new(args) -> int:
    """A new config file from an example, with the new slug, names and prefix; everything else
    (staff, numbers, chain) is the example's and must be edited."""
    import re

    source = config.path_for(args.example)
    target = Path(args.dir or config.INSTITUTIONS_DIR) / f"{args.slug}.yaml"
    if target.exists():
        raise Refused(f"{target} exists already; edit it, or choose another slug")
    example = config.load_file(args.example).institution
    text = source.read_text(encoding="utf-8").replace(example.slug, args.slug)
    for block in ("name", "short_name"):
        text = re.sub(rf"(?m)^({block}:\n  zh: ).*\n(  en: ).*$", rf"\g<1>{args.name_zh}\n\g<2>{args.name_en}", text)
    text = re.sub(r"(?m)^reference_prefix: .*$", f"reference_prefix: {args.prefix}", text)
    # Never the example's own domain or alarm inbox: those would reach another institution.
    text = re.sub(r"(?m)^(  )(public_base_url|alarm_email): (.*)$", r"\1# \2: \3   # yours here", text)
    header = (
        f"# {args.name_en}: scaffolded from {source.name} by `python -m infra new`. Still the example's:\n"
        "# channels, staff, units, escalation chain, categories -- edit them, then validate.\n"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + text, encoding="utf-8")
    try:
        config.load_file(str(target))
    except config.ConfigError:
        target.unlink()
        raise
    print(f"wrote {target}\nnext: edit it, then `python -m infra validate {target}`")
    return 0


def _dynamodb(region: str | None = None):
    import boto3

    session = boto3.Session(region_name=region) if region else boto3
    return session.client("dynamodb"), session.resource("dynamodb")


def _create_table(args) -> int:
    from chalicelib.store.table import create_table

    client, _ = _dynamodb()
    create_table(client, args.table)
    print(f"table {args.table} ready")
    return 0


def _sync(args) -> int:
    """Writes the validated config into the table; running functions pick it up within a minute.
    The table is the stack's own (hotline-<slug>) unless --table or $TABLE_NAME names another."""
    from chalicelib.store.stores import Stores

    loaded = config.load_file(args.institution)
    table = args.table or stack_name(loaded.institution.slug)
    region = args.region
    _, resource = _dynamodb(region)
    Stores(resource.Table(table)).config.put(json.loads(loaded.institution.model_dump_json()))
    print(f"synced {loaded.institution.slug} into table {table}" + (f" ({region})" if region else ""))
    return 0


def _api_key(args) -> int:
    """Keys for the institution's own systems that post to /api/complaints (their own hourly
    limit, their name on each case). A new key is printed once and stored only as a hash."""
    from chalicelib.runtime.clock import now
    from chalicelib.store.stores import Stores

    loaded = config.load_file(args.institution)
    _, resource = _dynamodb(args.region)
    store = Stores(resource.Table(args.table or stack_name(loaded.institution.slug)))
    if args.action == "create":
        if not args.name:
            raise Refused("api-key create needs --name (who will use the key, e.g. 'mobile-app')")
        key = store.abuse.register_api_client(args.name, args.per_hour, now())
        print(key)
        print(
            f"key for {args.name!r} ({args.per_hour} complaints an hour); shown only now: send it as X-Api-Key",
            file=sys.stderr,
        )
    elif args.action == "list":
        for item in store.abuse.api_clients():
            state = f"revoked {item['revoked']}" if item.get("revoked") else "active"
            print(f"{item['name']}  {item['per_hour']}/hour  created {item['created']}  {state}")
    else:
        if not args.name:
            raise Refused("api-key revoke needs --name")
        print(f"revoked {store.abuse.revoke_api_client(args.name, now())} key(s) named {args.name!r}")
    return 0


def _quarantine(args) -> int:
    """What was kept aside instead of becoming a case: virus-flagged or automatic mail, spam-trap
    form posts, transcriptions without a call. Nothing there was deleted."""
    from chalicelib.store.stores import Stores

    _, resource = _dynamodb()
    kept = Stores(resource.Table(args.table)).abuse.quarantined(args.channel)
    for item in kept:
        print(json.dumps(item, ensure_ascii=False))
    print(f"{len(kept)} quarantined {args.channel} item(s)", file=sys.stderr)
    return 0


def _failed(args) -> int:
    """What inbound_email and transcribed could not handle after Lambda's retries waits in the
    stack's dead-letter queue (14 days). Lists it; --replay hands each event back to its function
    (after the cause is fixed) and removes it from the queue."""
    from chalicelib.runtime.logs import mask_text

    from .render import Names

    loaded = config.load_file(args.institution)
    names = Names.of(loaded.institution.slug)
    session = _session(args.region or loaded.deployment.region)
    sqs = session.client("sqs")
    url = sqs.get_queue_url(QueueName=names.failed_events)["QueueUrl"]
    seen, replayed = set(), 0
    while True:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=60 if args.replay else 0,
        ).get("Messages", [])
        fresh = [message for message in batch if message["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            function = _failed_function(message["Body"])
            error = message.get("MessageAttributes", {}).get("ErrorMessage", {}).get("StringValue", "")
            print(mask_text(f"{message['MessageId']}  {function or 'unknown'}  {error[:200]}"))
            if args.replay and function:
                _invoke(session, names.function(function), message["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                replayed += 1
    print(
        f"{len(seen)} failed event(s) in {names.failed_events}" + (f", {replayed} replayed" if args.replay else ""),
        file=sys.stderr,
    )
    return 0


def _failed_function(body: str) -> str | None:
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if event.get("Records", [{}])[0].get("EventSource") == "aws:sns":
        return "inbound_email"
    if event.get("source") == "aws.transcribe":
        return "transcribed"
    return None


def _invoke(session, function_name: str, payload: str) -> None:
    session.client("lambda").invoke(FunctionName=function_name, InvocationType="Event", Payload=payload.encode())


def _table_option(parser) -> None:
    parser.add_argument(
        "--table",
        default=os.environ.get("TABLE_NAME"),
        required="TABLE_NAME" not in os.environ,
        help="the institution's table (default: $TABLE_NAME)",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m infra", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, run, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.set_defaults(run=run)
        return sub

    command("validate", _validate, "check an institution config file; errors name the file and field").add_argument(
        "institution", help=INSTITUTION_HELP
    )
    command(
        "render", _render, "write the Chalice stage, its IAM policies and the CloudFormation merge template"
    ).add_argument("institution", help=INSTITUTION_HELP)
    package = command(
        "package",
        _package,
        "render, build the zip and SAM template (chalice package --merge-template), and cfn-lint it",
    )
    package.add_argument("institution", help=INSTITUTION_HELP)
    package.add_argument("--out", help="output folder (default build/<slug>/package)")
    deploy = command(
        "deploy",
        _deploy,
        "package and deploy the institution's stack with the AWS CLI, sync its "
        "config, print the URLs; refuses without AWS credentials",
    )
    deploy.add_argument("institution", help=INSTITUTION_HELP)
    deploy.add_argument(
        "--artifact-bucket",
        help="S3 bucket for the code zip (default: hotline-artifacts-<account>-<region>, created if missing)",
    )
    deploy.add_argument("--dry-run", action="store_true", help="print the plan, touch nothing")
    sync = command(
        "sync",
        _sync,
        "write the institution config (staff, rosters, policy) into its table; "
        "the functions use it within a minute, no redeploy",
    )
    sync.add_argument("institution", help=INSTITUTION_HELP)
    sync.add_argument(
        "--table",
        default=os.environ.get("TABLE_NAME"),
        help="default: $TABLE_NAME, else the stack's table hotline-<slug>",
    )
    sync.add_argument("--region", help="AWS region of the table (default: your AWS configuration)")
    urls = command("urls", _urls, "print what to paste into the Twilio console, DNS (MX, DKIM) and SES")
    urls.add_argument("institution", help=INSTITUTION_HELP)
    urls.add_argument("--base-url", help="the public base URL, if not from the config or the stack")
    urls.add_argument("--offline", action="store_true", help="do not read the stack's outputs")
    new = command("new", _new, "scaffold a config file for a new institution from an example")
    new.add_argument("slug", help="lowercase letters, digits and dashes, e.g. east-river-bank")
    new.add_argument("--name-zh", required=True)
    new.add_argument("--name-en", required=True)
    new.add_argument("--prefix", required=True, help="reference prefix, 2 or 3 capital letters")
    new.add_argument("--example", default="harbour-city-bank", help="the example to start from")
    new.add_argument("--dir", help="where to write it (default infra/institutions/)")
    failed = command(
        "failed",
        _failed,
        "list (or --replay) the email and transcript events that failed after "
        "Lambda's retries and wait in the stack's dead-letter queue",
    )
    failed.add_argument("institution", help=INSTITUTION_HELP)
    failed.add_argument("--replay", action="store_true", help="hand each back to its function and remove it")
    failed.add_argument("--region", help="default: the deployment's region")
    api_key = command(
        "api-key", _api_key, "create, list or revoke keys for the institution's own systems posting to /api/complaints"
    )
    api_key.add_argument("institution", help=INSTITUTION_HELP)
    api_key.add_argument("action", choices=["create", "list", "revoke"])
    api_key.add_argument("--name", help="who uses the key, e.g. mobile-app")
    api_key.add_argument("--per-hour", type=int, default=1000, help="complaints an hour for this key (default 1000)")
    api_key.add_argument("--table", default=os.environ.get("TABLE_NAME"), help="default: the stack's table")
    api_key.add_argument("--region", help="AWS region of the table (default: your AWS configuration)")
    command(
        "create-table", _create_table, "create the institution's DynamoDB table if missing (sandbox, tests)"
    ).add_argument("--table", default=os.environ.get("TABLE_NAME"), required="TABLE_NAME" not in os.environ)
    quarantine = command("quarantine", _quarantine, "list what was quarantined on a channel")
    quarantine.add_argument("channel", choices=["email", "web", "voice"])
    _table_option(quarantine)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except config.ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except Refused as error:
        print(f"refused: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
