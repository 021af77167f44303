"""The demo data set of two seeds, generated once for the report tests of a module and rolled
back after (the one-seed ``demo`` fixture is in the suite's conftest)."""

from __future__ import annotations

import pytest
from django.db import transaction

from infobase.demo.services import generate


@pytest.fixture(scope="module", params=[1, 7], ids=["seed1", "seed7"])
def demo_seed(request, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo data set of seed 1, then of seed 7: each generated once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(scale="small", seed=request.param)
        yield request.param
        transaction.set_rollback(True)
