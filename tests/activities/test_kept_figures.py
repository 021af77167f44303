"""Figures over every activity or need (the matrix, the coverage overview, the overlaps) are
computed once and kept while the data under them is unchanged (``core.figures.kept``): a
repeated request reads no activity, any write shows at once, and nobody gets figures kept for
someone who sees more needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from infobase.accounts.models import User
from infobase.activities import selectors
from infobase.activities.coverage.measures import overview
from infobase.activities.coverage.overlaps import overlaps_kept
from infobase.activities.models import Activity
from infobase.needs.models import Need
from infobase.needs.selectors import visibility_key
from tests.activities.test_coverage import (
    activity,
    org,
    world,  # noqa: F401  (the fixture)
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ALL = selectors.ActivityFilters()


def _reads_activities(queries: CaptureQueriesContext) -> bool:
    """Whether any query read the activities' budgets or recipients' shares (what only the
    matrix reads; the form's list of providers reads the activities' providers)."""
    return any(
        '"activities_activity"."budget"' in q["sql"]
        or '"activities_recipient"."percentage"' in q["sql"]
        for q in queries.captured_queries
    )


def test_the_matrix_is_computed_once_and_again_after_any_write(
    world: dict[str, Any],  # noqa: F811
    delegate: User,
) -> None:
    client = client_for(delegate)

    def matrix() -> selectors.Matrix:
        return client.get("/activities/matrix/").context["matrix"]

    with CaptureQueriesContext(connection) as computed:
        first = matrix()
    assert _reads_activities(computed)
    assert "Senegal" not in first.states
    with CaptureQueriesContext(connection) as again:
        assert matrix() == first
    assert not _reads_activities(again)

    # A new activity (rows added), then a change in place (history recorded), then a deletion.
    added = activity("XM-7", states=("SEN",), themes=((6, "training"),))
    assert "Senegal" in matrix().states
    added.provider = org("third-org")
    added.save()
    assert "THIRD-ORG" in matrix().providers
    Activity.objects.filter(pk=added.pk).delete()
    assert matrix() == first


def test_the_matrix_is_kept_per_language_and_per_filters(
    world: dict[str, Any],  # noqa: F811
) -> None:
    english = selectors.who_what_where_kept(filters=ALL)
    with translation.override("ar"):
        arabic = selectors.who_what_where_kept(filters=ALL)
    assert "Egypt" in english.states and "مصر" in arabic.states
    mexico = selectors.who_what_where_kept(filters=selectors.ActivityFilters(recipient="MEX"))
    assert mexico.states == ["Mexico"] and len(english.states) > 1
    assert english == selectors.who_what_where(filters=ALL)


def test_the_coverage_overview_is_kept_apart_for_who_sees_which_needs(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    focal_egypt: User,
    focal_senegal: User,
    delegate: User,
) -> None:
    Need.objects.filter(pk=world["egy_tip"].pk).update(confidential=True)
    # Those who see the confidential need ask first, so that its figures are kept already.
    totals = {
        user.username: sum(overview(user=user).counts.values())
        for user in (secretariat, focal_egypt, focal_senegal, delegate)
    }
    assert totals == {
        secretariat.username: 3,
        focal_egypt.username: 3,
        focal_senegal.username: 2,
        delegate.username: 2,
    }
    assert len({visibility_key(u) for u in (secretariat, focal_egypt, focal_senegal)}) == 3
    assert visibility_key(delegate) == f"state:{delegate.state_id}"
    # The pages and the export of gaps alike.
    pages = {
        u.username: client_for(u).get("/coverage/").context["total"]
        for u in (secretariat, delegate, focal_egypt)
    }
    assert pages == {secretariat.username: 3, delegate.username: 2, focal_egypt.username: 3}
    export = client_for(delegate).get("/coverage/export/gaps.csv").content.decode()
    kinds = [line for line in export.splitlines() if line.startswith("Kind of assistance,")]
    assert sum(int(line.rsplit(",", 1)[1]) for line in kinds) == 2


def test_the_overlaps_follow_a_new_activity(
    world: dict[str, Any],  # noqa: F811
) -> None:
    today = timezone.localdate()
    assert overlaps_kept(today=today) == []
    activity(
        "XM-7",
        states=("EGY",),
        themes=((6, "training"),),
        provider="second-org",
        start=today - timedelta(days=30),
        end=today + timedelta(days=365),
    )
    activity(
        "XM-8",
        states=("EGY",),
        themes=((6, "legislative"),),
        start=today - timedelta(days=30),
        end=today + timedelta(days=365),
    )
    assert [o.state_iso3 for o in overlaps_kept(today=today)] == ["EGY"]
