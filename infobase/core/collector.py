"""Batch computations that build very many small objects run with the cyclic garbage collector
paused: each collection walks every object of the process (in a worker, the ORM's rows and the
figures too), again and again, for the few cycles such work leaves behind."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector is on again after it if it was on
    before (a nested or concurrent use leaves it as the outermost found it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
