"""A refusal of something a person asked for (an action that does not apply, a missing reason):
carries a text key and its values, so the page or text answering the person says it in their
language with every code labelled; str() is the English text with the codes, for logs and tests."""

from chalicelib.runtime.labels import labelled
from chalicelib.runtime.language import Language
from chalicelib.runtime.rendering import text


class Refused(ValueError):
    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(text("en", f"refused_{key}", **values))

    def say(self, language: Language) -> str:
        return text(language, f"refused_{self.key}", **labelled(language, self.values))
