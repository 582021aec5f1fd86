"""Which language to answer a complainant in: their explicit choice, else what they wrote,
else their browser's Accept-Language, else the institution's default."""

from typing import Literal

Language = Literal["zh", "en"]
SUPPORTED: tuple[Language, ...] = ("zh", "en")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def from_text(text: str | None) -> Language | None:
    """A message with any Chinese characters is answered in Chinese; Latin letters alone, English."""
    if not text:
        return None
    if any(_is_cjk(ch) for ch in text):
        return "zh"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return None


def clearly_in(text: str | None) -> Language | None:
    """The language a message is clearly written in, enough to switch a known complainant's: any
    Chinese, or English of three words or more. "ok", "STATUS", "START" or a number say nothing."""
    if not text:
        return None
    if any(_is_cjk(ch) for ch in text):
        return "zh"
    words = [word for word in text.split() if sum(ch.isascii() and ch.isalpha() for ch in word) >= 2]
    return "en" if len(words) >= 3 else None


def from_choice(value: str | None) -> Language | None:
    if not value:
        return None
    value = value.strip().lower().replace("_", "-")
    if value.startswith("zh") or value in ("cn", "中文"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> Language | None:
    """The supported language with the highest q-value in an Accept-Language header."""
    best: tuple[float, Language] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = from_choice(tag)
        # Earlier entries win ties, as browsers list them in order of preference.
        if language and quality > 0 and (best is None or quality > best[0]):
            best = (quality - position * 1e-6, language)
    return best[1] if best else None


def choose(*candidates: Language | None, default: Language = "zh") -> Language:
    for candidate in candidates:
        if candidate in SUPPORTED:
            return candidate
    return default
