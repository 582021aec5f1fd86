"""The sandbox's mailbox: what Amazon SES receiving does in AWS, for mail sent to the hotline
from this machine. A message (from the sandbox page's email form, or any mail client or script
talking SMTP to the local port) is stored raw in the bucket, described by the SNS notification
SES would publish, and handed to the work of the `inbound_email` function, as the topic's
subscription would invoke it."""

import json
import os
import secrets
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def deliver(raw: bytes, recipients: list[str]) -> str:
    """One received message, as SES delivers it: the outcome of `inbound_email`."""
    import boto3

    from chalicelib.edge import dependencies
    from chalicelib.intake.email import handle_sns
    from chalicelib.runtime.clock import iso, now

    bucket, message_id = os.environ["MAIL_BUCKET"], secrets.token_hex(20)
    key = f"inbound/{message_id}"
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=raw)
    received = iso(now())
    passed = {"status": "PASS"}
    notification = {
        "notificationType": "Received",
        "mail": {"timestamp": received, "source": "", "messageId": message_id, "destination": recipients},
        "receipt": {
            "timestamp": received,
            "recipients": recipients,
            **{f"{check}Verdict": passed for check in ("spam", "virus", "spf", "dkim", "dmarc")},
            "action": {
                "type": "S3",
                "topicArn": "arn:aws:sns:us-east-1:000000000000:sandbox",
                "bucketName": bucket,
                "objectKey": key,
            },
        },
    }
    return handle_sns(dependencies.current(), json.dumps(notification), now())


def compose(sender: str, to: str, subject: str, body: str) -> bytes:
    """What a mail client sends for the sandbox page's email form."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"], message["Message-ID"] = formatdate(localtime=True), make_msgid(domain="sandbox.example")
    message.set_content(body)
    return message.as_bytes()


class SmtpPort:
    """A local SMTP server (aiosmtpd) that delivers every message it accepts to the mailbox."""

    def __init__(self, port: int, on_delivery=None):
        from aiosmtpd.controller import Controller

        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                outcome = deliver(envelope.original_content or envelope.content, list(envelope.rcpt_tos))
                if mailbox.on_delivery:
                    mailbox.on_delivery(envelope.mail_from, outcome)
                return "250 Message accepted for delivery"

        self.on_delivery = on_delivery
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self) -> "SmtpPort":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
