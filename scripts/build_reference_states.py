#!/usr/bin/env python3
"""Build the reference data shipped with the app from the shared, read-only source files.

Writes, under infobase/reference/data/:

* states.csv - the 193 Member States plus the two non-member observer States, with UNSD M49
  names, UNTERM formal names, the DGACM regional group and legal-system families;
* participation.csv - signatures and consents for UNTOC and its three Protocols (2014 snapshot).

Usage, from the repository root::

    python scripts/build_reference_states.py [--shared ../shared/data/reference]

The rules applied here are described in infobase/reference/data/states.SOURCES.md.
Standard library only, so that it runs without the app's dependencies.
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = "../shared/data/reference"
OUT_DIR = REPO_ROOT / "infobase" / "reference" / "data"

LANGS = ("ar", "zh", "en", "fr", "ru", "es")
FAMILIES = ("civil", "common", "islamic", "customary")

STATE_COLUMNS = [
    "iso3",
    "iso2",
    "m49",
    "un_status",
    *(f"name_{lang}" for lang in LANGS),
    *(f"formal_name_{lang}" for lang in LANGS),
    "regional_group",
    "regional_group_listed",
    *(f"legal_{family}" for family in FAMILIES),
    "legal_system_factbook",
    "legal_system_juriglobe",
    "legal_system_note",
]
PARTICIPATION_COLUMNS = [
    "instrument",
    "iso3",
    "signature_date",
    "consent_date",
    "consent_type",
    "as_of",
]

UN_STATUS = {"member_state": "member_state", "non_member_observer_state": "observer_state"}

REGIONAL_GROUPS = {
    "African States": "african",
    "Asia-Pacific States": "asia_pacific",
    "Eastern European States": "eastern_european",
    "Latin American and Caribbean States": "latin_american_caribbean",
    "Western European and other States": "weog",
}
EXPECTED_GROUP_COUNTS = {
    "african": 54,
    "asia_pacific": 53,
    "eastern_european": 23,
    "latin_american_caribbean": 33,
    "weog": 29,
    "": 3,
}
# The DGACM special cases, checked explicitly so that a changed source cannot slip through.
EXPECTED_GROUPS = {"TUR": "weog", "USA": "weog", "ISR": "weog", "KIR": "", "VAT": "", "PSE": ""}

# UNTERM formal names that changed after the pre-2022 edition held in the shared data.
# Only names we are sure of; every entry is listed in states.SOURCES.md.
FORMAL_NAME_FIXES: dict[tuple[str, str], str] = {
    ("TUR", "en"): "the Republic of Türkiye",
    ("TUR", "fr"): "la République de Türkiye",
    ("TUR", "es"): "la República de Türkiye",
}

# --- Legal systems ---------------------------------------------------------------------------

# Phrases removed from the Factbook text before the keyword rules run. A family mentioned only
# as an influence, a sub-national exception, a negation or a former state of affairs is not
# counted; the full text stays in legal_system_factbook.
INFLUENCE_PATTERNS = [
    re.compile(r"\([^)]*\binfluenced by\b[^)]*\)", re.IGNORECASE),
    re.compile(r"\b(?:influenced|modified) by\b[^;,]*", re.IGNORECASE),
    re.compile(r"\bwith influences? from\b[^;]*", re.IGNORECASE),
    re.compile(r"\bwith (?:the |some |minor )?[^;,]*?\binfluences?\b", re.IGNORECASE),
    re.compile(r"\bwith some elements of\b[^;]*", re.IGNORECASE),
    re.compile(r"\breflects\b[^;]*", re.IGNORECASE),
]
EXCEPTION_PATTERN = re.compile(r"\bexcept\b[^;]*", re.IGNORECASE)
NEGATION_PATTERN = re.compile(r"\b(?:no|not|without)\b[^;,]*", re.IGNORECASE)
# "before the Taliban takeover, ...", "formerly, ...": used only if nothing else names a family.
HISTORICAL_PATTERN = re.compile(r"\b(?:before|formerly)\b[^;]*", re.IGNORECASE)

FAMILY_KEYWORDS: dict[str, re.Pattern[str]] = {
    "civil": re.compile(
        r"\bcivil\b|\bRoman-Dutch\b|\bNapoleonic\b|\bFrench law\b|\bRoman law\b", re.IGNORECASE
    ),
    "common": re.compile(r"\bcommon\b|\bAnglo-(?:Saxon|American) law\b", re.IGNORECASE),
    "islamic": re.compile(r"\bIslamic\b|\bsharia\b|\bMuslims?\b", re.IGNORECASE),
    "customary": re.compile(r"\bcustomary\b|\btraditional law\b|\btribal law\b", re.IGNORECASE),
}

# States for which neither source names a family (Factbook: no entry or "in flux";
# JuriGlobe 2018: "in transition"). Project decision, documented in states.SOURCES.md.
MANUAL_FAMILIES: dict[str, tuple[str, ...]] = {
    "LBY": ("civil", "islamic"),
    "SSD": ("common", "customary"),
}

JURIGLOBE_SYSTEMS = {
    "Civil Law": "civil",
    "Common law": "common",
    "Muslim Law": "islamic",
    "Customary": "customary",
    "Mixed": "mixed",
    "NA": "transitional",
}

# --- Participation ---------------------------------------------------------------------------

INSTRUMENTS = {
    "XVIII-12": ("untoc", "2014-01-27"),
    "XVIII-12-a": ("tip", "2014-01-27"),
    "XVIII-12-b": ("som", "2014-07-10"),
    "XVIII-12-c": ("firearms", "2014-07-10"),
}
CONSENT_TYPES = {"ratification", "accession", "acceptance", "approval", "succession"}
# Parties to UNTOC in 2014 that are States but not among the 195 (self-governing States in
# free association with New Zealand). Left out like the EU, and counted.
NON_UN_STATES = {"COK", "NIU"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BuildError(Exception):
    """Raised when the sources do not match what this script expects."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BuildError(message)


def read_rows(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: several source files start with a BOM.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, columns: list[str], rows: Iterable[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=columns, quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


def clean_text(value: str) -> str:
    """Drop HTML markup left in scraped text and collapse runs of whitespace."""
    value = html.unescape(re.sub(r"<[^>]+>", "", value))
    return " ".join(value.split())


# --- States ----------------------------------------------------------------------------------


def load_m49(shared: Path) -> dict[str, dict[str, str]]:
    """ISO3 -> iso2, m49 and the M49 name in each language (UNSD files say "cn" for "zh")."""
    result: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        source_lang = "cn" if lang == "zh" else lang
        for row in read_rows(shared / "m49" / f"unsd_m49_overview_{source_lang}.csv"):
            iso3 = row["ISO-alpha3 Code"].strip()
            if not iso3:
                continue
            entry = result.setdefault(
                iso3, {"iso2": row["ISO-alpha2 Code"], "m49": row["M49 Code"].zfill(3)}
            )
            check(entry["m49"] == row["M49 Code"].zfill(3), f"M49 code differs for {iso3}")
            entry[f"name_{lang}"] = clean_text(row["Country or Area"])
    return result


def build_states(shared: Path) -> dict[str, dict[str, str]]:
    m49 = load_m49(shared)
    names = {row["iso3"]: row for row in read_rows(shared / "un_member_states_names_6lang.csv")}
    states: dict[str, dict[str, str]] = {}
    for row in read_rows(shared / "un_member_states_regional_groups.csv"):
        iso3 = row["iso3"]
        codes = m49.get(iso3)
        check(codes is not None, f"{iso3} missing from the M49 files")
        assert codes is not None
        check(codes["m49"] == row["m49"].zfill(3), f"M49 code differs for {iso3}")
        check(row["un_status"] in UN_STATUS, f"unknown un_status {row['un_status']!r}")
        state = {
            "iso3": iso3,
            "iso2": codes["iso2"],
            "m49": codes["m49"],
            "un_status": UN_STATUS[row["un_status"]],
        }
        for lang in LANGS:
            state[f"name_{lang}"] = codes[f"name_{lang}"]
            # The M49 names in the derived 6-language file must be the ones in the M49 files.
            source_lang = "cn" if lang == "zh" else lang
            check(
                clean_text(names[iso3][f"m49_name_{source_lang}"]) == state[f"name_{lang}"],
                f"M49 name mismatch for {iso3} ({lang})",
            )
            formal = clean_text(names[iso3][f"unterm_formal_{lang}"])
            # " *" marks observer States and " **" associated States in UNTERM.
            formal = re.sub(r"\s*\*+$", "", formal)
            state[f"formal_name_{lang}"] = FORMAL_NAME_FIXES.get((iso3, lang), formal)
        state["regional_group"] = group_code(row["regional_group_electoral"])
        state["regional_group_listed"] = ";".join(
            group_code(label) for label in row["regional_group_listed"].split(";") if label
        )
        states[iso3] = state
    return states


def group_code(label: str) -> str:
    label = clean_text(label)
    if not label:
        return ""
    check(label in REGIONAL_GROUPS, f"unknown regional group {label!r}")
    return REGIONAL_GROUPS[label]


# --- Legal systems ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JuriGlobe:
    families: frozenset[str]
    text: str


def families_in(text: str) -> set[str]:
    return {family for family, pattern in FAMILY_KEYWORDS.items() if pattern.search(text)}


def factbook_families(text: str) -> tuple[set[str], bool]:
    """Families named by a Factbook entry, and whether they came from a historical clause."""
    for pattern in INFLUENCE_PATTERNS:
        text = pattern.sub(" ", text)
    text = EXCEPTION_PATTERN.sub(" ", text)
    text = NEGATION_PATTERN.sub(" ", text)
    current = families_in(HISTORICAL_PATTERN.sub(" ", text))
    if current:
        return current, False
    return families_in(text), True


def load_factbook(shared: Path) -> dict[str, str]:
    rows = read_rows(shared / "legal_systems" / "cia_world_factbook_legal_system.csv")
    result: dict[str, str] = {}
    for row in rows:
        iso3, text = row["iso3_via_fips"], clean_text(row["legal_system"])
        if iso3 and text:
            check(iso3 not in result, f"two Factbook entries for {iso3}")
            result[iso3] = text
    return result


def load_juriglobe(shared: Path) -> dict[str, JuriGlobe]:
    folder = shared / "legal_systems"
    raw = read_rows(folder / "juriglobe_2018_raw.csv")
    coded = read_rows(folder / "juriglobe_2018_iso3.csv")
    # The ISO3 file is the raw file with codes added, row for row; check that they line up.
    check(len(raw) == len(coded), "JuriGlobe raw and ISO3 files differ in length")
    result: dict[str, JuriGlobe] = {}
    for raw_row, row in zip(raw, coded, strict=True):
        iso3 = row["cc_iso3c"]
        check(
            JURIGLOBE_SYSTEMS.get(raw_row["legal_system"]) == row["legal_system"],
            f"JuriGlobe raw and ISO3 rows do not line up at {iso3} / {raw_row['state']}",
        )
        families = frozenset(f for f in FAMILIES if row[f"legal_{f}"] == "TRUE")
        parts = [
            value
            for value in (raw_row["legal_system_details"], raw_row["legal_system_exceptions"])
            if value != "NA"
        ]
        if raw_row["legal_system_details"] == "NA" and raw_row["legal_system"] != "NA":
            parts.insert(0, raw_row["legal_system"])
        result[iso3] = JuriGlobe(families, clean_text(" ".join(parts)))
    return result


def describe(families: Iterable[str]) -> str:
    ordered = [f for f in FAMILIES if f in set(families)]
    return ", ".join(ordered) if ordered else "none (in transition)"


def add_legal_systems(states: dict[str, dict[str, str]], shared: Path) -> list[str]:
    """Fill the legal_* columns; return the ISO3 codes where the two sources disagree."""
    factbook = load_factbook(shared)
    juriglobe = load_juriglobe(shared)
    disagreements: list[str] = []
    for iso3, state in states.items():
        check(iso3 in juriglobe, f"{iso3} missing from JuriGlobe")
        jg = juriglobe[iso3]
        text = factbook.get(iso3, "")
        fb, historical = factbook_families(text) if text else (set(), False)
        if iso3 in MANUAL_FAMILIES:
            # Fail if a source starts naming families, so that the hand-set ones get reviewed.
            check(not fb and not jg.families, f"manual legal families for {iso3} are stale")
            families = set(MANUAL_FAMILIES[iso3])
            reason = "No Factbook entry" if not text else "The Factbook text names no family"
            note = (
                f"{reason} and JuriGlobe (2018) classes the State as in transition; "
                f"families ({describe(families)}) set by hand, see states.SOURCES.md."
            )
        elif not fb:
            check(bool(jg.families), f"no legal family for {iso3} in either source")
            families = set(jg.families)
            reason = "No Factbook entry" if not text else "The Factbook text names no family"
            note = f"{reason}; families from JuriGlobe (2018): {describe(families)}."
        else:
            families = fb
            note = ""
            if fb != jg.families:
                disagreements.append(iso3)
                clause = " (from its 'formerly'/'before' clause)" if historical else ""
                note = (
                    f"Factbook{clause}: {describe(fb)}; JuriGlobe (2018): "
                    f"{describe(jg.families)} — families follow the Factbook."
                )
        check(bool(families), f"no legal family for {iso3}")
        for family in FAMILIES:
            state[f"legal_{family}"] = "1" if family in families else "0"
        state["legal_system_factbook"] = text
        state["legal_system_juriglobe"] = jg.text
        state["legal_system_note"] = note
    return disagreements


# --- Participation ---------------------------------------------------------------------------


def build_participation(
    shared: Path, iso3_codes: set[str]
) -> tuple[list[dict[str, str]], Counter[str]]:
    skipped: Counter[str] = Counter()
    rows: list[dict[str, str]] = []
    source = shared / "untc" / "untoc_protocols_status_2014_tidy.csv"
    for row in read_rows(source):
        check(row["mtdsg_no"] in INSTRUMENTS, f"unknown instrument {row['mtdsg_no']!r}")
        instrument, as_of = INSTRUMENTS[row["mtdsg_no"]]
        if row["is_regional_org"] == "yes":
            skipped[f"{instrument}: {row['participant_untc']}"] += 1
            continue
        iso3 = row["iso3"]
        if iso3 in NON_UN_STATES:
            skipped[f"{instrument}: {row['participant_untc']}"] += 1
            continue
        check(iso3 in iso3_codes, f"participant {row['participant_untc']!r} ({iso3!r}) unknown")
        consent_type = row["consent_type"]
        # Scrape defect (SOURCES.md): an accession that lost its "a" suffix. A ratification
        # presupposes a signature, so a "ratification" with no signature is an accession.
        if consent_type == "ratification" and not row["signature_date"]:
            consent_type = "accession"
        for field in ("signature_date", "consent_date"):
            value = row[field]
            check(not value or bool(DATE_RE.match(value)), f"bad {field} {value!r} for {iso3}")
        check(
            consent_type in CONSENT_TYPES if row["consent_date"] else not consent_type,
            f"bad consent_type {consent_type!r} for {iso3} ({instrument})",
        )
        check(
            bool(row["signature_date"] or row["consent_date"]),
            f"{iso3} has neither signature nor consent for {instrument}",
        )
        rows.append(
            {
                "instrument": instrument,
                "iso3": iso3,
                "signature_date": row["signature_date"],
                "consent_date": row["consent_date"],
                "consent_type": consent_type,
                "as_of": as_of,
            }
        )
    order = {code: index for index, (code, _) in enumerate(INSTRUMENTS.values())}
    rows.sort(key=lambda r: (r["iso3"], order[r["instrument"]]))
    keys = Counter((r["instrument"], r["iso3"]) for r in rows)
    duplicates = [key for key, count in keys.items() if count > 1]
    check(not duplicates, f"duplicate participation rows: {duplicates}")
    return rows, skipped


# --- Main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        default=DEFAULT_SHARED,
        help=f"source folder, relative to the repository root (default: {DEFAULT_SHARED})",
    )
    args = parser.parse_args(argv)
    shared = (REPO_ROOT / args.shared).resolve()

    states = build_states(shared)
    check(len(states) == 195, f"expected 195 States, got {len(states)}")
    statuses = Counter(s["un_status"] for s in states.values())
    check(statuses == {"member_state": 193, "observer_state": 2}, f"statuses: {statuses}")
    groups = Counter(s["regional_group"] for s in states.values())
    check(groups == EXPECTED_GROUP_COUNTS, f"regional group counts: {dict(groups)}")
    for iso3, expected in EXPECTED_GROUPS.items():
        check(states[iso3]["regional_group"] == expected, f"regional group of {iso3}")
    for state in states.values():
        for column in STATE_COLUMNS[:10]:
            check(bool(state[column]), f"{state['iso3']}: empty {column}")

    disagreements = add_legal_systems(states, shared)
    ordered_states = [states[iso3] for iso3 in sorted(states)]
    write_rows(OUT_DIR / "states.csv", STATE_COLUMNS, ordered_states)

    participation, skipped = build_participation(shared, set(states))
    write_rows(OUT_DIR / "participation.csv", PARTICIPATION_COLUMNS, participation)

    print("States:", len(states), dict(statuses))
    print("Regional groups:", {k or "(none)": v for k, v in sorted(groups.items())})
    families = {f: sum(s[f"legal_{f}"] == "1" for s in states.values()) for f in FAMILIES}
    print("Legal families:", families)
    print(f"Factbook/JuriGlobe disagreements ({len(disagreements)}):", *sorted(disagreements))
    print("Participation (States only):")
    for instrument, _ in INSTRUMENTS.values():
        selected = [r for r in participation if r["instrument"] == instrument]
        parties = sum(bool(r["consent_date"]) for r in selected)
        print(f"  {instrument}: {parties} parties, {len(selected) - parties} signatories only")
    print("Left out of participation.csv:", dict(sorted(skipped.items())))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BuildError as error:
        sys.exit(f"build_reference_states: {error}")
