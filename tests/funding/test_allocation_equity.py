"""Equity guides the money, never vetoes it (paragraph (d)): the optimizer allocates with the
screen's default floors, never meets fewer needs than the greedy baseline without floors,
reports each floor it cannot meet with the amount and the earmarks that prevent it, computes
the trade-off curve in the background job, and never prints a signed zero."""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from infobase.core.i18n import format_share_percent
from infobase.core.jobs import start_job
from infobase.core.models import Job, JobStatus
from infobase.funding.allocation import (
    NO_PLEDGE,
    SATURATED,
    TOO_LITTLE,
    AllocationRequest,
    ConstraintKey,
    Parameters,
    Source,
    Target,
    greedy,
    latest_tradeoff_curve,
    plain_number,
    solve,
    tradeoff_curve,
)
from infobase.funding.models import Proposal
from infobase.funding.views_allocation import describe, describe_shortfall
from tests.conftest import client_for
from tests.funding.test_allocation import ON, eur, portfolio  # noqa: F401  (fixtures)

D = Decimal
DEFAULTS = Parameters(equity_fraction_group=0.8, equity_fraction_family=0.5)


def demo_like() -> tuple[list[Source], list[Target]]:
    """The demo data's shape: cheap projects with many needs in Asia-Pacific and Latin America,
    expensive ones in Africa (one that the pledges cannot reach in full), money mostly
    earmarked. Every floor on a share of the money given was met only by giving nothing."""
    targets = [
        Target("africa", "project", 655, 47, "african", ("civil",)),
        Target("firearms", "project", 1200, 36.5, "african", ("civil", "customary")),
        Target("asia", "project", 161, 43, "asia_pacific", ("islamic",)),
        Target("grulac", "project", 22.5, 37, "latin_american_caribbean", ("civil",)),
        Target("europe", "project", 236, 45, "eastern_european", ("civil",)),
    ]
    sources = [
        Source("free", 700),
        Source("africa-only", 300, {"africa", "firearms"}, earmark="geographic"),
        Source("europe-only", 400, {"europe"}, earmark="project", earmark_detail="europe"),
        Source("asia-only", 200, {"asia"}, earmark="project", earmark_detail="asia"),
    ]
    return sources, targets


def test_the_default_floors_allocate_money_and_meet_as_many_needs_as_greedy():
    sources, targets = demo_like()
    best = solve(sources, targets, DEFAULTS)
    baseline = greedy(sources, targets, DEFAULTS)
    assert best.status == "optimal"
    assert best.total_usd > 0
    # The four projects the pledges can fund are funded (the fifth lacks compatible money).
    assert {t for t, f in best.funded.items() if f == 1} == {"africa", "asia", "grulac", "europe"}
    assert best.objective >= baseline.objective - 1e-9
    # The floors of the groups whose candidates are all funded cannot be met: said, with why.
    short = {s.constraint.key: s for s in best.shortfalls}
    assert short["latin_american_caribbean"].reason == SATURATED
    grulac = next(r for r in best.groups if r.key == "latin_american_caribbean")
    total = float(best.total_usd)
    assert short["latin_american_caribbean"].floor_usd == pytest.approx(
        0.8 * grulac.fair_share * total
    )
    assert short["latin_american_caribbean"].shortfall_usd == pytest.approx(
        0.8 * grulac.fair_share * total - 22.5
    )


def test_without_floors_the_optimizer_never_meets_fewer_needs_than_greedy():
    rng = random.Random(11)
    for _ in range(5):
        targets = [
            Target(f"P{j}", "project", rng.uniform(50, 900), rng.uniform(1, 40), "african")
            for j in range(25)
        ] + [Target(f"N{j}", "need", rng.uniform(10, 300), rng.uniform(0.5, 10)) for j in range(25)]
        ids = [t.id for t in targets]
        sources = [
            Source(f"S{i}", rng.uniform(100, 2000), frozenset(rng.sample(ids, 15)))
            for i in range(8)
        ]
        best = solve(sources, targets, Parameters())
        assert best.objective >= greedy(sources, targets).objective - 1e-6


def test_a_floor_the_earmarks_make_unreachable_is_explained_with_the_earmarks():
    sources = [
        Source("eu", 300, {"A1", "A2"}, label="EU", earmark="geographic", earmark_detail="african"),
        Source("small", 40, {"W1"}, label="Small", earmark="project", earmark_detail="W1"),
        Source("free", 100, label="Free"),
    ]
    targets = [
        Target("A1", "project", 200, 10, "african"),
        Target("A2", "project", 100, 8, "african"),
        Target("W1", "project", 150, 9, "weog"),  # 140 USD may reach it: less than it costs
        Target("E1", "need", 100, 3, "eastern_european"),
    ]
    best = solve(sources, targets, Parameters(equity_fraction_group=0.8))
    assert best.total_usd == D("400.00")  # both African projects and the need in full
    short = {s.constraint: s for s in best.shortfalls}
    weog = short[ConstraintKey("equity_group", "weog")]
    assert weog.reason == TOO_LITTLE
    assert weog.pledges == ["free", "small"]  # the pledges that may fund it, largest first
    assert weog.blocking == ["eu"] and weog.blocking_usd == pytest.approx(300)
    assert weog.floor_usd == pytest.approx(0.8 * 9 / 30 * 400)
    assert weog.shortfall_usd == pytest.approx(0.8 * 9 / 30 * 400)
    # Said in words, with the earmarks that keep the money away.
    report = best.as_report()
    report["sources"] = {
        s.id: {"label": s.label, "earmark": s.earmark, "earmark_detail": s.earmark_detail}
        for s in sources
    }
    [entry] = [e for e in report["shortfalls"] if e["key"] == "weog"]
    text = describe_shortfall(entry, report, {"equity_group": {"weog": "WEOG"}})
    assert "WEOG" in text and "96.00" in text  # 0.8 × 9/30 × 400
    assert "EU (earmark: Geographic — african)" in text
    assert "Small (earmark: A named project — W1)" in text


def test_a_group_no_pledge_may_reach_is_a_shortfall_not_an_empty_proposal():
    sources = [Source("only-a", 100, {"A1"}, earmark="project", earmark_detail="A1")]
    targets = [Target("A1", "need", 100, 10, "african"), Target("W1", "need", 50, 10, "weog")]
    for params in (DEFAULTS, Parameters(equity_fraction_group=1.0)):
        best = solve(sources, targets, params)
        assert best.amounts == {("only-a", "A1"): D("100.00")}
        [short] = [s for s in best.shortfalls if s.constraint.key == "weog"]
        assert short.reason == NO_PLEDGE and short.blocking == ["only-a"]


def test_the_trade_off_curve_gives_up_needs_for_equity_as_the_floors_rise():
    sources = [Source("A", 200)]
    targets = [
        Target("N1", "need", 100, 10, "african"),
        Target("N2", "need", 100, 9, "african"),
        Target("N3", "need", 100, 5, "weog"),
    ]
    curve = tradeoff_curve(sources, targets, Parameters(), levels=(1.0, 0.0, 0.5, 0.25, 0.75))
    levels = [p.level for p in curve.points]
    assert levels == sorted(levels) == [0.0, 0.25, 0.5, 0.75, 1.0]
    needs = [p.objective for p in curve.points]
    index = [p.equity_index_groups for p in curve.points]
    assert needs[0] >= greedy(sources, targets).objective - 1e-9
    assert all(a >= b - 1e-6 for a, b in itertools.pairwise(needs))
    assert needs[-1] < needs[0]  # equity costs needs here
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(index))  # type: ignore[operator]
    assert index[-1] == pytest.approx(1.0, abs=1e-3)  # full fair shares: proportional
    assert all(p.total_usd == pytest.approx(200) for p in curve.points)  # never less money
    assert all(p.shortfalls == 0 for p in curve.points)


def test_explanations_never_print_a_signed_zero():
    assert plain_number(-0.0000001, 3) == "0.000"
    assert plain_number(-0.0, 2) == "0.00"
    assert plain_number(-1234.5, 1) == "-1,234.5"
    report = {"objective": 0.0, "sources": {}}
    entry = {
        "kind": "equity_group",
        "key": "weog",
        "value_usd": -0.0,
        "limit_usd": -0.000001,
        "objective_without": -0.0000004,
    }
    text = describe(entry, report, {"equity_group": {}})
    assert "-0" not in text and "−0" not in text
    # The stored report has no negative zero either.
    sources = [Source("A", 100, {"A1"})]
    targets = [Target("A1", "need", 100, 10, "african"), Target("W1", "need", 50, 10, "weog")]
    stored = repr(solve(sources, targets, DEFAULTS).as_report())
    assert "-0.0," not in stored and "-0.0}" not in stored


# --- The job, the command, the page -----------------------------------------------------


@pytest.mark.django_db
def test_the_job_computes_the_proposals_and_the_curve(portfolio, secretariat, donor):  # noqa: F811
    request = AllocationRequest(params=DEFAULTS, on=ON)
    job = start_job(kind="funding.allocation", params=request.as_job_params(), user=secretariat)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    optimizer = Proposal.objects.get(pk=job.result["proposal_ids"][0], method="optimizer")
    assert optimizer.report["total_usd"] != "0"
    curve = latest_tradeoff_curve()
    assert curve is not None and curve.proposal_id == optimizer.pk
    assert [p["level"] for p in curve.points] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert curve.greedy is not None
    page = client_for(secretariat).get(reverse("proposal_detail", args=[optimizer.pk]))
    assert "Trade-off: needs met against equity" in page.content.decode()
    # Each group's shares written as every share is (one decimal, rounded half up).
    html = page.content.decode()
    for group in optimizer.report["groups"]:
        for share in (group["fair_share"], group["funds_share"]):
            assert f">{format_share_percent(share)}<" in html, share
    # Only the secretariat may compute: the job fails, nothing is stored.
    denied = start_job(kind="funding.allocation", params=request.as_job_params(), user=donor)
    denied.refresh_from_db()
    assert denied.status == JobStatus.FAILED
    assert Proposal.objects.count() == 2
    assert Job.objects.count() == 2


@pytest.mark.django_db
def test_the_command_prints_the_comparison_the_shortfalls_and_the_curve(portfolio):  # noqa: F811
    out = StringIO()
    call_command(
        "allocate",
        "--on",
        ON.isoformat(),
        "--equity-group",
        "1",
        "--min",
        "firearms=1000",
        stdout=out,
    )
    text = out.getvalue()
    assert "regional groups 1.00, legal systems 0.50" in text  # the screen's default
    assert "optimizer vs greedy" in text and "80,000.00 vs 80,000.00 USD allocated" in text
    # No candidate addresses the firearms protocol: the minimum is missed, the money given.
    assert (
        "cannot meet instrument_minimum firearms: 0.00 of 1,000.00 USD, short 1,000.00 USD — "
        "no pledge with money left may fund any of its candidates" in text
    )
    assert "trade-off curve" in text and "greedy" in text
    assert "-0.0" not in text and "-0 " not in text
    assert Proposal.objects.count() == 0


@pytest.mark.django_db
def test_bad_command_arguments_fail_on_stderr(portfolio):  # noqa: F811
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("allocate", "--equity-group", "1.5", "--on", ON.isoformat())
    with pytest.raises(CommandError, match="--levels"):
        call_command("allocate", "--levels", "low", "--on", ON.isoformat())


@pytest.mark.django_db
def test_a_missing_rate_is_refused_on_the_form_without_starting_a_job(secretariat):
    from infobase.funding.models import Pledge
    from infobase.reference.models import Organization

    Pledge.objects.create(
        donor=Organization.objects.get(code="no-mfa"),
        amount=D("1000"),
        currency="XAF",
        pledged_on=date(2024, 1, 1),
        status="agreed",
    )
    response = client_for(secretariat).post(
        reverse("allocation"),
        {"equity_group": "0.8", "equity_family": "0.5", "method": "both", "on": "2025-06-01"},
    )
    assert response.status_code == 200
    assert "XAF" in response.content.decode()
    assert Job.objects.count() == 0
