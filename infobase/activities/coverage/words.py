"""Words and places the suggestions compare.

**Words** (``words``) are language-agnostic: folded (``infobase.core.text.fold``: case, accents,
Arabic spelling variants), Chinese cut into character pairs, Arabic without its article "ال",
other words shorter than 4 letters (3 in Arabic) and a few stop words dropped, and every word
cut to its first 6 letters (a crude stem: "laundering"/"launder",
"criminalization"/"criminalisation").

**Regions** (``region_states``): an IATI region (vocabulary 1, the OECD DAC regions) is mapped
to States through the UN M49 sub-regions (``IATI_REGION_M49``; ``M49_AREAS`` copied from the
UNSD M49 overview, 2024); the mapping is approximate where DAC and M49 regions differ (e.g.
"Middle East" is M49 Western Asia) and "Developing countries, unspecified" (998) maps to no
State.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from infobase.core.text import fold

# UN M49 (UNSD overview, 2024): most specific area → (its States, the areas above it).
M49_AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "005": ("ARG BOL BRA CHL COL ECU GUY PER PRY SUR URY VEN", ("419", "019")),  # South America
    "011": ("BEN BFA CIV CPV GHA GIN GMB GNB LBR MLI MRT NER NGA SEN SLE TGO", ("202", "002")),
    "013": ("BLZ CRI GTM HND MEX NIC PAN SLV", ("419", "019")),  # Central America
    "014": (
        "BDI COM DJI ERI ETH KEN MDG MOZ MUS MWI RWA SOM SSD SYC TZA UGA ZMB ZWE",
        ("202", "002"),
    ),  # Eastern Africa
    "015": ("DZA EGY LBY MAR SDN TUN", ("002",)),  # Northern Africa
    "017": ("AGO CAF CMR COD COG GAB GNQ STP TCD", ("202", "002")),  # Middle Africa
    "018": ("BWA LSO NAM SWZ ZAF", ("202", "002")),  # Southern Africa
    "021": ("CAN USA", ("019",)),  # Northern America
    "029": ("ATG BHS BRB CUB DMA DOM GRD HTI JAM KNA LCA TTO VCT", ("419", "019")),  # Caribbean
    "030": ("CHN JPN KOR MNG PRK", ("142",)),  # Eastern Asia
    "034": ("AFG BGD BTN IND IRN LKA MDV NPL PAK", ("142",)),  # Southern Asia
    "035": ("BRN IDN KHM LAO MMR MYS PHL SGP THA TLS VNM", ("142",)),  # South-eastern Asia
    "039": ("ALB AND BIH ESP GRC HRV ITA MKD MLT MNE PRT SMR SRB SVN VAT", ("150",)),
    "053": ("AUS NZL", ("009",)),  # Australia and New Zealand
    "054": ("FJI PNG SLB VUT", ("009",)),  # Melanesia
    "057": ("FSM KIR MHL NRU PLW", ("009",)),  # Micronesia
    "061": ("TON TUV WSM", ("009",)),  # Polynesia
    "143": ("KAZ KGZ TJK TKM UZB", ("142",)),  # Central Asia
    "145": ("ARE ARM AZE BHR CYP GEO IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR TUR YEM", ("142",)),
    "151": ("BGR BLR CZE HUN MDA POL ROU RUS SVK UKR", ("150",)),  # Eastern Europe
    "154": ("DNK EST FIN GBR IRL ISL LTU LVA NOR SWE", ("150",)),  # Northern Europe
    "155": ("AUT BEL CHE DEU FRA LIE LUX MCO NLD", ("150",)),  # Western Europe
}
# IATI Region (vocabulary 1, OECD DAC) → M49 areas, or explicit ISO codes.
IATI_REGION_M49: dict[str, tuple[str, ...]] = {
    "88": ("BIH", "HRV", "MKD", "MNE", "SRB", "SVN"),  # States ex-Yugoslavia
    "89": ("150",),  # Europe
    "189": ("015",),  # North of Sahara
    "289": ("202",),  # South of Sahara
    "298": ("002",),  # Africa
    "380": ("029",),  # West Indies
    "389": ("029", "013"),  # Caribbean & Central America
    "489": ("005",),  # South America
    "498": ("019",),  # America
    "589": ("145",),  # Middle East
    "619": ("143",),  # Central Asia
    "679": ("034",),  # South Asia
    "689": ("034", "143"),  # South & Central Asia
    "789": ("030", "035"),  # Far East Asia
    "798": ("142",),  # Asia
    "889": ("009",),  # Oceania
    "1027": ("014",),
    "1028": ("017",),
    "1029": ("018",),
    "1030": ("011",),
    "1031": ("029",),
    "1032": ("013",),
    "1033": ("054",),
    "1034": ("057",),
    "1035": ("061",),
}


def region_states(code: str) -> frozenset[str]:
    """ISO3 codes of the States an IATI region (vocabulary 1) contains (empty if unknown)."""
    out: set[str] = set()
    for part in IATI_REGION_M49.get(code.strip(), ()):
        if len(part) == 3 and part.isalpha():
            out.add(part)
            continue
        for leaf, (isos, above) in M49_AREAS.items():
            if part == leaf or part in above:
                out.update(isos.split())
    return frozenset(out)


STEM = 6
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_STOP = {
    "en": "with against from into their other measures",
    "fr": "avec contre pour dans leurs autres mesures",
    "es": "para contra sobre entre otras medidas",
    "ru": "против также других меры",
    "ar": "الى على التي الذي وفي",
}
STOP_WORDS = frozenset(fold(w) for line in _STOP.values() for w in line.split())


def words(text: str) -> set[str]:
    """Folded, stemmed words of ``text`` in any language (see the module's docstring)."""
    out: set[str] = set()
    folded = fold(text)
    for chunk in _CJK.findall(folded):
        if len(chunk) == 1:
            out.add(chunk)
        out.update(chunk[i : i + 2] for i in range(len(chunk) - 1))
    for word in _WORD.findall(_CJK.sub(" ", folded)):
        if word.isdigit() or word in STOP_WORDS:
            continue
        if _ARABIC.match(word):
            if word.startswith("ال") and len(word) > 4:
                word = word[2:]
            if len(word) < 3:
                continue
        elif len(word) < 4:
            continue
        out.add(word[:STEM])
    return out


def texts_of(value: Any) -> Iterable[str]:
    """The non-empty texts of a translated field (a dict by language) or of a plain value."""
    if isinstance(value, dict):
        return (str(v) for v in value.values() if v)
    return (str(value),) if value else ()
