"""Numbering shared by every renderer: chapters, body paragraphs and footnotes.

UN documents number chapters (I., II. … in most languages; أولا، ثانيا … in Arabic; 一、二、…
in Chinese), body paragraphs (1., 2. …) and footnotes through the whole document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from infobase.reports.blocks import Block, Heading, Paragraph, ReportDocument

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
ARABIC_ORDINALS = (
    "أولا",
    "ثانيا",
    "ثالثا",
    "رابعا",
    "خامسا",
    "سادسا",
    "سابعا",
    "ثامنا",
    "تاسعا",
    "عاشرا",
    "حادي عشر",
    "ثاني عشر",
)
CHINESE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ARABIC_LETTERS = "ألفبائيةجدهوزحطيكلمنسعفصقرشتثخذضظغ"  # أبجد order is used by UN Arabic texts
ARABIC_ABJAD = ("ألف", "باء", "جيم", "دال", "هاء", "واو", "زاي", "حاء", "طاء", "ياء")


def chapter_label(index: int, lang: str) -> str:
    """The label of the index-th chapter (0-based)."""
    if lang == "ar":
        return ARABIC_ORDINALS[index] + " -" if index < len(ARABIC_ORDINALS) else f"{index + 1} -"
    if lang == "zh-hans":
        return CHINESE_NUMERALS[index] + "、" if index < len(CHINESE_NUMERALS) else f"{index + 1}."
    return ROMAN[index] + "." if index < len(ROMAN) else f"{index + 1}."


def section_label(index: int, lang: str) -> str:
    if lang == "ar":
        return ARABIC_ABJAD[index] + " -" if index < len(ARABIC_ABJAD) else f"{index + 1} -"
    if lang == "zh-hans":
        return f"（{index + 1}）"
    return LETTERS[index] + "." if index < len(LETTERS) else f"{index + 1}."


@dataclass(frozen=True)
class Numbered:
    block: Block
    label: str = ""  # chapter/section label, or the paragraph number
    first_note: int = 0  # number of the block's first footnote (1-based; 0: none)


def numbered(document: ReportDocument) -> Iterator[Numbered]:
    chapter = section = paragraph = note = 0
    for block in document.blocks:
        if isinstance(block, Heading):
            if not block.numbered:
                yield Numbered(block)
            elif block.level == 1:
                yield Numbered(block, chapter_label(chapter, document.lang))
                chapter += 1
                section = 0
            elif block.level == 2:
                yield Numbered(block, section_label(section, document.lang))
                section += 1
            else:
                yield Numbered(block)
            continue
        first = note + 1 if getattr(block, "notes", ()) and isinstance(block, Paragraph) else 0
        if isinstance(block, Paragraph):
            note += len(block.notes)
            if block.numbered:
                paragraph += 1
                yield Numbered(block, str(paragraph), first)
            else:
                yield Numbered(block, "", first)
            continue
        yield Numbered(block)
