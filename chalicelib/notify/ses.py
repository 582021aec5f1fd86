"""Amazon SES, the email provider: each outbound email as a raw MIME message."""

import html
import re
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formataddr

from chalicelib.model.message import OutboundMessage
from chalicelib.notify.provider import CredentialsRefused, PermanentFailure


def build_email(message: OutboundMessage, sender_name: str, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr((sender_name, sender))
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    # Our own id as the local part: a reply's In-Reply-To leads back to this message and its case.
    email["Message-ID"] = f"<{message.id}@{sender.partition('@')[2] or 'localhost'}>"
    if message.case_reference:
        email["X-Complaint-Reference"] = message.case_reference
    email["Auto-Submitted"] = "auto-generated"  # tells other robots not to answer ours
    email.set_content(message.body)
    email.add_alternative(html_version(message.body, message.language), subtype="html")
    return email


_LINK = re.compile(r"https?://[^\s<>\"]+")


def html_version(body: str, language: str) -> str:
    """The same words as HTML for mail clients that prefer it: paragraphs, line breaks and links,
    everything escaped."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        escaped = html.escape(paragraph)
        linked = _LINK.sub(lambda link: f'<a href="{link.group(0)}">{link.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return (
        f'<!doctype html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8"></head>'
        f'<body style="font-family: sans-serif; line-height: 1.5">\n' + "\n".join(paragraphs) + "\n</body></html>\n"
    )


class SesEmail:
    """`client` returns the SES client (created once per container, when first needed)."""

    def __init__(self, client: Callable, default_sender: str | None):
        self._client = client
        self.default_sender = default_sender

    def send_email(self, message: OutboundMessage, sender_name: str, sender: str | None) -> str:
        email = build_email(message, sender_name, sender or self.default_sender or "")
        ses = self._client()
        try:
            result = ses.send_raw_email(RawMessage={"Data": email.as_bytes()})
        except ses.exceptions.MessageRejected as error:
            raise PermanentFailure(f"SES rejected: {error}") from None
        except ses.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch"):
                raise CredentialsRefused("SES", code) from None
            raise
        return result["MessageId"]
