"""Helper of benchmarks/cold_start.py, run in a fresh interpreter with cwd = the tree measured
(the tree's own app.py, chalicelib, infra and sandbox are imported, whatever its module layout).

    python _first_request.py prepare OUT.pickle
        Under moto, the table as the tree's own tests prepare it (tests/conftest.py
        _prepare_table, with the institution from the tree's infra.config); OUT gets the client
        calls that made the table and its items, to be replayed in the discovery process, which
        thus never imports chalicelib (or pydantic, phonenumbers ...) before the request it watches.

    python _first_request.py discover ENTRY SETUP.pickle OUT.json [--seed ITEMS] [--dump ITEMS] [--signature SIG]
        `import app`, then (not recorded) moto, Chalice's test client, the Twilio stand-in and the
        replayed table; then ONE first request of ENTRY (web, api, sms, sweep), recording every
        module imported while a frame of app.py or chalicelib.* is on the stack (a meta-path hook
        sees first loads; an __import__ hook sees import statements of modules something else had
        already loaded) and no frame of the harness (moto, responses, time_machine, sandbox) is
        nearer. OUT gets the status and the modules, in the order they were first imported.
"""

import builtins
import importlib.util
import json
import os
import pickle
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

TABLE = "hotline-bench"
SLUG = "harbour-city-bank"
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "test-auth-token-not-a-secret"
PUBLIC_BASE_URL = "https://hotline.example.org"
ENV = {  # as tests/conftest.py sets it
    **dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "testing"),
    "AWS_DEFAULT_REGION": "us-east-1",
    "TWILIO_ACCOUNT_SID": TWILIO_SID,
    "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "TWILIO_FROM": "+15005550006",
    "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    "MAIL_FROM": "complaints@harbourcitybank.example",
    "TABLE_NAME": TABLE,
}
SMS_PATH = "/twilio/sms"
SMS_PARAMS = {
    "MessageSid": "SM" + "5" * 32,
    "AccountSid": TWILIO_SID,
    "From": "+8613800138100",
    "To": "+8675512340000",
    "Body": "The Pier Road ATM swallowed my card at 9pm and nobody answered the phone",
    "NumMedia": "0",
    "NumSegments": "1",
}
API_DOCUMENT = {
    "description": "Mobile app charged me twice for one transfer",
    "phone": "+8613800138010",
    "language": "en",
}
# (this helper is __main__: its frames, the hooks included, count as neither)
HARNESS = {"moto", "responses", "time_machine", "sandbox"}
# Where the table's schema and the institution item are written, before and after the move.
STORE_MODULES = ("chalicelib.store.table", "chalicelib.store")


# -- prepare: the tree's own table set-up, recorded -------------------------------------------------
class _Recorder:
    """Wraps the DynamoDB client handed to the tree's create_table: forwards every call to moto
    and records it, so that discovery can replay the schema (table, index, TTL)."""

    def __init__(self):
        self.calls = []  # (callee key, args, kwargs); a key names a root, an attribute or a call's result

    def wrap(self, name, real):
        return _Forward(self, ("root", name), real)


class _Forward:
    def __init__(self, recorder, key, real):
        self._recorder, self._key, self._real = recorder, key, real

    def __getattr__(self, name):
        value = getattr(self._real, name)
        return _Forward(self._recorder, ("attr", self._key, name), value) if callable(value) else value

    def __call__(self, *args, **kwargs):
        result = self._real(*args, **kwargs)
        if isinstance(result, type):  # exception classes, as in `except client.exceptions.X`
            return result
        self._recorder.calls.append((self._key, args, kwargs))
        return _Forward(self._recorder, ("call", len(self._recorder.calls) - 1), result)


def replay(calls, roots: dict) -> None:
    results = {}

    def resolve(key):
        kind = key[0]
        if kind == "root":
            return roots[key[1]]
        if kind == "attr":
            return getattr(resolve(key[1]), key[2])
        return results[key[1]]

    for index, (callee, args, kwargs) in enumerate(calls):
        results[index] = resolve(callee)(*args, **kwargs)


def _scan(table) -> list[dict]:
    items, kwargs = [], {}
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def _prepare_like_an_older_tree(client, resource, institution) -> str:
    """Without tests/conftest.py's _prepare_table: a module with create_table and Store."""
    import importlib
    import pkgutil

    import chalicelib

    candidates = [*STORE_MODULES, *(info.name for info in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."))]
    for name in candidates:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "Store") and hasattr(module, "create_table"):
            module.create_table(client, TABLE)
            module.Store(resource.Table(TABLE)).put_institution(json.loads(institution.model_dump_json()))
            return f"{name}.create_table and Store.put_institution"
    raise SystemExit(
        "cannot prepare a table: no tests/conftest.py _prepare_table, no module with Store and create_table"
    )


def prepare(out: str) -> None:
    """The table as the tree's tests prepare it (tests/conftest.py _prepare_table: the schema and
    the institution, in whatever module layout the tree has), under moto; OUT gets the client
    calls (to replay the schema) and the items."""
    import boto3
    from moto import mock_aws

    from infra import config

    _environment()
    institution = config.load(SLUG)
    conftest_path = os.path.join(os.getcwd(), "tests", "conftest.py")
    prepare_table = None
    if os.path.exists(conftest_path):
        sys.path.insert(0, os.path.dirname(conftest_path))  # a tree's conftest may import tests/support.py
        spec = importlib.util.spec_from_file_location("_tree_conftest", conftest_path)
        conftest = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conftest)
        prepare_table = getattr(conftest, "prepare_table", None) or getattr(conftest, "_prepare_table", None)
        _environment()  # conftest sets its own TABLE_NAME
    recorder = _Recorder()
    with mock_aws():
        client, resource = recorder.wrap("client", boto3.client("dynamodb")), boto3.resource("dynamodb")
        if prepare_table:
            prepare_table(client, resource, TABLE, institution)
            how = "tests/conftest.py _prepare_table"
        else:
            how = _prepare_like_an_older_tree(client, resource, institution)
        items = _scan(resource.Table(TABLE))
    with open(out, "wb") as file:
        pickle.dump({"how": how, "calls": recorder.calls, "items": items}, file)


def _environment() -> None:
    for variable in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[variable]
    os.environ.update(ENV)


# -- discover: which modules one first request imports ---------------------------------------------
class _Watch:
    def __init__(self):
        self.active = False
        self.names: dict[str, None] = {}  # ordered set
        self._import = builtins.__import__

    @staticmethod
    def _owned(frame) -> bool:
        while frame is not None:
            name = frame.f_globals.get("__name__") or ""
            top = name.partition(".")[0]
            if top in HARNESS:
                return False
            if name == "app" or top == "chalicelib":
                return True
            frame = frame.f_back
        return False

    # a meta-path finder that finds nothing: it only notes first loads
    def find_spec(self, fullname, path=None, target=None):
        if self.active and self._owned(sys._getframe(1)):
            self.names.setdefault(fullname)

    def _hooked_import(self, name, globals=None, locals=None, fromlist=(), level=0):
        module = self._import(name, globals, locals, fromlist, level)
        if self.active and self._owned(sys._getframe(1)):
            if level:
                name = importlib.util.resolve_name("." * level + name, (globals or {}).get("__package__"))
            self.names.setdefault(name)
            for item in fromlist or ():
                if item != "*" and f"{name}.{item}" in sys.modules:
                    self.names.setdefault(f"{name}.{item}")
        return module

    def __enter__(self):
        sys.meta_path.insert(0, self)
        builtins.__import__ = self._hooked_import
        self.active = True
        return self

    def __exit__(self, *exc):
        self.active = False
        builtins.__import__ = self._import
        sys.meta_path.remove(self)

    def modules(self) -> list[str]:
        """Those that are importable under their own name (not failed optional imports, not
        aliases such as os.path), outside the harness, in first-import order."""
        kept = []
        for name in self.names:
            module = sys.modules.get(name)
            spec = getattr(module, "__spec__", None)
            if name == "app" or name.partition(".")[0] in HARNESS or spec is None or spec.name != name:
                continue
            kept.append(name)
        return kept


def _parse_iso(text):
    """The time at the front of a due-index key ("2026-12-01T22:30:42.934674Z#CASE#...")."""
    try:
        return datetime.strptime(text.partition("#")[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except (AttributeError, ValueError):
        return None


def discover(entry: str, setup: str, out: str, seed: str | None, dump: str | None, signature: str | None) -> None:
    _environment()
    import boto3
    import time_machine
    from chalice.test import Client
    from moto import mock_aws

    import app as app_module  # the `import app` cost is measured on its own
    from sandbox.twilio_standin import TwilioStandIn

    with open(setup, "rb") as file:
        prepared = pickle.load(file)
    items = []
    if seed:
        with open(seed, "rb") as file:
            items = pickle.load(file)
    result = {"entry": entry}
    with mock_aws():
        table = boto3.resource("dynamodb").Table(TABLE)
        replay(prepared["calls"], {"client": boto3.client("dynamodb")})
        for item in prepared["items"] + items:
            table.put_item(Item=item)
        boto3.client("ses").verify_domain_identity(Domain=ENV["MAIL_FROM"].partition("@")[2])
        standin = TwilioStandIn(TWILIO_SID, TWILIO_TOKEN).start()
        os.environ["TWILIO_API_BASE"] = standin.base_url
        try:
            with Client(app_module.app) as client:
                if entry == "web":

                    def request():
                        response = client.http.get("/complaints/new")
                        return response.status_code, response.status_code == 200
                elif entry == "api":

                    def request():
                        response = client.http.post(
                            "/api/complaints",
                            headers={"Content-Type": "application/json"},
                            body=json.dumps(API_DOCUMENT),
                        )
                        return response.status_code, response.status_code == 201
                elif entry == "sms":
                    headers = {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": signature,
                        "User-Agent": "TwilioProxy/1.1",
                    }

                    def request():
                        response = client.http.post(SMS_PATH, body=urlencode(SMS_PARAMS), headers=headers)
                        return response.status_code, response.status_code == 200 and b"<Response" in response.body
                elif entry == "sweep":
                    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sla_sweep"])

                    def request():
                        payload = client.lambda_.invoke("sla_sweep", event).payload
                        return payload, isinstance(payload, dict)
                else:
                    raise SystemExit(f"unknown entry point {entry}")
                # The sweep runs when the seeded case's first step is due, so that it alerts someone.
                due = [moment for moment in (_parse_iso(item.get("due_at")) for item in items) if moment]
                moment = min(due) + timedelta(minutes=1) if due else None
                if moment and moment > datetime.now(UTC):
                    result["travelled_to"] = moment.isoformat()
                    traveller = time_machine.travel(moment, tick=True)
                    traveller.start()
                with _Watch() as watch:
                    outcome, ok = request()
                result.update(outcome=outcome, ok=ok, modules=watch.modules(), messages_sent=len(standin.messages))
            if dump:
                with open(dump, "wb") as file:
                    pickle.dump(_scan(table), file)
        finally:
            standin.stop()
    with open(out, "w") as file:
        json.dump(result, file, default=str)


if __name__ == "__main__":
    import argparse

    sys.path[:1] = [os.getcwd()]  # the tree measured, not this file's directory

    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["prepare", "discover"])
    parser.add_argument("args", nargs="*")
    parser.add_argument("--seed")
    parser.add_argument("--dump")
    parser.add_argument("--signature")
    options = parser.parse_args()
    if options.mode == "prepare":
        prepare(*options.args)
    else:
        discover(*options.args, seed=options.seed, dump=options.dump, signature=options.signature)
