"""A need's page gives its real place in the register; the register ranks every need but
explains only the page it shows, with a number of queries that does not grow with the register."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from infobase.needs import scoring
from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need
from infobase.needs.score_table import need_scores_refresh
from infobase.needs.scoring import ranked_register, scored_register
from tests.conftest import client_for
from tests.needs.test_derivation import answers, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_register() -> None:
    answers("EGY", [(5, "legislative"), (6, "training")], priority="high")
    answers("SEN", [(5, "legislative")])
    request("MEX", [(6, "legislative"), (5, "legislative")], urgency="low")
    request("GBR", [(16, "training")], urgency="high")
    answers("KEN", [(20, "technology")], confidential=True)
    needs_derive()


def register_order(user: object) -> list[int]:
    """The needs in the order the register page lists them to ``user``."""
    rows = client_for(user).get(reverse("need_register")).context["rows"]  # type: ignore[arg-type]
    return [need.pk for _scored, need in rows]


def test_a_needs_page_gives_its_place_in_the_register_its_reader_sees(
    small_register: None, secretariat, donor
) -> None:  # type: ignore[no-untyped-def]
    for user in (secretariat, donor):
        order = register_order(user)
        assert len(order) >= 5
        for place, pk in enumerate(order, start=1):
            page = client_for(user).get(reverse("need_detail", args=[pk]))
            assert page.context["scored"].position == place
            text = re.sub(r"\s+", " ", page.content.decode())
            assert f"rank {place} of {len(order)} in the register" in text
    # The donor does not see Kenya's confidential need: its register is one need shorter.
    assert len(register_order(donor)) == len(register_order(secretariat)) - 1


def test_a_closed_need_has_no_place_in_the_register(small_register: None, secretariat) -> None:  # type: ignore[no-untyped-def]
    need = Need.objects.get(state__iso3="GBR")
    need.status = "met"
    need.save()
    page = client_for(secretariat).get(reverse("need_detail", args=[need.pk]))
    assert page.context["scored"].position is None
    assert "in the register" not in page.content.decode()


def test_ranking_without_explanations_gives_the_same_totals_and_order(
    small_register: None,
) -> None:
    explained = scored_register(needs_qs=Need.objects.all())
    ranked = ranked_register(needs_qs=Need.objects.all())
    assert [(s.need_id, s.total, s.position) for s in explained] == [
        (r.need_id, r.total, r.position) for r in ranked
    ]


def add_needs(count_states: int) -> None:
    for iso3 in ["FRA", "DEU", "ITA", "NGA", "BRA", "ARG", "CHL", "IND", "JPN", "PER"][
        :count_states
    ]:
        answers(iso3, [(n, "training") for n in (5, 6, 8, 11, 16, 18)], priority="medium")
    needs_derive()
    need_scores_refresh()  # as the derivation job does


def test_the_register_explains_only_the_page_it_shows(
    small_register: None, secretariat, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    add_needs(10)
    total = Need.objects.filter(status="open").count()
    assert total > 50
    calls: list[int] = []
    real = scoring.score

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring, "score", counting)
    page = client_for(secretariat).get(reverse("need_register"))
    assert page.context["total"] == total
    assert len(page.context["rows"]) == 50
    assert len(calls) == 50


def test_the_registers_queries_do_not_grow_with_the_register(
    small_register: None, secretariat
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(secretariat)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("need_register")).status_code == 200
        return len(captured.captured_queries)

    queries()  # warm the session and caches
    few = queries()
    add_needs(10)
    assert Need.objects.count() > 60
    assert queries() == few
