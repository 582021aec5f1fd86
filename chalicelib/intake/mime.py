"""Reading a raw email as mail clients really send it: encoded headers and names, UTF-8, GBK,
GB2312, GB18030, Big5 and mislabelled charsets, quoted-printable and base64, HTML-only bodies
(made into safe text by BeautifulSoup, never regular expressions), quoted reply history
trimmed, format=flowed text joined, forwarded messages kept whole (attached or inline), attachments
and inline images listed. Pure: bytes in, a ParsedEmail out. Bounded:
at most MAX_PARTS parts and MAX_DEPTH levels are walked, whatever the message holds."""

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr

from chalicelib.intake.forwarded import FORWARD, inline_forward, unflow

MAX_PARTS = 200
MAX_DEPTH = 12
MAX_TEXT_CHARS = 20_000
_CHINESE_FALLBACKS = ("utf-8", "gb18030", "big5")
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|自动回复|休假|不在办公室)", re.IGNORECASE
)
_REPLY_MARKERS = [
    re.compile(r"^On .{4,200}wrote:\s*$"),  # Gmail, Apple Mail
    re.compile(r"^在 .{4,200}写道[：:]\s*$"),  # Gmail / Apple Mail in Chinese
    re.compile(r"^.{0,80}于\s*\d{4}.{0,60}写道[：:]\s*$"),
    re.compile(r"^-{2,}\s*(Original Message|原始邮件|原始郵件)\s*-{2,}\s*$", re.IGNORECASE),  # Outlook, Foxmail, QQ
    re.compile(r"^_{20,}\s*$"),  # Outlook's rule above the quoted header block
    re.compile(r"^(From|发件人|寄件者)\s*[:：].+$"),  # a quoted header block with no rule
]


@dataclass
class Part:
    filename: str
    content_type: str
    content: bytes
    inline: bool


@dataclass
class ParsedEmail:
    subject: str
    sender_name: str
    sender: str  # lower-case address
    recipients: list[str]
    message_id: str
    in_reply_to: list[str]
    text: str  # the new words, quoted history trimmed
    full_text: str  # everything the body said
    attachments: list[Part] = field(default_factory=list)
    automatic: str | None = None  # why no acknowledgement may be sent: bounce, auto-reply, list ...
    problems: list[str] = field(default_factory=list)  # what could not be read, for the record
    forwarded_from: tuple[str, str] | None = None  # (name, address) of a forwarded message's sender


def parse(raw: bytes) -> ParsedEmail:
    message = _recover_boundary(message_from_bytes(raw, policy=policy.default), raw)
    problems = [f"MIME defect: {type(defect).__name__}" for defect in message.defects][:5]
    plain, html, attachments, forwarded_messages = [], [], [], []
    for part in _walk(message, problems):
        kind = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if kind == "message/rfc822" and part is not message:  # forwarded as an attachment: kept whole
            inner = part.get_payload()[0] if isinstance(part.get_payload(), list) else None
            if inner is not None:
                forwarded_messages.append(inner)
                attachments.append(_message_part(inner, filename))
            continue
        if part.is_multipart():
            continue
        if disposition != "attachment" and not filename and kind == "text/plain":
            plain.append(_text_of(part, problems))
        elif disposition != "attachment" and not filename and kind == "text/html":
            html.append(_html_to_text(_text_of(part, problems)))
        elif kind not in ("text/plain", "text/html") or filename or disposition == "attachment":
            payload = part.get_payload(decode=True) or b""
            attachments.append(Part(filename or f"part-{len(attachments) + 1}", kind, payload, disposition == "inline"))
    full_text = "\n\n".join(t for t in (plain or html) if t.strip()).strip()
    sender_name, sender = _sender(message)
    forwarded = bool(FORWARD.search(_header(message, "Subject")) or FORWARD.search(full_text))
    inline = inline_forward(full_text) if forwarded and not forwarded_messages else None
    if inline is not None:  # forwarded in the body: the forwarded message, rebuilt, is kept as a message too
        forwarded_messages.append(inline)
        attachments.append(_message_part(inline, ""))
    original = _sender(forwarded_messages[0]) if forwarded_messages else None
    return ParsedEmail(
        subject=_header(message, "Subject"),
        sender_name=sender_name,
        sender=sender.lower(),
        recipients=[
            address.lower() for _, address in getaddresses([_header(message, "To"), _header(message, "Cc")]) if address
        ],
        message_id=_header(message, "Message-ID").strip(),
        in_reply_to=re.findall(r"<[^<>\s]+>", f"{_header(message, 'In-Reply-To')} {_header(message, 'References')}"),
        text=(full_text if forwarded else trim_quoted(full_text))[:MAX_TEXT_CHARS],
        full_text=full_text[:MAX_TEXT_CHARS],
        attachments=attachments,
        automatic=_automatic(message, sender),
        problems=problems,
        forwarded_from=(original[0], original[1].lower()) if original and original[1] else None,
    )


def _message_part(inner: Message, filename: str) -> Part:
    """A forwarded message kept whole (message/rfc822, its own headers), named from its subject."""
    subject = _header(inner, "Subject")
    name = filename or _limit_name(
        re.sub(r"[\\/\x00-\x1f\x7f:*?\"<>|]", "_", subject).strip(" .") or "forwarded", ".eml"
    )
    if not name.lower().endswith(".eml"):
        name = _limit_name(name, ".eml")
    return Part(name, "message/rfc822", inner.as_bytes(), False)


def _recover_boundary(message: Message, raw: bytes) -> Message:
    """A multipart whose declared boundary never appears (old or broken mailers): read it again
    with the boundary its body actually uses."""
    if not message.get_content_type().startswith("multipart/") or message.is_multipart():
        return message
    body = raw.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[-1]
    found = re.search(rb"^--([^\s-][^\r\n]{0,68}?)(--)?\r?$", body, re.MULTILINE)
    if not found:
        return message
    boundary = found.group(1).decode("ascii", "replace")
    recovered = message_from_bytes(
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode() + body, policy=policy.default
    )
    if not recovered.is_multipart():
        return message
    for name, value in message.items():
        if name.lower() not in ("content-type", "mime-version"):
            recovered[name] = value
    recovered.defects.extend(message.defects)
    return recovered


def _walk(message: Message, problems: list[str]):
    """Depth-first over the MIME tree with an explicit stack: no recursion to exhaust."""
    stack, seen = [(message, 0)], 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            problems.append(f"more than {MAX_PARTS} MIME parts: the rest were not read (the raw message is kept)")
            return
        yield part
        if part.is_multipart():
            if depth >= MAX_DEPTH:
                problems.append(f"multiparts nested deeper than {MAX_DEPTH}: the inner ones were not read")
                continue
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children))


def _decode(payload: bytes, declared: str | None) -> tuple[str, bool]:
    """(text, exact). The declared charset first (GBK and GB2312 read as their superset GB18030),
    then UTF-8, GB18030 and Big5; only if all fail, the declared one with replacement marks."""
    declared = (declared or "").lower()
    if declared in ("gbk", "gb2312", "x-gbk", "cp936"):
        declared = "gb18030"
    for charset in dict.fromkeys([declared, *_CHINESE_FALLBACKS]):
        if not charset:
            continue
        try:
            return payload.decode(charset), True
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode("utf-8", errors="replace"), False


def _text_of(part: Message, problems: list[str]) -> str:
    payload = part.get_payload(decode=True) or b""
    text, exact = _decode(payload, part.get_content_charset())
    if not exact:
        problems.append(f"{part.get_content_type()} in an unreadable charset {part.get_content_charset()!r}")
    text = text.replace("\r\n", "\n")
    if part.get_content_type() == "text/plain" and (part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, delsp=(part.get_param("delsp") or "").lower() == "yes")
    return text


def _html_to_text(markup: str) -> str:
    from bs4 import BeautifulSoup  # imported where used: keeps cold start small

    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "head", "title", "meta", "template", "noscript"]):
        hidden.decompose()
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    for block in soup.find_all(["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"]):
        block.append("\n")
    text = soup.get_text()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def trim_quoted(text: str) -> str:
    """The new words of a reply: everything above the first quoted-history marker, without
    '>' lines. A forwarded message is content, not history, and stays."""
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if any(marker.match(stripped) for marker in _REPLY_MARKERS):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


def _header(message: Message, name: str) -> str:
    """A header as text, whatever its encoding; raw 8-bit Chinese headers are read as GB18030."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a header the parser cannot even represent
        return ""
    if value is None:
        return ""
    text = str(value)
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in text):  # undecodable bytes kept as surrogates
        raw = text.encode("utf-8", "surrogateescape")
        text = _decode(raw, None)[0]
    return re.sub(r"[\r\n\t]+", " ", text).strip()[:998]


def _sender(message: Message) -> tuple[str, str]:
    """(display name, address) from the parsed From header, so that an encoded name can never
    turn into address syntax; control characters and brackets are dropped from the name."""
    try:
        addresses = message["From"].addresses if message["From"] is not None else ()
    except Exception:  # noqa: BLE001 - a From header the structured parser cannot read
        addresses = ()
    if addresses:
        name, address = addresses[0].display_name, addresses[0].addr_spec
    else:  # split the raw, still-encoded header first; only then decode the name
        raw = next((value for key, value in message.raw_items() if key.lower() == "from"), "")
        encoded_name, address = parseaddr(str(raw))
        try:
            name = str(make_header(decode_header(encoded_name)))
        except Exception:  # noqa: BLE001 - an undecodable name is left out, the address is what matters
            name = ""
    name = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f<>\"]", " ", name or "")).strip()[:100]
    return name, address if "@" in (address or "") else ""


def _filename(part: Message) -> str:
    """A name that is safe to store and show: no path, no control characters, not too long."""
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001 - malformed RFC 2231 parameters
        name = ""
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    return _limit_name(stem, dot + extension) if dot and len(extension) <= 16 else _limit_name(name, "")


MAX_NAME_BYTES = 255  # what file systems and S3 tools allow, counted in UTF-8


def _limit_name(stem: str, extension: str) -> str:
    """stem + extension within 255 bytes of UTF-8, cut at a character, the extension kept."""
    room = MAX_NAME_BYTES - len(extension.encode())
    while len(stem.encode()) > room:
        stem = stem[:-1]
    return stem.rstrip(" .") + extension


def _automatic(message: Message, sender: str) -> str | None:
    """Why this message must not be answered automatically (None: a person wrote it)."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if message.get_content_type() == "multipart/report" or re.match(r"^(mailer-daemon|postmaster)@", sender.lower()):
        return "bounce"
    if _header(message, "Return-Path") == "<>":
        return "bounce"
    if auto_submitted and auto_submitted != "no":
        return "auto-reply"
    if (
        _header(message, "X-Autoreply")
        or _header(message, "X-Autorespond")
        or _AUTO_SUBJECT.match(_header(message, "Subject"))
    ):
        return "auto-reply"
    if _header(message, "Precedence").lower() in ("bulk", "junk", "list", "auto_reply"):
        return "bulk"
    if _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return "mailing-list"
    return None
