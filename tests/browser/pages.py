"""What the browser tests share beyond fixtures: the interface's own words in a language."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.utils import translation

LANGUAGES = ("en", "ar")
# The widths journeys are walked at: a phone's and a desk's screen, in CSS pixels.
PHONE, DESK = 390, 1366


def say(text: Any, lang: str) -> str:
    """``text`` (a lazy translation, a choice label) as the interface shows it in ``lang``."""
    with translation.override(lang):
        return str(text)


def expect_direction(page: Any, lang: str) -> None:
    """The page is in ``lang`` and laid out in its direction."""
    html = page.locator("html")
    assert html.get_attribute("lang") == lang, page.url
    assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr"), page.url


# The gaps between an element's text and its box, left and right (px): where the text stands.
TEXT_GAPS = """element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const text = range.getBoundingClientRect(), box = element.getBoundingClientRect();
  return [text.left - box.left, box.right - text.right];
}"""


def shoot(page: Any, name: str) -> None:
    """With INFOBASE_SHOTS=FOLDER, a picture of the whole page (``name``.png), for people to
    look at; nothing otherwise."""
    folder = os.environ.get("INFOBASE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
