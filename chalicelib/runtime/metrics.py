"""Counts for dashboards and alarms in CloudWatch's embedded metric format: one JSON line on
stdout that CloudWatch Logs turns into a metric. No API call, no permission, nothing to import.
(A line through `logging` would carry Lambda's prefix and not be read as a metric.)"""

import json
import os

from chalicelib.runtime.clock import now

NAMESPACE = "ComplaintHotline"


def count(name: str, value: int = 1, unit: str = "Count", **dimensions: str) -> None:
    """`name` by institution (and by any extra dimension given, e.g. channel). Only inside Lambda,
    where CloudWatch reads it; elsewhere (the sandbox console) it would be noise."""
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    dimensions = {"Institution": os.environ.get("INSTITUTION", "local"), **dimensions}
    print(
        json.dumps(
            {
                "_aws": {
                    "Timestamp": int(now().timestamp() * 1000),
                    "CloudWatchMetrics": [
                        {
                            "Namespace": NAMESPACE,
                            "Dimensions": [["Institution"], list(dimensions)]
                            if len(dimensions) > 1
                            else [["Institution"]],
                            "Metrics": [{"Name": name, "Unit": unit}],
                        }
                    ],
                },
                **dimensions,
                name: value,
            }
        ),
        flush=True,
    )
