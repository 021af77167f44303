"""What the browser tests share beyond fixtures: the interface's own words in a language."""

from __future__ import annotations

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
