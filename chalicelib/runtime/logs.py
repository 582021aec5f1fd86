"""Masking of complainant contact details wherever they would reach a log."""
import json
import logging
import re

# A whole run of 8 to 18 digits (spaces and dashes allowed), not part of a reference like HCB-261100427.
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d\s-]{6,16}\d(?![\d\w])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    return ("+" if phone.startswith("+") else "") + "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Masks anything that looks like a phone number or an email address inside free text."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def log_event(logger: logging.Logger, event: str, **fields) -> None:
    """One JSON line per event; contact details masked whatever field they hide in."""
    logger.info(mask_text(json.dumps({"event": event, **fields}, ensure_ascii=False, default=str)))
