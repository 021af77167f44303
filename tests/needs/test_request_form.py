"""The request form offers the instrument's articles (with their paragraphs) to choose from
instead of free text, a checkbox each (one click never drops the earlier choices, as a select
without Ctrl did), sending the values the select sent; the older typed list is still read."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from infobase.needs.models import AssistanceRequest
from infobase.reference.models import Article
from tests.conftest import client_for, request_form

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


class Controls(HTMLParser):
    """The form controls named ``articles`` and the ``<details>`` that are open."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: dict[str, dict[str, str | None]] = {}
        self.selects: list[str] = []
        self.open_details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "select" and found.get("name") == "articles":
            self.selects.append("articles")
        if tag == "input" and found.get("name") == "articles":
            self.boxes[str(found.get("value"))] = found
        if tag == "details" and "open" in found:
            self.open_details += 1


def controls(content: bytes) -> Controls:
    parser = Controls()
    parser.feed(content.decode())
    return parser


def expected_values() -> set[str]:
    values = set()
    for article in Article.objects.all():
        values.add(f"a{article.pk}")
        count = article.paragraph_count or 0
        if count > 1:
            values.update(f"a{article.pk}.{p}" for p in range(1, count + 1))
    return values


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_request_form_offers_a_checkbox_for_each_article_and_paragraph(
    focal_egypt: Any, lang: str
) -> None:
    page = client_for(focal_egypt).get(f"{reverse('request_new')}?lang={lang}")
    assert page.status_code == 200
    found = controls(page.content)
    assert not found.selects
    assert {v for v, box in found.boxes.items() if box.get("type") == "checkbox"} == (
        expected_values()
    )
    assert found.open_details == 0  # nothing chosen, every article's paragraphs closed
    text = page.content.decode()
    assert "Ctrl" not in text and "⌘" not in text
    article = Article.objects.get(instrument__code="untoc", number=5)
    with translation.override(lang):
        title = str(article.translated("title"))
    # Each box is named by its visible words, in the reader's language.
    assert f'id="id_articles_{article.pk}"' in text
    assert f"{title}</span></label>" in text


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


def test_a_refused_request_keeps_the_ticks_and_opens_the_paragraphs_ticked(
    focal_egypt: Any,
) -> None:
    five = Article.objects.get(instrument__code="untoc", number=5)
    six = Article.objects.get(instrument__code="untoc", number=6)
    form = request_form(articles=[f"a{five.pk}", f"a{six.pk}.2"])
    del form["title"]
    page = client_for(focal_egypt).post(reverse("request_new"), form)
    assert page.status_code == 200
    found = controls(page.content)
    checked = {value for value, box in found.boxes.items() if "checked" in box}
    assert checked == {f"a{five.pk}", f"a{six.pk}.2"}
    assert found.open_details == 1  # article 6's paragraphs, one of them ticked
    assert not AssistanceRequest.objects.exists()


def test_a_refused_request_ticks_the_articles_of_a_typed_list(focal_egypt: Any) -> None:
    """The older typed list ("5; 6(2)"), refused for want of a kind: it comes back as the boxes
    it names, ticked, so that sending the form again keeps them."""
    five = Article.objects.get(instrument__code="untoc", number=5)
    six = Article.objects.get(instrument__code="untoc", number=6)
    form = request_form(articles=["5; 6(2)"])
    del form["kinds"]
    page = client_for(focal_egypt).post(reverse("request_new"), form)
    assert page.status_code == 200 and b'id="request-problems"' in page.content
    found = controls(page.content)
    checked = {value for value, box in found.boxes.items() if "checked" in box}
    assert checked == {f"a{five.pk}", f"a{six.pk}.2"}
    assert found.open_details == 1


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_refused_request_says_to_choose_its_document_again(focal_egypt: Any, lang: str) -> None:
    """A browser never sends a file back with a form: the page says so, at the top and by the
    field, rather than let the request be filed without its note verbale."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = request_form(document=SimpleUploadedFile("note.txt", b"Note verbale No. 7"))
    del form["kinds"]
    page = client_for(focal_egypt).post(f"{reverse('request_new')}?lang={lang}", form)
    with translation.override(lang):
        again = translation.gettext(
            "The document chosen was not kept with the form: choose it again before sending."
        )
    content = page.content.decode()
    assert content.count(again) == 2
    summary = content[content.index('id="request-problems"') : content.index("</section>")]
    assert again in summary and 'href="#id_document"' in summary
    # Not said of a form sent without a document.
    form = request_form()
    del form["kinds"]
    page = client_for(focal_egypt).post(f"{reverse('request_new')}?lang={lang}", form)
    assert again not in page.content.decode()


def test_a_title_shown_in_english_for_want_of_a_translation_says_its_language(
    focal_egypt: Any,
) -> None:
    # The reference data has the articles' titles in Arabic and English only.
    page = client_for(focal_egypt).get(f"{reverse('request_new')}?lang=fr").content.decode()
    article = Article.objects.get(instrument__code="untoc", number=5)
    assert (
        f'<span>Article 5 — <span class="fallback" lang="en" dir="ltr">{article.title_en}</span>'
        in page
    )
