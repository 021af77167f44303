"""Suggested links after no change: the rerun computes nothing and returns what computing
would; any change to what the suggestions rest on makes it compute again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from infobase.accounts.models import User
from infobase.activities.coverage.links import link_decide
from infobase.activities.coverage.suggestions import SUGGEST_STATE, suggest_links
from infobase.activities.models import Activity, LinkStatus, NeedLink, Recipient, Sector, Theme
from infobase.needs.models import DerivationState, Need, NeedStatus
from infobase.reference.models import State
from tests.activities.test_coverage import TODAY, activity, need, world  # noqa: F401
from tests.needs.test_derivation import art

pytestmark = pytest.mark.django_db


def stored_links() -> dict[tuple[int, int], tuple[str, Any, Any]]:
    return {
        (link.need_id, link.activity_id): (link.status, link.confidence, link.reasons)
        for link in NeedLink.objects.all()
    }


def computed(today: date = TODAY) -> tuple[dict[str, Any], dict[Any, Any]]:
    """What a run that computes everything gives (its figures and links), rolled back."""
    with transaction.atomic():
        DerivationState.objects.filter(name=SUGGEST_STATE).delete()
        result = suggest_links(today=today)
        assert not result.skipped
        seen = ({**asdict(result), "skipped": None}, stored_links())
        transaction.set_rollback(True)
    return seen


def test_a_rerun_without_changes_computes_nothing_and_gives_the_same_figures(
    world: dict[str, Any],  # noqa: F811
) -> None:
    first = suggest_links(today=TODAY)
    assert not first.skipped and first.created >= 3
    expected = computed()
    with CaptureQueriesContext(connection) as captured:
        again = suggest_links(today=TODAY)
    assert again.skipped
    assert ({**asdict(again), "skipped": None}, stored_links()) == expected
    assert not [q for q in captured.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]


def _changes(w: dict[str, Any], secretariat: User) -> list[Callable[[], None]]:
    egy = State.objects.get(iso3="EGY")

    def retitle() -> None:  # in bulk: no history, no signal
        Activity.objects.filter(pk=w["arabic"].pk).update(title={"en": "Unrelated"})

    def add_recipient() -> None:
        Recipient.objects.create(activity=w["mexico"], state=egy)

    def drop_theme() -> None:
        Theme.objects.filter(activity=w["direct"]).delete()

    def new_sector() -> None:
        Sector.objects.create(activity=w["arabic"], vocabulary="1", code="24010")

    def new_need() -> None:
        need("EGY", 7, "legislative")

    def close_need() -> None:
        Need.objects.filter(pk=w["egy_ml"].pk).update(status=NeedStatus.MET)

    def reject_link() -> None:
        link = NeedLink.objects.filter(status=LinkStatus.SUGGESTED).order_by("pk").first()
        assert link is not None
        link_decide(user=secretariat, link=link, accept=False)

    def drop_link() -> None:
        NeedLink.objects.filter(status=LinkStatus.SUGGESTED).order_by("pk").first().delete()  # type: ignore[union-attr]

    def new_activity() -> None:
        activity("XM-9", states=("SEN",), themes=((6, "legislative"),))

    def retheme() -> None:
        Theme.objects.filter(activity=w["regional"]).update(article=art(7))

    return [
        retitle,
        add_recipient,
        drop_theme,
        new_sector,
        new_need,
        close_need,
        reject_link,
        drop_link,
        new_activity,
        retheme,
    ]


@pytest.mark.parametrize("change", range(10))
def test_any_change_makes_the_rerun_compute_what_a_full_run_would(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    change: int,
) -> None:
    suggest_links(today=TODAY)
    _changes(world, secretariat)[change]()
    expected = computed()
    result = suggest_links(today=TODAY)
    assert not result.skipped
    assert ({**asdict(result), "skipped": None}, stored_links()) == expected
    assert suggest_links(today=TODAY).skipped


def test_a_later_day_ends_activities_and_computes_again(
    world: dict[str, Any],  # noqa: F811
) -> None:
    suggest_links(today=TODAY)
    later = date(2028, 1, 1)  # every activity of the world has ended
    expected = computed(later)
    result = suggest_links(today=later)
    assert not result.skipped and result.removed >= 1
    assert ({**asdict(result), "skipped": None}, stored_links()) == expected


def test_a_narrowed_run_is_never_skipped(world: dict[str, Any]) -> None:  # noqa: F811
    suggest_links(today=TODAY)
    result = suggest_links(needs=Need.objects.filter(pk=world["egy_ml"].pk), today=TODAY)
    assert not result.skipped and result.unchanged >= 1
