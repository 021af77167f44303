"""Reading a page as its reader does: the text, not the markup around it."""

from __future__ import annotations

import re
from html import unescape


def visible_text(html: str | bytes) -> str:
    """The text of ``html`` without its tags, entities read, every run of spaces (the no-break
    space between an amount and its currency included) one space."""
    if isinstance(html, bytes):
        html = html.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()
