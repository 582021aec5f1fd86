"""The workspace queue: open cases read from the `queue` index (by unit) or the `assigned` index (by
person), in the order of their nearest deadline, a page at a time; and the counts of each unit's
open cases by the day of their nearest deadline, kept current by the case's own transactions
(sharded, so a burst of filings writes no single item more than 1/16 of the time) and read
without reading a single case.

A page of a unit subtree is one Query per unit, merged by due time; its cursor keeps a position
per unit (the queue key of the last case taken from it), so the next page starts each unit where
the last one stopped."""

import base64
import json
import zlib
from dataclasses import dataclass

from chalicelib.model.case import Case
from chalicelib.model.queue import NO_UNIT, QueuePlace, register_key
from chalicelib.store.schema import ASSIGNED_INDEX, QUEUE_INDEX
from chalicelib.store.table import FamilyStore, plain

COUNT_SHARDS = 16
PAGE_SIZE = 50
REQUESTS_PER_SOURCE = 2  # a filtered page reads at most 2 x PAGE_SIZE items of each unit it queries
MAX_CURSOR_CHARS = 4000


class BadCursor(ValueError):
    pass


def queue_fields(case: Case, place: QueuePlace | None) -> dict:
    """The attributes that put a case into the queue indexes: the queue part while it is open,
    the register part once it is finished."""
    if place is not None:
        unit, key, assignee = place.unit, place.key(case.reference), place.assignee
    else:
        unit, key, assignee = case.unit or NO_UNIT, register_key(case), case.assignee
    fields = {"queue_unit": unit, "queue_at": key}
    return {**fields, "queue_assignee": assignee} if assignee else fields


def _counter(place: QueuePlace, reference: str, by: int) -> dict:
    shard = zlib.crc32(reference.encode()) % COUNT_SHARDS
    return {
        "Key": {"PK": f"QCOUNT#{place.unit}", "SK": f"{place.day}#{shard:02d}"},
        "UpdateExpression": "ADD n :by",
        "ExpressionAttributeValues": {":by": by},
    }


def counter_updates(before: QueuePlace | None, after: QueuePlace | None, reference: str) -> list[dict]:
    """The counts a case's write changes: out of its old (unit, day), into its new one."""
    if before is not None and after is not None and (before.unit, before.day) == (after.unit, after.day):
        return []
    return [_counter(place, reference, by) for place, by in ((before, -1), (after, 1)) if place is not None]


@dataclass
class QueuePage:
    cases: list[dict]  # the stored case items, nearest deadline first
    cursor: str | None  # the next page's, None on the last
    searched: int  # items the index gave before the filters


def encode_cursor(positions: dict[str, list | None]) -> str:
    return base64.urlsafe_b64encode(json.dumps(positions, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None, sources: list[str]) -> dict[str, list | None]:
    """Positions per source from a cursor; BadCursor for anything this viewer's sources did not make."""
    if not cursor:
        return {}
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadCursor("too long")
    try:
        positions = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise BadCursor("unreadable") from error
    if not isinstance(positions, dict) or not set(positions) <= set(sources):
        raise BadCursor("not this view's")
    for value in positions.values():
        if value is not None and not (isinstance(value, str) and len(value) < 200):
            raise BadCursor("bad position")
    return positions


class QueueStore(FamilyStore):
    def page(
        self,
        sources: list[tuple[str, str]],
        before: str,
        after: str,
        filters: dict[str, str],
        cursor: str | None,
        size: int = PAGE_SIZE,
    ) -> QueuePage:
        """One page over `sources` - ("unit", code) or ("assignee", staff id) - of cases whose queue
        key lies in [after, before), those matching every `filters` attribute
        (applied by DynamoDB after the index read), nearest deadline first."""
        names = [f"{kind}:{value}" for kind, value in sources]
        positions = decode_cursor(cursor, names)
        streams, searched = {}, 0
        for (kind, value), name in zip(sources, names, strict=True):
            if name in positions and positions[name] is None:
                continue  # this source was used up on an earlier page
            items, more, read = self._read(kind, value, before, after, filters, positions.get(name), size)
            streams[name] = (items, more)
            searched += read
        merged = sorted(
            ((item["queue_at"], name, item) for name, (items, _) in streams.items() for item in items),
            key=lambda entry: entry[0],
        )
        taken = merged[:size]
        next_positions = dict(positions)
        for name, (items, more) in streams.items():
            used = [entry for entry in taken if entry[1] == name]
            if used:
                next_positions[name] = used[-1][0]
            if not more and len(used) == len(items):
                next_positions[name] = None  # nothing left in this source
        finished = all(next_positions.get(name, "") is None for name in names)
        cases = [plain(item) for _, _, item in taken]
        return QueuePage(cases, None if finished else encode_cursor(next_positions), searched)

    def _read(self, kind, value, before, after, filters, position, size):
        """(matching items, whether the index has more, items read): at most REQUESTS_PER_SOURCE
        requests of `size` items."""
        index, partition = (QUEUE_INDEX, "queue_unit") if kind == "unit" else (ASSIGNED_INDEX, "queue_assignee")
        lower = max(position or after, after)
        if lower >= before:  # a position past the range (a cursor from another view): nothing left
            return [], False, 0
        # BETWEEN takes both ends: the position (the last case taken) and `before` are left out below.
        condition = "#p = :p AND #k BETWEEN :lower AND :before"
        values = {":p": value, ":lower": lower, ":before": before}
        names = {"#p": partition, "#k": "queue_at"}
        query = {"IndexName": index, "KeyConditionExpression": condition, "Limit": size}
        if filters:
            parts = []
            for number, (attribute, wanted) in enumerate(sorted(filters.items())):
                names[f"#f{number}"], values[f":f{number}"] = attribute, wanted
                parts.append(f"#f{number} = :f{number}")
            query["FilterExpression"] = " AND ".join(parts)
        items, read, start = [], 0, None
        for _ in range(REQUESTS_PER_SOURCE):
            page = self.table.table.query(
                **query,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            read += page.get("ScannedCount", 0)
            items += [item for item in page.get("Items", []) if item["queue_at"] != position]
            start = page.get("LastEvaluatedKey")
            if not start or len(items) >= size:
                break
        items = [item for item in items if item["queue_at"] < before]  # the range is half-open
        return items[:size], bool(start) or len(items) > size, read

    def counts(self, units: list[str]) -> dict[str, dict[str, int]]:
        """Per unit: its open cases by the local day of their nearest deadline (`none` for those
        with every clock paused), summed over the shards - one Query of small counters per unit."""
        result = {}
        for unit in units:
            days: dict[str, int] = {}
            for item in self.table.query_all(
                KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": f"QCOUNT#{unit}"}
            ):
                day = item["SK"].rsplit("#", 1)[0]
                days[day] = days.get(day, 0) + int(item.get("n", 0))
            result[unit] = {day: n for day, n in days.items() if n}
        return result
