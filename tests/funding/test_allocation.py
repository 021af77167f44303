"""The allocation optimizer and the greedy baseline: known optima, earmarks,
equity floors recomputed here, instrument minimums, infeasibility explained, time limits,
rounding to cents, and proposals that allocate nothing until the secretariat accepts them."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext
from lxml import html

from infobase.core.errors import InvalidInput
from infobase.core.i18n import format_date, language
from infobase.core.models import Job, JobStatus
from infobase.funding.allocation import (
    NO_PLEDGE,
    ConstraintKey,
    Parameters,
    Source,
    Target,
    build_problem,
    compare,
    greedy,
    proposal_accept,
    propose,
    solve,
    unmet_floors,
    usd_to_pledge_currency,
)
from infobase.funding.models import (
    Allocation,
    ExchangeRate,
    Pledge,
    Project,
    Proposal,
    ProposalLine,
)
from infobase.funding.services import pledge_save, project_save
from infobase.needs.models import Need
from infobase.reference.models import Article, Organization, RegionalGroup, State
from tests.conftest import client_for

D = Decimal
ON = date(2025, 6, 1)


# --- Plain data: no database --------------------------------------------------------------


def three_projects() -> tuple[list[Source], list[Target]]:
    """A: 100 for anything; B: 50 for P3 only. P1 (100, weight 10) alone uses all of A; P2
    (50, weight 7) and P3 (100, weight 9) together use A and B: 16 is the best value."""
    sources = [Source("A", 100), Source("B", 50, {"P3"})]
    targets = [
        Target("P1", "project", 100, 10, "african", ("civil",), ("untoc",)),
        Target("P2", "project", 50, 7, "weog", ("common",), ("untoc",)),
        Target("P3", "project", 100, 9, "african", ("civil", "islamic"), ("tip",)),
    ]
    return sources, targets


def test_the_optimizer_finds_the_known_best_where_highest_score_first_does_not():
    sources, targets = three_projects()
    best = solve(sources, targets, Parameters())
    assert best.status == "optimal"
    assert best.objective == pytest.approx(16)
    assert best.funded == {"P1": 0, "P2": 1, "P3": 1}
    assert best.amounts == {("A", "P2"): D("50.00"), ("A", "P3"): D("50.00"), ("B", "P3"): D("50")}
    assert {b.constraint for b in best.binding} == {
        ConstraintKey("pledge", "A"),
        ConstraintKey("pledge", "B"),
    }
    baseline = greedy(sources, targets)
    assert baseline.objective == pytest.approx(10)  # P1 first takes all of A; B alone can't fund P3
    assert baseline.amounts == {("A", "P1"): D("100.00")}


def test_the_greedy_baseline_uses_the_least_flexible_money_first():
    sources = [Source("any", 100), Source("only-p1", 100, {"P1"})]
    targets = [Target("P1", "project", 100, 10), Target("P2", "project", 100, 5)]
    baseline = greedy(sources, targets)
    assert baseline.amounts == {("only-p1", "P1"): D("100.00"), ("any", "P2"): D("100.00")}
    assert baseline.objective == pytest.approx(15)


def test_earmarks_are_never_crossed_and_rounding_never_exceeds_a_pledge():
    rng = random.Random(7)
    targets = [
        Target(f"N{j}", "need", rng.uniform(10, 400), rng.uniform(0.5, 10), "african")
        for j in range(40)
    ] + [Target(f"P{j}", "project", rng.uniform(100, 900), rng.uniform(5, 40)) for j in range(10)]
    ids = [t.id for t in targets]
    sources = [
        Source(f"S{i}", D(rng.uniform(50, 1500)) / 3, frozenset(rng.sample(ids, 12)))
        for i in range(12)
    ]
    for solution in (solve(sources, targets), greedy(sources, targets)):
        given: dict[object, Decimal] = defaultdict(Decimal)
        received: dict[object, Decimal] = defaultdict(Decimal)
        for (s, t), amount in solution.amounts.items():
            source = next(x for x in sources if x.id == s)
            assert t in source.allows  # type: ignore[operator]
            assert amount == amount.quantize(D("0.01")) and amount > 0
            given[s] += amount
            received[t] += amount
        for source in sources:
            assert given[source.id] <= D(source.available_usd).quantize(D("0.01"), "ROUND_DOWN")
        for target in targets:
            cost = D(str(target.cost_usd)).quantize(D("0.01"))
            assert received[target.id] <= cost
            if target.kind == "project":  # all or nothing
                assert received[target.id] in (0, cost)
    assert solve(sources, targets).objective >= greedy(sources, targets).objective - 1e-6


def test_a_source_given_as_a_predicate_is_respected():
    sources = [Source("tip-only", 100, lambda t: "tip" in t.instruments)]
    targets = [
        Target("N1", "need", 100, 10, instruments=("untoc",)),
        Target("N2", "need", 100, 1, instruments=("tip",)),
    ]
    best = solve(sources, targets)
    assert best.amounts == {("tip-only", "N2"): D("100.00")}


def equity_case() -> tuple[list[Source], list[Target]]:
    sources = [Source("A", 200)]
    targets = [
        Target("N1", "need", 100, 10, "african", ("civil",)),
        Target("N2", "need", 100, 9, "african", ("common",)),
        Target("N3", "need", 100, 5, "weog", ("common",)),
    ]
    return sources, targets


def recomputed_group_shares(targets, amounts):  # type: ignore[no-untyped-def]
    weight: dict[str, float] = defaultdict(float)
    funds: dict[str, float] = defaultdict(float)
    for t in targets:
        weight[t.regional_group] += float(t.weight)
        funds[t.regional_group] += float(
            sum((a for (_s, tid), a in amounts.items() if tid == t.id), D(0))
        )
    total_weight = sum(weight.values())
    total_funds = sum(funds.values())
    return {g: (weight[g] / total_weight, funds[g] / total_funds) for g in weight}


def test_an_equity_floor_is_respected_and_binds():
    sources, targets = equity_case()
    free = solve(sources, targets)
    assert free.objective == pytest.approx(19)  # N1 and N2: nothing for WEOG
    floored = solve(sources, targets, Parameters(equity_fraction_group=0.5))
    shares = recomputed_group_shares(targets, floored.amounts)
    for fair, received in shares.values():
        assert received >= 0.5 * fair - 1e-6
    # By hand: WEOG needs 0.5 × 5/24 × 200 = 20.833; it comes off N2 (lowest weight per dollar).
    assert floored.amounts[("A", "N3")] == D("20.84")  # rounded up to meet the floor
    assert floored.amounts[("A", "N1")] == D("100.00")
    assert floored.objective == pytest.approx(10 + 9 * 0.7917 + 5 * 0.2083, abs=1e-3)
    binding = {b.constraint: b for b in floored.binding}
    weog = binding[ConstraintKey("equity_group", "weog")]
    assert weog.limit_usd == pytest.approx(200 * 0.5 * 5 / 24)
    assert weog.objective_without == pytest.approx(19)  # the price of the floor
    assert ConstraintKey("equity_group", "african") not in binding
    rows = {r.key: r for r in floored.groups}
    assert rows["weog"].fair_share == pytest.approx(5 / 24)
    assert rows["weog"].ratio == pytest.approx(0.5, abs=1e-3)


def test_a_family_floor_counts_a_mixed_target_in_each_of_its_families():
    sources = [Source("A", 100)]
    targets = [
        Target("N1", "need", 100, 10, "african", ("civil",)),
        Target("N2", "need", 100, 2, "african", ("common", "islamic")),
    ]
    best = solve(sources, targets, Parameters(equity_fraction_family=0.6))
    rows = {r.key: r for r in best.families}
    assert rows["islamic"].fair_share == pytest.approx(2 / 12)
    # Islamic (and common) need 0.6 × 2/12 of the money: 10 USD to N2.
    assert best.amounts[("A", "N2")] == D("10.00")
    assert all(r.met for r in best.families)


def test_the_greedy_baseline_is_judged_against_the_floors_it_ignores():
    sources, targets = equity_case()
    baseline = greedy(sources, targets, Parameters(equity_fraction_group=0.5))
    assert [r.key for r in unmet_floors(baseline)] == ["weog"]


def test_a_floor_no_pledge_can_reach_is_reported_and_the_money_still_goes_out():
    # The only money may go to African needs alone; WEOG has a fair share no pledge can reach.
    # A floor on its share of the money given was met only by giving nothing (the old model).
    sources = [Source("A", 100, {"N1"}, earmark="geographic", earmark_detail="african")]
    targets = [
        Target("N1", "need", 100, 10, "african", instruments=("untoc",)),
        Target("N3", "need", 100, 5, "weog", instruments=("untoc",)),
    ]
    params = Parameters(equity_fraction_group=0.5, instrument_minimums={"untoc": 50})
    result = solve(sources, targets, params)
    assert result.status == "optimal"
    assert result.amounts == {("A", "N1"): D("100.00")}
    assert ConstraintKey("equity_group", "weog") in result.unreachable
    short = {s.constraint: s for s in result.shortfalls}
    assert set(short) == {ConstraintKey("equity_group", "weog")}
    weog = short[ConstraintKey("equity_group", "weog")]
    assert weog.reason == NO_PLEDGE
    assert weog.blocking == ["A"] and weog.blocking_usd == pytest.approx(100)
    # Half of WEOG's fair share (5/15) of the 100 USD given.
    assert weog.floor_usd == pytest.approx(0.5 * 5 / 15 * 100)
    assert weog.shortfall_usd == pytest.approx(0.5 * 5 / 15 * 100)
    alone = solve(sources, targets, Parameters(equity_fraction_group=0.5))
    assert alone.total_usd == D("100.00")


def test_an_instrument_minimum_that_no_money_can_reach_is_a_shortfall():
    sources = [Source("A", 100, {"N1"})]
    targets = [
        Target("N1", "need", 100, 10, instruments=("untoc",)),
        Target("N2", "need", 100, 5, instruments=("tip",)),
    ]
    result = solve(sources, targets, Parameters(instrument_minimums={"tip": 1}))
    assert result.status == "optimal"
    assert result.amounts == {("A", "N1"): D("100.00")}
    [short] = result.shortfalls
    assert short.constraint == ConstraintKey("instrument_minimum", "tip")
    assert (short.reason, short.shortfall_usd, short.blocking) == (NO_PLEDGE, 1.0, ["A"])


def test_an_instrument_minimum_is_met_and_reported_as_binding():
    sources = [Source("A", 100)]
    targets = [
        Target("N1", "need", 100, 10, instruments=("untoc",)),
        Target("N2", "need", 100, 5, instruments=("tip",)),
    ]
    best = solve(sources, targets, Parameters(instrument_minimums={"tip": 30}))
    assert best.amounts == {("A", "N1"): D("70.00"), ("A", "N2"): D("30.00")}
    assert best.objective == pytest.approx(8.5)
    assert ConstraintKey("instrument_minimum", "tip") in {b.constraint for b in best.binding}
    assert {r.key: r.met for r in best.instruments} == {"tip": True, "untoc": True}


def test_a_time_limit_is_reported_with_the_gap():
    rng = random.Random(1)
    targets = [
        Target(f"P{i}", "project", rng.randint(1000, 5000) + rng.random(), rng.randint(1, 100))
        for i in range(600)
    ]
    sources = [
        Source(f"S{k}", 100000 + k, {f"P{i}" for i in range(600) if rng.random() < 0.3})
        for k in range(8)
    ]
    result = solve(sources, targets, Parameters(time_limit=0.001, mip_gap=0))
    # The solver starts from the greedy baseline: a solution exists even when time runs out.
    assert result.status == "time_limit"
    assert result.objective >= greedy(sources, targets).objective - 1e-6
    if result.mip_gap is not None:  # None: no bound proven yet
        assert result.mip_gap > 0
        assert result.bound is not None and result.bound >= result.objective


def test_the_proven_gap_is_reported_when_optimal():
    sources, targets = three_projects()
    best = solve(sources, targets, Parameters(mip_gap=0.001))
    assert best.mip_gap is not None and best.mip_gap <= 0.001
    assert best.bound is not None and best.bound == pytest.approx(16, rel=1e-3)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="twice"):
        solve([Source("A", 1), Source("A", 2)], [Target("T", "need", 1, 1)])
    with pytest.raises(ValueError, match="cost"):
        solve([Source("A", 1)], [Target("T", "need", 0, 1)])
    with pytest.raises(ValueError, match="between 0 and 1"):
        Parameters(equity_fraction_group=1.5)


def test_pledge_currency_conversion_never_exceeds_what_remains():
    # Three lines of 33.33 USD at 0.9 EUR: 29.997 each → 30.00 each, 90.00 > 89.99 remaining.
    lines = [("a", D("33.33")), ("b", D("33.33")), ("c", D("33.33"))]
    out = usd_to_pledge_currency(lines, "EUR", D("0.9"), D("89.99"))
    assert sum(a for _l, a in out) == D("89.99")


# --- With the database --------------------------------------------------------------------


@pytest.fixture
def eur() -> None:
    ExchangeRate.objects.create(
        currency="EUR", per_usd=D("0.8"), valid_from=date(2024, 1, 1), source="Test"
    )


def make_need(iso3: str, code: str, number: int, kind: str = "training") -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=Article.objects.get(instrument__code=code, number=number),
        kind=kind,
        first_seen=date(2024, 1, 1),
    )


def make_pledge(user, amount: str, currency: str = "USD", states=(), **data) -> Pledge:  # type: ignore[no-untyped-def]
    return pledge_save(
        user=user,
        instance=Pledge(),
        data={
            "donor": Organization.objects.get(code="no-mfa"),
            "amount": D(amount),
            "currency": currency,
            "pledged_on": date(2024, 3, 1),
            "status": "agreed",
            **data,
        },
        states=states,
    )


def make_project(user, code: str, needs: list[Need], budget: str) -> Project:  # type: ignore[no-untyped-def]
    return project_save(
        user=user,
        instance=Project(),
        data={"code": code, "title": {"en": f"Project {code}"}, "currency": "USD"},
        needs=needs,
        budget_lines=[("Work", D(budget))],
    )


@pytest.fixture
def portfolio(secretariat, eur):  # type: ignore[no-untyped-def]
    """A EUR pledge for anything, a USD pledge earmarked to TIP; an UNTOC project in Egypt and
    a TIP project in Senegal."""
    untoc = make_project(secretariat, "egy-untoc", [make_need("EGY", "untoc", 5)], "50000")
    tip = make_project(secretariat, "sen-tip", [make_need("SEN", "tip", 6)], "30000")
    tip_instrument = tip.needs.first().article.instrument  # type: ignore[union-attr]
    free = make_pledge(secretariat, "40000", "EUR")  # 50,000 USD at 0.8
    themed = make_pledge(secretariat, "30000", earmark="thematic", instrument=tip_instrument)
    return {"untoc": untoc, "tip": tip, "free": free, "themed": themed}


@pytest.mark.django_db
def test_the_problem_follows_the_earmarks_and_the_rates(portfolio):
    sources, targets, rates = build_problem(on=ON, include_needs=False)
    by_id = {s.id: s for s in sources}
    free = by_id[f"pledge:{portfolio['free'].pk}"]
    themed = by_id[f"pledge:{portfolio['themed'].pk}"]
    assert free.available_usd == D("50000.00")
    assert themed.available_usd == D("30000.00")
    untoc, tip = f"project:{portfolio['untoc'].pk}", f"project:{portfolio['tip'].pk}"
    assert free.allows == {untoc, tip}
    assert themed.allows == {tip}  # thematic TIP money never reaches the UNTOC project
    costs = {t.id: t.cost_usd for t in targets}
    assert costs == {untoc: D("50000"), tip: D("30000")}
    assert all(t.weight > 0 for t in targets)
    assert [r["currency"] for r in rates.as_list()] == ["EUR"]


@pytest.mark.django_db
def test_a_proposal_allocates_nothing_until_accepted_then_in_the_pledge_currency(
    portfolio, secretariat
):
    proposal = propose(user=secretariat, params=Parameters(), method="optimizer", on=ON)
    assert proposal.status == "optimal"
    assert Allocation.objects.count() == 0  # a suggestion only
    lines = {(ln.pledge_id, ln.project_id): ln.amount_usd for ln in proposal.lines.all()}
    assert lines == {
        (portfolio["free"].pk, portfolio["untoc"].pk): D("50000.00"),
        (portfolio["themed"].pk, portfolio["tip"].pk): D("30000.00"),
    }
    assert proposal.report["rates"][0]["per_usd"] == "0.800000"

    accepted = proposal_accept(user=secretariat, proposal=proposal, on=ON)
    allocations = {(a.pledge_id, a.project_id): a for a in accepted.allocations}
    eur = allocations[(portfolio["free"].pk, portfolio["untoc"].pk)]
    assert eur.amount == D("40000.00")  # 50,000 USD × 0.8 EUR per USD
    assert eur.proposal == proposal
    assert allocations[(portfolio["themed"].pk, portfolio["tip"].pk)].amount == D("30000.00")
    proposal.refresh_from_db()
    assert proposal.accepted_at is not None and proposal.accepted_by == secretariat
    with pytest.raises(InvalidInput, match="already accepted"):
        proposal_accept(user=secretariat, proposal=proposal, on=ON)
    assert Allocation.objects.count() == 2


@pytest.mark.django_db
def test_a_proposals_page_writes_the_dates_of_its_rates_in_the_readers_style(
    portfolio, secretariat
):
    """The rates' date and each rate's start, stored as ISO text in the proposal's report, are
    written as every page writes a date (Django's ``date`` filter writes nothing for text)."""
    proposal = propose(user=secretariat, params=Parameters(), method="optimizer", on=ON)
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = html.fromstring(
        client.get(
            reverse("proposal_detail", args=[proposal.pk]), HTTP_ACCEPT_LANGUAGE="ar"
        ).content
    )
    with language("ar"):
        label = gettext("Exchange rates of")
    facts = page.xpath(
        f'//dl[@class="facts"]/dt[normalize-space()="{label}"]/following-sibling::dd[1]'
    )
    assert [dd.text_content().strip() for dd in facts] == [format_date(ON, "ar")]
    rate = page.xpath('//table[@class="data"]//tr[th[@scope="row"]="EUR"]/td')
    assert [td.text_content().strip() for td in rate][:2] == [
        "0.800000",
        format_date(date(2024, 1, 1), "ar"),
    ]


@pytest.mark.django_db
def test_a_pledge_in_a_floors_explanation_is_named_in_the_readers_words() -> None:
    """The pledges a floor's explanation names: the donor, the amount as pages write money in
    the reader's language and what the pledge is earmarked to by its names (a proposal stores
    codes), the whole isolated in an Arabic sentence; a proposal stored before the facts were
    kept shows its stored label."""
    from infobase.funding.views_allocation import _labels, _pledges

    source = {
        "label": "EU · 2500000.00 EUR",
        "earmark": "geographic",
        "earmark_detail": "latin_american_caribbean",
        "facts": {
            "donor": "EU",
            "amount": "2500000.00",
            "currency": "EUR",
            "regional_group": "latin_american_caribbean",
            "states": ["MEX"],
        },
    }
    report = {"sources": {"pledge:1": source}}
    with language("fr"):
        french = _pledges(["pledge:1"], report, _labels())
        group, mexico = (
            str(RegionalGroup.LATIN_AMERICAN_CARIBBEAN.label),
            str(State.objects.get(iso3="MEX")),
        )
    assert french.startswith("EU · 2\u202f500\u202f000,00\xa0EUR (")
    assert group in french and mexico in french and "latin_american" not in french
    with language("ar"):
        arabic = _pledges(["pledge:1"], report, _labels())
    # The pledge isolated right to left, its donor and number each isolated inside.
    assert arabic.startswith("\u2067\u2068EU\u2069 · \u20682,500,000.00\u2069\xa0EUR\u2069")
    old = {"sources": {"pledge:1": {"label": "EU · 2500000.00 EUR", "earmark": "none"}}}
    assert _pledges(["pledge:1"], old, _labels()) == "EU · 2500000.00 EUR"


@pytest.mark.django_db
def test_a_floors_figures_are_written_as_pages_write_numbers() -> None:
    # Not with English separators whatever the language (French groups with a narrow space).
    from infobase.funding.views_allocation import _labels, describe_shortfall

    entry = {
        "kind": "equity_group",
        "key": "african",
        "funds_usd": "161290.32",
        "floor_usd": "177355.52",
        "shortfall_usd": "16065.20",
    }
    with language("fr"):
        text = describe_shortfall(entry, {"sources": {}}, _labels())
    assert "161\u202f290,32" in text and "16\u202f065,20" in text, text
    assert "161,290.32" not in text


@pytest.mark.django_db
def test_acceptance_is_all_or_nothing(portfolio, secretariat):
    proposal = propose(user=secretariat, params=Parameters(), method="optimizer", on=ON)
    # Meanwhile someone spends the TIP pledge by hand: its line can no longer be honoured.
    Allocation.objects.create(
        pledge=portfolio["themed"], project=portfolio["tip"], amount=D("30000"), allocated_on=ON
    )
    with pytest.raises(InvalidInput):
        proposal_accept(user=secretariat, proposal=proposal, on=ON)
    assert Allocation.objects.filter(proposal=proposal).count() == 0
    proposal.refresh_from_db()
    assert proposal.accepted_at is None


@pytest.mark.django_db
def test_need_lines_stay_suggestions(secretariat, eur):
    need = make_need("SEN", "untoc", 5, kind="legislative")  # unit cost 60,000 USD
    pledge = make_pledge(secretariat, "10000")
    proposal = propose(
        user=secretariat, params=Parameters(), method="greedy", on=ON, include_needs=True
    )
    assert proposal.status == "heuristic"
    assert list(proposal.lines.values_list("need_id", "amount_usd")) == []  # 60,000 > 10,000
    proposal = propose(
        user=secretariat, params=Parameters(), method="optimizer", on=ON, include_needs=True
    )
    line = proposal.lines.get()
    assert (line.pledge_id, line.need_id, line.amount_usd) == (pledge.pk, need.pk, D("10000.00"))
    page = client_for(secretariat).get(reverse("proposal_detail", args=[proposal.pk]))
    assert page.status_code == 200 and "suggestions only" in page.content.decode()
    accepted = proposal_accept(user=secretariat, proposal=proposal, on=ON)
    assert accepted.allocations == [] and accepted.need_lines == [line]
    assert Allocation.objects.count() == 0


@pytest.mark.django_db
def test_compare_stores_both_methods_on_the_same_problem(portfolio, secretariat):
    optimizer, baseline = compare(user=secretariat, params=Parameters(), on=ON)
    assert (optimizer.method, baseline.method) == ("optimizer", "greedy")
    assert optimizer.report["compared_with"] == [baseline.pk]
    assert optimizer.objective >= baseline.objective


@pytest.mark.django_db
def test_only_the_secretariat_can_propose_or_accept(portfolio, secretariat, donor, delegate):
    for user in (donor, delegate):
        with pytest.raises(PermissionDenied):
            propose(user=user, params=Parameters(), method="optimizer", on=ON)
    proposal = propose(user=secretariat, params=Parameters(), method="optimizer", on=ON)
    with pytest.raises(PermissionDenied):
        proposal_accept(user=donor, proposal=proposal, on=ON)
    assert Allocation.objects.count() == 0
    for user in (donor, delegate):
        client = client_for(user)
        assert client.get(reverse("allocation")).status_code == 403
        assert client.get(reverse("proposal_detail", args=[proposal.pk])).status_code == 403
        assert client.post(reverse("proposal_accept", args=[proposal.pk])).status_code == 403
    assert Allocation.objects.count() == 0


@pytest.mark.django_db
def test_the_allocation_screen_runs_and_compares_side_by_side(portfolio, secretariat):
    client = client_for(secretariat)
    assert client.get(reverse("allocation")).status_code == 200
    response = client.post(
        reverse("allocation"),
        {
            "equity_group": "0.5",
            "equity_family": "0",
            "minimums": "tip=1000",
            "method": "both",
            "on": ON.isoformat(),
            "time_limit": "30",
        },
    )
    # The computation runs as a background job (inline in tests): the job page leads on.
    assert response.status_code == 302
    job = Job.objects.get(kind="funding.allocation")
    assert response["Location"] == job.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200
    assert job.status == JobStatus.DONE, job.error
    optimizer, baseline = Proposal.objects.order_by("pk")
    assert job.result["url"] == f"{reverse('allocation')}?p={optimizer.pk}&p={baseline.pk}"
    page = client.get(job.result["url"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "egy-untoc" in text and "sen-tip" in text
    assert "Trade-off: needs met against equity" in text  # the curve, computed in the job
    assert optimizer.report["curve"]["points"][0]["level"] == 0
    assert str(optimizer.pk) in text and str(baseline.pk) in text
    assert client.get(reverse("proposal_detail", args=[optimizer.pk])).status_code == 200
    assert Allocation.objects.count() == 0
    accepted = client.post(reverse("proposal_accept", args=[optimizer.pk]), {"on": ON.isoformat()})
    assert accepted.status_code == 302
    assert Allocation.objects.filter(proposal=optimizer).count() == 2
    assert ProposalLine.objects.filter(proposal=optimizer).count() == 2


@pytest.mark.django_db
def test_a_bad_minimum_is_refused_with_a_clear_message(portfolio, secretariat):
    client = client_for(secretariat)
    response = client.post(
        reverse("allocation"),
        {"equity_group": "0", "equity_family": "0", "minimums": "untoc=lots", "method": "both"},
    )
    assert response.status_code == 200
    assert "untoc=lots" in response.content.decode()
    assert Proposal.objects.count() == 0


@pytest.mark.django_db
def test_the_command_prints_the_summary_and_allocates_nothing(portfolio):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "allocate",
        "--equity-group",
        "0.5",
        "--min",
        "tip=1000",
        "--method",
        "both",
        "--on",
        ON.isoformat(),
        stdout=out,
    )
    text = out.getvalue()
    assert "[optimizer] status optimal" in text and "[greedy] status heuristic" in text
    assert "sen-tip: 100.0 %" in text
    assert "binds: pledge" in text
    assert "optimizer vs greedy" in text
    assert Allocation.objects.count() == 0 and Proposal.objects.count() == 0
