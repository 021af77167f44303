"""Loaders for the reference CSV files shipped in ``infobase/reference/data``.

Each loader validates the whole file first (problems name file, line and column), then writes
in one transaction, touching only rows that changed so that re-loading is idempotent and the
history shows real changes only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.core import figures
from infobase.core.errors import InputProblem, text_problem
from infobase.core.history import reason_with
from infobase.core.i18n import FIELD_LANGUAGES
from infobase.reference.loaders.codelists import load_codelists
from infobase.reference.loaders.csvio import (
    Column,
    Row,
    parse_choice,
    parse_code,
    parse_date,
    parse_flag,
    raise_if,
    read_csv,
    upsert,
)
from infobase.reference.models import (
    Article,
    ConsentType,
    Instrument,
    Organization,
    OrganizationKind,
    Participation,
    RegionalGroup,
    State,
    UNStatus,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass
class LoadResult:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, model: str, outcome: str) -> None:
        self.counts[f"{model}.{outcome}"] += 1


def six(prefix: str, *, english_required: bool = True) -> list[Column]:
    return [
        Column(f"{prefix}_{suffix}", required=english_required and suffix == "en")
        for suffix in FIELD_LANGUAGES
    ]


def duplicates(rows: Iterable[Row], key: tuple[str, ...], *, name: str) -> list[InputProblem]:
    seen: dict[tuple[Any, ...], int] = {}
    problems = []
    for row in rows:
        value = tuple(row.values.get(k) for k in key)
        if value in seen:
            problems.append(
                InputProblem(
                    name,
                    _("duplicate of line %(line)s.") % {"line": seen[value]},
                    row.line,
                    key[-1],
                )
            )
        else:
            seen[value] = row.line
    return problems


# --- States -----------------------------------------------------------------------------

STATE_COLUMNS = [
    Column("iso3", parse_code(3), required=True),
    Column("iso2", parse_code(2), required=True),
    Column("m49", parse_code(3, digits=True), required=True),
    Column("un_status", parse_choice(UNStatus), required=True),
    *six("name"),
    *six("formal_name", english_required=False),
    Column("regional_group", parse_choice(RegionalGroup)),
    Column("regional_group_listed"),
    Column("legal_civil", parse_flag),
    Column("legal_common", parse_flag),
    Column("legal_islamic", parse_flag),
    Column("legal_customary", parse_flag),
    Column("legal_system_factbook"),
    Column("legal_system_juriglobe"),
    Column("legal_system_note"),
]


def load_states(source: Path | IO[bytes], *, name: str = "states.csv") -> LoadResult:
    rows, problems = read_csv(source, name=name, columns=STATE_COLUMNS, model=State)
    problems += duplicates(rows, ("iso3",), name=name)
    problems += duplicates(rows, ("iso2",), name=name)
    problems += duplicates(rows, ("m49",), name=name)
    for row in rows:
        families = ("legal_civil", "legal_common", "legal_islamic", "legal_customary")
        if not any(row.values.get(f) for f in families):
            problems.append(
                InputProblem(
                    name, _("at least one legal family is required."), row.line, "legal_civil"
                )
            )
    raise_if(problems)
    result = LoadResult()
    reason = reason_with(gettext_noop("Loaded from %(file)s"), file=name)
    with transaction.atomic():
        for row in rows:
            values = dict(row.values)
            iso3 = values.pop("iso3")
            result.add("state", upsert(State, lookup={"iso3": iso3}, values=values, reason=reason))
    return result


# --- Instruments and articles -----------------------------------------------------------

INSTRUMENT_COLUMNS = [
    Column("code", required=True),
    Column("mtdsg_no", required=True),
    Column("parent"),
    Column("position", int),
    Column("adopted_by"),
    Column("adoption_date", parse_date),
    Column("entry_into_force", parse_date),
    *six("short_name"),
    *six("title"),
]

ARTICLE_COLUMNS = [
    Column("instrument", required=True),
    Column("number", int, required=True),
    *six("title"),
    Column("paragraph_count", lambda v: int(v) if v else None),
]


def load_instruments(
    instruments: Path | IO[bytes],
    articles: Path | IO[bytes],
    *,
    names: tuple[str, str] = ("instruments.csv", "articles.csv"),
) -> LoadResult:
    inst_rows, problems = read_csv(
        instruments, name=names[0], columns=INSTRUMENT_COLUMNS, model=Instrument
    )
    art_rows, art_problems = read_csv(
        articles, name=names[1], columns=ARTICLE_COLUMNS, model=Article
    )
    problems += art_problems + duplicates(inst_rows, ("code",), name=names[0])
    problems += duplicates(art_rows, ("instrument", "number"), name=names[1])
    codes = {row.values["code"] for row in inst_rows}
    codes |= set(Instrument.objects.values_list("code", flat=True))
    for row in inst_rows:
        parent = row.values.get("parent")
        if parent and parent not in codes:
            problems.append(
                InputProblem(
                    names[0],
                    _("unknown instrument “%(code)s”.") % {"code": parent},
                    row.line,
                    "parent",
                )
            )
    for row in art_rows:
        if row.values.get("instrument") not in codes:
            problems.append(
                InputProblem(
                    names[1],
                    _("unknown instrument “%(code)s”.") % {"code": row.values.get("instrument")},
                    row.line,
                    "instrument",
                )
            )
    raise_if(problems)
    result = LoadResult()
    reason = reason_with(gettext_noop("Loaded from %(file)s"), file=names[0])
    with transaction.atomic():
        # Parents first, so protocols can point at the Convention.
        for row in sorted(inst_rows, key=lambda r: bool(r.values["parent"])):
            values = dict(row.values)
            code = values.pop("code")
            parent = values.pop("parent")
            values["parent_id"] = Instrument.objects.get(code=parent).pk if parent else None
            result.add(
                "instrument",
                upsert(Instrument, lookup={"code": code}, values=values, reason=reason),
            )
        by_code = {i.code: i.pk for i in Instrument.objects.all()}
        for row in art_rows:
            values = dict(row.values)
            lookup = {
                "instrument_id": by_code[values.pop("instrument")],
                "number": values.pop("number"),
            }
            result.add("article", upsert(Article, lookup=lookup, values=values, reason=reason))
    return result


# --- Participation ----------------------------------------------------------------------

PARTICIPATION_COLUMNS = [
    Column("instrument", required=True),
    Column("iso3", parse_code(3), required=True),
    Column("signature_date", parse_date),
    Column("consent_date", parse_date),
    Column("consent_type", parse_choice(ConsentType)),
    Column("as_of", parse_date, required=True),
]


def import_participation(
    source: Path | IO[bytes], *, name: str = "participation.csv", source_label: str = ""
) -> LoadResult:
    """Create or update participation records from a CSV (see ``data/participation.csv``).

    Rows of States or instruments not in the file are left as they are.
    """
    rows, problems = read_csv(source, name=name, columns=PARTICIPATION_COLUMNS, model=Participation)
    problems += duplicates(rows, ("instrument", "iso3"), name=name)
    states = dict(State.objects.values_list("iso3", "pk"))
    instruments = dict(Instrument.objects.values_list("code", "pk"))
    for row in rows:
        v = row.values
        if v.get("instrument") and v["instrument"] not in instruments:
            problems.append(
                InputProblem(
                    name,
                    _("unknown instrument “%(code)s”.") % {"code": v["instrument"]},
                    row.line,
                    "instrument",
                )
            )
        if v.get("iso3") and v["iso3"] not in states:
            problems.append(
                InputProblem(
                    name, _("unknown State “%(code)s”.") % {"code": v["iso3"]}, row.line, "iso3"
                )
            )
        if v.get("consent_date") and not v.get("consent_type"):
            problems.append(
                InputProblem(
                    name,
                    _("a kind of consent is required with a consent date."),
                    row.line,
                    "consent_type",
                )
            )
        if v.get("consent_type") and not v.get("consent_date"):
            problems.append(
                InputProblem(
                    name, _("a kind of consent needs a consent date."), row.line, "consent_date"
                )
            )
        if not v.get("signature_date") and not v.get("consent_date") and "signature_date" in v:
            problems.append(
                InputProblem(
                    name,
                    _("a signature or a consent date is required."),
                    row.line,
                    "signature_date",
                )
            )
        sig, consent = v.get("signature_date"), v.get("consent_date")
        if sig and consent and consent < sig:
            problems.append(
                InputProblem(name, _("consent precedes signature."), row.line, "consent_date")
            )
    if said := text_problem(source_label or name, Participation._meta.get_field("source")):
        problems.append(InputProblem(name, said, column="source"))
    raise_if(problems)
    result = LoadResult()
    reason = reason_with(gettext_noop("Imported from %(file)s"), file=name)
    with transaction.atomic():
        for row in rows:
            v = dict(row.values)
            lookup = {
                "state_id": states[v.pop("iso3")],
                "instrument_id": instruments[v.pop("instrument")],
            }
            v["source"] = source_label or name
            result.add(
                "participation", upsert(Participation, lookup=lookup, values=v, reason=reason)
            )
    return result


# --- Organizations ----------------------------------------------------------------------

ORGANIZATION_COLUMNS = [
    Column("code", required=True),
    Column("acronym"),
    *six("name"),
    Column("kind", parse_choice(OrganizationKind), required=True),
    Column("iati_ref"),
    Column("iati_type"),
    Column("state_iso3", parse_code(3)),
    Column("website"),
]


def load_organizations(source: Path | IO[bytes], *, name: str = "organizations.csv") -> LoadResult:
    rows, problems = read_csv(source, name=name, columns=ORGANIZATION_COLUMNS, model=Organization)
    problems += duplicates(rows, ("code",), name=name)
    states = dict(State.objects.values_list("iso3", "pk"))
    for row in rows:
        iso3 = row.values.get("state_iso3")
        if iso3 and iso3 not in states:
            problems.append(
                InputProblem(
                    name, _("unknown State “%(code)s”.") % {"code": iso3}, row.line, "state_iso3"
                )
            )
    raise_if(problems)
    result = LoadResult()
    reason = reason_with(gettext_noop("Loaded from %(file)s"), file=name)
    with transaction.atomic():
        for row in rows:
            v = dict(row.values)
            code = v.pop("code")
            iso3 = v.pop("state_iso3")
            v["state_id"] = states[iso3] if iso3 else None
            result.add(
                "organization", upsert(Organization, lookup={"code": code}, values=v, reason=reason)
            )
    return result


def load_reference(*, data_dir: Path = DATA_DIR) -> LoadResult:
    """Load every shipped reference file, in dependency order. Safe to run again."""
    result = LoadResult()
    with transaction.atomic():
        for partial in (
            load_states(data_dir / "states.csv"),
            load_instruments(data_dir / "instruments.csv", data_dir / "articles.csv"),
            import_participation(
                data_dir / "participation.csv", source_label="UNTC snapshot (2014), see SOURCES.md"
            ),
            load_organizations(data_dir / "organizations.csv"),
        ):
            result.counts.update(partial.counts)
        codelists = load_codelists(directory=data_dir / "iati_codelists")
    result.counts["codelist.loaded"] = codelists.codelists
    result.counts["codelistitem.created"] = codelists.items_created
    result.counts["codelistitem.updated"] = codelists.items_updated
    result.counts["codelistitem.deleted"] = codelists.items_deleted
    # Codelist items are updated in place in bulk (no history, no stamp): figures kept with
    # their old names would not see it (core.figures).
    figures.clear()
    return result
