"""Parsing of phone numbers and email addresses, with errors a complainant can act on."""


class InvalidContact(ValueError):
    """Carries a message key for the page (translated there) and the field it concerns."""

    def __init__(self, field: str, message_key: str):
        super().__init__(f"{field}: {message_key}")
        self.field, self.message_key = field, message_key


def normalise_phone(raw: str, default_region: str = "CN") -> str:
    """Any way a person writes a number -> E.164, or InvalidContact."""
    import phonenumbers  # imported where used: keeps cold start small

    try:
        number = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException:
        raise InvalidContact("phone", "phone_invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact("phone", "phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidContact("email", "email_invalid") from None
    return result.normalized.lower()


def contact_or_none(raw: str, default_region: str = "CN") -> str | None:
    """A phone number or an email address however it was typed, normalised; None if it is neither."""
    try:
        return normalise_email(raw) if "@" in raw else normalise_phone(raw, default_region)
    except InvalidContact:
        return None


def can_receive_texts(e164: str) -> bool:
    """Mobile numbers (and those a numbering plan cannot tell from mobiles) take SMS; landlines do not."""
    import phonenumbers

    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
