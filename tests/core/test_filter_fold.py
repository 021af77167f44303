"""Every list page with a filter form folds it into a disclosure headed "Filters (N in force)",
N counted from the address (core/filters.py, {% filterfold %}), with the filters in force in
words beside it and a link that clears them; closed unless a filter was refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from infobase.accounts.models import User
from infobase.activities.models import ImportRun
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# (page, query, filters in force, words of one of them)
PAGES = [
    ("need_register", "", 1, "Status: Open"),  # the register's open needs, named or not
    (
        "need_register",
        "status=any&regional_group=african&q=water",
        3,
        "Status: Any status",
    ),
    ("need_register", "regional_group=african", 2, "Status: Open"),
    ("need_heat", "status=any&regional_group=african", 2, "Regional group: African States"),
    ("request_list", "status=open&q=water", 2, "Status: Open"),
    ("request_list", "", 0, None),
    ("lesson_list", "q=water&state=EGY", 2, "State: Egypt"),
    ("activity_list", "provider_kind=&text=water&regional_group=african", 2, "Search: water"),
    ("who_what_where", "text=water&regional_group=african", 2, "Regional group: African States"),
    ("project_list", "status=approved", 1, "Status: Approved"),
    ("pledge_list", "status=agreed&page=2", 1, "Status: Agreed"),
    ("session_list", "year=2020&kind=", 1, "Year: 2020"),
    ("document_list", "q=CTOC", 1, "Symbol or title: CTOC"),
    ("state_list", "q=eg&regional_group=african", 2, "Regional group: African States"),
    ("organization_list", "q=UNODC", 1, "Name or acronym: UNODC"),
    ("organization_list", "", 0, None),
]

SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S)
IN_FORCE = re.compile(r'<li data-filter="[^"]+">(.*?)</li>', re.S)


def words(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


@pytest.mark.parametrize(("name", "query", "count", "shown"), PAGES)
def test_each_list_page_folds_its_filters_and_counts_those_in_force(
    secretariat: User, name: str, query: str, count: int, shown: str | None
) -> None:
    response = client_for(secretariat).get(reverse(name) + (f"?{query}" if query else ""))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<details data-filter-fold") == 1
    assert re.search(r"<details data-filter-fold>\s*<summary>", html), "closed by default"
    # The filter form is inside the disclosure.
    fold = html[html.index("<details data-filter-fold") : html.index("</details>")]
    assert 'class="filters"' in fold
    summary = words(SUMMARY.search(html).group(1))  # type: ignore[union-attr]
    assert summary == (f"Filters ({count} in force)" if count else "Filters")
    listed = [words(item) for item in IN_FORCE.findall(html)]
    assert len(listed) == count
    if shown:
        assert shown in listed
    if query:
        # The link clears the form's filters (and the page number), nothing else.
        clear = re.search(r'<a href="([^"]*)" class="clear-filters">', html)
        assert clear and clear.group(1) == reverse(name)


def test_a_refused_filter_leaves_the_form_open_and_is_not_counted(secretariat: User) -> None:
    html = client_for(secretariat).get(reverse("session_list") + "?year=abc&kind=").content.decode()
    assert "<details data-filter-fold open data-errors>" in html
    assert words(SUMMARY.search(html).group(1)) == "Filters"  # type: ignore[union-attr]


def test_the_report_date_is_kept_when_the_filters_are_cleared(secretariat: User) -> None:
    url = reverse("project_list") + "?status=approved&on=2025-01-31"
    html = client_for(secretariat).get(url).content.decode()
    assert f'<a href="{reverse("project_list")}?on=2025-01-31" class="clear-filters">' in html


@pytest.mark.parametrize("lang", ["ar", "ru", "es", "fr", "zh-hans"])
def test_the_summary_is_translated_with_the_language_s_plural_forms(
    secretariat: User, lang: str
) -> None:
    client = client_for(secretariat)
    client.cookies["infobase_language"] = lang
    html = client.get(reverse("state_list") + "?q=eg&regional_group=african").content.decode()
    summary = words(SUMMARY.search(html).group(1))  # type: ignore[union-attr]
    assert "Filters" not in summary
    with translation.override(lang):
        expected = translation.ngettext(
            "Filters (%(counter)s in force)", "Filters (%(counter)s in force)", 2
        ) % {"counter": 2}
    assert summary == expected


def test_an_iati_import_s_activities_fold_their_outcome_filter(secretariat: User) -> None:
    run = ImportRun.objects.create(
        user=secretariat,
        created=1,
        rejected=1,
        report=[
            {"identifier": "XM-TEST-1", "outcome": "created", "file": "a.xml"},
            {"identifier": "XM-TEST-2", "outcome": "rejected", "file": "a.xml"},
        ],
    )
    url = reverse("import_run_detail", args=[run.pk])
    html = client_for(secretariat).get(url + "?outcome=rejected").content.decode()
    assert html.count("<details data-filter-fold") == 1
    fold = html[html.index("<details data-filter-fold") : html.index("</details>")]
    assert 'name="outcome"' in fold
    assert words(SUMMARY.search(html).group(1)) == "Filters (1 in force)"  # type: ignore[union-attr]
    assert [words(item) for item in IN_FORCE.findall(html)] == ["Outcome: Rejected (1)"]
    assert "XM-TEST-2" in html and "XM-TEST-1" not in html.split("<h2>Activities</h2>")[1]
    assert f'<a href="{url}" class="clear-filters">' in html


def test_two_filters_read_in_the_arabic_dual_without_a_numeral(secretariat: User) -> None:
    # Arabic's dual says "two" by itself: «عاملان مطبّقان», not «2 عاملان مطبّقان».
    client = client_for(secretariat)
    client.cookies["infobase_language"] = "ar"
    html = client.get(reverse("state_list") + "?q=eg&regional_group=african").content.decode()
    assert words(SUMMARY.search(html).group(1)) == "عوامل التصفية (عاملان مطبّقان)"  # type: ignore[union-attr]
