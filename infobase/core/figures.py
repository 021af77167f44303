"""Figures over the whole information base, kept while the data under them is unchanged.

A few pages aggregate every activity or every open need (who does what where, the coverage
overview): at world scale each costs a second or more of CPU, and under load the same figures
are asked for again and again, so that every other page waits behind them. ``kept`` computes
such figures once per state of the data they read and keeps them in the "figures" cache of the
process; any write that changes that state makes the next request compute them afresh.

The state of the data (``data_state``, also the rule of report runs' fingerprints): for each
source model, its row count, its highest key and its newest history entry. A row added or
deleted changes the first two; a change through a form, the admin, an import or the derivation
records history. The rows without history that these figures read (an activity's recipients and
themes, reference data) are replaced, not changed in place, when their activity or the
reference data is saved. A figure never outlives the process: the cache is the process's own
memory, so a deployment (a restart) starts afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import caches
from django.db.models import Count, Max
from django.utils import translation

T = TypeVar("T")

CACHE = "figures"
# Bumped when a kept figure's shape changes within one release (a running process never mixes
# two versions of the code, whose caches start empty).
VERSION = "1"
_MISSING = object()

__all__ = ["data_state", "kept"]


def data_state(labels: Iterable[str]) -> dict[str, list[Any]]:
    """Model label ("app.Model") → [row count, highest key, newest history id (if tracked)]."""
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


def kept(
    *,
    name: str,
    params: Mapping[str, Any],
    sources: Iterable[str],
    compute: Callable[[], T],
) -> T:
    """``compute()``, or what it returned before for the same ``name``, ``params``, language of
    the request and state of the ``sources`` (model labels: every model ``compute`` reads).
    ``params`` must name everything else the result depends on (filters, the day, whose view:
    see ``needs.selectors.visibility_key``); the result must be picklable."""
    payload = json.dumps(
        {
            "name": name,
            "params": params,
            "language": translation.get_language(),
            "data": data_state(sources),
            "v": VERSION,
        },
        sort_keys=True,
        default=str,
    )
    key = f"{name}:{hashlib.sha256(payload.encode()).hexdigest()}"
    cache = caches[CACHE]
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value)
    return value
