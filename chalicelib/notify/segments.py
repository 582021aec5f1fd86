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


def units(text: str) -> int:
    if encoding(text) == "GSM-7":
        return sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def segments(text: str) -> int:
    single, part = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    length = units(text)
    if length <= single:
        return 1
    return -(-length // part)
