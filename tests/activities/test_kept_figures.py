"""Figures over every activity or need (the matrix, the coverage overview, the overlaps) are
computed once and kept while the data under them is unchanged (``core.figures.kept``): a
repeated request reads no activity, any write shows at once, and nobody gets figures kept for
someone who sees more needs."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from infobase.accounts.models import User
from infobase.activities import selectors
from infobase.activities.coverage.measures import overview
from infobase.activities.coverage.overlaps import overlaps_kept
from infobase.activities.models import Activity
from infobase.core import figures
from infobase.needs.models import Need
from infobase.needs.selectors import visibility_key
from tests.activities.test_coverage import (
    activity,
    org,
    world,  # noqa: F401  (the fixture)
)
from tests.conftest import client_for, exported

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
    export = exported(client_for(delegate), "/coverage/export/gaps.csv").content.decode()
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


def test_another_process_reads_the_figures_one_process_computed(
    world: dict[str, Any],  # noqa: F811
) -> None:
    today = timezone.localdate()
    activity("XM-7", states=("SEN",), budget=Decimal("1250.50"), default_currency="USD")
    matrix = selectors.who_what_where_kept(filters=ALL)
    found = overlaps_kept(today=today)
    figures.clear(shared=False)  # a process whose memory holds nothing yet
    with CaptureQueriesContext(connection) as queries:
        again = selectors.who_what_where_kept(filters=ALL)
        assert overlaps_kept(today=today) == found
    assert not _reads_activities(queries)
    assert again == matrix and again is not matrix
    budgets = [row.budget for row in again.rows if row.budget]
    assert budgets == [{"USD": Decimal("1250.50")}]  # decimals, not their text


def _ready_everywhere(**filters: Any) -> selectors.Matrix:
    """The matrix as a process whose memory holds nothing reads it, checked to read no
    activity: it was computed ahead into the shared cache. In English and in Arabic."""
    figures.clear(shared=False)
    for language in ("ar", "en"):
        with translation.override(language), CaptureQueriesContext(connection) as queries:
            matrix = selectors.who_what_where_kept(filters=selectors.ActivityFilters(**filters))
        assert not _reads_activities(queries), language
    return matrix


def test_the_warm_command_computes_the_unfiltered_matrix_in_every_language(
    world: dict[str, Any],  # noqa: F811
) -> None:
    out = io.StringIO()
    call_command("figures-warm", stdout=out)
    assert out.getvalue().startswith("figures ready: 12 in ")  # 2 figures × 6 languages
    assert _ready_everywhere().activity_count == 6  # every activity of the world, ended too


def test_an_import_of_activities_computes_the_pages_figures_ahead(secretariat: User) -> None:
    from tests.activities.test_iati_import import activity_xml, iati_file

    upload = SimpleUploadedFile("a.xml", iati_file(activity_xml("XX-TEST-1-W1")))
    response = client_for(secretariat).post(reverse("iati_import_upload"), {"upload": upload})
    assert response.status_code == 302
    assert _ready_everywhere().activity_count == 1


def test_the_import_command_computes_them_ahead_too(tmp_path: Any) -> None:
    from tests.activities.test_iati_import import activity_xml, iati_file

    path = tmp_path / "a.xml"
    path.write_bytes(iati_file(activity_xml("XX-TEST-1-W1"), activity_xml("XX-TEST-1-W2")))
    call_command("iati-import", str(path), stdout=io.StringIO())
    assert _ready_everywhere().activity_count == 2
