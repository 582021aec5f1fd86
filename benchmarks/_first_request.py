"""Helper of benchmarks/cold_start.py, run in a fresh interpreter with cwd = the tree measured
(the tree's own app.py, chalicelib, infra and sandbox are imported, whatever its module layout).

    python _first_request.py prepare OUT.pickle
        Loads the institution with the tree's infra.config and runs the tree's own
        create_table(client, name) and Store(table).put_institution(document) against recording
        stand-ins: OUT gets the boto3 calls they make, to be replayed against moto later. The
        discovery process itself then never imports chalicelib (or pydantic, phonenumbers ...)
        before the request it watches.

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
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "TWILIO_FROM": "+15005550006", "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    "MAIL_FROM": "complaints@harbourcitybank.example", "TABLE_NAME": TABLE,
}
SMS_PATH = "/twilio/sms"
SMS_PARAMS = {"MessageSid": "SM" + "5" * 32, "AccountSid": TWILIO_SID, "From": "+8613800138100",
              "To": "+8675512340000", "Body": "The Pier Road ATM swallowed my card at 9pm and nobody answered the phone",
              "NumMedia": "0", "NumSegments": "1"}
API_DOCUMENT = {"description": "Mobile app charged me twice for one transfer", "phone": "+8613800138010",
                "language": "en"}
# (this helper is __main__: its frames, the hooks included, count as neither)
HARNESS = {"moto", "responses", "time_machine", "sandbox"}
# Where the table's schema and the institution item are written, before and after the move.
STORE_MODULES = ("chalicelib.store.table", "chalicelib.store")


# -- prepare: record the tree's own table set-up ---------------------------------------------------
class _Recorder:
    def __init__(self):
        self.calls = []  # (callee key, args, kwargs); a key names a root, an attribute, an item or a call's result

    def root(self, name):
        return _Stand(self, ("root", name))


class _Stand:
    """Answers any attribute, item or call with another stand-in, and records the calls."""

    def __init__(self, recorder, key):
        self._recorder, self._key = recorder, key

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stand(self._recorder, ("attr", self._key, name))

    def __getitem__(self, item):
        return _Stand(self._recorder, ("item", self._key, item))

    def __iter__(self):
        return iter(())

    def __call__(self, *args, **kwargs):
        self._recorder.calls.append((self._key, args, kwargs))
        return _Stand(self._recorder, ("call", len(self._recorder.calls) - 1))


def replay(calls, roots: dict) -> None:
    results = {}

    def resolve(key):
        kind = key[0]
        if kind == "root":
            return roots[key[1]]
        if kind == "attr":
            return getattr(resolve(key[1]), key[2])
        if kind == "item":
            return resolve(key[1])[key[2]]
        return results[key[1]]

    for index, (callee, args, kwargs) in enumerate(calls):
        results[index] = resolve(callee)(*args, **kwargs)


def _store_module():
    import importlib
    import pkgutil

    candidates = list(STORE_MODULES)
    import chalicelib

    candidates += [info.name for info in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
    for name in candidates:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "Store") and hasattr(module, "create_table"):
            return module
    raise SystemExit("no chalicelib module defines both Store and create_table")


def prepare(out: str) -> None:
    from infra import config

    document = json.loads(config.load(SLUG).model_dump_json())
    module = _store_module()
    recorder = _Recorder()
    module.create_table(recorder.root("client"), TABLE)
    module.Store(recorder.root("table")).put_institution(document)
    with open(out, "wb") as file:
        pickle.dump({"store_module": module.__name__, "calls": recorder.calls}, file)


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
    for variable in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[variable]
    os.environ.update(ENV)
    import boto3
    import time_machine
    from chalice.test import Client
    from moto import mock_aws

    import app as app_module  # the `import app` cost is measured on its own
    from sandbox.twilio_standin import TwilioStandIn

    with open(setup, "rb") as file:
        calls = pickle.load(file)["calls"]
    items = []
    if seed:
        with open(seed, "rb") as file:
            items = pickle.load(file)
    result = {"entry": entry}
    with mock_aws():
        table = boto3.resource("dynamodb").Table(TABLE)
        replay(calls, {"client": boto3.client("dynamodb"), "table": table})
        for item in items:
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
                        response = client.http.post("/api/complaints", headers={"Content-Type": "application/json"},
                                                    body=json.dumps(API_DOCUMENT))
                        return response.status_code, response.status_code == 201
                elif entry == "sms":
                    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
                               "User-Agent": "TwilioProxy/1.1"}

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
                result.update(outcome=outcome, ok=ok, modules=watch.modules(),
                              messages_sent=len(standin.messages))
            if dump:
                scanned, kwargs = [], {}
                while True:
                    page = table.scan(**kwargs)
                    scanned += page["Items"]
                    if "LastEvaluatedKey" not in page:
                        break
                    kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
                with open(dump, "wb") as file:
                    pickle.dump(scanned, file)
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
