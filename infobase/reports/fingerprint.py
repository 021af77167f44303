"""The state of the data a report reads, as one hash: it changes whenever a row of a source
model is added, changed or deleted (through the row counts, the highest keys and the newest
history entries), so a cached report is used only while the data under it is unchanged."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db.models import Count, Max


def data_state(labels: Iterable[str]) -> dict[str, list[Any]]:
    state: dict[str, list[Any]] = {}
    for label in sorted(set(labels)):
        model = apps.get_model(label)
        figures = model._default_manager.aggregate(n=Count("pk"), top=Max("pk"))
        entry = [figures["n"], str(figures["top"])]
        history = getattr(model, "history", None)
        if history is not None:
            entry.append(history.model.objects.aggregate(top=Max("history_id"))["top"])
        state[label] = entry
    return state


def fingerprint(
    *, report: str, params: Mapping[str, Any], sources: Iterable[str], version: str = "1"
) -> str:
    payload = json.dumps(
        {"report": report, "params": params, "data": data_state(sources), "v": version},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
