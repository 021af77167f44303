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
# Any of the letters ``_ARABIC_MAP`` replaces: most non-ASCII texts (Latin with accents,
# Cyrillic) have none, and a search for them is much faster than ``str.translate``.
_ARABIC_MAPPED = re.compile("[" + "".join(re.escape(chr(code)) for code in _ARABIC_MAP) + "]")
# Characters from U+0300 on: every character with a combining class is among them (the
# first is U+0300, the combining grave accent).
_FROM_MARKS = re.compile("[^\x00-\u02ff]")
# Spaces are collapsed by ``" ".join(text.split())``: ``str.split`` splits on exactly what
# ``\s`` matches (``str.isspace``), about twice as fast as a regular expression on long texts.


def fold(text: str) -> str:
    """A search key: case-folded, without accents, diacritics or Arabic spelling variants."""
    if not text:
        return ""
    if text.isascii():
        # Most texts of IATI files: nothing to decompose, translate or normalise (the result is
        # the same as the general path's, much faster on large imports).
        return " ".join(text.lower().split())
    text = _ARABIC_MARKS.sub("", text)
    if _ARABIC_MAPPED.search(text):
        text = text.translate(_ARABIC_MAP)
    # NFKD splits Latin letters from their accents (é -> e + U+0301); drop the marks.
    text = drop_marks(unicodedata.normalize("NFKD", text))
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def drop_marks(text: str) -> str:
    """``text`` without its characters that have a combining class (``unicodedata.combining``
    not 0). Each distinct mark the text holds is replaced in one pass: a text holds few, and
    this is several times faster on long texts than one regular expression of every mark."""
    for mark in {ch for ch in _FROM_MARKS.findall(text) if unicodedata.combining(ch)}:
        text = text.replace(mark, "")
    return text


def search_key(*parts: str) -> str:
    """Join folded values into one column searched by ``infobase.core.search.search``."""
    return " | ".join(dict.fromkeys(folded for part in parts if part and (folded := fold(part))))


# Arabic proclitics written together with the next word: the article "ال" and the
# conjunctions/prepositions that combine with it ("وال", "بال", "كال", "فال", "لل").
# Stripped only when at least three letters remain (folded spelling, so no hamza forms).
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_MIN_STEM = 3
# Punctuation around a word («», quotes, commas) is not part of it; inside it is (A/CONF.234).
_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


def strip_arabic_article(token: str) -> str:
    """A folded word without its Arabic article or article-bearing proclitic."""
    for prefix in _ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            return token[len(prefix) :]
    return token


def query_words(query: str) -> list[str]:
    """The folded words of a search query, in order, once, without surrounding punctuation
    or the Arabic article: each is looked for inside the folded keys, so «السلطة» finds
    «سلطة» and «السلطه» alike."""
    words: list[str] = []
    for token in fold(query).split():
        word = strip_arabic_article(_EDGE_PUNCTUATION.sub("", token))
        if word and word not in words:
            words.append(word)
    return words


# What XML 1.0 cannot hold: C0 controls but tab and line breaks, lone surrogates, U+FFFE/FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` as an XML document can hold it, the one rule for every file written as XML
    (Word, XLSX cells, XLSForm, IATI XML): a vertical tab or form feed (a line or page break
    pasted from a word processor) becomes a line break; other control characters, lone
    surrogates and the non-characters U+FFFE and U+FFFF are dropped."""
    return _NOT_XML.sub("", text.replace("\x0b", "\n").replace("\x0c", "\n"))
