"""Case reference numbers: a short prefix, then digits only, so they read aloud easily and
type on a phone keypad. Format ``PFX-YYMMSSSSC``: year and month of receipt in the institution's
zone, a per-month sequence (at least 4 digits) and a Damm check digit that catches every single
wrong digit and every swap of two adjacent digits before any lookup reaches the database.
With a 3-letter prefix a reference is 13 characters up to 9,999 cases a month, 14 up to 99,999.
"""

import re
import unicodedata
from datetime import datetime

# Damm's quasigroup of order 10 (Damm 2004): weakly totally anti-symmetric.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
PREFIX_PATTERN = re.compile(r"^[A-Z]{2,3}$")
_REFERENCE = re.compile(r"^([A-Z]{2,3})-(\d{9,})$")


def damm_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def month_key(local_time: datetime) -> str:
    return local_time.strftime("%y%m")


def format_reference(prefix: str, local_time: datetime, sequence: int) -> str:
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"reference prefix must be 2-3 capital letters, got {prefix!r}")
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    body = f"{month_key(local_time)}{sequence:04d}"
    return f"{prefix}-{body}{damm_digit(body)}"


def normalise_reference(text: str) -> str | None:
    """What a person typed (lower case, spaces, dashes, full-width digits) -> the canonical
    reference, or None when it cannot be one (wrong shape or failed check digit)."""
    if not text:
        return None
    # NFKC folds full-width letters and digits (typed with a Chinese input method) to ASCII.
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", text).upper() if ch.isascii() and ch.isalnum())
    match = re.match(r"^([A-Z]{2,3})(\d{9,})$", cleaned)
    if not match:
        return None
    prefix, digits = match.groups()
    if damm_digit(digits) != 0:
        return None
    return f"{prefix}-{digits}"


def find_references(text: str) -> list[str]:
    """Every valid reference written inside free text (an SMS, an email subject)."""
    found = []
    for candidate in re.findall(r"[A-Za-z]{2,3}[\s-]?[\d\s-]{9,20}", text or ""):
        reference = normalise_reference(candidate)
        if reference and reference not in found:
            found.append(reference)
    return found


def is_reference(text: str) -> bool:
    return bool(_REFERENCE.match(text or ""))
