"""Regions a TA activity may name as its recipient, by the reader's language.

IATI names a region in a vocabulary: 1, the OECD DAC regions (the IATI ``Region`` codelist,
English and French names); 2, the UN M49 regions, named here in the six languages from
``data/m49_regions.csv`` (UNSD; see ``data/SOURCES.md``). The two vocabularies' codes do not
overlap (a test holds it), so a code alone says which it is.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

from infobase.core.i18n import field_suffix
from infobase.reference.models import CodelistItem

M49_FILE = Path(__file__).resolve().parent / "data" / "m49_regions.csv"


def m49_code(code: str) -> str:
    """An M49 code as UNSD writes it (three digits): IATI files write "1" or "001"."""
    return code.strip().zfill(3) if code.strip().isdigit() else code.strip()


@cache
def m49_names() -> dict[str, dict[str, str]]:
    """M49 region code (three digits) → language suffix (``ar``, ``en`` … ``zh``) → name."""
    with M49_FILE.open(encoding="utf-8", newline="") as source:
        return {
            row["code"]: {key[5:]: value for key, value in row.items() if key.startswith("name_")}
            for row in csv.DictReader(source)
        }


def region_names(codes: Collection[str], *, lang: str | None = None) -> dict[str, str]:
    """Each of ``codes`` that names a region → its name in ``lang`` (default: the active
    language): an M49 region in that language, a DAC region in French for a French reader
    and in English otherwise (the codelist has no other). Codes of neither are left out."""
    suffix = field_suffix(lang or get_language())
    names: dict[str, str] = {}
    dac: list[str] = []
    for code in codes:
        m49 = m49_names().get(m49_code(code))
        if m49 is not None:
            names[code] = m49.get(suffix) or m49["en"]
        else:
            dac.append(code)
    if dac:
        for code, english, french in CodelistItem.objects.filter(
            codelist__name="Region", code__in=dac
        ).values_list("code", "name_en", "name_fr"):
            names[code] = (french if suffix == "fr" and french else english) or code
    return names


def name_regions(recipients: Iterable[Any]) -> None:
    """Give each recipient that is a region (no State) its ``region_name`` in the active
    language, in one read for all (an activity's recipients, a page of activities')."""
    regions = [r for r in recipients if r.state_id is None]
    names = region_names({r.region_code for r in regions})
    for recipient in regions:
        recipient.region_name = names.get(recipient.region_code, "")
