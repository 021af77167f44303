"""One money rule on every funding page and file: amounts converted at the rates of one stated
as-of date, rounded half up to the cent, totals that are the sums of the rounded rows; States
without a regional group are a row of their own."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from infobase.funding.gaps import funding_gaps
from infobase.funding.models import Allocation, BudgetLine, ExchangeRate, Pledge, Project
from infobase.funding.money import MoneyRule, cents, split_cents
from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need
from infobase.reference.models import Organization
from tests.conftest import client_for, exported
from tests.html import visible_text
from tests.needs.test_derivation import answers, request

pytestmark = pytest.mark.django_db

D = Decimal
AS_OF = date(2026, 6, 1)


@pytest.fixture
def money() -> dict[str, Project]:
    """Needs of Egypt, Senegal and Kiribati (no regional group). The euro is worth 1/0.9 USD
    until 2025 and 1/1.05 USD from 2026. Project "mla" (USD, budget 1,000) received 945 EUR in
    2025: 1,050 USD at that day's rate, 900 USD at the as-of date's. Project "three" (USD,
    budget 100) addresses the three needs: thirds of a cent do not add up."""
    answers("EGY", [(5, "legislative")])
    answers("SEN", [(5, "legislative")])
    request("KIR", [(5, "legislative")])
    answers("EGY", [(16, "training")])
    needs_derive(today=AS_OF)
    ExchangeRate.objects.create(currency="EUR", per_usd=D("0.9"), valid_from=date(2020, 1, 1))
    ExchangeRate.objects.create(currency="EUR", per_usd=D("1.05"), valid_from=date(2026, 1, 1))
    fund = Organization.objects.create(code="eu-fund", name_en="EU Fund", kind="fund")
    pledge = Pledge.objects.create(
        donor=fund, amount=D("5000"), currency="EUR", pledged_on=date(2025, 1, 1), status="agreed"
    )
    mla = Project.objects.create(code="mla", title={"en": "MLA"}, currency="USD")
    mla.needs.set([Need.objects.get(state__iso3="EGY", article__number=16)])
    BudgetLine.objects.create(project=mla, description="Experts", amount=D("1000"))
    Allocation.objects.create(
        pledge=pledge, project=mla, amount=D("945"), allocated_on=date(2025, 2, 1)
    )
    three = Project.objects.create(code="three", title={"en": "Three"}, currency="USD")
    three.needs.set(Need.objects.filter(article__number=5))
    BudgetLine.objects.create(project=three, description="Training", amount=D("100"))
    return {"mla": mla, "three": three}


def text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_projects_list_and_the_funding_gaps_agree_at_the_as_of_date(
    money: dict[str, Project], secretariat
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    listing = client.get(reverse("project_list"), {"on": AS_OF.isoformat()})
    row = next(r for r in listing.context["rows"] if r["project"].code == "mla")
    report = funding_gaps(on=AS_OF)
    gap = next(p for p in report.projects if p.code == "mla")
    # 945 EUR at 1.05 EUR per USD = 900 USD: a gap of 100 USD on both pages, not −50.
    assert (gap.budget_usd, gap.funded_usd, gap.gap_usd) == (D("1000.00"), D("900.00"), D("100"))
    assert row["funding"].allocated == gap.funded_usd
    assert row["gap"] == gap.gap_usd == D("100.00")
    assert "100.00 USD" in visible_text(text(listing))
    page = client.get(reverse("project_detail", args=[money["mla"].pk]), {"on": "2026-06-01"})
    assert page.context["funding"].allocated == D("900.00") and page.context["gap"] == D("100")
    assert "1.05" in text(page)  # the rate of the as-of date is listed


def test_a_project_funded_beyond_its_budget_shows_no_negative_gap(
    money: dict[str, Project], secretariat
) -> None:  # type: ignore[no-untyped-def]
    # On 2025-06-01 the 945 EUR are worth 1,050 USD: 50 USD above the budget of 1,000.
    listing = client_for(secretariat).get(reverse("project_list"), {"on": "2025-06-01"})
    row = next(r for r in listing.context["rows"] if r["project"].code == "mla")
    assert (row["gap"], row["surplus"]) == (D("0"), D("50.00"))
    assert "-50.00" not in text(listing) and "−50.00" not in text(listing)


@pytest.mark.parametrize(
    "url",
    [
        "/funding/projects/",
        "/funding/gaps/",
        "/funding/equity/",
        "/funding/mobilization/",
        "/funding/pledges/",
    ],
)
def test_every_funding_page_states_its_as_of_date_and_the_rule(
    money: dict[str, Project], secretariat, url: str
) -> None:  # type: ignore[no-untyped-def]
    page = text(client_for(secretariat).get(url, {"on": "2026-06-01"}))
    assert MoneyRule(AS_OF).statement() in page
    assert "2026-06-01" in page and "half up" in page


def test_the_project_page_and_the_gaps_export_state_the_rule(
    money: dict[str, Project], secretariat
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    page = text(client.get(reverse("project_detail", args=[money["mla"].pk]), {"on": "2026-06-01"}))
    assert MoneyRule(AS_OF).statement() in page
    export = exported(client, "/funding/gaps/export.csv", {"on": "2026-06-01"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [MoneyRule(AS_OF).statement()] == [r[2] for r in rows if r[0] == "Money rule"]


def test_rounding_is_half_up_and_shares_add_up_to_the_cent() -> None:
    assert cents(D("0.125")) == D("0.13") and cents(D("2.675")) == D("2.68")
    assert split_cents(D("100"), 3) == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(split_cents(D("0.05"), 3)) == D("0.05")
    assert split_cents(D("7"), 0) == []


def test_every_gap_table_adds_up_to_its_total_with_a_row_for_no_regional_group(
    money: dict[str, Project], secretariat
) -> None:  # type: ignore[no-untyped-def]
    report = funding_gaps(on=AS_OF)
    # 100 USD over three needs: 33.34 + 33.33 + 33.33, not three times 33.33.
    costs = sorted(n.cost_usd for n in report.needs if n.project_ids == (money["three"].pk,))
    assert costs == [D("33.33"), D("33.33"), D("33.34")]
    for dimension in ("state", "regional_group", "instrument", "kind"):
        rows = report.by[dimension]
        assert sum(r.needs for r in rows) == report.total.needs, dimension
        for figure in ("cost_usd", "funded_usd", "gap_usd"):
            shown = sum(getattr(r, figure) for r in rows)
            assert shown == getattr(report.total, figure), (dimension, figure)
    none = next(r for r in report.by["regional_group"] if r.key == "")
    assert (none.label, none.needs) == ("No regional group", 1)
    page = text(client_for(secretariat).get("/funding/gaps/", {"on": "2026-06-01"}))
    assert "No regional group" in page


def test_the_needs_register_files_and_tables_name_the_missing_regional_group(
    money: dict[str, Project], secretariat
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    export = exported(client, "/needs/export.csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    kiribati = [r for r in rows if r["ISO code"] == "KIR"]
    assert kiribati and all(r["Regional group"] == "No regional group" for r in kiribati)
    heat = client.get(reverse("need_heat")).context["kinds"]
    assert ("", "No regional group") in heat.columns
    assert sum(heat.cell("legislative", code) for code, _label in heat.columns) == 3
    coverage = exported(client, "/coverage/export/needs.csv").content.decode("utf-8-sig")
    assert "No regional group" in coverage
