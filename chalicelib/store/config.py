"""The institution's config document, written by `python -m infra sync` and read by every function."""

import json

from chalicelib.store.table import FamilyStore

KEY = {"PK": "CONFIG", "SK": "INSTITUTION"}


class ConfigStore(FamilyStore):
    def put(self, document: dict) -> None:
        self.table.table.put_item(Item={**KEY, "document": json.dumps(document)})

    def get(self) -> dict | None:
        item = self.table.table.get_item(Key=KEY).get("Item")
        return json.loads(item["document"]) if item else None
