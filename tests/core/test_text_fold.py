"""The ASCII shortcut of ``fold`` gives what the general path gives."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from infobase.core.text import fold


def general_fold(text: str) -> str:
    # The general path of ``fold``, written out, for text without Arabic.
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text).strip()


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_folds_as_the_general_path_folds_it(text: str) -> None:
    assert fold(text) == general_fold(text)


def test_accents_and_arabic_still_fold() -> None:
    assert fold("  Égypte\tRÉPUBLIQUE ") == "egypte republique"
    assert fold("السلطةُ المركزيّة") == fold("السلطه المركزيه")


def test_the_pattern_drops_exactly_the_characters_with_a_combining_class() -> None:
    # ``fold`` drops combining marks with one regular expression built from ``unicodedata``;
    # checked against the per-character test on every code point.
    from infobase.core.text import _combining

    pattern = _combining()
    for code in range(0x110000):
        ch = chr(code)
        assert bool(pattern.fullmatch(ch)) == bool(unicodedata.combining(ch)), hex(code)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_any_text_without_arabic_folds_as_the_general_path_folds_it(text: str) -> None:
    text = "".join(ch for ch in text if not "\u0600" <= ch <= "\u06ff")
    assert fold(text) == general_fold(text)
