"""Text folding for search: Arabic spelling variants and Latin accents compare equal."""

from __future__ import annotations

import re
import unicodedata

# Arabic letters that users write interchangeably when searching.
_ARABIC_MAP = str.maketrans(
    {
        "\u0623": "\u0627",  # أ alef with hamza above -> ا
        "\u0625": "\u0627",  # إ alef with hamza below -> ا
        "\u0622": "\u0627",  # آ alef with madda -> ا
        "\u0671": "\u0627",  # ٱ alef wasla -> ا
        "\u0649": "\u064a",  # ى alef maqsura -> ي
        "\u06cc": "\u064a",  # ی Persian yeh -> ي
        "\u0629": "\u0647",  # ة ta marbuta -> ه
        "\u0624": "\u0648",  # ؤ waw with hamza -> و
        "\u0626": "\u064a",  # ئ yeh with hamza -> ي
        "\u06a9": "\u0643",  # ک keheh -> ك
        "\u0640": None,  # tatweel
    }
)
# Harakat, Quranic marks and superscript alef: dropped.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """A search key: case-folded, without accents, diacritics or Arabic spelling variants."""
    text = _ARABIC_MARKS.sub("", text or "")
    text = text.translate(_ARABIC_MAP)
    # NFKD splits Latin letters from their accents (é -> e + U+0301); drop the marks.
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", text).strip()


def search_key(*parts: str) -> str:
    """Join folded values into one column searched with ``icontains``."""
    return " | ".join(fold(part) for part in parts if part)
