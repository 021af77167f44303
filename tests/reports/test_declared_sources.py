"""Reused outputs rest on what they read: a report run is reused, and kept figures are served,
while the state of their declared sources (``core.figures.data_state``) is unchanged. Each one
computed on the demo data reads only tables of models it declares, so no change to what it
reads can leave a stale result in use."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infobase.activities.coverage.measures import overview, overview_sources
from infobase.activities.coverage.overlaps import overlaps_kept
from infobase.activities.models import activity_figure_sources
from infobase.activities.selectors import ActivityFilters, who_what_where_kept
from infobase.core import figures
from infobase.needs.score_table import need_scores_refresh
from infobase.reference.models import Article
from infobase.reports import engine
from infobase.reports.services import run_fingerprint
from tests.reports.test_figures_memo import RAW

pytestmark = pytest.mark.django_db

TABLE = re.compile(r'(?:FROM|JOIN)\s+"([a-z0-9_]+)"', re.IGNORECASE)


def labels_read(compute: Callable[[], Any]) -> set[str]:
    """The models (``app.model``) whose tables ``compute`` reads; a history table counts as
    its model's (``data_state`` follows the newest history entry)."""
    of_table: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        base = getattr(model, "instance_type", None) or model  # simple-history's models
        of_table[model._meta.db_table] = base._meta.label_lower
    with CaptureQueriesContext(connection) as queries:
        compute()
    return {
        of_table[table]
        for query in queries.captured_queries
        for table in TABLE.findall(query["sql"])
        if table in of_table
    }


@pytest.mark.parametrize("slug", sorted(RAW))
def test_a_report_reads_only_the_sources_its_runs_are_fingerprinted_by(demo, slug):  # type: ignore[no-untyped-def]
    report = engine.get(slug)
    params = report.clean(RAW[slug])
    read = labels_read(lambda: report.compute(params))
    missing = sorted(read - {label.lower() for label in report.sources})
    assert not missing, f"{slug}: {missing}"


def test_the_matrix_and_the_overlaps_read_only_the_activity_figures_sources(demo):  # type: ignore[no-untyped-def]
    declared = {label.lower() for label in activity_figure_sources()}
    for kept_figures in (
        lambda: who_what_where_kept(filters=ActivityFilters()),
        lambda: who_what_where_kept(filters=ActivityFilters(recipient="EGY"), axis="kind"),
        lambda: overlaps_kept(today=date(2026, 6, 1)),
    ):
        figures.clear()
        assert sorted(labels_read(kept_figures) - declared) == []


@pytest.mark.parametrize("who", ["secretariat", "focal_egypt", "delegate", None])
def test_the_coverage_overview_reads_only_its_sources_for_everyone(demo, who, request):  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(who) if who else AnonymousUser()
    figures.clear()
    read = labels_read(lambda: overview(user=user, today=date(2026, 6, 1)))
    assert sorted(read - {label.lower() for label in overview_sources()}) == []


def test_refreshed_need_scores_are_a_new_state_of_the_data_for_the_reports_reading_them(demo):  # type: ignore[no-untyped-def]
    # The score table is machine state rewritten in place (same keys, same count, no history):
    # only the time each write stamps tells that its rows changed.
    need_scores_refresh(full=True)
    params = engine.get("effectiveness").clean(RAW["effectiveness"])
    before = run_fingerprint("effectiveness", params)
    assert run_fingerprint("effectiveness", params) == before
    refreshed = need_scores_refresh(full=True)
    assert refreshed.written > 0
    assert run_fingerprint("effectiveness", params) != before


def test_an_article_retitled_in_place_is_a_new_state_of_the_data(demo):  # type: ignore[no-untyped-def]
    # Loading the reference data changes articles in place, without history.
    params = engine.get("analytical").clean(RAW["analytical"])
    before = run_fingerprint("analytical", params)
    article = Article.objects.get(instrument__code="untoc", number=5)
    article.title_en = "Criminalization of participation in an organized criminal group (new)"
    article.save()
    assert run_fingerprint("analytical", params) != before
