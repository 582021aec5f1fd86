"""Admin CLI: python -m infra <command> --help."""
import argparse
import json
import os
import sys

from . import config


def _validate(args) -> int:
    institution = config.load(args.institution)
    print(f"{config.path_for(args.institution)}: OK ({institution.name.en}, prefix {institution.reference_prefix})")
    return 0


def _dynamodb():
    import boto3

    return boto3.client("dynamodb"), boto3.resource("dynamodb")


def _create_table(args) -> int:
    from chalicelib.store import create_table

    client, _ = _dynamodb()
    create_table(client, args.table)
    print(f"table {args.table} ready")
    return 0


def _sync(args) -> int:
    """Writes the validated config into the table; running functions pick it up within a minute."""
    from chalicelib.store import Store

    institution = config.load(args.institution)
    _, resource = _dynamodb()
    Store(resource.Table(args.table)).put_institution(json.loads(institution.model_dump_json()))
    print(f"synced {institution.slug} into table {args.table}")
    return 0


def _quarantine(args) -> int:
    """What was kept aside instead of becoming a case: virus-flagged or automatic mail, spam-trap
    form posts, transcriptions without a call. Nothing there was deleted."""
    from chalicelib.store import Store

    _, resource = _dynamodb()
    kept = Store(resource.Table(args.table)).quarantined(args.channel)
    for item in kept:
        print(json.dumps(item, ensure_ascii=False))
    print(f"{len(kept)} quarantined {args.channel} item(s)", file=sys.stderr)
    return 0


def _package(args) -> int:
    from .package import build

    bundle = build(args.stage, args.out)
    print(f"{bundle}: {bundle.stat().st_size / 1e6:.2f} MB")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra", description="Administer institution stacks.")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check an institution config file")
    validate.add_argument("institution", help="slug under infra/institutions/ or a path to a .yaml file")
    validate.set_defaults(run=_validate)
    table = commands.add_parser("create-table", help="create the institution's DynamoDB table if missing")
    table.add_argument("--table", default=os.environ.get("TABLE_NAME"), required="TABLE_NAME" not in os.environ)
    table.set_defaults(run=_create_table)
    sync = commands.add_parser("sync", help="write the institution config into its table")
    sync.add_argument("institution")
    sync.add_argument("--table", default=os.environ.get("TABLE_NAME"), required="TABLE_NAME" not in os.environ)
    sync.set_defaults(run=_sync)
    quarantine = commands.add_parser("quarantine", help="list what was quarantined on a channel")
    quarantine.add_argument("channel", choices=["email", "web", "voice"])
    quarantine.add_argument("--table", default=os.environ.get("TABLE_NAME"), required="TABLE_NAME" not in os.environ)
    quarantine.set_defaults(run=_quarantine)
    package = commands.add_parser("package", help="build the deployment zip and CloudFormation template")
    package.add_argument("--stage", default="dev")
    package.add_argument("--out", default="build/package")
    package.set_defaults(run=_package)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except config.ConfigError as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
