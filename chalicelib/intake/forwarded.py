"""Forwarded complaints and flowed text, as mail clients send them: the message a client forwarded
in the body (its From/Date/Subject/To block, in English or Chinese) rebuilt as a message of its own,
and format=flowed text (RFC 3676) joined. Pure: text in, values out."""

import re
from email.header import Header
from email.message import Message
from email.utils import formataddr, getaddresses

FORWARD = re.compile(
    r"^\s*(fwd?|转发|轉寄)\s*[:：]|^-{5,}\s*(forwarded message|转发的邮件)|^begin forwarded message",
    re.IGNORECASE | re.MULTILINE,
)


_FORWARD_HEADER = re.compile(
    r"^\s*(From|Date|Sent|Subject|To|Cc|发件人|发送时间|日期|时间|主题|收件人|抄送)\s*[:：]\s*(.*)$"
)
_HEADER_NAMES = {
    "发件人": "From",
    "发送时间": "Date",
    "日期": "Date",
    "时间": "Date",
    "Sent": "Date",
    "主题": "Subject",
    "收件人": "To",
    "抄送": "Cc",
}


def inline_forward(text: str) -> Message | None:
    """The message a client forwarded in the body ("---------- Forwarded message ---------" and
    its From/Date/Subject/To block, in English or Chinese), as a message of its own; None when no
    header block with a sender follows the marker."""
    marker = FORWARD.search(text)
    if marker is None:
        return None
    lines = text[marker.end() :].split("\n")[1:]  # the rest of the marker's line is its decoration
    headers, index = {}, 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        found = _FORWARD_HEADER.match(lines[index])
        if not found:
            break
        name = _HEADER_NAMES.get(found.group(1), found.group(1))
        headers.setdefault(name, re.sub(r"[\r\n]", " ", found.group(2)).strip())
        index += 1
    if "From" not in headers:
        return None
    # compat32 keeps each header as written (a client's "Mon, 23 Nov 2026 at 10:05" is no RFC 5322
    # date, and is what the forwarded message said); non-ASCII goes in encoded words.
    inner = Message()
    for name in ("From", "To", "Cc", "Date", "Subject"):
        value = headers.get(name)
        if not value:
            continue
        if name in ("From", "To", "Cc"):
            inner[name] = ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([value]) if pair[1])
        else:
            inner[name] = value if value.isascii() else Header(value, "utf-8")
    inner.set_payload(("\n".join(lines[index:]).strip() + "\n").encode(), charset="utf-8")
    return inner


def unflow(text: str, delsp: bool = False) -> str:
    """format=flowed (RFC 3676): a line ending in a space continues on the next one (of the same
    quote depth); space-stuffing is removed; the signature separator "-- " stays a hard break."""
    paragraphs, current, current_depth = [], None, 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content[1:] if content.startswith(" ") else content  # space-stuffed
        if current is not None and depth != current_depth:
            paragraphs.append((current_depth, current))
            current = None
        flowed = content.endswith(" ") and content != "-- "
        piece = content[:-1] if flowed and delsp else content
        current = piece if current is None else current + piece
        current_depth = depth
        if not flowed:
            paragraphs.append((depth, current))
            current = None
    if current is not None:
        paragraphs.append((current_depth, current))
    return "\n".join(("> " * depth if depth else "") + words for depth, words in paragraphs)
