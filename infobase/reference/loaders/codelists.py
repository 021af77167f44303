"""Load the IATI codelists shipped in ``reference/data/iati_codelists/`` (sources in its
SOURCES.md) into :class:`~infobase.reference.models.Codelist` and ``CodelistItem``.

Every file is parsed and checked first; any problem (malformed XML, a DTD or entity
declaration, a missing or duplicate code, a value too long for its column) is reported with
the file name and line, and nothing is written. Only when all files are sound are they
written, in one transaction. Loading again updates in place: items are keyed on
(codelist, code); items that vanished from a file are deleted; codelists that have no file in
the directory are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree

from infobase.core.errors import InputProblem, InvalidInput
from infobase.reference.models import Codelist, CodelistItem

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "data" / "iati_codelists"

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_BATCH = 500

_CODE_MAX = CodelistItem._meta.get_field("code").max_length or 50
_NAME_MAX = CodelistItem._meta.get_field("name_en").max_length or 500
_CATEGORY_MAX = CodelistItem._meta.get_field("category").max_length or 50
_LIST_NAME_MAX = Codelist._meta.get_field("name").max_length or 100
_VERSION_MAX = Codelist._meta.get_field("version").max_length or 20

_ITEM_FIELDS = ("name_en", "name_fr", "description_en", "category", "withdrawn")


@dataclass(frozen=True)
class CodelistLoadResult:
    """What one load did. ``items_updated`` counts only items whose values changed."""

    codelists: int
    codelists_created: int
    items_created: int
    items_updated: int
    items_deleted: int
    items_unchanged: int
    items_total: int


@dataclass
class _ParsedItem:
    code: str
    name_en: str
    name_fr: str
    description_en: str
    category: str
    withdrawn: bool

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in _ITEM_FIELDS}


@dataclass
class _ParsedList:
    file: str
    name: str
    version: str
    complete: bool
    description: str
    items: list[_ParsedItem] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    # No entity expansion, no network, no DTD loading, no "huge tree" relaxation of
    # libxml2's limits: a hostile file cannot read local files or blow up memory.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _clean(text: str | None) -> str:
    """Collapse runs of whitespace (the files indent multi-line narratives)."""
    return " ".join((text or "").split())


def _narrative(parent: etree._Element | None, lang: str) -> str:
    """The narrative of ``parent`` in ``lang``. The files' root says xml:lang="en", so a
    narrative without xml:lang is English."""
    if parent is None:
        return ""
    for narrative in parent.iterchildren("narrative"):
        narrative_lang = (narrative.get(_XML_LANG) or "en").strip().lower()
        if narrative_lang == lang or narrative_lang.startswith(lang + "-"):
            return _clean(narrative.text)
    return ""


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _doctype_line(data: bytes) -> int:
    index = data.find(b"<!DOCTYPE")
    return data.count(b"\n", 0, index) + 1 if index >= 0 else 1


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


def _parse_file(path: Path, problems: list[InputProblem]) -> _ParsedList | None:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(InputProblem(file, _("cannot be read: %(error)s") % {"error": exc}))
        return None
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        problems.append(
            InputProblem(
                file,
                _("not well-formed XML: %(error)s") % {"error": exc.msg},
                line=exc.lineno or None,
            )
        )
        return None
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        # Codelists never need a DTD; one here can only declare entities (XXE, billion laughs).
        problems.append(
            InputProblem(
                file,
                _("a DOCTYPE or entity declaration is not allowed in a codelist file"),
                line=_doctype_line(data),
            )
        )
        return None
    if root.tag != "codelist":
        problems.append(
            InputProblem(
                file,
                _("the root element is <%(tag)s>, expected <codelist>") % {"tag": root.tag},
                line=_line(root),
            )
        )
        return None
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        problems.append(
            InputProblem(file, _("entity references are not allowed"), line=_line(root))
        )
        return None

    name = _clean(root.get("name")) or path.stem
    if len(name) > _LIST_NAME_MAX:
        problems.append(
            InputProblem(
                file,
                _("the codelist name is longer than %(max)s characters") % {"max": _LIST_NAME_MAX},
                line=_line(root),
            )
        )
    metadata = root.find("metadata")
    version = _clean(root.get("version"))
    if not version and metadata is not None:
        version = _clean(metadata.findtext("version"))
    complete = _clean(root.get("complete")).lower() in {"1", "true"}
    description = ""
    if metadata is not None:
        description = _narrative(metadata.find("description"), "en")
    parsed = _ParsedList(
        file=file,
        name=name,
        version=version[:_VERSION_MAX],
        complete=complete,
        description=description,
    )

    seen: dict[str, int | None] = {}
    for element in root.iterfind("codelist-items/codelist-item"):
        line = _line(element)
        code = _clean(element.findtext("code"))
        if not code:
            problems.append(InputProblem(file, _("a codelist item has no code"), line=line))
            continue
        if code in seen:
            problems.append(
                InputProblem(
                    file,
                    _("code “%(code)s” appears twice (first on line %(first)s)")
                    % {"code": code, "first": seen[code]},
                    line=line,
                )
            )
            continue
        seen[code] = line
        if len(code) > _CODE_MAX:
            problems.append(
                InputProblem(
                    file,
                    _("code “%(code)s” is longer than %(max)s characters")
                    % {"code": code, "max": _CODE_MAX},
                    line=line,
                )
            )
            continue
        category = _clean(element.findtext("category"))
        if len(category) > _CATEGORY_MAX:
            problems.append(
                InputProblem(
                    file,
                    _("the category of code “%(code)s” is longer than %(max)s characters")
                    % {"code": code, "max": _CATEGORY_MAX},
                    line=line,
                )
            )
            continue
        name_en = _narrative(element.find("name"), "en")
        name_fr = _narrative(element.find("name"), "fr")
        description_en = _narrative(element.find("description"), "en")
        # A few names (UNSDG targets) are whole sentences longer than the column: the
        # name is shortened and the full text kept as the description when there is none.
        if len(name_en) > _NAME_MAX and not description_en:
            description_en = name_en
        parsed.items.append(
            _ParsedItem(
                code=code,
                name_en=_shorten(name_en, _NAME_MAX),
                name_fr=_shorten(name_fr, _NAME_MAX),
                description_en=description_en,
                category=category,
                withdrawn=_clean(element.get("status")).lower() == "withdrawn",
            )
        )
    return parsed


def _parse_all(directory: Path) -> list[_ParsedList]:
    if not directory.is_dir():
        raise InvalidInput([InputProblem(str(directory), _("no such directory"))])
    paths = sorted(p for p in directory.iterdir() if p.suffix.lower() == ".xml" and p.is_file())
    if not paths:
        raise InvalidInput([InputProblem(str(directory), _("no codelist XML files found"))])
    problems: list[InputProblem] = []
    lists: list[_ParsedList] = []
    files_by_name: dict[str, str] = {}
    for path in paths:
        parsed = _parse_file(path, problems)
        if parsed is None:
            continue
        if parsed.name in files_by_name:
            problems.append(
                InputProblem(
                    path.name,
                    _("codelist “%(name)s” is also defined in %(other)s")
                    % {"name": parsed.name, "other": files_by_name[parsed.name]},
                    line=1,
                )
            )
            continue
        files_by_name[parsed.name] = path.name
        lists.append(parsed)
    if problems:
        raise InvalidInput(problems)
    return lists


def load_codelists(*, directory: Path | None = None) -> CodelistLoadResult:
    """Validate every ``*.xml`` codelist in ``directory`` (default: the shipped folder), then
    write them all in one transaction. Raises :class:`InvalidInput` listing every problem,
    in which case nothing is written."""
    lists = _parse_all(Path(directory) if directory is not None else DEFAULT_DIRECTORY)

    codelists_created = items_created = items_updated = items_deleted = 0
    items_unchanged = items_total = 0
    with transaction.atomic():
        existing_lists = {
            c.name: c for c in Codelist.objects.filter(name__in=[p.name for p in lists])
        }
        lists_to_update: list[Codelist] = []
        codelist_by_name: dict[str, Codelist] = {}
        for parsed in lists:
            values = {
                "version": parsed.version,
                "complete": parsed.complete,
                "description": parsed.description,
            }
            codelist = existing_lists.get(parsed.name)
            if codelist is None:
                codelist = Codelist.objects.create(name=parsed.name, **values)
                codelists_created += 1
            elif any(getattr(codelist, k) != v for k, v in values.items()):
                for attribute, value in values.items():
                    setattr(codelist, attribute, value)
                lists_to_update.append(codelist)
            codelist_by_name[parsed.name] = codelist
        if lists_to_update:
            Codelist.objects.bulk_update(lists_to_update, ["version", "complete", "description"])

        existing_items: dict[tuple[int, str], CodelistItem] = {
            (item.codelist_id, item.code): item
            for item in CodelistItem.objects.filter(
                codelist__in=list(codelist_by_name.values())
            ).only("id", "codelist_id", "code", *_ITEM_FIELDS)
        }
        to_create: list[CodelistItem] = []
        to_update: list[CodelistItem] = []
        keep: set[tuple[int, str]] = set()
        for parsed in lists:
            codelist = codelist_by_name[parsed.name]
            for parsed_item in parsed.items:
                key = (codelist.pk, parsed_item.code)
                keep.add(key)
                values = parsed_item.values()
                item = existing_items.get(key)
                if item is None:
                    to_create.append(
                        CodelistItem(codelist=codelist, code=parsed_item.code, **values)
                    )
                elif any(getattr(item, k) != v for k, v in values.items()):
                    for name, value in values.items():
                        setattr(item, name, value)
                    to_update.append(item)
                else:
                    items_unchanged += 1
        stale = [item.pk for key, item in existing_items.items() if key not in keep]
        for start in range(0, len(stale), _BATCH):
            deleted, _detail = CodelistItem.objects.filter(
                pk__in=stale[start : start + _BATCH]
            ).delete()
            items_deleted += deleted
        CodelistItem.objects.bulk_create(to_create, batch_size=_BATCH)
        CodelistItem.objects.bulk_update(to_update, list(_ITEM_FIELDS), batch_size=_BATCH)
        items_created = len(to_create)
        items_updated = len(to_update)
        items_total = len(keep)

    return CodelistLoadResult(
        codelists=len(lists),
        codelists_created=codelists_created,
        items_created=items_created,
        items_updated=items_updated,
        items_deleted=items_deleted,
        items_unchanged=items_unchanged,
        items_total=items_total,
    )
