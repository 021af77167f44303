"""The register's status filter says what it applies: a link that names no status (the menu,
the home page's queue, a State's profile, a heat-table cell) lists the open needs, and the
form's select, the filters in force, the file and the API say "open" for it; every status is
an explicit choice, "any" (``needs.selectors.status_filter``)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from infobase.accounts.models import User
from infobase.needs.models import NeedStatus
from tests.api.conftest import make_need, token_client
from tests.conftest import client_for, exported

pytestmark = pytest.mark.django_db


@pytest.fixture
def egypt_needs() -> None:
    make_need("EGY", 5)
    make_need("EGY", 6, status=NeedStatus.MET)
    make_need("EGY", 7, status=NeedStatus.NOT_RELEVANT)


def selected_status(html: str) -> list[str]:
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', html, re.S)
    assert select
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))


def status_in_force(html: str) -> list[str]:
    found = re.findall(r'<li data-filter="status">(.*?)</li>', html, re.S)
    return [re.sub(r"<[^>]+>", "", item) for item in found]


@pytest.mark.parametrize("name", ["need_register", "need_heat"])
@pytest.mark.parametrize("query", ["?state=EGY", "?regional_group=african", "?status=", ""])
def test_a_link_naming_no_status_shows_the_open_status_it_applies(
    egypt_needs: None, secretariat: User, name: str, query: str
) -> None:
    response = client_for(secretariat).get(reverse(name) + query)
    html = response.content.decode()
    assert selected_status(html) == ["open"]
    assert status_in_force(html) == ["Status: Open"]
    if name == "need_register":
        assert {n.status for _s, n in response.context["rows"]} == {NeedStatus.OPEN}


def test_any_status_is_an_explicit_choice_shown_as_chosen(
    egypt_needs: None, secretariat: User
) -> None:
    response = client_for(secretariat).get(reverse("need_register") + "?state=EGY&status=any")
    html = response.content.decode()
    assert selected_status(html) == ["any"]
    assert status_in_force(html) == ["Status: Any status"]
    assert response.context["total"] == 3


def test_the_file_of_a_register_naming_no_status_holds_the_open_needs(
    egypt_needs: None, secretariat: User
) -> None:
    client = client_for(secretariat)
    url = reverse("need_export", args=["csv"])
    for query, expected in [({"state": "EGY"}, 1), ({"state": "EGY", "status": "any"}, 3)]:
        text = exported(client, url, query).content.decode("utf-8-sig")
        rows = [row for row in csv.reader(io.StringIO(text))][1:]
        assert len([row for row in rows if row and row[0].isdigit()]) == expected, query


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, {"open"}),
        ("any", {"open", "met", "not_relevant"}),
        ("closed", {"met", "not_relevant"}),
    ],
)
def test_the_api_applies_the_register_s_status_rule(
    egypt_needs: None, secretariat: User, status: str | None, expected: set[str]
) -> None:
    query = {"state": "EGY", **({"status": status} if status else {})}
    response = token_client(secretariat).get("/api/v1/needs/", query)
    assert response.status_code == 200, response.content
    assert {row["status"] for row in response.json()["results"]} == expected
