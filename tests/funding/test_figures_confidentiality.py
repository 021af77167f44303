"""Confidentiality in every aggregate: each page and file of figures about needs, seen by a donor
or a working-group delegate, must be exactly what it would be if the confidential needs of
other States did not exist at all (neither listed nor counted)."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q
from django.http import HttpResponse
from openpyxl import load_workbook

from infobase.accounts.models import User
from infobase.funding.allocation import (
    NEED,
    Parameters,
    Solution,
    load_problem,
    point_of,
    published_point,
)
from infobase.funding.models import (
    Allocation,
    BudgetLine,
    ExchangeRate,
    Pledge,
    Project,
    ProjectStatus,
)
from infobase.meetings.loaders import load_mandates
from infobase.meetings.models import Body, Outcome, OutcomeKind, Session, SessionKind
from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need
from infobase.questionnaires.models import ReportingCycle
from infobase.reference.models import Organization
from infobase.reports import engine
from tests.conftest import client_for, exported
from tests.needs.test_derivation import answers, request
from tests.reports.test_figures_memo import RAW

pytestmark = pytest.mark.django_db

D = Decimal

# Every page and file that shows figures computed from needs, for the working group and donors.
AGGREGATES = (
    "/needs/",
    "/needs/?regional_group=none&status=open",
    "/needs/heat/",
    "/needs/export.csv",
    "/needs/export.xlsx",
    "/funding/gaps/",
    "/funding/gaps/export.csv",
    "/funding/gaps/export.xlsx",
    "/funding/mobilization/",
    "/funding/equity/",
    "/coverage/",
    "/coverage/export/gaps.csv",
    "/coverage/export/needs.csv",
    "/coverage/export/gaps.xlsx",
    "/activities/map/?measure=needs",
    "/activities/map/?measure=coverage",
)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def content(response: HttpResponse) -> object:
    """What a reader sees of a response, without what changes from one request to the next."""
    assert response.status_code == 200, response.status_code
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content))
        return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    return CSRF.sub("", response.content.decode("utf-8-sig"))


@pytest.fixture
def figures_data() -> list[int]:
    """Open needs of five States (one without a regional group), a project in euros with an
    allocation, a pledge of the donor; and two confidential needs of other States (Kenya, and
    Palestine, which has no regional group). Returns the confidential needs' ids."""
    answers("EGY", [(5, "legislative")], priority="high")
    answers("SEN", [(5, "training")])
    request("MEX", [(6, "legislative")], urgency="low")
    request("GBR", [(6, "training")], urgency="high")
    answers("KIR", [(5, "training")])
    # Articles and kinds no visible need shares, so that the score of a visible need (its
    # breadth: how many States share it) is the same with or without them.
    answers("KEN", [(20, "technology")], confidential=True)
    request("PSE", [(23, "action_plan")], confidential=True)
    needs_derive()
    secret = list(Need.objects.filter(confidential=True).values_list("pk", flat=True))
    assert len(secret) == 2

    ExchangeRate.objects.create(currency="EUR", per_usd=D("0.9"), valid_from=date(2020, 1, 1))
    fund = Organization.objects.create(code="eu-fund", name_en="EU Fund", kind="fund")
    pledge = Pledge.objects.create(
        donor=fund, amount=D("90000"), currency="EUR", pledged_on=date(2025, 1, 1), status="agreed"
    )
    project = Project.objects.create(code="p1", title={"en": "P1"}, currency="EUR")
    project.needs.set(Need.objects.filter(state__iso3__in=["EGY", "SEN"]))
    BudgetLine.objects.create(project=project, description="Experts", amount=D("100000.01"))
    Allocation.objects.create(
        pledge=pledge, project=project, amount=D("33333.33"), allocated_on=date(2025, 2, 1)
    )
    return secret


def snapshot(user: object) -> dict[str, object]:
    client = client_for(user)  # type: ignore[arg-type]
    return {
        url: content(exported(client, url) if "/export" in url else client.get(url))
        for url in AGGREGATES
    }


def test_every_aggregate_is_computed_from_the_needs_the_reader_may_see(
    figures_data: list[int], donor, delegate, secretariat
) -> None:  # type: ignore[no-untyped-def]
    Pledge.objects.create(
        donor=donor.organization,
        amount=D("5000"),
        currency="USD",
        pledged_on=date(2025, 3, 1),
        status="agreed",
    )
    # Projects that also address a confidential need: their budget and funding are shared
    # among the needs the reader may see, and so is where their money goes (equity); a budget
    # estimated from its needs' unit costs counts only those (else the hidden need's share or
    # kind would be told).
    Project.objects.get(code="p1").needs.add(Need.objects.get(state__iso3="KEN"))
    estimated = Project.objects.create(code="p9", title={"en": "P9"}, currency="USD")
    estimated.needs.set(Need.objects.filter(state__iso3__in=["MEX", "PSE"]))
    with_secret = {"donor": snapshot(donor), "delegate": snapshot(delegate)}
    secretariat_before = content(client_for(secretariat).get("/funding/gaps/"))

    Need.objects.filter(pk__in=figures_data).delete()

    # The secretariat counts the confidential needs: removing them changes its figures …
    assert content(client_for(secretariat).get("/funding/gaps/")) != secretariat_before
    # … but nothing that the donor or the delegate sees changes.
    for name, user in (("donor", donor), ("delegate", delegate)):
        without = snapshot(user)
        for url in AGGREGATES:
            assert with_secret[name][url] == without[url], f"{name}: {url}"


def test_every_report_is_computed_from_the_needs_everyone_may_see(figures_data: list[int]) -> None:
    # Reports are published to the public: each must be what it would be if the confidential
    # needs did not exist, on every figure, the equity of the resources included.
    load_mandates()  # the working group and decision 2/6, which the chair and review report on
    ReportingCycle.objects.get_or_create(number=1, defaults={"name": "Cycle 1"})
    # A session that reviewed a public and a confidential need, and a running project that
    # addresses one of each: the reports count what they reviewed and address.
    public = Need.objects.get(state__iso3="MEX")
    session = Session.objects.create(
        body=Body.objects.get(code="wg-ta"),
        kind=SessionKind.INTERSESSIONAL,
        starts_on=date(2025, 10, 1),
        ends_on=date(2025, 10, 2),
        title={"en": "Meeting"},
    )
    session.needs_reviewed.set([public.pk, *figures_data])
    recommendation = Outcome.objects.create(
        kind=OutcomeKind.RECOMMENDATION, number="2025/1", session=session, title={"en": "R"}
    )
    recommendation.needs.set([public.pk, *figures_data])
    project = Project.objects.create(
        code="p3", title={"en": "P3"}, currency="EUR", status=ProjectStatus.APPROVED
    )
    project.needs.set([public.pk, figures_data[0]])
    params = {slug: engine.get(slug).clean(raw) for slug, raw in RAW.items()}
    with_secret = {slug: engine.get(slug).compute(params[slug]) for slug in RAW}
    assert [p[4] for p in with_secret["secretariat"].projects if p[0] == "p3"] == [1]
    Need.objects.filter(pk__in=figures_data).delete()
    for slug in RAW:
        assert engine.get(slug).compute(params[slug]) == with_secret[slug], slug


def test_the_published_trade_off_curve_weighs_only_the_needs_everyone_may_see(
    figures_data: list[int],
) -> None:
    # The Secretariat's report publishes the allocation's trade-off curve. The optimizer weighs
    # every open need (the secretariat may fund confidential ones), so each point is also
    # weighed on the public needs: for the same money given, those figures must be what they
    # would be if the confidential needs did not exist.
    in_project, alone = figures_data
    project = Project.objects.create(code="p2", title={"en": "P2"}, currency="EUR")
    project.needs.set(Need.objects.filter(Q(state__iso3="MEX") | Q(pk=in_project)))
    BudgetLine.objects.create(project=project, description="Experts", amount=D("50000"))
    on = date(2025, 6, 1)
    with_secret = load_problem(on=on, include_needs=True)
    assert f"{NEED}:{alone}" in {t.id for t in with_secret.targets}  # the optimizer weighs it
    assert f"{NEED}:{alone}" not in {t.id for t in with_secret.published}
    # Money for every target, the confidential need's included, at three levels of floors.
    given = Solution(
        method="optimizer",
        status="optimal",
        amounts={("pledge:1", t.id): D(str(t.cost_usd)) for t in with_secret.targets},
    )
    levels = [Parameters(equity_fraction_group=a, equity_fraction_family=a) for a in (0, 0.6, 1)]
    published = [published_point(given, with_secret.published, at) for at in levels]
    # Weighed on every target, the same money counts the confidential needs …
    whole = [published_point(given, with_secret.targets, at) for at in levels]
    assert [p["total_usd"] for p in whole] != [p["total_usd"] for p in published]
    assert [p["objective"] for p in whole] != [p["objective"] for p in published]

    Need.objects.filter(pk__in=figures_data).delete()
    without = load_problem(on=on, include_needs=True)
    kept = {t.id for t in without.targets}
    given_now = Solution(
        method="optimizer",
        status="optimal",
        amounts={k: v for k, v in given.amounts.items() if k[1] in kept},
    )
    # … the published figures do not move.
    assert [published_point(given_now, without.published, at) for at in levels] == published
    assert [published_point(given_now, without.targets, at) for at in levels] == published
    # The curve's points carry them.
    assert point_of(0.6, given, with_secret.published, levels[1]).published == published[1]


@pytest.mark.parametrize("url", ["/funding/gaps/", "/coverage/"])
def test_each_page_of_figures_says_which_needs_it_counts(
    figures_data: list[int], url: str, secretariat: User, donor: User, delegate: User
) -> None:
    # The secretariat's figures count confidential needs; everyone else's leave them out: each
    # page says which, and says it to its reader.
    def note(user: User) -> str:
        html = client_for(user).get(url).content.decode()
        found = re.search(r'<p class="note" id="needs-counted">([^<]*)</p>', html)
        assert found, url
        return found.group(1)

    assert "confidential needs of States included" in note(secretariat)
    for user in (donor, delegate):
        assert "neither listed nor counted" in note(user)
