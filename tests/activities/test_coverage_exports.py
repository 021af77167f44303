"""The coverage exports: guarded by permission and safe from formula injection."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from infobase.accounts.models import User
from tests.activities.test_coverage import (
    activity,
    world,  # noqa: F401  (the fixture)
)
from tests.conftest import client_for, exported, make_user

pytestmark = pytest.mark.django_db


def test_exports_are_guarded_and_safe(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    focal_egypt: User,
) -> None:
    activity(
        "=HYPERLINK(1)",
        states=("EGY",),
        themes=((6, "legislative"),),
        provider="second-org",
    )
    assert exported(client_for(None), "/coverage/export/overlaps.csv").status_code == 302
    plain = make_user("nobody")
    assert exported(client_for(plain), "/coverage/export/overlaps.csv").status_code == 403
    assert exported(client_for(secretariat), "/coverage/export/secret.csv").status_code == 404
    response = exported(client_for(secretariat), "/coverage/export/overlaps.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "'=HYPERLINK(1)" in [r[5] for r in rows[1:]]
    gaps = exported(client_for(focal_egypt), "/coverage/export/gaps.xlsx")
    assert gaps.status_code == 200 and gaps.content[:2] == b"PK"
    needs = exported(client_for(secretariat), "/coverage/export/needs.csv")
    assert needs.content.decode("utf-8-sig").count("\n") == 4  # header + three open needs
