"""An activity's instruments are kept in its history, whoever writes them: a change by hand is
one entry with who and why, an IATI import keeps them with each version it writes (in bulk, no
query per activity), and the versions from before the list was kept hold today's list."""

from __future__ import annotations

import html
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from simple_history.models import HistoricalRecords

from infobase.accounts.models import User
from infobase.activities.iati_import import iati_import
from infobase.activities.iati_import.relevance import RelevanceFilter
from infobase.activities.models import Activity
from infobase.activities.services import activity_save
from infobase.core.history import history_of
from infobase.reference.models import AssistanceKind, Instrument, Organization
from tests.activities.test_iati_import import activity_xml, iati_file
from tests.activities.test_screens import art, record
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# The rows of the instruments kept with each version.
KEPT = HistoricalRecords.m2m_models[Activity._meta.get_field("instruments")]


def instrument(code: str) -> Instrument:
    return Instrument.objects.get(code=code)


def unodc() -> Organization:
    return Organization.objects.get(code="unodc")


def kept_instruments(activity: Activity) -> list[list[str]]:
    """The instruments each version of the activity holds, newest first."""
    return [
        sorted(row.instrument.code for row in version.instruments.all())
        for version in activity.history.all()  # type: ignore[attr-defined]
    ]


def changed_by_hand(user: User, activity: Activity, instruments: list[Instrument]) -> None:
    activity_save(
        user=user,
        instance=activity,
        data={},
        recipients=[r.state for r in activity.recipients.all()],
        sectors=[("15130", None)],
        themes=[],
        participants=[("4", None, "Implementing partner")],
        instruments=instruments,
        reason="Scope widened",
    )


def test_an_activitys_instruments_change_in_one_entry_with_who_and_why(
    secretariat: User,
) -> None:
    made = record(secretariat, themes=[(art(18), "training")], provider=unodc())  # UNTOC art.
    changed_by_hand(secretariat, made, [instrument("tip")])
    change, created = history_of(made)  # one entry a save, not one per list write
    assert created.kind == "+"
    assert (change.kind, change.who, change.reason) == ("~", "alice", "Scope widened")
    tip, untoc = instrument("tip"), instrument("untoc")
    # Its themes went with the change (kept with each version too, ``test_history_parts``).
    training = AssistanceKind.TRAINING.label
    assert [(c.field, c.summary) for c in change.changes] == [
        ("instruments", f"added {tip}; removed {untoc}"),
        ("Themes", f"removed UNTOC 18 · {training}"),
    ]
    page = client_for(secretariat).get(
        reverse("history", args=["activities.activity", made.pk]), HTTP_ACCEPT_LANGUAGE="ar"
    )
    with translation.override("ar"):
        words = f"إضافة: {tip}؛ إزالة: {untoc}"
        assert str(untoc) != untoc.short_name_en  # named in Arabic
    assert words in html.unescape(page.content.decode())


def test_an_imported_activity_keeps_its_instruments_with_each_version(shared: object) -> None:
    def imported(title: str, updated: str) -> None:
        data = iati_file(activity_xml("XX-TEST-1-H", updated=updated, title=title))
        iati_import(files=[("h.xml", io.BytesIO(data))], relevance=RelevanceFilter())

    imported("Fight against organized crime", "2024-01-01T00:00:00Z")
    activity = Activity.objects.get(iati_identifier="XX-TEST-1-H")
    assert kept_instruments(activity) == [["untoc"]]
    imported("Organized crime and human trafficking", "2024-06-01T00:00:00Z")
    assert kept_instruments(activity) == [["tip", "untoc"], ["untoc"]]
    update = history_of(activity)[0]
    assert ("instruments", f"added {instrument('tip')}") in [
        (c.field, c.summary) for c in update.changes
    ]
    # Back in its publisher's file: a version of the activity, its list unchanged.
    Activity.objects.filter(pk=activity.pk).update(missing_from_source=True)
    imported("Organized crime and human trafficking", "2024-06-01T00:00:00Z")
    assert kept_instruments(activity)[0] == ["tip", "untoc"]
    assert "instruments" not in [c.field for c in history_of(activity)[0].changes]


def test_an_import_keeps_the_instruments_without_a_query_per_activity() -> None:
    def queries(first: int, count: int) -> int:
        data = iati_file(
            *(
                activity_xml(f"XX-TEST-1-Q{first + n}", title="Human trafficking")
                for n in range(count)
            )
        )
        with CaptureQueriesContext(connection) as captured:
            iati_import(files=[("q.xml", io.BytesIO(data))], relevance=RelevanceFilter())
        return len(captured)

    queries(0, 1)  # what is read once per process
    assert queries(100, 2) == queries(200, 12)
    twelve = Activity.objects.filter(iati_identifier__startswith="XX-TEST-1-Q2")
    assert KEPT.objects.filter(activity__in=twelve).count() == 12


def test_versions_from_before_the_list_was_kept_hold_todays_instruments(
    secretariat: User,
) -> None:
    made = record(secretariat, themes=[(art(18), "training")], provider=unodc())
    made.title = {"en": "Renamed"}
    made.save()
    # As before the migration: versions without their list.
    KEPT.objects.all().delete()
    migration = importlib.import_module(
        "infobase.activities.migrations.0011_instruments_in_history"
    )
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.keep_current_instruments(apps, editor)
    assert kept_instruments(made) == [["untoc"], ["untoc"]]
    assert all(c.field != "instruments" for entry in history_of(made) for c in entry.changes)
    # The next change shows only itself.
    changed_by_hand(secretariat, made, [instrument("untoc"), instrument("som")])
    assert [c.summary for c in history_of(made)[0].changes if c.field == "instruments"] == [
        f"added {instrument('som')}"
    ]
