"""The API gives a reporting cycle's name in every language it is held in, as it gives the
questionnaires' titles (a language → text map), whatever the reader's language; its CSV
writes the map as JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest

from infobase.questionnaires.models import ReportingCycle
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

NAMES = {
    "en": "Second reporting cycle (illustrative)",
    "ar": "دورة الإبلاغ الثانية (توضيحي)",
    "zh": "第二个报告周期（示例）",
}


def test_cycles_give_every_language(focal_egypt) -> None:  # type: ignore[no-untyped-def]
    ReportingCycle.objects.create(number=72, name=NAMES)
    client = token_client(focal_egypt, HTTP_ACCEPT_LANGUAGE="ar")
    rows = client.get("/api/v1/cycles/").json()["results"]
    (row,) = [r for r in rows if r["number"] == 72]
    assert row["name"] == NAMES
    detail = client.get(f"/api/v1/cycles/{row['id']}/").json()
    assert detail["name"] == NAMES
    data = client.get("/api/v1/cycles/?format=csv").content.decode("utf-8-sig")
    (line,) = [r for r in csv.DictReader(io.StringIO(data)) if r["number"] == "72"]
    assert json.loads(line["name"]) == NAMES
