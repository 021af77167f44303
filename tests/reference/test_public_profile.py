"""The public face: a State's profile and an article's page, read by an anonymous visitor,
show participation, public focal institutions, the public implementation status, needs,
activities and published reports — and never a confidential answer."""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone

from infobase.needs.models import Need
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    Questionnaire,
    ReportingCycle,
)
from infobase.reference.models import Article, Instrument, State, StateContact
from infobase.reports.models import Publication, PublicationFile, ReportRun
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def answer(questionnaire: Questionnaire, iso3: str, article: Article, status: str, **kw) -> None:  # type: ignore[no-untyped-def]
    state = State.objects.get(iso3=iso3)
    assignment, _ = Assignment.objects.get_or_create(
        questionnaire=questionnaire,
        state=state,
        defaults={
            "status": "validated",
            "deadline": timezone.localdate(),
            "dispatched_at": timezone.now(),
        },
    )
    ArticleImplementation.objects.create(
        assignment=assignment, state=state, article=article, status=status, **kw
    )


@pytest.fixture
def answers():  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    cycle = ReportingCycle.objects.create(number=1, name="Cycle 1")
    questionnaire = Questionnaire.objects.create(cycle=cycle, code="q1", title={"en": "Q"})
    questionnaire.instruments.add(untoc)
    art5 = Article.objects.get(instrument=untoc, number=5)
    art6 = Article.objects.get(instrument=untoc, number=6)
    answer(questionnaire, "EGY", art5, "partly", explanation="Public explanation")
    answer(questionnaire, "EGY", art6, "no", confidential=True, explanation="SECRET-EXPLANATION-6")
    answer(questionnaire, "SEN", art5, "no", confidential=True, explanation="SECRET-SEN")
    answer(questionnaire, "FRA", art5, "yes")
    return art5, art6


def test_anonymous_visitor_sees_public_status_but_never_a_confidential_answer(answers):  # type: ignore[no-untyped-def]
    art5, art6 = answers
    page = Client().get("/states/EGY/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-article="{art5.pk}" data-status="partly"' in html
    assert "Partly implemented" in html
    assert f'data-article="{art6.pk}" data-status="confidential"' in html
    assert "Not implemented" not in html
    assert "SECRET" not in html


def test_the_states_own_focal_point_also_sees_no_confidential_status_on_the_public_page(  # type: ignore[no-untyped-def]
    answers, focal_egypt
):
    html = client_for(focal_egypt).get("/states/EGY/").content.decode()
    assert "Not implemented" not in html and "SECRET" not in html


def test_profile_shows_party_status_per_instrument():  # type: ignore[no-untyped-def]
    html = Client().get("/states/EGY/").content.decode()
    assert 'data-instrument="untoc" data-status="party"' in html


def test_only_institutions_marked_public_are_named_and_never_the_person(egypt):  # type: ignore[no-untyped-def]
    StateContact.objects.create(
        state=egypt,
        name="Private Person",
        institution="Ministry of Justice",
        email="p@example.org",
        institution_public=True,
    )
    StateContact.objects.create(
        state=egypt, name="Other Person", institution="Hidden Agency", email="o@example.org"
    )
    html = Client().get("/states/EGY/").content.decode()
    assert 'id="focal-institutions"' in html and "Ministry of Justice" in html
    assert "Hidden Agency" not in html
    assert "Private Person" not in html and "p@example.org" not in html


def test_profile_lists_open_public_needs_and_hides_confidential_ones(egypt):  # type: ignore[no-untyped-def]
    art5 = Article.objects.get(instrument__code="untoc", number=5)
    art7 = Article.objects.get(instrument__code="untoc", number=7)
    shown = Need.objects.create(
        state=egypt, article=art5, kind="training", first_seen=date(2026, 1, 5)
    )
    hidden = Need.objects.create(
        state=egypt,
        article=art7,
        kind="legislative",
        first_seen=date(2026, 1, 5),
        confidential=True,
    )
    html = Client().get("/states/EGY/").content.decode()
    assert f'data-need="{shown.pk}"' in html
    assert f'data-need="{hidden.pk}"' not in html
    assert 'id="profile-activities"' in html and 'id="profile-reports"' in html


def test_article_page_shows_states_public_status_and_links_from_the_instrument(answers):  # type: ignore[no-untyped-def]
    listing = Client().get("/instruments/untoc/").content.decode()
    assert 'href="/instruments/untoc/articles/5/"' in listing
    page = Client().get("/instruments/untoc/articles/5/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-state="EGY" data-status="partly"' in html
    assert 'data-state="FRA" data-status="yes"' in html
    assert 'data-state="SEN" data-status="confidential"' in html
    assert "SECRET" not in html
    assert 'id="needs-by-state"' in html or "No open need" in html


def test_article_page_of_an_unknown_article_is_not_found():  # type: ignore[no-untyped-def]
    assert Client().get("/instruments/untoc/articles/999/").status_code == 404


@pytest.fixture
def publication(secretariat):  # type: ignore[no-untyped-def]
    publication = Publication.objects.create(
        report="analytical",
        fingerprint="f",
        title={"en": "Analytical report on implementation", "ar": "التقرير التحليلي"},
        symbol="CTOC/COP/2026/1",
    )
    for lang, fmt in (("ar", "pdf"), ("en", "docx"), ("zh-hans", "html")):
        run = ReportRun.objects.create(
            report="analytical", lang=lang, fmt=fmt, fingerprint="f", status="done", size=2048
        )
        PublicationFile.objects.create(publication=publication, run=run)
    return publication


def test_published_reports_name_files_by_language_and_format_not_codes(publication):  # type: ignore[no-untyped-def]
    html = Client().get("/published/").content.decode()
    assert "Analytical report on implementation" in html
    assert 'aria-label="Arabic — PDF"' in html
    assert 'aria-label="English — Word"' in html
    assert "zh-hans HTML" not in html and ">ar PDF<" not in html
    arabic = Client().get("/published/?lang=ar").content.decode()
    assert "التقرير التحليلي" in arabic
    assert "العربية — PDF" in arabic


def test_published_report_page_and_state_profile_offer_the_files(publication):  # type: ignore[no-untyped-def]
    html = Client().get(f"/published/{publication.pk}/").content.decode()
    assert 'data-lang="ar" data-fmt="pdf"' in html and 'data-lang="en" data-fmt="docx"' in html
    profile = Client().get("/states/EGY/").content.decode()
    assert "Analytical report on implementation" in profile


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_each_published_file_keeps_its_size_beside_it_in_the_pages_direction(
    publication, lang, direction
):  # type: ignore[no-untyped-def]
    # Unisolated, an Arabic line read "Word · (2 KB) PDF": a Latin format name, a size and
    # the separator ran together left to right, and sizes appeared beside the wrong file.
    page = Client().get(f"/published/{publication.pk}/?lang={lang}").content.decode()
    tree = lxml.html.fromstring(page)
    files = tree.xpath('//*[@id="publication-files"]//bdi[@class="published-file"]')
    assert len(files) == 3
    for entry in files:
        assert entry.get("dir") == direction
        (link,) = entry.xpath("./a")
        (size,) = entry.xpath('./bdi[@class="size"]')
        assert link.get("data-fmt") in {"pdf", "docx", "html"} and "2" in size.text_content()
