"""One figure, every output: the open needs of one regional group read the same on the
register page, in its CSV and Excel files, in the API and, for everyone, in the open-data API.

The rule (``needs.selectors.needs_visible_to``, stated in docs/architecture.md): the
secretariat counts every open need; anyone else (a donor here) leaves out the needs of other
States that rest only on confidential evidence, in lists and in aggregates alike, and the open
data counts what everyone may see. The analytical report counts open needs by its own stated
definition (public evidence of its cycle), recomputed in tests/reports/test_analytical_figures.py.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from infobase.accounts.models import User
from infobase.needs.models import NeedStatus
from tests.api.conftest import make_need, token_client
from tests.conftest import client_for, exported

pytestmark = pytest.mark.django_db

AFRICAN = {"regional_group": "african"}


def _african_needs() -> None:
    make_need("NGA", 5)
    make_need("EGY", 6, kind="training")
    make_need("KEN", 5, confidential=True)  # rests only on confidential evidence
    make_need("SEN", 7, status=NeedStatus.MET)  # closed: not open
    make_need("MEX", 5)  # another regional group


def _on_the_page(user: User) -> int:
    page = client_for(user).get(reverse("need_register"), AFRICAN)
    assert page.status_code == 200
    return int(page.context["total"])


def _in_the_files(user: User) -> tuple[int, int]:
    client = client_for(user)
    text = exported(client, reverse("need_export", args=["csv"]), AFRICAN).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    needs_in_csv = [row for row in rows[1:] if row and row[0].isdigit()]
    book = openpyxl.load_workbook(
        io.BytesIO(exported(client, reverse("need_export", args=["xlsx"]), AFRICAN).content)
    )
    sheet = book.worksheets[0]
    needs_in_xlsx = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    return len(needs_in_csv), len(needs_in_xlsx)


def _in_the_api(user: User) -> int:
    body = token_client(user).get("/api/v1/needs/", {**AFRICAN, "page_size": 100}).json()
    assert body["next"] is None
    return len(body["results"])


@pytest.mark.parametrize("who, expected", [("secretariat", 3), ("donor", 2)])
def test_the_open_needs_of_a_group_agree_on_every_output(request, who, expected):  # type: ignore[no-untyped-def]
    _african_needs()
    user = request.getfixturevalue(who)
    assert _on_the_page(user) == expected
    assert _in_the_files(user) == (expected, expected)
    assert _in_the_api(user) == expected
    # Open data: what everyone may see, the donor's figure (the confidential need left out).
    gaps = Client().get("/api/v1/open/needs/gaps/", {"by": "regional_group"}).json()
    (african,) = [row for row in gaps if row["key"] == "african"]
    assert african["total"] == 2
