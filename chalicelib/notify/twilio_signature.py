"""Checking that a webhook request really comes from Twilio: the X-Twilio-Signature over the
public URL Twilio called (PUBLIC_BASE_URL, which carries any API Gateway stage prefix or custom
domain, + the route path + Twilio's query string) and the posted parameters."""
from urllib.parse import parse_qs, urlencode


class Forbidden(Exception):
    pass


def form_params(raw: bytes) -> dict[str, str]:
    """Twilio posts UTF-8 form fields; bytes that are not UTF-8 cannot carry a valid signature."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Forbidden("body is not UTF-8") from None
    return {name: values[-1] for name, values in parse_qs(text, keep_blank_values=True).items()}


def candidate_urls(base_url: str, path: str, query: list[tuple[str, str]]) -> list[str]:
    """API Gateway hands the query over as a mapping; the order Twilio signed is either the one
    kept or, for the URLs we generate ourselves, sorted."""
    url = base_url.rstrip("/") + path
    if not query:
        return [url]
    kept, ordered = f"{url}?{urlencode(query)}", f"{url}?{urlencode(sorted(query))}"
    return [kept] if kept == ordered else [kept, ordered]


def verify(auth_token: str, urls: list[str], params: dict[str, str], signature: str | None) -> None:
    from twilio.request_validator import RequestValidator

    if not signature:
        raise Forbidden("missing X-Twilio-Signature")
    validator = RequestValidator(auth_token)
    if not any(validator.validate(url, params, signature) for url in urls):
        raise Forbidden("X-Twilio-Signature does not match")


def action_url(base_url: str, path: str, **query: str) -> str:
    """URLs we hand to Twilio (TwiML actions, callbacks), with the query sorted so that the
    signature check can rebuild them exactly."""
    url = base_url.rstrip("/") + path
    return f"{url}?{urlencode(sorted(query.items()))}" if query else url
