"""How many SMS segments a text costs: GSM-7 (160 characters, 153 per part when split; the
extension characters cost two) unless any character needs UCS-2 (70, 67 per part; characters
outside the Basic Multilingual Plane, such as emoji, cost two units)."""

from typing import Literal

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# What a text to a person may cost: 1 segment in English, 2 in Chinese (UCS-2 segments hold 67
# characters). Acknowledgements and alerts are held to it.
SEGMENT_BUDGET = {"en": 1, "zh": 2}
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def encoding(text: str) -> Literal["GSM-7", "UCS-2"]:
    return "GSM-7" if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text) else "UCS-2"


def _cost(character: str, gsm: bool) -> int:
    """Units one character takes: GSM-7 extension characters and UCS-2 surrogate pairs take two."""
    if gsm:
        return 2 if character in _GSM_EXTENDED else 1
    return 2 if ord(character) > 0xFFFF else 1


def units(text: str) -> int:
    gsm = encoding(text) == "GSM-7"
    return sum(_cost(ch, gsm) for ch in text)


def segments(text: str) -> int:
    single, part = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    length = units(text)
    if length <= single:
        return 1
    return -(-length // part)


SMS_MAX_CHARACTERS = 1600  # the longest body Twilio accepts (error 21617)
MAX_NUMBERED_TEXTS = 3


def numbered_texts(body: str, most: int = MAX_NUMBERED_TEXTS) -> list[str] | None:
    """The body as itself when it fits one segment, else as numbered texts of one segment each
    ("(1/2) ..."), broken at a space or punctuation where one is near; None when it needs more than
    `most` of them."""
    if segments(body) <= 1:
        return [body]
    gsm = encoding(body) == "GSM-7"
    limit = 160 if gsm else 70
    for count in range(2, most + 1):
        parts, rest = [], body
        for number in range(1, count + 1):
            prefix = f"({number}/{count}) "
            room = limit - units(prefix)
            take = _fitting(rest, room, gsm)
            if take < len(rest):
                breaks = [i + 1 for i in range(max(take - 20, 1), take) if rest[i] in " ，。；、,.;!?！？\n"]
                take = breaks[-1] if breaks else take
            parts.append(prefix + rest[:take].strip())
            rest = rest[take:].lstrip()
            if not rest:
                break
        if not rest and all(segments(part) <= 1 for part in parts):
            return [part.replace(f"/{count}) ", f"/{len(parts)}) ", 1) for part in parts]
    return None


def _fitting(text: str, room: int, gsm: bool) -> int:
    """How many leading characters of `text` fit in `room` units of the body's encoding."""
    used = 0
    for index, character in enumerate(text):
        used += _cost(character, gsm)
        if used > room:
            return index
    return len(text)
