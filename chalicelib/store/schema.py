"""The table's definition: its keys and its three sparse indexes, used by the sandbox, the tests
and the CloudFormation render; and creating it (or adding an index a newer version defines).

- `due` (due_shard, due_at): only work that is due - pending outbound messages and cases with an
  alert step pending. Sweeps query it by shard and read nothing else.
- `queue` (queue_unit, queue_at): cases by owning unit - the open ones (`O#`) in the order of their
  nearest running deadline, the finished ones (`C#`) in the order of receipt. The workspace queue
  and the register view read it.
- `assigned` (queue_assignee, queue_at): the same, by the person a case is assigned to."""

DUE_INDEX, QUEUE_INDEX, ASSIGNED_INDEX = "due", "queue", "assigned"
TTL_ATTRIBUTE = "expires_at"  # DynamoDB deletes an item some time after this epoch second
_INDEX_KEYS = {
    DUE_INDEX: ("due_shard", "due_at"),
    QUEUE_INDEX: ("queue_unit", "queue_at"),
    ASSIGNED_INDEX: ("queue_assignee", "queue_at"),
}


def _index(name: str) -> dict:
    partition, sort = _INDEX_KEYS[name]
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": partition, "KeyType": "HASH"}, {"AttributeName": sort, "KeyType": "RANGE"}],
        # ALL: a sweep reads each due case once, and a queue page its 50 cases, from the index alone.
        "Projection": {"ProjectionType": "ALL"},
    }


def _attributes(names) -> list[dict]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def table_definition(name: str) -> dict:
    keys = dict.fromkeys(["PK", "SK", *(key for pair in _INDEX_KEYS.values() for key in pair)])
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attributes(keys),
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [_index(index) for index in _INDEX_KEYS],
    }


def create_table(client, name: str) -> None:
    """Idempotent: an existing table is kept, data and all, and gains the indexes it lacks (one at a
    time, as DynamoDB requires)."""
    try:
        client.create_table(**table_definition(name))
    except client.exceptions.ResourceInUseException:
        _add_missing_indexes(client, name)
        return
    client.get_waiter("table_exists").wait(TableName=name)
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )


def _add_missing_indexes(client, name: str) -> None:
    import time

    described = client.describe_table(TableName=name)["Table"]
    present = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    for index in [index for index in _INDEX_KEYS if index not in present]:
        client.update_table(
            TableName=name,
            AttributeDefinitions=_attributes(_INDEX_KEYS[index]),
            GlobalSecondaryIndexUpdates=[{"Create": _index(index)}],
        )
        for _ in range(600):  # until it is built (seconds on DynamoDB Local)
            indexes = client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])
            if all(i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes):
                break
            time.sleep(0.5)
