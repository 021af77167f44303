"""The register reads the stored score table: the stored scores are the live ones after every
kind of input change (derivation, coverage link decision, programme and weight edits, decisions
on needs), needs not yet scored are scored when first read, and the page, the API and the
exports show the same numbers, with the table's as-of time."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from infobase.activities.coverage.links import link_decide
from infobase.activities.models import Activity, ActivitySource, LinkStatus, NeedLink, ProviderKind
from infobase.needs import score_table as score_table_module
from infobase.needs.derivation import needs_derive
from infobase.needs.jobs import needs_derive_request
from infobase.needs.models import Need, NeedScore, NeedStatus, PriorityTheme, ScoringWeights
from infobase.needs.score_table import (
    SCORES_LOCK,
    need_scores_fill,
    need_scores_refresh,
    score_table,
)
from infobase.needs.scoring import ranked_register, scored_register
from infobase.needs.selectors import scored_needs
from tests.api.conftest import token_client
from tests.conftest import client_for, exported
from tests.core.test_jobs_locks import held_elsewhere
from tests.needs.test_derivation import answers

pytestmark = pytest.mark.django_db


def assert_stored_scores_are_live() -> None:
    """Every need's stored row holds the score and facts a live computation gives now."""
    live = {s.need_id: s for s in scored_register(needs_qs=Need.objects.all())}
    stored = dict(NeedScore.objects.values_list("need_id", "total"))
    assert stored == {pk: s.total for pk, s in live.items()}
    scored, _table = scored_needs(needs_qs=Need.objects.all())
    assert len(scored) == len(live)
    for s in scored:
        assert s.facts == live[s.need_id].facts
        assert s.explanation == live[s.need_id].explanation  # the same terms and texts


def test_the_derivation_job_stores_every_needs_live_score(world: None) -> None:
    assert NeedScore.objects.count() == Need.objects.count() >= 8
    assert_stored_scores_are_live()
    table = score_table()
    assert table.as_of is not None and table.weights.session  # the demo programme's weights


def test_a_new_derivation_rescores_the_needs_it_moves(world: None, secretariat: Any) -> None:
    # Mexico's new need on article 5 widens its breadth for every State that has it.
    egypt = Need.objects.get(state__iso3="EGY", article__number=5, kind="legislative")
    assert NeedScore.objects.get(need=egypt).breadth_overall == 4
    answers("MEX", [(5, "legislative")], cycle=2, priority="high")
    needs_derive_request(user=secretariat)
    assert_stored_scores_are_live()
    assert NeedScore.objects.get(need=egypt).breadth_overall == 5
    assert NeedScore.objects.filter(need__state__iso3="MEX", need__article__number=5).exists()


def test_a_coverage_link_decision_rescores_its_need(
    world: None, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> None:
    need = Need.objects.get(state__iso3="NGA", article__number=18)
    activity = Activity.objects.create(
        iati_identifier="XM-SCORES-1",
        source=ActivitySource.MANUAL,
        provider_kind=ProviderKind.INTERNATIONAL,
        title={"en": "Mutual legal assistance training"},
    )
    link = NeedLink.objects.create(need=need, activity=activity, status=LinkStatus.SUGGESTED)
    before = NeedScore.objects.get(need=need)
    with django_capture_on_commit_callbacks(execute=True):
        link_decide(user=secretariat, link=link, accept=True, share=Decimal("0.5"))
    after = NeedScore.objects.get(need=need)
    assert after.coverage == Decimal("0.5") and after.total < before.total
    assert_stored_scores_are_live()


def test_programme_and_weight_edits_rescore_every_need(
    world: None, django_capture_on_commit_callbacks: Any
) -> None:
    before = dict(NeedScore.objects.values_list("need_id", "total"))
    weights = ScoringWeights.objects.get(is_active=True)
    with django_capture_on_commit_callbacks(execute=True):
        weights.severity, weights.urgency = Decimal("5"), Decimal("0")
        weights.save()
    assert_stored_scores_are_live()
    assert score_table().weights.severity == Decimal("5")
    theme = PriorityTheme.objects.order_by("-weight", "pk").first()
    assert theme is not None
    with django_capture_on_commit_callbacks(execute=True):
        theme.weight = Decimal("0.5")
        theme.save()
    assert_stored_scores_are_live()
    assert dict(NeedScore.objects.values_list("need_id", "total")) != before


def test_a_decision_shows_at_once_and_moves_the_scores_it_changes(
    world: None, secretariat: Any
) -> None:
    client = client_for(secretariat)
    france = Need.objects.get(state__iso3="FRA")
    egypt = Need.objects.get(state__iso3="EGY", article__number=5)
    response = client.post(
        reverse("need_register_decide"),
        {"need": [france.pk], "action": "pin", "reason": "Chosen by the working group"},
    )
    assert response.status_code == 302
    rows = client.get(reverse("need_register")).context["rows"]
    assert rows[0].need.pk == france.pk and rows[0].scored.position == 1
    assert NeedScore.objects.get(need=france).pinned
    assert NeedScore.objects.get(need=egypt).breadth_overall == 4
    # Closing Nigeria's need narrows the breadth of article 5 for the States that keep it.
    nigeria = Need.objects.get(state__iso3="NGA", article__number=5)
    client.post(
        reverse("need_register_decide"),
        {"need": [nigeria.pk], "action": "met", "reason": "Met"},
    )
    assert NeedScore.objects.get(need=egypt).breadth_overall == 3
    assert_stored_scores_are_live()


def test_needs_without_a_stored_score_are_scored_when_first_read(
    world: None, secretariat: Any
) -> None:
    # A derivation run outside the job (no refresh): its new needs have no row yet.
    answers("BRA", [(5, "legislative"), (20, "technology")], priority="high")
    needs_derive()
    brazil = set(Need.objects.filter(state__iso3="BRA").values_list("pk", flat=True))
    assert brazil and not NeedScore.objects.filter(need__in=brazil).exists()
    page = client_for(secretariat).get(reverse("need_register"))
    shown = {row.need.pk: row.scored for row in page.context["rows"]}
    assert brazil <= shown.keys()
    live = {r.need_id: r for r in ranked_register(needs_qs=Need.objects.filter(status="open"))}
    for pk in brazil:
        assert shown[pk].total == live[pk].total
    # The page's order and places are the live ranking's.
    ranked = [r.need_id for r in live.values() if r.position is not None]
    assert [row.need.pk for row in page.context["rows"]] == ranked
    assert [row.scored.position for row in page.context["rows"]] == list(range(1, len(ranked) + 1))
    assert_stored_scores_are_live()


def test_readers_filling_missing_scores_take_turns_on_the_tables_lock(
    world: None, secretariat: Any
) -> None:
    """Two pages meeting the same unscored needs at once must not both write their rows (the
    second insert would fail): filling takes the refresh's lock and looks again once held."""
    answers("BRA", [(5, "legislative")], priority="high")
    needs_derive()
    brazil = Need.objects.filter(state__iso3="BRA")
    assert not NeedScore.objects.filter(need__in=brazil).exists()
    with held_elsewhere(SCORES_LOCK):  # a refresh (or another reader's fill) is running
        assert need_scores_fill(needs_qs=brazil, wait=0) == 1  # one still without a row
        assert not NeedScore.objects.filter(need__in=brazil).exists()  # left to the holder
    assert need_scores_fill(needs_qs=brazil, wait=0) == 0
    assert NeedScore.objects.filter(need__in=brazil).count() == 1
    assert need_scores_fill(needs_qs=brazil, wait=0) == 0  # nothing missing: nothing written
    assert NeedScore.objects.filter(need__in=brazil).count() == 1
    assert_stored_scores_are_live()


def test_the_register_says_which_needs_wait_for_a_refresh_and_its_export_waits_too(
    world: None, secretariat: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a refresh holds the table's lock, needs without a stored score cannot be placed:
    the page says how many it does not show yet, and the export refuses rather than hand out a
    register that silently lacks them."""
    monkeypatch.setattr(score_table_module, "FILL_WAIT", 0)
    answers("BRA", [(5, "legislative"), (6, "training")], priority="high")
    needs_derive()
    client = client_for(secretariat)
    with held_elsewhere(SCORES_LOCK):
        page = client.get(reverse("need_register"))
        assert page.context["scores_pending"] == 2
        assert "scores-pending" in page.content.decode()
        assert not any(row.need.state.iso3 == "BRA" for row in page.context["rows"])
        # The file is refused, not made without them: its job's page says why.
        export = exported(client, reverse("need_export", args=["csv"]))
        assert "Try again in a minute" in export.content.decode()
        assert "scores are being refreshed" in export.content.decode()
    page = client.get(reverse("need_register"))
    assert page.context["scores_pending"] == 0
    assert "scores-pending" not in page.content.decode()
    assert sum(row.need.state.iso3 == "BRA" for row in page.context["rows"]) == 2
    assert exported(client, reverse("need_export", args=["csv"])).status_code == 200


def test_the_page_the_api_and_the_exports_show_the_same_scores(
    world: None, secretariat: Any
) -> None:
    client = client_for(secretariat)
    page = client.get(reverse("need_register"))
    on_page = {row.need.pk: row.scored.total for row in page.context["rows"]}
    assert len(on_page) >= 7
    html = re.sub(r"\s+", " ", page.content.decode())
    assert 'id="scores-as-of"' in html and "Scores as of " in html
    api = token_client(secretariat).get("/api/v1/needs/").json()["results"]
    assert {n["id"]: Decimal(n["score"]) for n in api} == on_page
    rows = list(
        csv.reader(
            io.StringIO(
                exported(client, reverse("need_export", args=["csv"])).content.decode("utf-8-sig")
            )
        )
    )
    score = rows[0].index("Score")
    in_file = [Decimal(r[score]) for r in rows[1:]]
    assert in_file == list(on_page.values())  # same order too
    detail = client.get(reverse("need_detail", args=[next(iter(on_page))]))
    assert detail.context["scored"].total == next(iter(on_page.values()))
    assert detail.context["scored"].position == 1
    # Each term's value as a reader reads it: a coverage of nothing is "0", not 0.000000.
    coverage = detail.context["scored"].explanation.term("coverage")
    assert coverage.raw == 0 and coverage.shown == "0"
    terms = re.sub(r"\s+", " ", detail.content.decode())
    assert "<td>0</td>" in terms and "0.000000" not in terms


def test_a_stored_score_is_the_same_for_every_reader_and_ranks_among_what_each_sees(
    world: None, secretariat: Any, delegate: Any
) -> None:
    kenya = Need.objects.get(state__iso3="KEN")
    visible = [
        r.need_id
        for r in ranked_register(
            needs_qs=Need.objects.filter(status=NeedStatus.OPEN).exclude(pk=kenya.pk)
        )
    ]
    for user in (secretariat, delegate):
        rows = client_for(user).get(reverse("need_register")).context["rows"]
        totals = {row.need.pk: row.scored.total for row in rows}
        assert totals.items() >= {
            (pk, t) for pk, t in NeedScore.objects.values_list("need_id", "total") if pk in totals
        }
        order = [row.need.pk for row in rows]
        if user is delegate:
            assert order == visible  # Kenya's confidential need is not shown nor counted
        for place, pk in enumerate(order, start=1):
            page = client_for(user).get(reverse("need_detail", args=[pk]))
            assert page.context["scored"].position == place
            assert page.context["in_register"] == len(order)


def test_a_refresh_without_changes_writes_nothing(world: None) -> None:
    stamps = dict(NeedScore.objects.values_list("need_id", "computed_at"))
    result = need_scores_refresh()
    assert (result.mode, result.written) == ("scan", 0)
    assert result.unchanged == len(stamps)
    scoped = need_scores_refresh(need_ids=list(stamps)[:1])
    assert scoped.mode == "scoped" and scoped.written == 0
    assert dict(NeedScore.objects.values_list("need_id", "computed_at")) == stamps


def test_the_api_scores_needs_not_yet_stored_live_without_writing(
    world: None, secretariat: Any
) -> None:
    answers("BRA", [(5, "legislative")], priority="high")
    needs_derive()  # outside the job: Brazil's need has no stored row
    brazil = Need.objects.get(state__iso3="BRA")
    api = token_client(secretariat).get("/api/v1/needs/?state=BRA").json()["results"]
    table = score_table()
    live = ranked_register(
        needs_qs=Need.objects.filter(pk=brazil.pk),
        weights=table.weights,
        themes=table.themes,
        today=table.today,
    )
    assert [(n["id"], Decimal(n["score"])) for n in api] == [(brazil.pk, live[0].total)]
    assert not NeedScore.objects.filter(need=brazil).exists()


def test_a_reader_leaves_many_missing_scores_to_one_background_refresh(
    world: None, secretariat: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """More needs without a score than a reader scores itself (a derivation run outside the
    job at world scale leaves tens of thousands): the page shows what is stored, says how many
    it does not show, and one refresh of every need is queued, however many pages ask."""
    from infobase.core.models import Job
    from infobase.needs.jobs import SCORES_JOB

    monkeypatch.setattr(score_table_module, "FILL_LIMIT", 1)
    answers("BRA", [(5, "legislative"), (6, "training")], priority="high")
    needs_derive()  # outside the job: no refresh queued
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_for(secretariat)
    for _ in range(2):
        page = client.get(reverse("need_register"))
        assert page.context["scores_pending"] == 2
        assert not any(row.need.state.iso3 == "BRA" for row in page.context["rows"])
    assert Job.objects.filter(kind=SCORES_JOB).exclude(status="done").count() == 1
    assert NeedScore.objects.filter(need__state__iso3="BRA").count() == 0


def test_a_scoped_refresh_of_needs_of_many_articles_and_kinds_is_one_query_test_per_kind(
    world: None,
) -> None:
    """The needs a scoped refresh reads: those named and those of their (article, kind). A
    test per pair made an expression SQLite refuses past 1,000 levels."""
    from infobase.reference.models import Article, State

    egypt = State.objects.get(iso3="EGY")
    from infobase.reference.models import AssistanceKind

    pairs = [(a, k) for a in Article.objects.all() for k in AssistanceKind.values]
    assert len(pairs) > 900  # every article of the four instruments, every kind
    existing = set(Need.objects.filter(state=egypt).values_list("article_id", "kind"))
    Need.objects.bulk_create(
        Need(state=egypt, article=a, kind=k, first_seen="2024-01-01")
        for a, k in pairs
        if (a.pk, k) not in existing
    )
    need_scores_refresh()
    ids = list(Need.objects.filter(state=egypt).values_list("pk", flat=True))
    result = need_scores_refresh(need_ids=ids)
    assert result.mode in ("scoped", "scan")
    assert NeedScore.objects.count() == Need.objects.count()
    assert_stored_scores_are_live()


def test_pages_weighing_needs_read_the_registers_scores_on_its_day_and_live_on_another(
    world: None,
) -> None:
    from datetime import timedelta

    from infobase.needs.selectors import priority_totals

    table = score_table()
    assert table.today is not None
    needs = Need.objects.filter(status=NeedStatus.OPEN)
    live_then = {s.need_id: s.total for s in ranked_register(needs_qs=needs, today=table.today)}
    assert priority_totals(needs_qs=needs, on=table.today) == live_then
    # On the table's day the stored rows are read (a stored total moved by hand shows) and a
    # need without a row is scored live.
    egypt = Need.objects.get(state__iso3="EGY", article__number=5, kind="legislative")
    NeedScore.objects.filter(need=egypt).update(total=Decimal("99.000"))
    nigeria = Need.objects.get(state__iso3="NGA", article__number=5)
    NeedScore.objects.filter(need=nigeria).delete()
    on_the_day = priority_totals(needs_qs=needs, on=table.today)
    assert on_the_day[egypt.pk] == Decimal("99.000")
    assert on_the_day[nigeria.pk] == live_then[nigeria.pk]
    assert set(on_the_day) == set(live_then)
    # Any other day is scored live as on that day (ages move).
    later = table.today + timedelta(days=400)
    live_later = {s.need_id: s.total for s in ranked_register(needs_qs=needs, today=later)}
    assert priority_totals(needs_qs=needs, on=later) == live_later
    assert live_later != live_then
