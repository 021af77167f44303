"""Six languages: direction, language switching, translated database content, no network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from infobase.core.i18n import is_rtl, language
from infobase.reference.models import Article
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PAGES = ["home", "state_list", "instrument_list", "organization_list"]


@pytest.mark.parametrize("code", [c for c, _ in settings.LANGUAGES])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_sets_lang_and_dir(client, code, page):
    html = client.get(reverse(page), {"lang": code}).content.decode()
    expected_dir = "rtl" if code == "ar" else "ltr"
    expected_lang = "zh-Hans" if code == "zh-hans" else code
    assert f'<html lang="{expected_lang}" dir="{expected_dir}">' in html


def test_the_state_page_shows_the_arabic_name_in_arabic(client):
    html = client.get(reverse("state_detail", args=["EGY"]), {"lang": "ar"}).content.decode()
    assert '<h1 id="state-name"><span lang="ar">مصر</span></h1>' in html
    assert "<h2>Participation</h2>" not in html  # the heading is translated


def test_the_interface_is_translated_in_arabic_and_french(client):
    ar = client.get(reverse("home"), {"lang": "ar"}).content.decode()
    fr = client.get(reverse("home"), {"lang": "fr"}).content.decode()
    assert "What the information base holds" not in ar
    assert "What the information base holds" not in fr
    with language("ar"):
        assert translation.gettext("States") != "States"
    with language("fr"):
        assert translation.gettext("States") == "États"


def test_a_missing_translation_falls_back_to_english_visibly(client):
    article = Article.objects.get(instrument__code="untoc", number=5)
    article.title_fr = ""
    article.save()
    html = client.get(reverse("instrument_detail", args=["untoc"]), {"lang": "fr"}).content.decode()
    assert re.search(
        r'<span lang="en" dir="ltr" class="fallback" title="[^"]+">' + re.escape(article.title_en),
        html,
    )


def test_the_language_switch_remembers_the_choice_for_the_user(focal_senegal):
    client = client_for(focal_senegal)
    response = client.post(reverse("switch_language"), {"language": "ru", "next": "/states/"})
    assert response.status_code == 302 and response["Location"] == "/states/"
    focal_senegal.refresh_from_db()
    assert focal_senegal.language == "ru"
    assert client.get(reverse("home")).headers["Content-Language"] == "ru"


def test_a_users_saved_language_applies_in_a_new_browser(focal_egypt):
    html = client_for(focal_egypt).get(reverse("home")).content.decode()
    assert 'dir="rtl"' in html


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "https://evil.example/?lang=ar",
        "/\\evil.example/?lang=ar",
        "///evil.example/?lang=ar",
    ],
)
def test_the_switch_refuses_to_redirect_off_site(client, target):
    # Also once the language is taken out of the address: the address checked is the one led to.
    response = client.post(reverse("switch_language"), {"language": "fr", "next": target})
    assert response["Location"] == "/"


def test_language_context_manager_restores_the_previous_language():
    translation.activate("fr")
    with language("ar"):
        assert is_rtl()
    assert translation.get_language() == "fr"
    assert not is_rtl()


def test_pages_load_nothing_from_the_network(client):
    for page in PAGES:
        html = client.get(reverse(page), {"lang": "ar"}).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), page


def test_the_fonts_ship_with_the_project(client):
    from django.contrib.staticfiles import finders

    css = finders.find("infobase/fonts/fonts.css")
    assert css, "fonts.css is missing"
    text = Path(css).read_text(encoding="utf-8")
    for url in re.findall(r"url\(['\"]?([^'\")]+)", text):
        assert not url.startswith(("http", "//"))
        assert finders.find("infobase/fonts/" + url.split("/")[-1]), url
    assert "U+0600" in text.upper()  # an Arabic face is declared


def _our_words(code: str) -> dict[str, str]:
    """Every message Infobase's own catalogs translate for ``code``, as compiled."""
    import gettext

    folder = "zh_Hans" if code == "zh-hans" else code
    words: dict[str, str] = {}
    for app in apps.get_app_configs():
        mo = Path(app.path) / "locale" / folder / "LC_MESSAGES" / "django.mo"
        if not app.name.startswith("infobase.") or not mo.exists():
            continue
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for msgid, msgstr in catalog.items():
            # Plain messages only (no context, no plural forms).
            if isinstance(msgid, str) and msgid and "\x04" not in msgid and msgstr:
                words.setdefault(msgid, msgstr)
    return words


@pytest.mark.parametrize("code", [c for c, _ in settings.LANGUAGES if c != "en"])
def test_our_words_win_over_third_party_apps_words(code):
    """Where Django's admin and sessions, DRF or OTP translate the same message, Infobase's own
    translation is the one shown: "Sessions" of a working group is "الدورات" and "届会", not a
    web session ("جلسات", "会话"); "History" is "سجل التغييرات", the word its links say."""
    words = _our_words(code)
    assert len(words) > 1000
    with translation.override(code):
        shown = {msgid: translation.gettext(msgid) for msgid in words}
    assert {m: s for m, s in shown.items() if s != words[m]} == {}
    if code in ("ar", "zh-hans"):
        assert shown["Sessions"] == {"ar": "الدورات", "zh-hans": "届会"}[code]


def test_the_sign_in_page_on_the_way_to_a_page_in_arabic_is_in_arabic(client):
    # A link to /needs/?lang=ar followed while signed out: the sign-in page asked the browser
    # for its language; it now takes the one of the page it leads to, also after a wrong
    # password (the form posts to its own address, next included).
    needs = reverse("need_register") + "?lang=ar"
    response = client.get(needs)
    assert response.status_code == 302
    login = response["Location"]
    page = client.get(login, HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="ar" dir="rtl">' in page.content.decode()
    refused = client.post(login, {"username": "nobody", "password": "wrong"})
    assert '<html lang="ar" dir="rtl">' in refused.content.decode()
    # Only a language of the site, and only one step on: not the next's next.
    odd = client.get(reverse("login"), {"next": "/needs/?lang=xx"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr" dir="ltr">' in odd.content.decode()


@pytest.mark.parametrize(
    ("shown", "back"),
    [
        ("/states/?lang=ar&region=africa", "/states/?region=africa"),
        ("/accounts/login/?next=%2Fneeds%2F%3Flang%3Dar", "/accounts/login/?next=%2Fneeds%2F"),
    ],
)
def test_the_language_chosen_is_shown_on_a_page_opened_in_another(client, shown, back):
    # Switching on a page whose address asks for Arabic led back to that address: in Arabic.
    response = client.post(reverse("switch_language"), {"language": "en", "next": shown})
    assert response.status_code == 302 and response["Location"] == back
    page = client.get(response["Location"])
    assert '<html lang="en" dir="ltr">' in page.content.decode()
