"""What a channel adapter refuses: a delivery missing what every delivery of its kind carries."""


class BadWebhook(ValueError):
    """Answered 400 with the reason; nothing is stored."""
