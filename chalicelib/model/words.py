"""The words a complaint is found by: character bigrams for Chinese (a run of one character is
kept whole), lower-case words for English and other Latin text, with a few function words and
every number left out (a card or account number is never an index key). Pure: the filing
indexes what `indexed_words` gives, and a search asks for what `searched_words` gives, so both
read text the same way."""

import re
import unicodedata

MAX_INDEXED = 40  # distinct words a text puts in the index: bounded writes per filing
MAX_SEARCHED = 4  # words a search asks the index for (the rest of the query narrows nothing)
MAX_WORD_CHARS = 40  # longer words are cut: an index key stays far below DynamoDB's key limits

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9\u00c0-\u024f]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_FUNCTION_WORDS = frozenset(
    " ".join(
        (
            "a an and are as at be been but by for from had has have he her his i in is it its me my no not",
            "of on or our she so that the their them they this to was we were with you your",
        )
    ).split()
)


def _words(text: str):
    for run in _RUNS.finditer(unicodedata.normalize("NFKC", text or "").lower()):
        word = run.group()
        if _HAN.match(word):
            yield from (word[i : i + 2] for i in range(max(1, len(word) - 1)))
        elif len(word) > 1 and not word.isdigit() and word not in _FUNCTION_WORDS:
            word = word[:MAX_WORD_CHARS]
            # "charges" finds "charge": the plural's s goes, at index and at search alike
            yield word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def indexed_words(text: str) -> list[str]:
    """The distinct words of a text, in the order they first appear, at most MAX_INDEXED."""
    return list(dict.fromkeys(_words(text)))[:MAX_INDEXED]


def searched_words(query: str) -> list[str]:
    """The words a search looks up, at most MAX_SEARCHED: the longest ones, which narrow most."""
    found = list(dict.fromkeys(_words(query)))
    return sorted(found, key=len, reverse=True)[:MAX_SEARCHED] if found else []
