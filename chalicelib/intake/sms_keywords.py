"""What a complainant's text asks for, when it is a keyword rather than a complaint."""

import re
import unicodedata
from typing import Literal

Keyword = Literal["stop", "start", "help", "status"]

# Carrier opt-out words (Twilio's defaults) and their usual Chinese forms.
_WORDS: dict[Keyword, set[str]] = {
    "stop": {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "OPTOUT",
        "REVOKE",
        "退订",
        "取消订阅",
        "取消",
        "TD",
    },
    "start": {"START", "UNSTOP", "YES", "SUBSCRIBE", "订阅", "恢复"},
    "help": {"HELP", "INFO", "帮助", "求助说明"},
    "status": {"STATUS", "查询", "进度", "查询进度"},
}


def parse(body: str) -> tuple[Keyword | None, str]:
    """(keyword, the rest of the text). Stop, start and help must be the whole message, as carriers
    treat them; a status query may be followed by a reference."""
    text = unicodedata.normalize("NFKC", body or "").strip()
    first, _, rest = text.partition(" ")
    word = re.sub(r"[\s.!。！]+$", "", text).upper()
    for keyword in ("stop", "start", "help"):
        if word in _WORDS[keyword]:
            return keyword, ""
    head = first.upper()
    for status_word in _WORDS["status"]:
        if head == status_word or (head.startswith(status_word) and not status_word.isascii()):
            remainder = text[len(status_word) :] if head != status_word else rest
            return "status", remainder.strip()
    return None, text
