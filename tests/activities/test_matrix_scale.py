"""Who does what where read as plain rows: cells checked against hand-computed figures
(percentages, equal shares, regions, several themes, filters) and a number of queries that
does not grow with the number of activities."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from infobase.activities import selectors
from infobase.activities.models import Activity, Recipient, Theme
from infobase.reference.models import (
    Article,
    AssistanceKind,
    CodelistItem,
    Instrument,
    Organization,
    State,
)

pytestmark = pytest.mark.django_db

Cells = dict[tuple[str, str, str], tuple[list[int], dict[str, Decimal]]]

_serial = itertools.count(1)


def art(number: int, code: str = "untoc") -> Article:
    return Article.objects.get(instrument__code=code, number=number)


def add(
    *,
    provider: Organization | None = None,
    org: tuple[str, str] = ("", ""),  # reporting organisation's name and identifier
    budget: str | None = None,
    currency: str = "USD",
    recipients: list[tuple[str, str | None]],  # ISO3 or "region:<code>", percentage
    themes: Sequence[tuple[Article | None, str]] = (),
    instruments: tuple[str, ...] = (),
    start: date | None = None,
) -> Activity:
    activity = Activity.objects.create(
        iati_identifier=f"XM-TEST-{next(_serial)}",
        source="manual",
        provider=provider,
        provider_kind="secretariat" if provider else "other",
        reporting_org_name=org[0],
        reporting_org_ref=org[1],
        budget=Decimal(budget) if budget is not None else None,
        default_currency=currency,
        actual_start=start,
        title={"en": "Activity"},
    )
    for where, percentage in recipients:
        share = Decimal(percentage) if percentage is not None else None
        if where.startswith("region:"):
            Recipient.objects.create(
                activity=activity, region_code=where.split(":", 1)[1], percentage=share
            )
        else:
            Recipient.objects.create(
                activity=activity, state=State.objects.get(iso3=where), percentage=share
            )
    for article, kind in themes:
        Theme.objects.create(activity=activity, article=article, kind=kind)
    activity.instruments.set(Instrument.objects.filter(code__in=instruments))
    return activity


@pytest.fixture
def unodc() -> Organization:
    return Organization.objects.get(code="unodc")


@pytest.fixture
def world(unodc: Organization) -> dict[str, Activity]:
    return {
        # Percentages for every recipient; two themes and an instrument of its own.
        "a": add(
            provider=unodc,
            budget="1000",
            recipients=[("EGY", "60"), ("SEN", "40")],
            themes=[(art(18), "training"), (art(6, "tip"), "legislative")],
            instruments=("firearms",),
        ),
        # A percentage missing: equal shares, a region among the recipients; no theme.
        "b": add(
            org=("Donor X", "XX-1"),
            budget="300",
            currency="EUR",
            recipients=[("EGY", "50"), ("SEN", None), ("region:298", None)],
        ),
        # Percentages adding up to 0: equal shares; a kind without an article; no budget.
        "c": add(
            provider=unodc,
            recipients=[("MEX", "0")],
            themes=[(None, "training")],
        ),
        # A budget without a currency counts no money; the same article twice.
        "d": add(
            provider=unodc,
            budget="100",
            currency="",
            recipients=[("EGY", None)],
            themes=[(art(18), "other"), (art(18), "training")],
        ),
    }


def cells(matrix: selectors.Matrix) -> Cells:
    return {
        (r.provider_key, r.state_key, r.theme_key): (list(r.activity_ids), dict(r.budget))
        for r in matrix.rows
    }


def usd(amount: str) -> dict[str, Decimal]:
    return {"USD": Decimal(amount)}


def matrix(axis: selectors.ThemeAxis, **filters: object) -> selectors.Matrix:
    return selectors.who_what_where(
        filters=selectors.ActivityFilters(**filters),  # type: ignore[arg-type]
        axis=axis,
    )


def test_instrument_axis_cells_and_order(world: dict[str, Activity]) -> None:
    a, b, c, d = (world[k].pk for k in "abcd")
    third = {"EUR": Decimal("100.00")}  # 300 / 3
    got = matrix("instrument")
    assert cells(got) == {
        ("org:unodc", "EGY", "untoc"): (sorted([a, d]), usd("600.00")),
        ("org:unodc", "EGY", "tip"): ([a], usd("600.00")),
        ("org:unodc", "EGY", "firearms"): ([a], usd("600.00")),
        ("org:unodc", "SEN", "untoc"): ([a], usd("400.00")),
        ("org:unodc", "SEN", "tip"): ([a], usd("400.00")),
        ("org:unodc", "SEN", "firearms"): ([a], usd("400.00")),
        ("org:unodc", "MEX", "-"): ([c], {}),
        ("ref:XX-1", "EGY", "-"): ([b], third),
        ("ref:XX-1", "SEN", "-"): ([b], third),
        ("ref:XX-1", "region:298", "-"): ([b], third),
    }
    assert got.activity_count == 4
    # Sorted by provider label, then States before regions, then the instruments' order.
    assert [(r.provider, r.state_key, r.theme_key) for r in got.rows] == [
        ("Donor X", "EGY", "-"),
        ("Donor X", "SEN", "-"),
        ("Donor X", "region:298", "-"),
        ("UNODC", "EGY", "untoc"),
        ("UNODC", "EGY", "tip"),
        ("UNODC", "EGY", "firearms"),
        ("UNODC", "MEX", "-"),
        ("UNODC", "SEN", "untoc"),
        ("UNODC", "SEN", "tip"),
        ("UNODC", "SEN", "firearms"),
    ]
    region = (
        CodelistItem.objects.filter(codelist__name="Region", code="298")
        .values_list("name_en", flat=True)
        .first()
    )
    assert got.rows[2].state == f"Region: {region or '298'}"
    assert got.rows[0].theme == "No theme recorded"
    assert got.rows[3].theme == str(Instrument.objects.get(code="untoc"))


def test_article_and_kind_axes(world: dict[str, Activity]) -> None:
    a, b, c, d = (world[k].pk for k in "abcd")
    untoc18, tip6 = art(18), art(6, "tip")
    by_article = matrix("article")
    assert cells(by_article) == {
        ("org:unodc", "EGY", str(untoc18.pk)): (sorted([a, d]), usd("600.00")),
        ("org:unodc", "EGY", str(tip6.pk)): ([a], usd("600.00")),
        ("org:unodc", "SEN", str(untoc18.pk)): ([a], usd("400.00")),
        ("org:unodc", "SEN", str(tip6.pk)): ([a], usd("400.00")),
        ("org:unodc", "MEX", "-"): ([c], {}),
        ("ref:XX-1", "EGY", "-"): ([b], {"EUR": Decimal("100.00")}),
        ("ref:XX-1", "SEN", "-"): ([b], {"EUR": Decimal("100.00")}),
        ("ref:XX-1", "region:298", "-"): ([b], {"EUR": Decimal("100.00")}),
    }
    row = next(r for r in by_article.rows if r.theme_key == str(untoc18.pk))
    assert row.theme == f"UNTOC 18 — {untoc18.title_en}"
    by_kind = matrix("kind")
    assert cells(by_kind) == {
        ("org:unodc", "EGY", "legislative"): ([a], usd("600.00")),
        ("org:unodc", "EGY", "training"): (sorted([a, d]), usd("600.00")),
        ("org:unodc", "EGY", "other"): ([d], {}),
        ("org:unodc", "SEN", "legislative"): ([a], usd("400.00")),
        ("org:unodc", "SEN", "training"): ([a], usd("400.00")),
        ("org:unodc", "MEX", "training"): ([c], {}),
        ("ref:XX-1", "EGY", "-"): ([b], {"EUR": Decimal("100.00")}),
        ("ref:XX-1", "SEN", "-"): ([b], {"EUR": Decimal("100.00")}),
        ("ref:XX-1", "region:298", "-"): ([b], {"EUR": Decimal("100.00")}),
    }
    # Kinds in the order of their choices.
    assert [
        r.theme_key for r in by_kind.rows if r.provider == "UNODC" and r.state_key == "EGY"
    ] == [
        "legislative",
        "training",
        "other",
    ]


def test_filters_narrow_the_cells(world: dict[str, Activity]) -> None:
    a, b, c, d = (world[k].pk for k in "abcd")
    african = matrix("instrument", regional_group="african")
    assert {k[1] for k in cells(african)} == {"EGY", "SEN"}  # no region, no Mexico
    assert african.activity_count == 3
    senegal = matrix("kind", recipient="sen")
    assert cells(senegal) == {
        ("org:unodc", "SEN", "legislative"): ([a], usd("400.00")),
        ("org:unodc", "SEN", "training"): ([a], usd("400.00")),
        ("ref:XX-1", "SEN", "-"): ([b], {"EUR": Decimal("100.00")}),
    }
    # A kind keeps only the themes of that kind: the activity's own instruments do not count.
    training = matrix("instrument", kind="training")
    assert cells(training) == {
        ("org:unodc", "EGY", "untoc"): (sorted([a, d]), usd("600.00")),
        ("org:unodc", "SEN", "untoc"): ([a], usd("400.00")),
        ("org:unodc", "MEX", "-"): ([c], {}),
    }
    firearms = matrix("instrument", instrument="firearms")
    assert cells(firearms) == {
        ("org:unodc", "EGY", "firearms"): ([a], usd("600.00")),
        ("org:unodc", "SEN", "firearms"): ([a], usd("400.00")),
    }
    article = matrix("kind", article=art(18).pk)
    assert cells(article) == {
        ("org:unodc", "EGY", "training"): (sorted([a, d]), usd("600.00")),
        ("org:unodc", "EGY", "other"): ([d], {}),
        ("org:unodc", "SEN", "training"): ([a], usd("400.00")),
    }


def test_labels_in_the_active_language(world: dict[str, Activity]) -> None:
    with translation.override("fr"):
        got = matrix("kind", recipient="EGY")
        egypt = str(State.objects.get(iso3="EGY"))
        training = str(AssistanceKind.TRAINING.label)
    row = next(r for r in got.rows if r.theme_key == "training")
    assert (row.state, row.theme) == (egypt, training)


def test_the_first_activity_names_a_provider_without_organization() -> None:
    # Two names under one identifier: the cell takes the name of the first activity listed.
    add(org=("Later name", "XX-2"), recipients=[("EGY", None)], start=date(2020, 1, 1))
    add(org=("Newer name", "XX-2"), recipients=[("EGY", None)], start=date(2024, 1, 1))
    add(org=("", ""), recipients=[("EGY", None)])
    got = matrix("instrument")
    assert {(r.provider_key, r.provider, r.activities) for r in got.rows} == {
        ("ref:XX-2", "Newer name", 2),
        ("ref:Unknown provider", "Unknown provider", 1),
    }


def grow(count: int, unodc: Organization) -> None:
    states = ["EGY", "SEN", "MEX", "FRA", "BRA"]
    articles = [art(18), art(6, "tip"), None]
    kinds = ["training", "legislative", ""]
    for i in range(count):
        add(
            provider=unodc if i % 2 else None,
            org=(f"Publisher {i % 7}", f"XX-{i % 7}"),
            budget=str(100 + i),
            currency="USD" if i % 3 else "EUR",
            recipients=[(states[i % 5], "70"), (states[(i + 1) % 5], None)]
            + ([("region:298", None)] if i % 4 == 0 else []),
            themes=[(articles[i % 3], kinds[i % 3]), (art(18), "other")] if i % 5 else [],
            instruments=("firearms",) if i % 2 else (),
        )


@pytest.mark.parametrize("axis", selectors.THEME_AXES)
def test_queries_do_not_grow_with_the_activities(
    unodc: Organization, axis: selectors.ThemeAxis
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.who_what_where(filters=selectors.ActivityFilters(), axis=axis)
            selectors.who_what_where(
                filters=selectors.ActivityFilters(regional_group="african"), axis=axis
            )
        return len(ctx)

    grow(5, unodc)
    few = queries()
    grow(45, unodc)
    assert queries() == few
