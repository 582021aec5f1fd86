"""The type of every stored time: zone-aware, and written by clock.iso() so that DynamoDB
conditions and sort keys can compare times as text. (Kept out of clock.py, which app.py imports
at cold start, because it needs pydantic.)"""

from typing import Annotated

from pydantic import AwareDatetime, PlainSerializer

from chalicelib.runtime.clock import iso

UtcTime = Annotated[AwareDatetime, PlainSerializer(iso, return_type=str, when_used="json")]
