"""Work programmes and their priority themes in the six languages: a need's score is explained
with the themes' titles in the reader's language, on the page, in the API and in the files;
a title not written in a language shows in English, marked as such; the titles order nothing
and move no score."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from infobase.core.i18n import FSI, PDI
from infobase.needs.models import Need, NeedScore, PriorityTheme, WorkProgramme
from infobase.needs.programmes import DEMO_PROGRAMME_NAME, demo_programme
from infobase.needs.score_table import need_scores_refresh, score_table
from infobase.needs.scoring import scored_register
from tests.api.conftest import token_client
from tests.conftest import client_for, exported

pytestmark = pytest.mark.django_db

JUSTICE_EN = "Strengthening criminal justice responses"
JUSTICE_AR = "تعزيز تدابير التصدي في مجال العدالة الجنائية"


def egypt_article_5() -> Need:
    return Need.objects.get(state__iso3="EGY", article__number=5, kind="legislative")


def programme_text(need: Need, language: str) -> str:
    """The explanation of the need's work-programme term, as the register computes it."""
    from infobase.core.i18n import language as in_language

    with in_language(language):
        (scored,) = scored_register(needs_qs=Need.objects.filter(pk=need.pk))
        return str(scored.explanation.term("programme").explanation)


def test_a_score_is_explained_with_the_themes_title_in_the_readers_language(world: None) -> None:
    need = egypt_article_5()
    assert JUSTICE_AR in programme_text(need, "ar")
    assert JUSTICE_EN not in programme_text(need, "ar")
    assert JUSTICE_EN in programme_text(need, "en")
    assert "Renforcer les réponses de la justice pénale" in programme_text(need, "fr")


def test_the_titles_of_several_themes_are_listed_as_the_readers_language_lists_them(
    world: None, django_capture_on_commit_callbacks: Any
) -> None:
    programme = PriorityTheme.objects.get(title_en=JUSTICE_EN).programme
    with django_capture_on_commit_callbacks(execute=True):
        PriorityTheme.objects.create(
            programme=programme,
            title_en="Legislative drafting",
            title_ar="الصياغة التشريعية",
            kind="legislative",
            weight=1,
        )
    need = egypt_article_5()
    assert f"{JUSTICE_AR}؛ الصياغة التشريعية" in programme_text(need, "ar")
    assert f"{JUSTICE_EN}; Legislative drafting" in programme_text(need, "en")


def test_a_title_not_written_in_the_readers_language_shows_in_english_set_apart(
    world: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    theme = PriorityTheme.objects.get(title_en=JUSTICE_EN)
    with django_capture_on_commit_callbacks(execute=True):
        theme.title_ar = ""
        theme.save()
    text = programme_text(egypt_article_5(), "ar")
    # Isolated, so that the English words keep their order inside the Arabic sentence.
    assert f"{FSI}{JUSTICE_EN}{PDI}" in text
    assert f"{FSI}" not in programme_text(egypt_article_5(), "en")


def test_the_need_page_explains_the_score_in_arabic_with_the_arabic_title(
    world: None,
    secretariat: Any,
) -> None:
    client = client_for(secretariat)
    url = reverse("need_detail", args=[egypt_article_5().pk])
    arabic = client.get(url, {"lang": "ar"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert JUSTICE_AR in arabic and JUSTICE_EN not in arabic
    english = client.get(url, {"lang": "en"}).content.decode()
    assert JUSTICE_EN in english and JUSTICE_AR not in english


def test_an_edited_title_is_shown_after_the_refresh_without_rewriting_a_score(
    world: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rows = dict(NeedScore.objects.values_list("need_id", "computed_at"))
    theme = PriorityTheme.objects.get(title_en=JUSTICE_EN)
    with django_capture_on_commit_callbacks(execute=True):  # the refresh job runs on commit
        theme.title_ar = "تعزيز العدالة الجنائية"
        # Now first of the themes of its weight (it came after "Central authorities …").
        theme.title_en = "A criminal justice response"
        theme.save()
    assert dict(NeedScore.objects.values_list("need_id", "computed_at")) == rows
    assert need_scores_refresh().written == 0
    stored = {t.title: t for t in score_table().themes}
    assert (
        dict(stored["A criminal justice response"].translations)["ar"] == "تعزيز العدالة الجنائية"
    )
    assert "تعزيز العدالة الجنائية" in programme_text(egypt_article_5(), "ar")


def test_the_programmes_page_reads_in_arabic_and_marks_what_is_only_in_english(
    secretariat: Any,
) -> None:
    programme = demo_programme()
    theme = programme.themes.get(title_en="Mobilization of resources")
    theme.title_ar = ""
    theme.save()
    page = client_for(secretariat).get(reverse("programme_list"), {"lang": "ar"})
    body = page.content.decode()
    assert programme.name_ar in body and DEMO_PROGRAMME_NAME not in body
    assert programme.description_ar in body
    assert JUSTICE_AR in body
    # The session that approved it, written in one language, set apart in the Arabic sentence.
    assert f"اعتُمد في <bdi>{programme.approved_at}</bdi>" in body
    # The theme written in English only: shown in English, marked as such.
    assert '<span lang="en" dir="ltr" class="fallback"' in body
    assert "Mobilization of resources" in body


def test_the_api_gives_a_programme_and_its_themes_in_the_six_languages(
    secretariat: Any,
) -> None:
    programme = demo_programme()
    url = reverse("api:workprogramme-detail", args=[programme.pk])
    data = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="ar").get(url).json()
    assert data["name"] == programme.name_ar and data["name_en"] == DEMO_PROGRAMME_NAME
    assert data["description"] == programme.description_ar
    themes = {t["title_en"]: t for t in data["themes"]}
    assert len(themes) == 8
    justice = themes[JUSTICE_EN]
    assert justice["title"] == JUSTICE_AR and justice["title_zh"] == "加强刑事司法对策"
    assert justice["instrument"] == "untoc" and len(justice["articles"]) == 5
    english = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="en").get(url).json()
    assert english["name"] == DEMO_PROGRAMME_NAME


def test_the_demo_programme_made_before_translations_is_given_them_once() -> None:
    programme = demo_programme()
    WorkProgramme.objects.filter(pk=programme.pk).update(name_ar="", description_fr="")
    PriorityTheme.objects.filter(programme=programme).update(title_ar="", title_zh="")
    demo_programme()
    programme.refresh_from_db()
    assert programme.name_ar and programme.description_fr
    assert not PriorityTheme.objects.filter(programme=programme, title_ar="").exists()
    assert not PriorityTheme.objects.filter(programme=programme, title_zh="").exists()
    versions = programme.history.count()
    demo_programme()  # nothing left to fill: no new version
    assert programme.history.count() == versions


def test_a_score_table_stored_before_themes_had_translations_still_reads(world: None) -> None:
    from infobase.needs.models import DerivationState
    from infobase.needs.score_table import STATE_NAME

    state = DerivationState.objects.get(name=STATE_NAME)
    state.data["themes"] = [row[:6] for row in state.data["themes"]]  # as stored before
    state.save()
    themes = {t.title: t for t in score_table().themes}
    assert themes[JUSTICE_EN].translations == ()

    def stored_text() -> str:  # the explanation of the stored row, as the register shows it
        from infobase.core.i18n import language as in_language
        from infobase.needs.selectors import scored_needs

        with in_language("ar"):
            (scored,), _table = scored_needs(needs_qs=Need.objects.filter(pk=egypt_article_5().pk))
            return str(scored.explanation.term("programme").explanation)

    # Until the next refresh, the stored row is explained with the English title, marked.
    assert f"{FSI}{JUSTICE_EN}{PDI}" in stored_text()
    assert need_scores_refresh().written == 0  # the titles move no score: no row rewritten
    assert JUSTICE_AR in stored_text()


# --- The register narrowed to a priority theme ------------------------------------------


def test_a_themes_filter_keeps_exactly_the_needs_it_matches(world: None) -> None:
    from infobase.needs.programmes import active_themes
    from infobase.needs.scoring import needs_facts

    facts = {f.need_id: f for f in needs_facts(Need.objects.all(), today=date(2026, 6, 1))}
    themes = active_themes()
    assert len(themes) == 8
    for theme in themes:
        by_filter = set(Need.objects.filter(theme.needs_q()).values_list("pk", flat=True))
        # The filter and the score's rule (``ThemeSpec.matches``) agree, need by need.
        assert by_filter == {pk for pk, f in facts.items() if theme.matches(f)}, theme.title
    assert any(Need.objects.filter(t.needs_q()).exists() for t in themes)


def test_the_register_page_and_the_api_narrow_to_a_theme_in_the_readers_language(
    world: None, secretariat: Any
) -> None:
    import lxml.html

    theme = PriorityTheme.objects.get(title_en=JUSTICE_EN)
    # The open needs on the Convention's articles 5, 6, 8, 11 and 23 (the theme's dimensions).
    matching = set(
        Need.objects.filter(
            status="open",
            article__instrument__code="untoc",
            article__number__in=[5, 6, 8, 11, 23],
        ).values_list("pk", flat=True)
    )
    assert matching and matching != set(
        Need.objects.filter(status="open").values_list("pk", flat=True)
    )
    client = client_for(secretariat)
    page = client.get(reverse("need_register"), {"theme": theme.pk, "lang": "ar"})
    html = lxml.html.fromstring(page.content)
    option = html.xpath(f'//select[@name="theme"]/option[@value="{theme.pk}"]')[0]
    assert option.text == JUSTICE_AR and option.get("selected") is not None
    shown = {row.need.pk for row in page.context["rows"]}
    assert shown == matching

    api = token_client(secretariat).get("/api/v1/needs/", {"theme": theme.pk}).json()
    assert {n["id"] for n in api["results"]} == shown
    # The register's file, exported from the filtered page: the same needs.
    export = exported(client, reverse("need_export", args=["csv"]), {"theme": theme.pk})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) - 1 == len(shown)
    # A theme of no active programme, or none at all: nothing matches; a bad value is refused.
    theme.programme.is_active = False
    theme.programme.save()
    assert (
        token_client(secretariat).get("/api/v1/needs/", {"theme": theme.pk}).json()["results"] == []
    )
    assert token_client(secretariat).get("/api/v1/needs/", {"theme": "0"}).status_code == 400
    assert token_client(secretariat).get("/api/v1/needs/", {"theme": str(2**70)}).status_code == 400


def test_the_programmes_page_counts_each_themes_open_needs_as_the_readers_register_does(
    world: None, secretariat: Any, focal_egypt: Any
) -> None:
    import lxml.html

    theme = PriorityTheme.objects.get(title_en=JUSTICE_EN)
    for user in (secretariat, focal_egypt):
        client = client_for(user)
        page = lxml.html.fromstring(client.get(reverse("programme_list")).content)
        link = page.xpath(f'//a[@href="{reverse("need_register")}?theme={theme.pk}"]')[0]
        register = client.get(reverse("need_register"), {"theme": theme.pk})
        # The number is the count of the register the link opens, for each reader.
        assert int(link.text) == register.context["total"] > 0
    # Kenya's confidential need on article 5 counts for the secretariat, not for Egypt.
    counted = {}
    for user in (secretariat, focal_egypt):
        page = lxml.html.fromstring(client_for(user).get(reverse("programme_list")).content)
        counted[user.username] = int(
            page.xpath(f'//a[@href="{reverse("need_register")}?theme={theme.pk}"]')[0].text
        )
    assert counted[secretariat.username] == counted[focal_egypt.username] + 1


def test_the_heat_tables_count_a_themes_needs_and_lead_to_them(
    world: None, secretariat: Any
) -> None:
    theme = PriorityTheme.objects.get(title_en=JUSTICE_EN)
    client = client_for(secretariat)
    register = client.get(reverse("need_register"), {"theme": theme.pk})
    heat = client.get(reverse("need_heat"), {"theme": theme.pk})
    # The kinds' table counts the States with a need of each kind: those the register lists.
    pairs = {(row.need.state_id, row.need.kind) for row in register.context["rows"]}
    assert register.context["total"] == len(register.context["rows"]) > 0  # one page
    assert sum(heat.context["kinds"].cells.values()) == len(pairs)
    everything = client.get(reverse("need_heat")).context["kinds"].cells.values()
    assert len(pairs) < sum(everything)  # the theme narrowed it
    assert f"theme={theme.pk}&" in heat.context["link_base"]  # a cell's link keeps the theme


def test_the_api_gives_each_themes_open_needs_as_the_page_counts_them(
    world: None, secretariat: Any, focal_egypt: Any
) -> None:
    import lxml.html

    theme = PriorityTheme.objects.get(title_en=JUSTICE_EN)
    url = reverse("api:workprogramme-detail", args=[theme.programme_id])
    for user in (secretariat, focal_egypt):
        themes = {t["id"]: t for t in token_client(user).get(url).json()["themes"]}
        page = lxml.html.fromstring(client_for(user).get(reverse("programme_list")).content)
        link = page.xpath(f'//a[@href="{reverse("need_register")}?theme={theme.pk}"]')[0]
        assert themes[theme.pk]["open_needs"] == int(link.text) > 0
    theme.programme.is_active = False
    theme.programme.save()
    themes = token_client(secretariat).get(url).json()["themes"]
    assert {t["open_needs"] for t in themes} == {None}
