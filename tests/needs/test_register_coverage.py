"""The register answers the working group's questions: coverage status column and filter,
free-text search, filters kept in the address, drill-down links from the heat tables and the
gap tables, bulk decisions, labelled articles and severities, a constant number of queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from infobase.activities.models import Activity, ActivitySource, LinkStatus, NeedLink, ProviderKind
from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need, NeedStatus
from infobase.questionnaires.models import ArticleImplementation, ImplementationStatus
from infobase.reference.models import Article, Priority, State
from tests.conftest import client_for
from tests.needs.test_derivation import TODAY, answers

pytestmark = pytest.mark.django_db

FIRST_SEEN = date(2026, 1, 1)


def article(number: int) -> Article:
    return Article.objects.get(instrument__code="untoc", number=number)


def make_need(iso3: str, number: int, kind: str = "legislative") -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=article(number),
        kind=kind,
        first_seen=FIRST_SEEN,
    )


def cover(need: Need, share: str) -> None:
    activity = Activity.objects.create(
        iati_identifier=f"XM-COVER-{need.pk}",
        source=ActivitySource.MANUAL,
        provider_kind=ProviderKind.INTERNATIONAL,
        title={"en": "Mutual legal assistance training"},
    )
    NeedLink.objects.create(
        need=need, activity=activity, status=LinkStatus.ACCEPTED, share=Decimal(share)
    )


@pytest.fixture
def article18() -> dict[str, Need]:
    """Needs on UNTOC article 18 in Africa (uncovered, partly, covered) and elsewhere."""
    needs = {
        "egypt": make_need("EGY", 18),
        "nigeria": make_need("NGA", 18),
        "kenya": make_need("KEN", 18, "training"),
        "senegal_art5": make_need("SEN", 5),
        "france": make_need("FRA", 18),
    }
    cover(needs["nigeria"], "0.5")
    cover(needs["kenya"], "1")
    return needs


def register(user: Any, **params: Any) -> Any:
    response = client_for(user).get(reverse("need_register"), params)
    assert response.status_code == 200
    return response


def shown(response: Any) -> set[str]:
    return {need.state.iso3 for _s, need in response.context["rows"]}


def test_uncovered_needs_for_article_18_in_africa_are_the_answer(article18, secretariat):
    answer = register(
        secretariat,
        article=article(18).pk,
        regional_group="african",
        coverage="uncovered",
    )
    assert shown(answer) == {"EGY"}
    html = answer.content.decode()
    assert f'data-need="{article18["egypt"].pk}" data-coverage="uncovered"' in html


def test_each_row_shows_its_coverage_status_and_the_filter_narrows_to_it(article18, secretariat):
    page = register(secretariat, article=article(18).pk)
    statuses = {need.state.iso3: row.coverage for row in page.context["rows"] for need in [row[1]]}
    assert statuses == {"EGY": "uncovered", "NGA": "partly", "KEN": "covered", "FRA": "uncovered"}
    assert "Partly covered" in page.content.decode()
    assert shown(register(secretariat, coverage="partly")) == {"NGA"}
    assert shown(register(secretariat, coverage="covered")) == {"KEN"}
    counts = {s: n for s, _label, n, _link in page.context["coverage_links"]}
    assert counts == {"uncovered": 2, "partly": 1, "covered": 1}


def test_three_clicks_from_the_register_to_the_answer(article18, secretariat):
    """Register (1) → "Where the uncovered needs are" (2) → the cell Article 18 × African
    States (3): the uncovered needs for Article 18 in Africa."""
    client = client_for(secretariat)
    page = client.get(reverse("need_register")).content.decode()
    link = re.search(r'<a href="([^"]+)" id="register-uncovered-heat-link"', page)
    assert link, "the register has no link to the heat tables of uncovered needs"
    heat = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    cell = re.search(rf'<a href="([^"]+)" data-heat-cell="article:{article(18).pk}:african"', heat)
    assert cell, "the heat-table cell is no link"
    answer = client.get(cell.group(1).replace("&amp;", "&"))
    assert shown(answer) == {"EGY"}


def test_the_free_text_search_finds_needs_by_state_and_article(article18, secretariat):
    assert shown(register(secretariat, q="Nigeria")) == {"NGA"}
    assert shown(register(secretariat, q="nigéria 18")) == {"NGA"}
    assert shown(register(secretariat, q="مصر")) == {"EGY"}
    assert shown(register(secretariat, q="mutual legal assistance africa-nowhere")) == set()
    assert "SEN" in shown(register(secretariat, q="Sénégal"))


def test_filters_live_in_the_address_and_survive_paging_and_exports(secretariat):
    egypt = State.objects.get(iso3="EGY")
    for number in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 24, 25, 26, 29):
        for kind in ("legislative", "training", "institution_building", "onsite_expert"):
            Need.objects.create(
                state=egypt, article=article(number), kind=kind, first_seen=FIRST_SEEN
            )
    page = register(secretariat, q="egypt", coverage="uncovered")
    html = page.content.decode()
    assert page.context["page"].has_next()
    assert "?q=egypt&amp;coverage=uncovered&amp;page=2" in html
    assert 'action="/needs/export.xlsx?q=egypt&amp;coverage=uncovered"' in html
    form = page.context["form"]
    assert form["q"].value() == "egypt" and form["coverage"].value() == "uncovered"


def test_article_options_are_labelled_and_grouped_by_instrument(secretariat):
    page = register(secretariat)
    choices = page.context["form"].fields["article"].choices
    groups = {label: options for label, options in choices[1:]}
    assert len(groups) >= 4  # the Convention and its three Protocols
    labels = {label for options in groups.values() for _pk, label in options}
    assert "Art. 18 — Mutual legal assistance" in labels
    html = page.content.decode()
    assert '<optgroup label="' in html
    assert "Art. 18 — Mutual legal assistance</option>" in html


def test_heat_and_gap_rows_link_to_the_filtered_register(article18, secretariat):
    client = client_for(secretariat)
    heat = client.get(reverse("need_heat")).content.decode()
    assert f"/needs/?article={article(18).pk}&amp;regional_group=african" in heat
    assert "/needs/?kind=legislative&amp;regional_group=weog" in heat
    coverage = client.get(reverse("coverage_overview")).content.decode()
    assert "/needs/?regional_group=african&amp;coverage=uncovered" in coverage
    assert f"/needs/?article={article(18).pk}&amp;coverage=partly" in coverage
    followed = client.get(reverse("need_register"), {"kind": "training", "coverage": "covered"})
    assert shown(followed) == {"KEN"}


def test_bulk_decision_closes_the_selected_needs_with_the_reason_in_history(article18, secretariat):
    chosen = [article18["egypt"], article18["france"]]
    response = client_for(secretariat).post(
        reverse("need_register_decide"),
        {
            "need": [n.pk for n in chosen],
            "action": "met",
            "reason": "Met by the 2026 regional programme",
            "next": "coverage=uncovered",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/needs/?coverage=uncovered"
    for need in chosen:
        need.refresh_from_db()
        assert need.status == NeedStatus.MET
        assert need.history.first().history_change_reason == "Met by the 2026 regional programme"
    article18["nigeria"].refresh_from_db()
    assert article18["nigeria"].status == NeedStatus.OPEN


def test_a_bulk_decision_without_reason_or_on_a_wrong_need_changes_nothing(article18, secretariat):
    client = client_for(secretariat)
    egypt, nigeria = article18["egypt"], article18["nigeria"]
    client.post(reverse("need_register_decide"), {"need": [egypt.pk], "action": "met"})
    egypt.refresh_from_db()
    assert egypt.status == NeedStatus.OPEN
    Need.objects.filter(pk=nigeria.pk).update(status=NeedStatus.MET)
    response = client.post(
        reverse("need_register_decide"),
        {"need": [egypt.pk, nigeria.pk], "action": "met", "reason": "done"},
        follow=True,
    )
    egypt.refresh_from_db()
    assert egypt.status == NeedStatus.OPEN  # all or nothing
    assert "already has this status" in response.content.decode()


def test_only_those_who_may_decide_see_and_use_the_bulk_decision(article18, donor, delegate):
    page = register(donor)
    assert 'id="register-bulk"' not in page.content.decode()
    response = client_for(donor).post(
        reverse("need_register_decide"),
        {"need": [article18["egypt"].pk], "action": "pin", "reason": "x"},
    )
    assert response.status_code == 403
    # The working group's chair ranks (pins) but does not close needs.
    chair = client_for(delegate)
    assert 'id="register-bulk"' in register(delegate).content.decode()
    refused = chair.post(
        reverse("need_register_decide"),
        {"need": [article18["egypt"].pk], "action": "met", "reason": "x"},
    )
    assert refused.status_code == 403
    article18["egypt"].refresh_from_db()
    assert article18["egypt"].status == NeedStatus.OPEN and not article18["egypt"].pinned


def _queries(user: Any, **params: Any) -> int:
    client = client_for(user)
    client.get(reverse("need_register"), params)  # warm the session and caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("need_register"), params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_register_runs_as_many_queries_for_many_needs_as_for_few(secretariat):
    states = list(State.objects.order_by("iso3")[:40])
    articles = list(Article.objects.filter(instrument__code="untoc").order_by("number")[:10])
    Need.objects.create(
        state=states[0], article=articles[0], kind="training", first_seen=FIRST_SEEN
    )
    few = _queries(secretariat, coverage="uncovered", q="a")
    few_plain = _queries(secretariat)
    Need.objects.bulk_create(
        Need(state=s, article=a, kind="legislative", first_seen=FIRST_SEEN)
        for s in states
        for a in articles
    )
    assert Need.objects.count() > 400
    assert _queries(secretariat, coverage="uncovered", q="a") == few
    assert _queries(secretariat) == few_plain


def test_severity_and_priority_are_labels_and_scores_use_the_locale(secretariat):
    assignment = answers("EGY", [(18, "legislative")], priority="high")
    ArticleImplementation.objects.create(
        assignment=assignment, state=assignment.state, article=article(18), status="partly"
    )
    needs_derive(today=TODAY)
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get(reverse("need_register"), HTTP_ACCEPT_LANGUAGE="ar")
    row = page.context["rows"][0]
    assert row.scored.facts.severity == "partly" and row.scored.facts.urgency == "high"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page.content.decode(), re.S)
    with translation.override("ar"):
        severity = str(ImplementationStatus.PARTLY.label)
        urgency = str(Priority.HIGH.label)
        score = formats.number_format(row.scored.total, 2, use_l10n=True)
    assert severity in cells and urgency in cells
    assert "partly" not in cells and "high" not in cells
    assert score in cells and "," not in score  # 10.50, never «10,500»


def test_the_export_explains_scores_in_the_language_it_is_written_in(secretariat):
    from infobase.core.exporters import render
    from infobase.needs.exports import NeedsRegisterExporter
    from infobase.needs.scoring import explain, ranked_register

    make_need("EGY", 18)
    scored = explain(ranked_register(needs_qs=Need.objects.all()))  # explained in English
    english = render(NeedsRegisterExporter(ranked=scored), fmt="csv", lang="en").content
    french = render(NeedsRegisterExporter(ranked=scored), fmt="csv", lang="fr").content
    en_rows = list(csv.reader(io.StringIO(english.decode("utf-8-sig"))))
    fr_rows = list(csv.reader(io.StringIO(french.decode("utf-8-sig"))))
    assert en_rows[1][-1] != fr_rows[1][-1]  # the explanation follows the export's language
    assert "Coverage by activities" in en_rows[0]
    assert "Uncovered" in en_rows[1]


def test_the_register_file_states_the_definition_of_its_rows(secretariat):
    """One definition of the register's figure, in its file as on its page."""
    import io

    from openpyxl import load_workbook

    from infobase.core.exporters import render
    from infobase.core.i18n import language
    from infobase.needs.exports import NeedsRegisterExporter
    from infobase.needs.scoring import explain, ranked_register
    from infobase.needs.selectors import register_definition

    make_need("EGY", 18)
    scored = explain(ranked_register(needs_qs=Need.objects.all()))
    made = render(NeedsRegisterExporter(ranked=scored), fmt="xlsx", lang="fr")
    about = load_workbook(io.BytesIO(made.content)).worksheets[-1]
    with language("fr"):
        assert about["A1"].value == register_definition()
    assert "confidenti" in about["A1"].value


def test_the_register_page_states_the_same_definition_in_the_readers_language(focal_egypt):
    from django.urls import reverse

    from infobase.core.i18n import language
    from infobase.needs.selectors import register_definition
    from tests.conftest import client_for

    page = client_for(focal_egypt).get(reverse("need_register") + "?lang=ar").content.decode()
    with language("ar"):
        definition = register_definition()
    with language("en"):
        assert definition != register_definition()  # translated
    assert f'<p class="note" id="register-definition">{definition}</p>' in page.replace(
        "&#x27;", "'"
    )


def test_the_heat_tables_state_the_registers_rule_for_confidential_needs(focal_egypt):
    """Requests as well as answers: the words name the rule ``visible_needs_q`` applies."""
    from django.urls import reverse

    from tests.conftest import client_for

    page = client_for(focal_egypt).get(reverse("need_heat") + "?lang=en").content.decode()
    assert "confidential information (answers or requests) is counted only for that State" in (
        page.replace("&#x27;", "'")
    )
