"""Decision 2/6 is shown in the interface language when Infobase holds it, otherwise in
English with a label naming the original — never Arabic first in another interface."""

from __future__ import annotations

import pytest
from django.test import Client

from infobase.meetings.loaders import load_mandates
from infobase.meetings.models import Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision() -> Outcome:
    load_mandates()
    return Outcome.objects.filter(mandates__isnull=False).distinct().get()


def test_english_interface_shows_the_english_text_only(decision):  # type: ignore[no-untyped-def]
    html = Client().get("/meetings/mandates/").content.decode()
    assert 'class="interface-text mandate-text" lang="en" dir="ltr"' in html
    assert 'lang="ar" dir="rtl"' not in html.split("<main", 1)[-1]


def test_arabic_interface_shows_the_arabic_text(decision):  # type: ignore[no-untyped-def]
    html = Client().get("/meetings/mandates/?lang=ar").content.decode()
    assert 'class="interface-text mandate-text" lang="ar" dir="rtl"' in html
    assert 'class="interface-text mandate-text" lang="en"' not in html


def test_french_interface_shows_english_labelled_with_the_original(decision):  # type: ignore[no-untyped-def]
    html = Client().get(f"/meetings/outcomes/{decision.pk}/?lang=fr").content.decode()
    html = html.replace("\u00a0", " ")  # French puts a no-break space before the colon
    assert 'data-fallback="en"' in html
    assert "Anglais (original: Arabe)" in html or "Anglais (original : Arabe)" in html
    body = html.split('id="outcome-text"', 1)[1]
    assert body.index('lang="en"') < (body.find('lang="ar"') if 'lang="ar"' in body else 10**9)
