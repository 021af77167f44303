"""A project's needs are listed in the alphabetical order of their States in the reader's
language (``reference.selectors.by_state_name``), each State's needs in article order."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from infobase.accounts.models import User
from tests.conftest import client_for
from tests.funding.test_money_projects import need, project

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[tuple[str, str]]:
    """(State, article) of each row of the "Needs addressed" table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    row = r'<th scope="row"><a href="[^"]+"><span lang="\w+">([^<]+)</span></a></th><td>([^<]+?) —'
    return re.findall(row, body)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        # Egypt before Senegal in English; «السنغال» before «مصر» in Arabic (the article «ال»
        # set aside: sīn before mīm). Within a State, its needs in article order.
        ("en", [("Egypt", "UNTOC 5"), ("Egypt", "UNTOC 16"), ("Senegal", "UNTOC 5")]),
        ("ar", [("السنغال", "UNTOC 5"), ("مصر", "UNTOC 5"), ("مصر", "UNTOC 16")]),
    ],
)
def test_the_needs_of_a_project_follow_the_readers_alphabet(
    secretariat: User, lang: str, expected: list[tuple[str, str]]
) -> None:
    needs = [
        need("SEN", "untoc", 5, "training"),
        need("EGY", "untoc", 16, "legislative"),
        need("EGY", "untoc", 5, "training"),
    ]
    made = project(secretariat, "order", needs)
    page = client_for(secretariat).get(reverse("project_detail", args=[made.pk]), {"lang": lang})
    assert rows(page.content.decode()) == expected
