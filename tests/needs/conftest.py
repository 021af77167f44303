"""Data shared by the register's tests."""

from __future__ import annotations

from typing import Any

import pytest

from infobase.needs.jobs import needs_derive_request
from infobase.needs.programmes import demo_programme
from tests.needs.test_derivation import answers, request


@pytest.fixture
def world(secretariat: Any) -> None:
    """A small register derived by the derivation job (which refreshes the scores)."""
    demo_programme()
    answers("EGY", [(5, "legislative"), (6, "training")], priority="high")
    answers("NGA", [(5, "legislative"), (18, "training")])
    answers("KEN", [(5, "legislative")], confidential=True)
    answers("FRA", [(5, "legislative")], priority="low")
    request("SEN", [(16, "training"), (5, "legislative")], urgency="high")
    request("MEX", [(18, "training")], urgency="medium")
    needs_derive_request(user=secretariat)
