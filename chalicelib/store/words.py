"""The word index: one posting item per (word, case), written in the transaction that files the
case or adds the complainant's text, and read by a search a word at a time, newest first.

A posting's key is `WORD#<word>#<shard>` / `<received>#<reference>`: the shard (of the reference)
spreads a word every complainant uses in a burst ("停电") over WORD_SHARDS partitions, and no
posting is ever written twice by different cases, so no item is hot. A search reads at most
POSTINGS_READ of each shard of each word it asks for and keeps the cases that have every word;
scope is decided on the cases themselves, since a case can move to another unit after filing."""

import zlib
from datetime import datetime

from chalicelib.model.words import indexed_words
from chalicelib.runtime.clock import iso
from chalicelib.store.table import FamilyStore

WORD_SHARDS = 4
POSTINGS_READ = 200  # per shard and word: one Query page each


def _shard(reference: str) -> int:
    return zlib.crc32(reference.encode()) % WORD_SHARDS


def posting_puts(reference: str, received_at: datetime, text: str) -> list[dict]:
    """The puts that make a text's words find the case (put again, a posting is the same item)."""
    return [
        {"Item": {"PK": f"WORD#{word}#{_shard(reference)}", "SK": f"{iso(received_at)}#{reference}"}}
        for word in indexed_words(text)
    ]


class WordStore(FamilyStore):
    def find(self, words: list[str]) -> list[str]:
        """The references of the most recent cases holding every one of `words`, newest first
        (WORD_SHARDS Queries a word)."""
        found: dict[str, str] | None = None
        for word in words:
            postings = {}
            for shard in range(WORD_SHARDS):
                page = self.table.table.query(
                    KeyConditionExpression="PK = :pk",
                    ExpressionAttributeValues={":pk": f"WORD#{word}#{shard}"},
                    ProjectionExpression="SK",
                    ScanIndexForward=False,
                    Limit=POSTINGS_READ,
                )
                postings.update({item["SK"].rpartition("#")[2]: item["SK"] for item in page.get("Items", [])})
            found = postings if found is None else {ref: sk for ref, sk in found.items() if ref in postings}
            if not found:
                return []
        return sorted(found, key=found.get, reverse=True) if found else []
