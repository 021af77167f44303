"""The request import refuses, before writing anything, text PostgreSQL would refuse or that
would show in another order than it is written: each problem names its line and column."""

from __future__ import annotations

import pytest
from django.utils import translation

from infobase.core.errors import InvalidInput
from infobase.needs.models import AssistanceRequest
from infobase.needs.requests_import import requests_import
from tests.needs.test_requests import csv_bytes

GOOD = "EGY,untoc,5,training,Good row,Fine,en,high,2024-01-05,,NV/1,no"


def _row(title: str = "T", description: str = "d", reference: str = "") -> str:
    return f"EGY,untoc,5,training,{title},{description},en,high,2024-01-05,,{reference},no"


def test_import_refuses_overlong_and_odd_text_naming_line_and_column_and_writes_nothing(
    secretariat, egypt
):
    source = csv_bytes(
        GOOD,
        _row(title="x" * 301),  # line 3
        _row(title="invoice\u202egnp.exe"),  # line 4: shows as "invoiceexe.png"
        _row(description="ring\x07ring"),  # line 5
        _row(reference="NV\x1b/2"),  # line 6
        _row(title="override \u202dname"),  # line 7
        _row(reference="r" * 201),  # line 8
    )
    with pytest.raises(InvalidInput) as caught:
        requests_import(source=source, filename="requests.csv", user=secretariat)
    places = {(p.line, p.column) for p in caught.value.problems}
    assert places == {
        (3, "title"),
        (4, "title"),
        (5, "description"),
        (6, "reference"),
        (7, "title"),
        (8, "reference"),
    }
    said = str(caught.value)
    assert "requests.csv, line 4, column “title”" in said
    assert "U+202E" in said and "U+0007" in said and "U+001B" in said
    assert "at most 300 characters" in said
    assert not AssistanceRequest.objects.exists()


def test_import_says_what_is_wrong_with_the_text_in_the_readers_language(secretariat, egypt):
    source = csv_bytes(_row(title="a\u202db"), _row(title="x" * 301))
    with translation.override("fr"), pytest.raises(InvalidInput) as caught:
        requests_import(source=source, filename="r.csv", user=secretariat)
    said = str(caught.value)
    assert "U+202D" in said
    assert "The text" not in said
    assert not AssistanceRequest.objects.exists()
