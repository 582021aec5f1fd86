"""For benchmarks: DynamoDB Local and the Twilio and Tencent Cloud SMS stand-ins started, the
app's environment pointed at them, and a table with the institution synced. Stopped again when the block ends."""

import json
import os
from contextlib import contextmanager

BASE_URL = "https://bench.example"


@contextmanager
def local_engines(table: str, institution):
    import boto3

    from chalicelib.edge import dependencies as context
    from chalicelib.store.stores import Stores
    from chalicelib.store.table import create_table
    from sandbox.dynamodb_local import DynamoDBLocal
    from sandbox.tencent_standin import TencentStandIn, templates_of
    from sandbox.twilio_standin import TwilioStandIn

    sid, token = "AC" + "b" * 32, "bench-token"
    tencent_keys = ("AKIDbench", "bench-secret-key", "1400000002")
    dynamodb = DynamoDBLocal().start()
    twilio = TwilioStandIn(sid, token).start()
    tencent = TencentStandIn(*tencent_keys, templates_of(institution), messages=twilio.messages).start()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
            "TABLE_NAME": table,
            "PUBLIC_BASE_URL": BASE_URL,
            "TWILIO_ACCOUNT_SID": sid,
            "TWILIO_AUTH_TOKEN": token,
            "TWILIO_API_BASE": twilio.base_url,
            **dict(
                zip(
                    ("TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY", "TENCENT_SMS_APP_ID"), tencent_keys, strict=True
                )
            ),
            "TENCENT_SMS_API_BASE": tencent.base_url,
        }
    )
    try:
        create_table(boto3.client("dynamodb"), table)
        Stores(boto3.resource("dynamodb").Table(table)).config.put(json.loads(institution.model_dump_json()))
        context.reset()
        yield dynamodb, twilio
    finally:
        tencent.stop()
        twilio.stop()
        dynamodb.stop()
