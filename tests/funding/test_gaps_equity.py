"""Funding gaps, resource-mobilization lists and equity: every figure recomputed in the test by
explicit arithmetic from the data it builds."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from infobase.core.i18n import format_share, language
from infobase.funding import charts
from infobase.funding.equity import (
    GroupShare,
    Place,
    WeightedNeed,
    equity_index,
    equity_of,
    measure,
    need_target,
    portfolio_equity,
    project_target,
    proposal_equity,
    threshold_setting,
    weighted_needs,
)
from infobase.funding.gaps import DEFAULT_UNIT_COSTS, funding_gaps
from infobase.funding.mobilization import mobilization_list, mobilization_matches
from infobase.funding.models import (
    Allocation,
    BudgetLine,
    ExchangeRate,
    Pledge,
    Project,
    Proposal,
    ProposalLine,
)
from infobase.funding.money import MissingRate
from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need
from infobase.needs.scoring import scored_register
from infobase.reference.models import Organization, RegionalGroup, State
from infobase.reports import numbers
from tests.conftest import client_for, exported
from tests.needs.test_derivation import answers, request

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 6, 1)
SIX = D("0.000001")
FOUR = D("0.0001")
CENT = D("0.01")


def q(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def c(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def need(iso3: str, number: int, kind: str) -> Need:
    return Need.objects.get(state__iso3=iso3, article__number=number, kind=kind)


def org(code: str) -> Organization:
    return Organization.objects.create(code=code, name_en=code.title(), kind="fund")


def pledge(donor: Organization, amount: str, currency: str = "USD", **fields: object) -> Pledge:
    states = fields.pop("states", [])
    p = Pledge.objects.create(
        donor=donor,
        amount=D(amount),
        currency=currency,
        pledged_on=date(2025, 1, 15),
        status="agreed",
        **fields,
    )
    if states:
        p.states.set(states)
    return p


def project(
    code: str,
    needs: list[Need],
    budget: list[str] = (),  # type: ignore[assignment]
    currency: str = "USD",
    states: list[State] = (),  # type: ignore[assignment]
    title: str = "",
) -> Project:
    p = Project.objects.create(code=code, title={"en": title or code}, currency=currency)
    p.needs.set(needs)
    p.states.set(states)
    for i, amount in enumerate(budget):
        BudgetLine.objects.create(project=p, description=f"line {i}", amount=D(amount))
    return p


def give(p: Pledge, to: Project, amount: str, on: date = date(2026, 2, 1)) -> Allocation:
    return Allocation.objects.create(pledge=p, project=to, amount=D(amount), allocated_on=on)


@pytest.fixture
def register() -> dict[str, Need]:
    """Four open needs: Egypt (African, civil + Islamic), Senegal (African, civil), Mexico
    (Latin American, civil), United Kingdom (WEOG, common law)."""
    answers("EGY", [(5, "legislative")], priority="high")
    answers("SEN", [(5, "training")])
    request("MEX", [(6, "legislative")], urgency="low")
    request("GBR", [(6, "training")], urgency="high")
    needs_derive(today=TODAY)
    return {
        "EGY": need("EGY", 5, "legislative"),
        "SEN": need("SEN", 5, "training"),
        "MEX": need("MEX", 6, "legislative"),
        "GBR": need("GBR", 6, "training"),
    }


@pytest.fixture
def rates() -> None:
    ExchangeRate.objects.create(currency="EUR", per_usd=D("0.9"), valid_from=date(2025, 1, 1))
    ExchangeRate.objects.create(
        currency="EUR", per_usd=D("0.8"), valid_from=date(2026, 1, 1), source="ECB"
    )


@pytest.fixture
def portfolio(register: dict[str, Need], rates: None) -> dict[str, object]:
    """P1 (EGY + SEN needs, budget 200,000 EUR) gets 80,000 EUR; P2 (MEX need, budget 60,000 USD)
    gets 50,000 USD; an allocation after the report date must not count."""
    eu, us = org("eu-fund"), org("us-fund")
    p_eur = pledge(eu, "500000", "EUR", earmark="thematic", kind="training")
    p_usd = pledge(us, "300000", "USD")
    p1 = project("p1", [register["EGY"], register["SEN"]], ["150000", "50000"], "EUR")
    p2 = project("p2", [register["MEX"]], ["60000"])
    give(p_eur, p1, "80000")
    give(p_usd, p2, "50000")
    give(p_usd, p2, "99999", on=date(2026, 7, 1))  # after the report date
    return {"p1": p1, "p2": p2, "eu": eu, "us": us, "p_eur": p_eur, "p_usd": p_usd}


# --- Equity: the index --------------------------------------------------------------------


def test_index_is_one_for_proportional_and_zero_for_disjoint_distributions() -> None:
    assert equity_index({"a": D(2), "b": D(1)}, {"a": D(40), "b": D(20)}) == D("1.0000")
    assert equity_index({"a": D(5)}, {"b": D(3)}) == D("0.0000")
    # r = (0.75, 0.25), n = (0.5, 0.5): ½(0.25 + 0.25) = 0.25 → 0.75.
    assert equity_index({"a": D(3), "b": D(1)}, {"a": D(1), "b": D(1)}) == D("0.7500")
    assert equity_index({}, {"a": D(1)}) is None
    assert equity_index({"a": D(1)}, {"a": D(0)}) is None


def test_index_on_real_needs_is_one_when_money_follows_priority_and_zero_when_disjoint(
    register: dict[str, Need],
) -> None:
    needs = weighted_needs(today=TODAY)
    proportional = {need_target(n.need_id): n.weight * 1000 for n in needs}
    report = equity_of(proportional, needs=needs)
    assert report.regional.index == D("1.0000")
    assert report.legal.index == D("1.0000")
    assert all(r.ratio == D("1.0000") for r in report.regional.rows if r.needs_weight > 0)

    # Money only to a State with no need, of a group and a family with no need either.
    only_sen_mex = [n for n in needs if n.place.regional_group == "latin_american_caribbean"]
    russia = project("ru", [], states=[State.objects.get(iso3="RUS")])
    disjoint = equity_of({project_target(russia.pk): D("1000")}, needs=only_sen_mex)
    assert disjoint.regional.index == D("0.0000")
    ukraine = project("gb", [], states=[State.objects.get(iso3="GBR")])
    disjoint = equity_of({project_target(ukraine.pk): D("1000")}, needs=only_sen_mex)
    assert disjoint.legal.index == D("0.0000")  # MEX is civil law only, GBR common law only


# --- Equity: the portfolio, recomputed -----------------------------------------------------


def test_portfolio_equity_figures_match_an_independent_computation(
    portfolio: dict[str, object],
) -> None:
    report = portfolio_equity(on=TODAY, needs=weighted_needs(today=TODAY))

    # Weights: the priority scores of the open needs, summed by hand per group and family.
    weight = {
        s.facts.state_iso3: s.total
        for s in scored_register(needs_qs=Need.objects.all(), today=TODAY)
    }
    assert len(weight) == 4 and all(w > 0 for w in weight.values())
    W = sum(weight.values())
    w_group = {
        "african": weight["EGY"] + weight["SEN"],
        "latin_american_caribbean": weight["MEX"],
        "weog": weight["GBR"],
        "asia_pacific": D(0),
        "eastern_european": D(0),
    }
    w_family = {
        "civil": weight["EGY"] + weight["SEN"] + weight["MEX"],
        "islamic": weight["EGY"],
        "common": weight["GBR"],
        "customary": D(0),
    }
    # Resources: 80,000 EUR at 0.8 EUR per USD (the rate valid on the report date, not 0.9) is
    # 100,000 USD, shared by EGY and SEN; 50,000 USD to MEX; the July allocation left out.
    usd_p1 = D("80000") / D("0.8")
    assert usd_p1 == D("100000")
    r_group = {"african": usd_p1, "latin_american_caribbean": D("50000")}
    r_family = {"civil": usd_p1 + D("50000"), "islamic": usd_p1 / 2}
    R = usd_p1 + D("50000")

    for dim, w_by, r_by in (
        (report.regional, w_group, r_group),
        (report.legal, w_family, r_family),
    ):
        rows = {row.code: row for row in dim.rows}
        assert set(rows) == set(w_by)
        for code, w in w_by.items():
            r = r_by.get(code, D(0))
            row = rows[code]
            assert row.need_share == q(w / W, SIX)
            assert row.resource_share == q(r / R, SIX)
            assert row.resources_usd == c(r)
            assert row.fair_share_usd == c(w / W * R)
            assert row.shortfall_usd == c(w / W * R - r)
            if w > 0:
                ratio = (r / R) / (w / W)
                assert row.ratio == q(ratio, FOUR)
                assert row.under_served == (ratio < D("0.8"))
            else:
                assert row.ratio is None and not row.under_served
        # Index with shares normalised over the dimension's totals.
        total_r, total_w = sum(r_by.values()), sum(w_by.values())
        dissimilarity = sum(abs(r_by.get(k, D(0)) / total_r - w_by[k] / total_w) for k in w_by) / 2
        assert dim.index == q(1 - dissimilarity, FOUR)
        # The largest shortfall: the largest positive fair share − received.
        shortfalls = {k: w_by[k] / W * R - r_by.get(k, D(0)) for k in w_by}
        worst = max(shortfalls, key=lambda k: shortfalls[k])
        assert dim.largest_shortfall is not None
        assert dim.largest_shortfall.code == worst
        assert dim.largest_shortfall.shortfall_usd == c(shortfalls[worst])

    # WEOG and common law receive nothing while having needs: flagged.
    assert "weog" in {r.code for r in report.regional.under_served}
    assert "common" in {r.code for r in report.legal.under_served}
    # Egypt is civil and Islamic: the family shares add up to more than 100 %.
    assert sum(r.resource_share or 0 for r in report.legal.rows) > 1
    assert report.legal.resources_usd == c(R)
    # The rate used is listed.
    used = list(report.rates or [])
    assert [(u.currency, u.per_usd, u.valid_from, u.source) for u in used] == [
        ("EUR", D("0.800000"), date(2026, 1, 1), "ECB")
    ]


def test_a_date_before_the_new_rate_converts_with_the_older_one(
    portfolio: dict[str, object],
) -> None:
    report = portfolio_equity(on=date(2025, 12, 31), needs=weighted_needs(today=TODAY))
    # Nothing allocated by then.
    assert report.regional.resources_usd == D("0.00")
    give(portfolio["p_eur"], portfolio["p1"], "90", on=date(2025, 6, 1))  # type: ignore[arg-type]
    report = portfolio_equity(on=date(2025, 12, 31), needs=weighted_needs(today=TODAY))
    assert report.regional.resources_usd == D("100.00")  # 90 EUR at 0.9
    assert [u.per_usd for u in report.rates or []] == [D("0.900000")]


def test_under_served_threshold_is_configurable(settings) -> None:  # type: ignore[no-untyped-def]
    groups = [("a", "A"), ("b", "B")]
    # n = (0.5, 0.5), r = (0.375, 0.625): ratio of a = 0.75.
    args = {
        "dimension": "regional_group",
        "groups": groups,
        "resources": {"a": D(3), "b": D(5)},
        "needs": {"a": D(1), "b": D(1)},
        "total_resources": D(8),
        "total_needs": D(2),
    }
    flagged = measure(**args, threshold=D("0.8"))  # type: ignore[arg-type]
    assert [r.code for r in flagged.under_served] == ["a"]
    assert flagged.rows[0].ratio == D("0.7500") and flagged.rows[1].ratio == D("1.2500")
    assert measure(**args, threshold=D("0.7")).under_served == []  # type: ignore[arg-type]
    assert threshold_setting() == D("0.8")
    settings.INFOBASE_EQUITY_THRESHOLD = "0.7"
    assert threshold_setting() == D("0.7")


def test_proposal_equity_from_a_mapping_and_from_a_stored_proposal(
    portfolio: dict[str, object], register: dict[str, Need]
) -> None:
    needs = weighted_needs(today=TODAY)
    mapping = {need_target(register["GBR"].pk): D("600"), need_target(register["EGY"].pk): D("400")}
    from_mapping = proposal_equity(mapping, needs=needs)
    weog = next(r for r in from_mapping.regional.rows if r.code == "weog")
    assert weog.resource_share == D("0.600000")
    islamic = next(r for r in from_mapping.legal.rows if r.code == "islamic")
    assert islamic.resources_usd == D("400.00")

    proposal = Proposal.objects.create(method="greedy", status="optimal")
    p_usd = portfolio["p_usd"]
    ProposalLine.objects.create(
        proposal=proposal, pledge=p_usd, need=register["GBR"], amount_usd=D("600")
    )
    ProposalLine.objects.create(
        proposal=proposal, pledge=p_usd, project=portfolio["p1"], amount_usd=D("400")
    )
    stored = proposal_equity(proposal, needs=needs)
    rows = {r.code: r.resources_usd for r in stored.regional.rows}
    assert rows["weog"] == D("600.00") and rows["african"] == D("400.00")
    # Project money shared equally by its two needs: 200 to Egypt (Islamic law).
    assert next(r for r in stored.legal.rows if r.code == "islamic").resources_usd == D("200.00")


def test_money_reaching_no_state_is_reported_and_left_out_of_the_shares(
    register: dict[str, Need],
) -> None:
    nowhere = project("nowhere", [])
    report = equity_of(
        {project_target(nowhere.pk): D("500"), need_target(register["SEN"].pk): D("100")},
        needs=weighted_needs(today=TODAY),
    )
    assert report.regional.unattributed_usd == D("500.00")
    assert report.regional.resources_usd == D("100.00")
    assert next(r for r in report.regional.rows if r.code == "african").resource_share == 1


def test_no_regional_group_is_its_own_row_and_shares_sum_to_one() -> None:
    needs = [
        WeightedNeed(1, Place(1, "african", ("civil",)), D("2")),
        WeightedNeed(2, Place(2, "", ("common",)), D("2")),
    ]
    report = equity_of({}, needs=needs)
    codes = [r.code for r in report.regional.rows]
    assert codes[-1] == "" and len(codes) == len(RegionalGroup.values) + 1
    assert sum(r.need_share or 0 for r in report.regional.rows) == 1
    # No money at all: every group with needs has ratio 0 and is flagged; no index.
    assert {r.code for r in report.regional.under_served} == {"african", ""}
    assert report.regional.index is None


# --- Gaps ---------------------------------------------------------------------------------


def test_gaps_by_need_project_and_each_dimension(
    portfolio: dict[str, object],
    register: dict[str, Need],
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.INFOBASE_UNIT_COSTS = {"training": "70000"}
    report = funding_gaps(on=TODAY)

    # P1: 200,000 EUR budget at 0.8 = 250,000 USD, funded 100,000 USD; P2: 60,000 / 50,000.
    projects = {p.code: p for p in report.projects}
    assert c(projects["p1"].budget_usd) == D("250000.00")
    assert c(projects["p1"].funded_usd) == D("100000.00")
    assert c(projects["p1"].gap_usd) == D("150000.00")
    assert c(projects["p2"].gap_usd) == D("10000.00")

    expected = {  # cost, funded per need
        "EGY": (D("125000"), D("50000")),
        "SEN": (D("125000"), D("50000")),
        "MEX": (D("60000"), D("50000")),
        "GBR": (D("70000"), D("0")),  # no project: the unit cost (setting overrides 80,000)
    }
    for iso3, (cost, funded) in expected.items():
        gap = report.need(register[iso3].pk)
        assert (c(gap.cost_usd), c(gap.funded_usd)) == (cost, funded)
        assert c(gap.gap_usd) == cost - funded
        assert gap.from_projects == (iso3 != "GBR")

    def rows(dimension: str) -> dict[str, tuple[int, Decimal, Decimal, Decimal]]:
        return {r.key: (r.needs, r.cost_usd, r.funded_usd, r.gap_usd) for r in report.by[dimension]}

    def total(*iso3s: str) -> tuple[int, Decimal, Decimal, Decimal]:
        cost = sum(expected[i][0] for i in iso3s)
        funded = sum(expected[i][1] for i in iso3s)
        return (len(iso3s), cost, funded, cost - funded)

    assert rows("regional_group") == {
        "african": total("EGY", "SEN"),
        "latin_american_caribbean": total("MEX"),
        "weog": total("GBR"),
    }
    assert rows("legal_family") == {
        "civil": total("EGY", "SEN", "MEX"),
        "islamic": total("EGY"),
        "common": total("GBR"),
    }
    assert rows("kind") == {"legislative": total("EGY", "MEX"), "training": total("SEN", "GBR")}
    assert rows("instrument") == {"untoc": total("EGY", "SEN", "MEX", "GBR")}
    assert rows("state")["GBR"] == total("GBR")
    assert report.total.gap_usd == total("EGY", "SEN", "MEX", "GBR")[3]
    assert report.total.unfunded == 1
    assert [r.currency for r in report.rates] == ["EUR"]
    assert DEFAULT_UNIT_COSTS["training"] == D("80000")


def test_a_need_in_an_overfunded_project_has_no_negative_gap(
    register: dict[str, Need],
) -> None:
    donor = org("rich")
    p = project("over", [register["GBR"]], ["1000"])
    give(pledge(donor, "5000"), p, "3000")
    report = funding_gaps(on=TODAY)
    assert report.need(register["GBR"].pk).gap_usd == 0
    assert next(x for x in report.projects if x.code == "over").gap_usd == 0
    weog = next(r for r in report.by["regional_group"] if r.key == "weog")
    assert (weog.cost_usd, weog.funded_usd, weog.gap_usd) == (D("1000.00"), D("3000.00"), 0)


def test_a_currency_without_a_rate_on_the_date_is_named(
    register: dict[str, Need],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    p = project("gbp", [register["SEN"]], ["1000"], "GBP")
    with pytest.raises(MissingRate, match="GBP"):
        funding_gaps(on=TODAY)
    response = client_for(secretariat).get("/funding/gaps/")
    assert response.status_code == 200
    assert "GBP" in response.content.decode()
    assert p.budget_lines.count() == 1


# --- Mobilization -------------------------------------------------------------------------


def test_mobilization_matches_earmarks_and_past_funding_with_reasons(
    portfolio: dict[str, object],
    register: dict[str, Need],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    weog_fund = org("weog-fund")
    pledge(weog_fund, "1000", earmark="geographic", regional_group="weog")
    matches = mobilization_list(user=secretariat, on=TODAY)
    by = {(m.need_id, m.donor): m for m in matches}

    # EU fund: thematic earmark "training" (2 + 1) fits SEN and GBR; it funded P1 (EGY, SEN):
    # for SEN also the same State (2), article 5 (2), group (1), kind (1).
    sen = by[(register["SEN"].pk, "Eu-Fund")]
    assert sen.score == 3 + 2 + 2 + 1 + 1
    assert "thematic earmark: the same kind of assistance" in sen.reasons
    assert "funded needs of this State before" in sen.reasons
    assert sen.pledge_ids == (portfolio["p_eur"].pk,)  # type: ignore[attr-defined]
    gbr = by[(register["GBR"].pk, "Eu-Fund")]
    assert gbr.score == 3 + 1  # the theme, and training funded before (kind)
    # EGY's legislative need is outside the training earmark: only past funding counts.
    egy = by[(register["EGY"].pk, "Eu-Fund")]
    assert egy.score == 2 + 2 + 1 + 1 and egy.pledge_ids == ()
    # The WEOG fund's geographic earmark fits only the United Kingdom.
    assert by[(register["GBR"].pk, "Weog-Fund")].score == 3
    assert by[(register["GBR"].pk, "Weog-Fund")].reasons == (
        "geographic earmark: this regional group",
    )
    assert not any(m.donor == "Weog-Fund" and m.need_id != register["GBR"].pk for m in matches)
    # The US fund's pledge is not earmarked and has money left: 1 point for every need with
    # a gap, plus its past funding of Mexico.
    assert by[(register["MEX"].pk, "Us-Fund")].score == 1 + 2 + 2 + 1 + 1
    assert by[(register["GBR"].pk, "Us-Fund")].score == 1 + 2  # and article 6 funded before
    # Sorted by score.
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_mobilization_reasons_are_translated(
    portfolio: dict[str, object],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    with language("fr"):
        matches = mobilization_list(user=secretariat, on=TODAY)
    english = mobilization_list(user=secretariat, on=TODAY)
    assert [m.score for m in matches] == [m.score for m in english]


def test_a_donor_sees_its_own_matches_and_aggregates_but_not_other_donors_pledges(
    portfolio: dict[str, object],
    donor,
    delegate,
    focal_egypt,  # type: ignore[no-untyped-def]
) -> None:
    own = pledge(donor.organization, "4321.50", earmark="thematic", kind="legislative")
    matches = mobilization_list(user=donor, on=TODAY)
    assert matches and {m.donor_id for m in matches} == {donor.organization_id}
    assert all(m.pledge_ids == (own.pk,) for m in matches)
    # The working group sees every donor.
    assert {m.donor for m in mobilization_list(user=delegate, on=TODAY)} >= {"Eu-Fund", "Us-Fund"}

    client = client_for(donor)
    page = client.get("/funding/mobilization/").content.decode()
    assert "Eu-Fund" not in page and "Us-Fund" not in page
    assert "4,321.50" in page or "4321.50" in page  # its own pledge
    link = f'href="{reverse("pledge_detail", args=[own.pk])}"'
    assert link in page
    for url in ("/funding/equity/", "/funding/gaps/"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Eu-Fund" not in body and "Us-Fund" not in body
        assert "500,000" not in body and "500000" not in body  # the EU pledge's amount
    # The working group's delegate sees the other donors' names but not their pledge amounts.
    page = client_for(delegate).get("/funding/mobilization/").content.decode()
    assert "Eu-Fund" in page and "500,000" not in page and "500000" not in page
    assert link not in page and "/funding/pledges/" not in page
    # A focal point has no access to the overview screens.
    for url in ("/funding/gaps/", "/funding/mobilization/", "/funding/equity/"):
        assert client_for(focal_egypt).get(url).status_code == 403


def test_confidential_needs_of_other_states_are_neither_listed_nor_counted_for_the_working_group(
    rates: None,
    delegate,  # type: ignore[no-untyped-def]
) -> None:
    answers("SEN", [(5, "training")], confidential=True)
    answers("MEX", [(5, "training")])
    needs_derive(today=TODAY)
    secret = need("SEN", 5, "training")
    assert secret.confidential
    report = funding_gaps(on=TODAY)
    assert report.total.needs == 2
    response = client_for(delegate).get("/funding/gaps/")
    assert f"/needs/{secret.pk}/" not in response.content.decode()
    assert f"/needs/{need('MEX', 5, 'training').pk}/" in response.content.decode()
    # The figures shown to the delegate are computed from the needs it may see (Mexico's).
    assert response.context["report"].total.needs == 1
    assert all(m.need_id != secret.pk for m in mobilization_list(user=delegate, on=TODAY))


# --- Screens and exports ------------------------------------------------------------------


def test_gaps_csv_export_guards_against_formula_injection(
    register: dict[str, Need],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    project("evil", [register["SEN"]], ["1000"], title='=HYPERLINK("http://x")')
    response = exported(client_for(secretariat), "/funding/gaps/export.csv?on=2026-06-01")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
    assert exported(client_for(secretariat), "/funding/gaps/export.xlsx").status_code == 200
    assert exported(client_for(secretariat), "/funding/gaps/export.pdf").status_code == 404


def test_equity_page_draws_charts_with_translated_labels_right_to_left(
    portfolio: dict[str, object],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    client = client_for(secretariat)
    english = client.get("/funding/equity/?on=2026-06-01").content.decode()
    assert english.count("<svg") == 2 and 'dir="ltr"' in english
    assert "Western European and other States" in english
    assert "under-served" in english
    arabic = client.get("/funding/equity/?on=2026-06-01&lang=ar")
    body = arabic.content.decode()
    assert arabic.status_code == 200
    assert '<html lang="ar" dir="rtl">' in body
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert 'dir="ltr"' in svg and 'direction="rtl"' in svg
    with language("ar"):
        assert str(RegionalGroup.WEOG.label) in svg
    # Mirrored in Arabic, as the reports' charts are: the labels on the right, the bars growing
    # leftwards from them; in English the labels on the left, the bars growing rightwards.
    for page, rtl in ((english, False), (body, True)):
        bars, labels = _bars_and_labels(page[page.index("<svg") : page.index("</svg>") + 6])
        assert bars and labels
        edge = charts.WIDTH - charts.LABEL_WIDTH if rtl else charts.LABEL_WIDTH
        for x, width in bars:
            assert (x + width if rtl else x) == pytest.approx(edge), (rtl, x, width)
        assert all((x > edge) if rtl else (x < edge) for x in labels), (rtl, labels)


def _bars_and_labels(svg: str) -> tuple[list[tuple[float, float]], list[float]]:
    """The (x, width) of a chart's bars and the x of its groups' labels."""
    from defusedxml import ElementTree

    ns = "{http://www.w3.org/2000/svg}"
    drawing = ElementTree.fromstring(svg)
    bars = [
        (float(r.get("x")), float(r.get("width")))
        for r in drawing.iter(f"{ns}rect")
        if float(r.get("height")) == charts.BAR_HEIGHT
    ]
    labels = [float(s.get("x")) for s in drawing.iter(f"{ns}tspan")]
    return bars, labels


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ru", "ar", "zh-hans"])
def test_every_group_label_fits_its_room_in_every_language(lang: str) -> None:
    # "Grupo de los Estados de Asia y el Pacífico (insuficientemente atendido)" ran out of the
    # drawing on the left: long labels are cut into lines that fit.
    from defusedxml import ElementTree

    from infobase.reports.print_layout import text_width

    svg_ns = "{http://www.w3.org/2000/svg}"
    with language(lang):
        rows = [
            GroupShare(
                code=g.value,
                label=str(g.label),
                needs_weight=D(1),
                need_share=D("0.2"),
                resources_usd=D(1),
                resource_share=D("0.1"),
                ratio=D("0.5"),
                fair_share_usd=D(1),
                shortfall_usd=D(0),
                under_served=True,
            )
            for g in RegionalGroup
        ]
        drawing = ElementTree.fromstring(str(charts.share_bars(rows, title="T")))
        labels = [t for t in drawing.iter(f"{svg_ns}text") if t.find(f"{svg_ns}tspan") is not None]
        assert len(labels) == len(rows)
        for text, row in zip(labels, rows, strict=True):
            lines = [tspan.text or "" for tspan in text.iter(f"{svg_ns}tspan")]
            expected = _("%(group)s (under-served)") % {"group": row.label}
            assert " ".join(lines) == " ".join(expected.split())  # every word, in order
            for line in lines:
                width = text_width(line, lang=lang, size=charts.FONT_SIZE)
                assert width <= charts.LABEL_WIDTH - 20 or " " not in line, (line, width)
        assert max(len(list(t.iter(f"{svg_ns}tspan"))) for t in labels) <= 3


def test_percentages_are_formatted_for_the_active_locale() -> None:
    # CLDR's sign and spacing: a no-break space in French, marks that keep the sign after the
    # number in Arabic.
    with language("fr"):
        assert charts.percent(D("0.25")) == "25,0\xa0%"
    with language("en"):
        assert charts.percent(D("0.25")) == "25.0%"
    with language("ar"):
        assert charts.percent(D("0.25")) == "25.0\u200e%\u200e"
    assert charts.percent(None) == "—"


def test_equity_page_compares_a_proposal_for_the_secretariat_only(
    portfolio: dict[str, object],
    register: dict[str, Need],
    secretariat,
    delegate,  # type: ignore[no-untyped-def]
) -> None:
    proposal = Proposal.objects.create(method="optimizer", status="optimal")
    ProposalLine.objects.create(
        proposal=proposal, pledge=portfolio["p_usd"], need=register["GBR"], amount_usd=D("10")
    )
    url = f"/funding/equity/?proposal={proposal.pk}"
    body = client_for(secretariat).get(url).content.decode()
    assert body.count("<svg") == 4
    assert client_for(delegate).get(url).status_code == 403


def test_equity_is_deterministic(portfolio: dict[str, object]) -> None:
    needs = weighted_needs(today=TODAY)
    first = portfolio_equity(on=TODAY, needs=needs)
    second = portfolio_equity(on=TODAY, needs=list(reversed(needs)))
    assert first.regional.rows == second.regional.rows
    assert first.legal == second.legal
    groups: dict[str, Decimal] = defaultdict(Decimal)
    for n in needs:
        groups[n.place.regional_group] += n.weight
    assert sum(groups.values()) == first.regional.needs_weight


def test_any_slice_of_the_mobilization_list_is_that_slice_of_the_whole_list(
    portfolio: dict[str, object],
    register: dict[str, Need],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    pledge(org("weog-fund"), "1000", earmark="geographic", regional_group="weog")
    matches = mobilization_matches(user=secretariat, on=TODAY)
    whole = matches[:]
    assert len(whole) == len(matches) >= 6
    assert len({m.score for m in whole}) >= 3  # slices cross levels of the score
    order = [(-m.score, -m.priority, m.need_id, m.donor, m.donor_id) for m in whole]
    assert order == sorted(order)
    for start in range(len(whole) + 1):
        for stop in range(start, len(whole) + 2):
            assert matches[start:stop] == whole[start:stop], (start, stop)
    assert matches[0] == whole[0] and matches[-1] == whole[-1]
    with pytest.raises(IndexError):
        matches[len(whole)]
    # The page shows the list's first page as the list has it.
    page = client_for(secretariat).get("/funding/mobilization/", {"on": TODAY.isoformat()})
    assert [m for m, _need, _pledges in page.context["rows"]] == whole[:50]


@pytest.mark.parametrize("share", [D("0.12996"), D("0.00049"), D("0.1125")])
def test_the_equity_charts_shares_round_as_every_other_share(share: D) -> None:
    """The chart's label of a share is the share as pages, files and reports write it: rounded
    half up (12.996 % is 13.0 %, as the table's 0.1300 says), not cut to 12.9 %."""
    for lang in ("en", "fr", "ar"):
        with language(lang):
            assert charts.percent(share) == numbers.percent(share * 100, lang)
        assert format_share(share, "en") == numbers.number(share * 100, "en", 1)
