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


def test_the_marks_dropped_are_exactly_the_characters_with_a_combining_class() -> None:
    # ``fold`` drops the combining marks a text holds, each in one pass; checked against the
    # per-character test on every code point, alone and all in one text.
    from infobase.core.text import drop_marks

    every = [chr(code) for code in range(0x110000)]
    for ch in every:
        assert (drop_marks(ch) == "") == bool(unicodedata.combining(ch)), hex(ord(ch))
    text = "".join(every)
    assert drop_marks(text) == "".join(ch for ch in every if not unicodedata.combining(ch))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_any_text_without_arabic_folds_as_the_general_path_folds_it(text: str) -> None:
    text = "".join(ch for ch in text if not "\u0600" <= ch <= "\u06ff")
    assert fold(text) == general_fold(text)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(exclude_categories=("Cs",)),
            st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
            st.sampled_from("\u0301\u0300\u0308\u0327 \téÉçاأإآةىیکـ"),
        )
    )
)
def test_any_text_folds_as_every_step_applied_in_turn(text: str) -> None:
    # The Arabic steps and the marks, each applied to the whole text whatever it holds.
    from infobase.core.text import _ARABIC_MAP, _ARABIC_MARKS

    expected = _ARABIC_MARKS.sub("", text).translate(_ARABIC_MAP)
    assert fold(text) == general_fold(expected)
