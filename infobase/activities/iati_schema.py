"""The IATI activity schemas shipped with Infobase (``data/iati-schemas``, sources in its
SOURCES.md), loaded once per process with a parser that resolves no entity and reaches no
network: one place for the import's and the export's validation."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "iati-schemas"
CURRENT = "2.03"  # at the top of the folder; older versions in subfolders
OLDER = ("2.01", "2.02")


def schema_path(version: str = CURRENT, *, schema_dir: Path | None = None) -> Path:
    """The activity schema of ``version``; ValueError when Infobase does not ship it."""
    base = schema_dir or SCHEMA_DIR
    folder = base if version == CURRENT else base / version
    path = folder / "iati-activities-schema.xsd"
    if not path.is_file():
        raise ValueError(
            _("There is no IATI schema for version %(version)s.") % {"version": version}
        )
    return path


@lru_cache(maxsize=8)
def schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))
