"""The funding gaps page sums its tables in the database and reads its needs one page at a time
(``funding_gaps_page``): every figure, every row and every page of needs must be the ones of the
full report (``funding_gaps``) computed need by need."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from infobase.funding.gaps import funding_gaps, funding_gaps_page
from infobase.funding.models import Allocation, BudgetLine, ExchangeRate, Pledge, Project
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import needs_visible_to
from infobase.reference.models import Article, AssistanceKind, Organization, State
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 6, 1)
STATES = ["EGY", "SEN", "MEX", "GBR", "FRA", "NGA", "CHN", "BRA"]


@pytest.fixture
def needs() -> list[Need]:
    """Needs of eight States under four articles and every kind: some closed, some
    confidential; projects over some of them (one without a budget line, so that its needs'
    gaps equal unit costs, ties with the needs no project addresses)."""
    states = list(State.objects.filter(iso3__in=STATES).order_by("iso3"))
    articles = list(Article.objects.filter(instrument__code="untoc").order_by("number")[:4])
    kinds = list(AssistanceKind.values)
    made = Need.objects.bulk_create(
        Need(
            state=state,
            article=article,
            kind=kind,
            first_seen=date(2025, 1, 1),
            status=NeedStatus.MET if n % 11 == 3 else NeedStatus.OPEN,
            confidential=n % 7 == 2,
        )
        for n, (state, article, kind) in enumerate(itertools.product(states, articles, kinds))
        if n % 3 != 1  # not every combination
    )
    ExchangeRate.objects.create(currency="EUR", per_usd=D("0.8"), valid_from=date(2025, 1, 1))
    donor = Organization.objects.create(code="fund", name_en="Fund", kind="fund")
    pledge = Pledge.objects.create(
        donor=donor, amount=D("900000"), currency="EUR", pledged_on=date(2025, 1, 2)
    )
    for i, (budget, chosen) in enumerate(
        [
            (["100000", "33333.33"], made[0:7:2]),
            ([], [n for n in made if n.kind == AssistanceKind.TRAINING][:5]),  # unit costs
            (["5000"], made[10:12]),  # overfunded below
            (["250000"], [made[20], made[0]]),  # a need in two projects
        ]
    ):
        project = Project.objects.create(code=f"p{i}", title={"en": f"P{i}"}, currency="EUR")
        project.needs.set(chosen)
        for amount in budget:
            BudgetLine.objects.create(project=project, description="x", amount=D(amount))
        if i != 1:
            Allocation.objects.create(
                pledge=pledge, project=project, amount=D("7000.01"), allocated_on=date(2026, 1, 1)
            )
    return made


@pytest.mark.parametrize("who", ["secretariat", "delegate", "focal_egypt"])
@pytest.mark.parametrize("per_page", [7, 50])
def test_the_page_shows_the_figures_and_needs_of_the_full_report(
    needs: list[Need], who: str, per_page: int, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    scope = needs_visible_to(user)
    full = funding_gaps(on=TODAY, needs_qs=scope)
    assert full.total.needs > 2 * per_page or per_page == 50
    if who != "secretariat":
        assert full.total.needs < len([n for n in needs if n.status == NeedStatus.OPEN])

    first = funding_gaps_page(on=TODAY, needs_qs=scope, page=1, per_page=per_page)
    assert first.by == full.by
    assert first.total == full.total
    assert first.projects == full.projects
    assert list(first.rates) == list(full.rates)
    assert first.unit_costs == full.unit_costs
    assert first.needs_count == len(full.needs)

    expected = sorted(full.needs, key=lambda n: (-n.gap_usd, n.need_id))
    assert len({n.gap_usd for n in expected}) > 3  # several gaps, ties among them
    shown = []
    for number in first.page.paginator.page_range:
        page = funding_gaps_page(on=TODAY, needs_qs=scope, page=number, per_page=per_page)
        shown += list(page.page)
    assert shown == expected
    assert any(n.from_projects for n in shown) and any(not n.from_projects for n in shown)


def test_the_gaps_page_lists_the_needs_by_gap_one_page_at_a_time(
    needs: list[Need],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    full = funding_gaps(on=TODAY, needs_qs=needs_visible_to(secretariat))
    expected = [n.need_id for n in sorted(full.needs, key=lambda n: (-n.gap_usd, n.need_id))]
    client = client_for(secretariat)
    shown = []
    for number in (1, 2, 3):
        response = client.get("/funding/gaps/", {"page": number})
        assert response.status_code == 200
        shown += [gap.need_id for gap, _need in response.context["need_rows"]]
    assert shown == expected[: len(shown)] and len(shown) == min(150, len(expected))
    assert response.context["report"].total == full.total


def test_the_as_of_date_is_written_as_the_language_writes_dates(
    needs: list[Need],
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    """An ISO date after Arabic words shows its parts reversed (01-06-2026): the gaps and
    equity pages write the as-of date in the interface language's format."""
    client = client_for(secretariat)
    for path in ("/funding/gaps/", "/funding/equity/"):
        english = client.get(path, {"on": "2026-06-01"}).content.decode()
        arabic = client.get(
            path, {"on": "2026-06-01"}, headers={"Accept-Language": "ar"}
        ).content.decode()
        assert "1 June 2026" in english, path
        assert "1 يونيو 2026" in arabic, path
        assert "2026-06-01</" not in arabic and " 2026-06-01" not in arabic, path
