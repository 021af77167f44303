"""The state of the data a report reads, as one hash: it changes whenever a row of a source
model is added, changed or deleted (``core.figures.data_state``: the row counts, the highest
keys and the newest history entries), so a cached report is used only while the data under it
is unchanged."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from infobase.core.figures import data_state

__all__ = ["data_state", "fingerprint"]


def fingerprint(
    *, report: str, params: Mapping[str, Any], sources: Iterable[str], version: str = "1"
) -> str:
    payload = json.dumps(
        {"report": report, "params": params, "data": data_state(sources), "v": version},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
