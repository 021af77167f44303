"""Figures over the whole information base, kept while the data under them is unchanged.

A few pages aggregate every activity or every open need (who does what where, the coverage
overview): at world scale each costs a second or more of CPU, and under load the same figures
are asked for again and again, so that every other page waits behind them. ``kept`` computes
such figures once per state of the data they read; any write that changes that state makes the
next request compute them afresh.

Where they are kept: in the process's memory, as they are (at most ``FIGURES_KEPT`` results,
the least recently used going first), and in the "figures" cache (files under the var
directory), which the web server's other processes read instead of computing the same figures
again; a new release of the code or its translations does not read what an older one kept, and
loading the reference data (codelist items are changed in place) forgets everything kept.
One process computes a result at a time (a lock file per result): the others wait for it, then
read it (a lock held by a process that dies is released with it). The figures every
visitor of a page starts from are registered (``warmer``) and computed ahead, in every language,
into the shared cache (``warm``): when the web server starts (``infobase serve`` runs
``infobase figures-warm`` beside it) and after an import of activities.

The state of the data (``data_state``, also the rule of report runs' fingerprints): for each
source model, its row count, its highest key and its newest history entry. A row added or
deleted changes the first two; a change through a form, the admin, an import or the derivation
records history; machine state rewritten in place (the stored need scores) names the field
each write stamps (``DATA_STATE_STAMP``). The rows without history that these figures read
(an activity's recipients and themes) are replaced, not changed in place, when their activity
is saved; articles, instruments and codelists change only when the reference data is loaded,
which forgets every kept figure.
Callers treat what ``kept`` returns as read-only: it is shared.
"""

from __future__ import annotations

import contextvars
import fcntl
import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max
from django.utils import translation

T = TypeVar("T")

CACHE = "figures"
_KEPT: OrderedDict[str, Any] = OrderedDict()
_LOCK = threading.Lock()
_MISSING = object()
_WARMERS: list[Callable[[], object]] = []
_warming = contextvars.ContextVar("warming", default=False)

__all__ = ["clear", "data_state", "kept", "warm", "warmer"]


def data_state(labels: Iterable[str]) -> dict[str, list[Any]]:
    """Model label ("app.Model") → [row count, highest key, newest history id (if tracked)];
    for a model whose rows are rewritten in place without history (machine state), also the
    latest time in the field its ``DATA_STATE_STAMP`` names, which every write sets."""
    state: dict[str, list[Any]] = {}
    for label in sorted(set(labels)):
        model = apps.get_model(label)
        stamp = getattr(model, "DATA_STATE_STAMP", None)
        figures = model._default_manager.aggregate(
            n=Count("pk"), top=Max("pk"), **({"stamp": Max(stamp)} if stamp else {})
        )
        entry = [figures["n"], str(figures["top"])]
        if stamp:
            entry.append(str(figures["stamp"]))
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
    see ``needs.selectors.visibility_key``)."""
    payload = json.dumps(
        {
            "name": name,
            "params": params,
            "language": translation.get_language(),
            "data": data_state(sources),
            "code": _code_stamp(),
        },
        sort_keys=True,
        default=str,
    )
    key = f"{name}-{hashlib.sha256(payload.encode()).hexdigest()}"
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    shared = caches[CACHE]
    value = shared.get(key, _MISSING)
    if value is _MISSING:
        with _computing(name, key):
            value = shared.get(key, _MISSING)  # another process may have computed it meanwhile
            if value is _MISSING:
                value = compute()
                shared.set(key, value)
    _remember(key, value)
    return value


@functools.cache
def _code_stamp() -> str:
    """The code and translations this process runs (each module and catalog's time and size):
    the shared cache outlives a restart, and a new release must not read figures that an older
    one computed and labelled."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".mo")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    return digest.hexdigest()[:16]


def _remember(key: str, value: Any) -> None:
    if _warming.get():  # computed for the other processes: not kept in this one's memory too
        return
    with _LOCK:
        _KEPT[key] = value
        _KEPT.move_to_end(key)
        while len(_KEPT) > settings.FIGURES_KEPT:
            _KEPT.popitem(last=False)


@contextmanager
def _computing(name: str, key: str) -> Iterator[None]:
    """Held while ``key`` is computed, by one thread of one process at a time (``flock`` on a
    file: the kernel releases it when its process dies). The files are shared by keys alike in
    their first two hexadecimal digits, at most 256 per figure whatever the number of states
    of the data (a key that waits for another's computation now and then costs only time;
    ``compute`` must not ask for figures of its own name)."""
    folder = Path(settings.FIGURES_LOCK_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / key[: len(name) + 3], "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clear(*, shared: bool = True) -> None:
    """Forget every kept figure in this process's memory, and with ``shared`` in the shared
    cache too (tests: a rolled-back test's data can repeat the next one's state, the same
    counts and keys)."""
    with _LOCK:
        _KEPT.clear()
    if shared:
        caches[CACHE].clear()


def warmer(fn: Callable[[], object]) -> Callable[[], object]:
    """Register ``fn``, which asks ``kept`` for figures that most visitors of a page start from
    (the page with no filter), to be computed ahead by ``warm``."""
    _WARMERS.append(fn)
    return fn


def warm() -> int:
    """Compute the registered figures in every language of the interface into the shared cache
    (those already there are read, not computed again). Returns how many were asked for."""
    token = _warming.set(True)
    try:
        for fn in _WARMERS:
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    fn()
    finally:
        _warming.reset(token)
    return len(_WARMERS) * len(settings.LANGUAGES)
