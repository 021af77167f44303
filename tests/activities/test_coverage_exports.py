"""The coverage exports: guarded by permission and safe from formula injection."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from infobase.accounts.models import User
from tests.activities.test_coverage import (
    activity,
    world,  # noqa: F401  (the fixture)
)
from tests.conftest import client_for, exported, make_user

pytestmark = pytest.mark.django_db


def test_exports_are_guarded_and_safe(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    focal_egypt: User,
) -> None:
    activity(
        "=HYPERLINK(1)",
        states=("EGY",),
        themes=((6, "legislative"),),
        provider="second-org",
    )
    assert exported(client_for(None), "/coverage/export/overlaps.csv").status_code == 302
    plain = make_user("nobody")
    assert exported(client_for(plain), "/coverage/export/overlaps.csv").status_code == 403
    assert exported(client_for(secretariat), "/coverage/export/secret.csv").status_code == 404
    response = exported(client_for(secretariat), "/coverage/export/overlaps.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "'=HYPERLINK(1)" in [r[5] for r in rows[1:]]
    gaps = exported(client_for(focal_egypt), "/coverage/export/gaps.xlsx")
    assert gaps.status_code == 200 and gaps.content[:2] == b"PK"
    needs = exported(client_for(secretariat), "/coverage/export/needs.csv")
    assert needs.content.decode("utf-8-sig").count("\n") == 4  # header + three open needs


def _button_names(html: str) -> list[str]:
    """Each button's accessible name: its aria-label, else its text."""
    import re
    from html import unescape

    names = []
    for attrs, text in re.findall(r"<button([^>]*)>(.*?)</button>", html, re.S):
        label = re.search(r'aria-label="([^"]*)"', attrs)
        names.append(unescape(label.group(1) if label else re.sub(r"<[^>]+>", "", text)).strip())
    return names


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_each_export_button_of_the_coverage_page_names_its_file(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    lang: str,
) -> None:
    from django.conf import settings
    from django.utils import translation

    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    html = client.get("/coverage/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    names = [name for name in _button_names(html) if "Excel" in name or "CSV" in name]
    assert len(names) == 6, names  # three files, each in Excel and in CSV
    assert len(set(names)) == len(names), names
    with translation.override(lang):
        overlaps = translation.gettext("Overlaps")
    assert any(overlaps in name and "CSV" in name for name in names), names


def _forms_in_paragraphs(html: str) -> int:
    """Export forms written inside a <p>: a browser closes the paragraph at the form, so the
    buttons fall on a line of their own and a stray ")" or "·" is left behind."""
    from html.parser import HTMLParser

    class Finder(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open_p = 0
            self.found = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "p":
                self.open_p += 1
            elif tag == "form" and "export-form" in (dict(attrs).get("class") or ""):
                self.found += bool(self.open_p)

        def handle_endtag(self, tag: str) -> None:
            if tag == "p" and self.open_p:
                self.open_p -= 1

    finder = Finder()
    finder.feed(html)
    return finder.found


@pytest.mark.parametrize("page", ["/coverage/", "/activities/matrix/", "/needs/", "/funding/gaps/"])
def test_export_buttons_stay_on_the_line_they_are_written_on(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    page: str,
) -> None:
    html = client_for(secretariat).get(page).content.decode()
    assert 'class="export-form"' in html
    assert _forms_in_paragraphs(html) == 0
