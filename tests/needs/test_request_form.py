"""The request form offers the instrument's articles (with their paragraphs) to choose from
instead of free text; the older typed list is still read."""

from __future__ import annotations

import pytest

from infobase.needs.models import AssistanceRequest
from infobase.reference.models import Article
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def form_data(articles: list[str]) -> dict[str, object]:
    return {
        "instrument": "1",
        "articles": articles,
        "kinds": ["training"],
        "title": "Training for prosecutors",
        "description": "Details",
        "language": "ar",
        "urgency": "high",
        "once": "",
    }


def test_the_form_lists_articles_with_paragraphs_grouped_by_instrument(focal_egypt):  # type: ignore[no-untyped-def]
    html = client_for(focal_egypt).get("/requests/new/", {"lang": "en"}).content.decode()
    art6 = Article.objects.get(instrument__code="untoc", number=6)
    assert f'<option value="a{art6.pk}">Article 6 — ' in html
    assert f'<option value="a{art6.pk}.2">Article 6, paragraph 2</option>' in html
    assert "<optgroup" in html
    assert "5; 6(2); 12" not in html


def test_choosing_an_article_and_a_paragraph_files_lines_for_them(focal_egypt):  # type: ignore[no-untyped-def]
    untoc_5 = Article.objects.get(instrument__code="untoc", number=5)
    untoc_6 = Article.objects.get(instrument__code="untoc", number=6)
    data = form_data([f"a{untoc_5.pk}", f"a{untoc_6.pk}.2"])
    data["instrument"] = str(untoc_5.instrument_id)
    response = client_for(focal_egypt).post("/requests/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    request = AssistanceRequest.objects.get(title="Training for prosecutors")
    lines = sorted((line.article.number, line.paragraph) for line in request.lines.all())
    assert lines == [(5, None), (6, 2)]


def test_an_article_of_another_instrument_is_refused(focal_egypt):  # type: ignore[no-untyped-def]
    untoc_5 = Article.objects.get(instrument__code="untoc", number=5)
    other = Article.objects.exclude(instrument=untoc_5.instrument).first()
    data = form_data([f"a{other.pk}"])
    data["instrument"] = str(untoc_5.instrument_id)
    response = client_for(focal_egypt).post("/requests/new/?lang=en", data)
    assert response.status_code == 200
    assert "Choose articles of" in response.content.decode()


def test_request_page_names_the_language_of_the_request_not_its_code(focal_egypt):  # type: ignore[no-untyped-def]
    untoc_5 = Article.objects.get(instrument__code="untoc", number=5)
    data = form_data([f"a{untoc_5.pk}"])
    data["instrument"] = str(untoc_5.instrument_id)
    client = client_for(focal_egypt)
    client.post("/requests/new/", data)
    request = AssistanceRequest.objects.get(title="Training for prosecutors")
    html = client.get(f"/requests/{request.pk}/?lang=ar").content.decode()
    assert "<code>ar</code>" not in html
    assert "<dd>العربية</dd>" in html
