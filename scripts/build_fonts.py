#!/usr/bin/env python3
"""Build the self-hosted web fonts shipped in infobase/core/static/infobase/fonts/.

Infobase must render the six UN languages without any network access, so the fonts are
subset from Debian's Noto packages, converted to WOFF2 and committed to the repository.

Sources (Debian bookworm):
    fonts-noto-core  -> NotoSans-{Regular,Bold}.ttf, NotoNaskhArabic-{Regular,Bold}.ttf,
                        NotoSansMath-Regular.ttf
    fonts-noto-cjk   -> NotoSansCJK-{Regular,Bold}.ttc (the "Noto Sans CJK SC" face)

Rebuild, either with the packages installed system-wide::

    apt-get install fonts-noto-core fonts-noto-cjk
    .venv/bin/python scripts/build_fonts.py

or without installing them (no root needed for the extraction)::

    apt-get download fonts-noto-core fonts-noto-cjk
    for deb in fonts-noto-*.deb; do dpkg -x "$deb" /tmp/noto; done
    .venv/bin/python scripts/build_fonts.py --font-root /tmp/noto/usr/share/fonts

Each source font can also be given explicitly (--sans-regular PATH, --cjk-bold PATH, ...).
The script writes the .woff2 files and fonts.css into the output directory and checks that
every character of the reference CSV files is covered by at least one of the built fonts.
Only the standard library and fontTools (with brotli, for WOFF2) are needed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "infobase" / "core" / "static" / "infobase" / "fonts"
DEFAULT_FONT_ROOT = Path("/usr/share/fonts")
DEFAULT_TEXT_FILES = (
    Path("/work/shared/data/reference/m49/unsd_m49_overview_cn.csv"),
    Path("/work/shared/data/reference/un_member_states_names_6lang.csv"),
)
CJK_FACE_NAME = "Noto Sans CJK SC"  # face to take from the NotoSansCJK-*.ttc collection

Range = tuple[int, int]

# Latin, Greek and Cyrillic (Noto Sans). Greek Extended (polytonic) is dropped.
SANS_RANGES: list[Range] = [
    (0x0000, 0x00FF),  # Basic Latin, Latin-1 Supplement
    (0x0100, 0x024F),  # Latin Extended-A and -B
    (0x0250, 0x02FF),  # IPA Extensions, Spacing Modifier Letters
    (0x0300, 0x036F),  # Combining Diacritical Marks
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x052F),  # Cyrillic, Cyrillic Supplement
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x206F),  # General Punctuation
    (0x2070, 0x209F),  # Superscripts and Subscripts
    (0x20A0, 0x20CF),  # Currency Symbols
    (0x2100, 0x214F),  # Letterlike Symbols (incl. the numero sign)
    (0x2150, 0x218F),  # Number Forms
    (0x2190, 0x21FF),  # Arrows
    (0x2200, 0x22FF),  # Mathematical Operators: none in Debian's NotoSans, see MATH_RANGES
    (0x25CC, 0x25CC),  # dotted circle
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A
    (0x2E00, 0x2E7F),  # Supplemental Punctuation
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFE20, 0xFE2F),  # Combining Half Marks
    (0xFEFF, 0xFEFF),  # byte order mark / zero width no-break space
    (0xFFFC, 0xFFFD),  # object replacement, replacement character
]

# Mathematical Operators (Noto Sans Math): U+2212 minus, <= >= != ~~ and the rest of the block,
# none of which Debian's NotoSans-*.ttf has. There is no bold Noto Sans Math, so bold text takes
# the regular face (browsers may embolden it synthetically).
MATH_RANGES: list[Range] = [
    (0x2200, 0x22FF),  # Mathematical Operators
]

# Arabic (Noto Naskh Arabic), including the joiners and bidi marks the font carries.
ARABIC_RANGES: list[Range] = [
    (0x0600, 0x06FF),  # Arabic (incl. Arabic-Indic and Eastern Arabic-Indic digits)
    (0x0750, 0x077F),  # Arabic Supplement
    (0x0870, 0x089F),  # Arabic Extended-B
    (0x08A0, 0x08FF),  # Arabic Extended-A
    (0x200C, 0x200F),  # ZWNJ, ZWJ, LRM, RLM
    (0x204F, 0x204F),  # reversed semicolon
    (0x25CC, 0x25CC),  # dotted circle (shown under stray combining marks)
    (0x2E41, 0x2E41),  # reversed comma
    (0xFB50, 0xFDFF),  # Arabic Presentation Forms-A (incl. the rial sign)
    (0xFE70, 0xFEFF),  # Arabic Presentation Forms-B
]

# Put in the Arabic files but not claimed in CSS: a PDF's text shaper (Typst's, Pango's) keeps the
# spaces, digits and punctuation between Arabic words in the Arabic run and takes their glyphs
# from the Arabic face, ignoring unicode-range; without them a PDF shows boxes for spaces.
ARABIC_FILE_EXTRA: list[Range] = [
    (0x0020, 0x0040),  # space, ASCII punctuation, digits
    (0x005B, 0x0060),
    (0x007B, 0x007E),
    (0x00A0, 0x00A0),  # no-break space
    (0x00AB, 0x00AB),  # guillemets
    (0x00BB, 0x00BB),
    (0x2010, 0x2027),  # dashes, quotes, ellipsis
    (0x202F, 0x202F),  # narrow no-break space
]

# Blocks the CJK face claims in CSS (what is actually in the file is narrower, see below).
# Curly quotes, ellipsis, em dash and middle dot are listed so that a Chinese-first stack
# (--ib-font-zh) draws them with CJK metrics; in the default stack Infobase Sans wins.
CJK_CSS_RANGES: list[Range] = [
    (0x00B7, 0x00B7),  # middle dot
    (0x2014, 0x2014),  # em dash
    (0x2018, 0x2019),  # single quotes
    (0x201C, 0x201D),  # double quotes
    (0x2026, 0x2026),  # ellipsis
    (0x2460, 0x24FF),  # Enclosed Alphanumerics
    (0x2500, 0x257F),  # Box Drawing
    (0x25A0, 0x25FF),  # Geometric Shapes
    (0x2E80, 0x2FDF),  # CJK Radicals Supplement, Kangxi Radicals
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3200, 0x33FF),  # Enclosed CJK Letters and Months, CJK Compatibility
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFE10, 0xFE1F),  # Vertical Forms
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
    (0x20000, 0x2FA1F),  # CJK Extensions B-F, Compatibility Supplement
]

# Always-included blocks of the CJK subset (on top of GB 2312 and the reference texts).
CJK_BASE_RANGES: list[Range] = [
    (0x0020, 0x007E),  # printable ASCII
    (0x00B7, 0x00B7),
    (0x2014, 0x2014),
    (0x2018, 0x2019),
    (0x201C, 0x201D),
    (0x2026, 0x2026),
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0xFE10, 0xFE1F),  # Vertical Forms
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]


@dataclass(frozen=True)
class Face:
    """One output font: where it comes from and how it is declared in CSS."""

    key: str  # command-line option stem, e.g. "sans-regular"
    source_name: str  # file name looked up under --font-root
    output_name: str
    family: str
    weight: int
    css_ranges: list[Range]


FACES: tuple[Face, ...] = (
    Face(
        "sans-regular",
        "NotoSans-Regular.ttf",
        "noto-sans-regular.woff2",
        "Infobase Sans",
        400,
        SANS_RANGES,
    ),
    Face(
        "sans-bold", "NotoSans-Bold.ttf", "noto-sans-bold.woff2", "Infobase Sans", 700, SANS_RANGES
    ),
    Face(
        "arabic-regular",
        "NotoNaskhArabic-Regular.ttf",
        "noto-naskh-arabic-regular.woff2",
        "Infobase Arabic",
        400,
        ARABIC_RANGES,
    ),
    Face(
        "arabic-bold",
        "NotoNaskhArabic-Bold.ttf",
        "noto-naskh-arabic-bold.woff2",
        "Infobase Arabic",
        700,
        ARABIC_RANGES,
    ),
    Face(
        "cjk-regular",
        "NotoSansCJK-Regular.ttc",
        "noto-sans-cjk-sc-regular.woff2",
        "Infobase CJK",
        400,
        CJK_CSS_RANGES,
    ),
    Face(
        "cjk-bold",
        "NotoSansCJK-Bold.ttc",
        "noto-sans-cjk-sc-bold.woff2",
        "Infobase CJK",
        700,
        CJK_CSS_RANGES,
    ),
    Face(
        "math-regular",
        "NotoSansMath-Regular.ttf",
        "noto-sans-math-regular.woff2",
        "Infobase Math",
        400,
        MATH_RANGES,
    ),
)

CSS_HEADER = """\
/*
 * Infobase web fonts: self-hosted, no network needed.
 * GENERATED by scripts/build_fonts.py; do not edit by hand (see SOURCES.md).
 * Fonts: Noto Sans, Noto Naskh Arabic, Noto Sans CJK SC, Noto Sans Math (subsets),
 * SIL OFL 1.1 (OFL.txt).
 *
 * Use: font-family: var(--ib-font);
 * "Infobase Sans" covers Latin, Greek and Cyrillic; Arabic and Chinese characters are not in
 * it, so the browser takes them from "Infobase Arabic" / "Infobase CJK" (selected through
 * unicode-range), also inside mixed-script lines. --ib-font-zh puts the CJK face first so
 * that punctuation shared with Latin (quotes, ellipsis) takes Chinese forms in zh content.
 * "Infobase Math" (regular only) supplies the Mathematical Operators block (U+2200-22FF:
 * minus sign, <=, >=, ...), which the other faces lack or do not claim.
 */
"""

CSS_ROOT = """\
:root {
  --ib-font: "Infobase Sans", "Infobase Arabic", "Infobase CJK", "Infobase Math", sans-serif;
  --ib-font-ar: "Infobase Arabic", "Infobase Sans", "Infobase Math", sans-serif;
  --ib-font-zh: "Infobase CJK", "Infobase Sans", "Infobase Math", sans-serif;
}
"""


def ranges_to_set(ranges: list[Range]) -> set[int]:
    return {cp for lo, hi in ranges for cp in range(lo, hi + 1)}


def css_unicode_range(ranges: list[Range]) -> str:
    parts = [f"U+{lo:04X}" if lo == hi else f"U+{lo:04X}-{hi:04X}" for lo, hi in ranges]
    return ", ".join(parts)


def gb2312_characters() -> set[int]:
    """Every character of GB 2312: 682 symbols (rows 1-9) and 6,763 hanzi (rows 16-87)."""
    chars: set[int] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def text_characters(paths: list[Path]) -> set[int]:
    chars: set[int] = set()
    for path in paths:
        chars.update(ord(ch) for ch in path.read_text(encoding="utf-8-sig"))
    return {cp for cp in chars if cp >= 0x20}


def find_source(font_root: Path, name: str) -> Path:
    matches = sorted(font_root.rglob(name))
    if not matches:
        sys.exit(
            f"error: {name} not found under {font_root} (install fonts-noto-core and "
            "fonts-noto-cjk, or pass --font-root / the file path explicitly)"
        )
    return matches[0]


def load_font(path: Path) -> TTFont:
    """Open a font; for a .ttc collection pick the Simplified Chinese face."""
    if path.suffix.lower() not in {".ttc", ".otc"}:
        return TTFont(path, recalcTimestamp=False)
    collection = TTCollection(path)
    for number, face in enumerate(collection.fonts):
        names = face["name"]
        family = names.getDebugName(16) or names.getDebugName(1)  # typographic family first
        if family == CJK_FACE_NAME:
            return TTFont(path, fontNumber=number, recalcTimestamp=False)
    sys.exit(f"error: no '{CJK_FACE_NAME}' face in {path}")


def subset_options(*, cff: bool) -> subset.Options:
    options = subset.Options()
    options.layout_features = ["*"]  # keep all OpenType features (Arabic shaping, locl, ...)
    options.name_IDs = ["*"]  # keep copyright, licence and trademark strings
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = True
    options.desubroutinize = cff  # flat CFF charstrings compress better with Brotli
    options.flavor = "woff2"
    return options


def build_face(source: Path, unicodes: set[int], out_path: Path) -> set[int]:
    font = load_font(source)
    options = subset_options(cff="CFF " in font)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(out_path)
    return set(font.getBestCmap())


def write_css(out_dir: Path, faces: list[Face]) -> Path:
    blocks = [CSS_HEADER, CSS_ROOT]
    for face in faces:
        blocks.append(
            "@font-face {\n"
            f'  font-family: "{face.family}";\n'
            "  font-style: normal;\n"
            f"  font-weight: {face.weight};\n"
            "  font-display: swap;\n"
            f'  src: url("{face.output_name}") format("woff2");\n'
            f"  unicode-range: {css_unicode_range(face.css_ranges)};\n"
            "}\n"
        )
    css_path = out_dir / "fonts.css"
    css_path.write_text("\n".join(blocks), encoding="utf-8")
    return css_path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--font-root",
        type=Path,
        default=DEFAULT_FONT_ROOT,
        help="directory searched for the Noto source files (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)"
    )
    parser.add_argument(
        "--text",
        type=Path,
        action="append",
        dest="text_files",
        help="UTF-8 file whose characters must all be in the fonts; repeatable "
        "(default: the M49 and member-state reference CSV files)",
    )
    parser.add_argument(
        "--no-cjk-bold",
        action="store_true",
        help="skip the bold CJK face (browsers then synthesise bold)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[face.key for face in FACES],
        help="rebuild only this face (repeatable); the others are kept as they are",
    )
    for face in FACES:
        parser.add_argument(
            f"--{face.key}",
            type=Path,
            metavar="PATH",
            help=f"source font (default: {face.source_name} under --font-root)",
        )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    text_files = args.text_files or list(DEFAULT_TEXT_FILES)
    text_chars = text_characters(text_files)

    wanted = {
        "Infobase Sans": ranges_to_set(SANS_RANGES),
        "Infobase Arabic": ranges_to_set(ARABIC_RANGES) | ranges_to_set(ARABIC_FILE_EXTRA),
        "Infobase CJK": ranges_to_set(CJK_BASE_RANGES) | gb2312_characters() | text_chars,
        "Infobase Math": ranges_to_set(MATH_RANGES),
    }

    args.out.mkdir(parents=True, exist_ok=True)
    covered: set[int] = set()
    built: list[Face] = []
    for face in FACES:
        if args.only and face.key not in args.only:
            existing = args.out / face.output_name
            if existing.exists():  # keep its file and CSS as they are
                covered |= set(TTFont(existing).getBestCmap()) & ranges_to_set(face.css_ranges)
                built.append(face)
            continue
        if face.key == "cjk-bold" and args.no_cjk_bold:
            (args.out / face.output_name).unlink(missing_ok=True)
            continue
        source = getattr(args, face.key.replace("-", "_")) or find_source(
            args.font_root, face.source_name
        )
        out_path = args.out / face.output_name
        cmap = build_face(source, wanted[face.family], out_path)
        # Only count characters the browser will actually take from this face.
        covered |= cmap & ranges_to_set(face.css_ranges)
        built.append(face)
        size_kib = out_path.stat().st_size / 1024
        print(f"{out_path.name:34} {len(cmap):6} chars {size_kib:8.1f} KiB  <- {source}")

    css_path = write_css(args.out, built)
    print(f"wrote {css_path}")

    missing = sorted(cp for cp in text_chars - covered if not chr(cp).isspace())
    if missing:
        listing = " ".join(f"U+{cp:04X}({chr(cp)})" for cp in missing)
        print(f"warning: characters of the reference texts not covered: {listing}")
        return 1
    print(f"all {len(text_chars)} distinct characters of the reference texts are covered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
