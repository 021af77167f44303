"""Tables too wide for an A4 page, made to fit in print.

A table whose columns cannot all fit the text width (the annex with a column per article) is
cut into parts of a few columns each, the first column (the State, the article) repeated in
each part. The parts have fixed column widths, computed here from the fonts' advance widths,
the same in the PDF (Typst) and the Word file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from math import ceil
from pathlib import Path

from django.conf import settings

from infobase.reports.blocks import Table

FONTS_DIR = Path(settings.BASE_DIR) / "core" / "static" / "infobase" / "fonts"

# The printed page's text width (A4 less the margins of report.typ) and the type of a data
# table (report.css, report.typ): 10.5 pt × .88, cells padded by .4rem (12 pt) each side.
TEXT_WIDTH_PT = (210 - 20 - 20) * 72 / 25.4
TABLE_FONT_PT = 10.5 * 0.88
CELL_PADDING_PT = 2 * 0.4 * 12
FIRST_COLUMN_MIN_EM = 12  # .rc-data td:first-child { min-inline-size: 12em }
SAFETY = 1.08  # kerning, shaping and rounding the advance widths leave out
FIT_MARGIN = 1.02  # the same, for a table that fits: widths as an automatic layout gives


@lru_cache(maxsize=16)
def decoded_font(path: Path, mtime_ns: int) -> bytes:
    """The WOFF2 font at ``path`` as TrueType/OpenType data (what Typst reads).

    Decoding WOFF2 takes most of the time of a short report (the Chinese fonts above all):
    decoded once here, each process pays it once. ``mtime_ns`` makes a changed file a new
    entry."""
    from fontTools.ttLib import woff2

    out = io.BytesIO()
    woff2.decompress(io.BytesIO(path.read_bytes()), out)
    return out.getvalue()


@dataclass(frozen=True)
class Metrics:
    advances: dict[int, float]  # code point -> advance in em

    def width(self, char: str) -> float | None:
        return self.advances.get(ord(char))


@lru_cache(maxsize=8)
def _metrics(file_name: str) -> Metrics:
    from fontTools.ttLib import TTFont

    path = FONTS_DIR / file_name
    font = TTFont(io.BytesIO(decoded_font(path, path.stat().st_mtime_ns)), lazy=True)
    units = font["head"].unitsPerEm
    hmtx = font["hmtx"]
    cmap = font.getBestCmap()
    return Metrics({code: hmtx[glyph][0] / units for code, glyph in cmap.items()})


def _faces(lang: str, bold: bool) -> tuple[Metrics, ...]:
    weight = "bold" if bold else "regular"
    sans = _metrics(f"noto-sans-{weight}.woff2")
    arabic = _metrics(f"noto-naskh-arabic-{weight}.woff2")
    return (arabic, sans) if lang == "ar" else (sans, arabic)


def text_width(text: str, *, lang: str, bold: bool = False, size: float = TABLE_FONT_PT) -> float:
    """The width of ``text`` on one line, in points (a character in none of the Latin and
    Arabic faces, Chinese above all, counts as 1 em)."""
    faces = _faces(lang, bold)
    total = 0.0
    for char in text:
        for face in faces:
            advance = face.width(char)
            if advance is not None:
                total += advance
                break
        else:
            total += 1.0
    return total * size * SAFETY


def min_content(texts: list[str], *, lang: str, bold: bool = False) -> float:
    """The narrowest a column of ``texts`` can be: its longest word and the cell's padding."""
    words = {word for text in texts for word in text.split()}
    return CELL_PADDING_PT + max(
        (text_width(word, lang=lang, bold=bold) for word in words), default=0.0
    )


RARE = 0.1  # a word in fewer than this share of a column's cells may be hyphenated


def column_need(texts: list[str], *, lang: str) -> float:
    """The narrowest a column of a cut table can be: its common words whole; a rare longer one
    (``Confidential`` among ``Yes`` and ``No``) may be hyphenated, where there is a
    dictionary for the language."""
    import pyphen

    counts: dict[str, int] = {}
    for text in texts:
        for word in set(text.split()):
            counts[word] = counts.get(word, 0) + 1
    dictionary = None
    if pyphen.language_fallback(lang):
        dictionary = pyphen.Pyphen(lang=pyphen.language_fallback(lang), left=2, right=2)
    need = 0.0
    for word, count in counts.items():
        pieces = [word]
        if dictionary is not None and count < RARE * len(texts) and len(word) >= 5:
            pieces = [piece + "\u2010" for piece in dictionary.inserted(word).split("-")]
        need = max(need, *(text_width(piece, lang=lang) for piece in pieces))
    return CELL_PADDING_PT + need


def too_wide(text: str, *, room: float, lang: str) -> bool:
    """Whether a word of ``text`` is wider than ``room`` points: only such a cell is
    hyphenated (elsewhere a word is not cut)."""
    return any(text_width(word, lang=lang) > room for word in text.split())


@dataclass(frozen=True)
class PrintTable:
    table: Table
    # Shares of the text width, one per column (a last, narrower part leaves the rest of the
    # line empty); () for the automatic layout.
    widths: tuple[float, ...] = ()
    # A part of a cut table: its columns may be narrower than a rare long word.
    hyphenate: bool = False
    # The part's cells as written (numbers formatted), row by row.
    cells: tuple[tuple[str, ...], ...] = ()


def max_content(texts: list[str], *, lang: str, bold: bool = False) -> float:
    """The widest a column of ``texts`` needs to be: its longest text on one line."""
    return CELL_PADDING_PT + max(
        (text_width(text, lang=lang, bold=bold) for text in set(texts)), default=0.0
    )


def fitted_widths(
    table: Table, columns: Sequence[tuple[str, ...]], whole: list[float], lang: str
) -> tuple[float, ...]:
    """Column widths, as shares of the text width, for a table that fits the line: what
    the automatic layout of a table as wide as the line gives (CSS 2.1, 17.5.2.2) (each column its
    longest word; the rest of the line shared in proportion to what each still lacks for its
    longest text on one line, or to that text's width when every one fits), computed from the
    fonts' advance widths; then each column widened, if need be, to its longest word with a
    little room (``FIT_MARGIN``: advance widths leave out kerning, which narrows a word)."""
    safe = list(whole)
    highs = []
    for index, (column, texts) in enumerate(zip(table.columns, columns, strict=True)):
        plain, bold = (texts[:-1], texts[-1:]) if table.total_row else (texts, ())
        high = max(
            max_content(list(plain), lang=lang),
            max_content([*bold, column.label], lang=lang, bold=True),
        )
        if column.kind != "text":  # figures are never wrapped (white-space: nowrap)
            safe[index] = max(safe[index], max_content(list(texts), lang=lang))
        highs.append(max(high, safe[index]))
    # .rc-data td:first-child { min-inline-size: 12em }
    safe[0] = max(safe[0], FIRST_COLUMN_MIN_EM * TABLE_FONT_PT)
    highs[0] = max(highs[0], safe[0])

    def exact(width: float, margin: float = 1.0) -> float:  # as the shaped text measures
        return CELL_PADDING_PT + (width - CELL_PADDING_PT) / SAFETY * margin

    lows = [exact(w) for w in safe]
    lows[0] = max(lows[0], FIRST_COLUMN_MIN_EM * TABLE_FONT_PT)
    safe = [max(exact(w, FIT_MARGIN), low) for w, low in zip(safe, lows, strict=True)]
    highs = [max(exact(h), low) for h, low in zip(highs, lows, strict=True)]
    if sum(highs) <= TEXT_WIDTH_PT:
        widths = [high * TEXT_WIDTH_PT / sum(highs) for high in highs]
    else:
        lacking = sum(highs) - sum(lows)
        ratio = min(1.0, max(0.0, (TEXT_WIDTH_PT - sum(lows)) / lacking)) if lacking else 0.0
        widths = [low + (high - low) * ratio for low, high in zip(lows, highs, strict=True)]
    # No column narrower than its longest word with the margin: what it lacks is taken from the
    # others in proportion to their room to spare.
    short = sum(max(0.0, need - width) for need, width in zip(safe, widths, strict=True))
    spare = [max(0.0, width - need) for need, width in zip(safe, widths, strict=True)]
    if short and sum(spare) > short:
        widths = [
            max(need, width - short * room / sum(spare))
            for need, width, room in zip(safe, widths, spare, strict=True)
        ]
    total = sum(widths)
    return tuple(w / max(total, TEXT_WIDTH_PT) for w in widths)


def print_tables(
    table: Table, cells: list[list[str]], lang: str, *, fixed: bool = False
) -> list[PrintTable]:
    """``table`` as it goes on the page: itself, or, when its columns cannot all fit the text
    width, parts with the first column and as many others as fit, of even widths. ``cells``
    are the table's cells as written (numbers formatted), row by row. ``fixed`` gives a table
    that fits its column widths too (the widths of an automatic layout measured once from the
    fonts: the PDF, and the Word file, whose tables have a fixed layout)."""
    columns = list(zip(*cells, strict=True)) if cells else [() for _ in table.columns]
    whole = [
        max(
            min_content(list(texts), lang=lang),
            min_content([column.label], lang=lang, bold=True),
        )
        for column, texts in zip(table.columns, columns, strict=True)
    ]
    written = tuple(tuple(row) for row in cells)
    if len(table.columns) < 3 or sum(whole) <= TEXT_WIDTH_PT:
        if fixed and sum(whole) <= TEXT_WIDTH_PT:
            widths = fitted_widths(table, columns, whole, lang)
            return [PrintTable(table, widths, cells=written)]
        return [PrintTable(table, cells=written)]
    needs = [
        max(column_need(list(texts), lang=lang), min_content([c.label], lang=lang, bold=True))
        for c, texts in zip(table.columns, columns, strict=True)
    ]
    # The first column as wide as its longest word, and at most two fifths of the line.
    first = min(max(whole[0], FIRST_COLUMN_MIN_EM * TABLE_FONT_PT), 0.4 * TEXT_WIDTH_PT)
    rest = len(table.columns) - 1
    fit = max(1, int((TEXT_WIDTH_PT - first) // max(needs[1:])))
    count = ceil(rest / fit)
    size, extra = divmod(rest, count)  # parts of even lengths, the longer ones first
    column = (TEXT_WIDTH_PT - first) / (size + (extra > 0))
    out = []
    start = 1
    for index in range(count):
        stop = start + size + (index < extra)
        picked = (0, *range(start, stop))
        part = replace(
            table,
            columns=tuple(table.columns[i] for i in picked),
            rows=tuple(tuple(row[i] for i in picked) for row in table.rows),
            notes=table.notes if index == count - 1 else (),
        )
        widths = (first, *(column for _ in range(start, stop)))
        out.append(
            PrintTable(
                part,
                tuple(w / TEXT_WIDTH_PT for w in widths),
                hyphenate=True,
                cells=tuple(tuple(row[i] for i in picked) for row in written),
            )
        )
        start = stop
    return out
