"""The demo data set of two seeds, loaded once for the report tests of a module and rolled
back after (the one-seed ``demo`` fixture is in the suite's conftest)."""

from __future__ import annotations

import pytest

from tests import demo_cache


@pytest.fixture(scope="module", params=[1, 7], ids=["seed1", "seed7"])
def demo_seed(request, django_db_setup, django_db_blocker, demo_cache_root):  # type: ignore[no-untyped-def]
    """The demo data set of seed 1, then of seed 7: each loaded once for the module."""
    with demo_cache.loaded(seed=request.param, root=demo_cache_root, blocker=django_db_blocker):
        yield request.param
