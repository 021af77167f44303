"""Reading IATI XML safely: the prolog check, the streaming parser, schema validation, and the
one place where a file's refusal is put into words (the same on the web and the command line)."""

from __future__ import annotations

import codecs
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from lxml import etree

from infobase.activities.iati_schema import CURRENT, OLDER, schema_path
from infobase.activities.iati_schema import schema as load_schema

SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
SCHEMA_ERROR_LIMIT = 500
PROLOG_LIMIT = 1024 * 1024

# libxml2 appends the place to its messages ("…, line 5, column 22"); the place is said once,
# in front, by ``syntax_message``.
_PLACE_SUFFIX = re.compile(r",?\s*line \d+,?\s*column \d+\s*$")
_ENCODING_HINTS = ("not proper UTF-8", "Invalid bytes in character encoding", "invalid character")


class FileRefused(Exception):
    """The file cannot be read safely or completely; nothing is written for it."""


def iterparse(source: Any) -> Any:
    """lxml's streaming parser on <iati-activity>, with the safe settings: no DTD, no entity
    resolved, no network, libxml2's default limits (``huge_tree`` off), comments dropped."""
    return etree.iterparse(
        source,
        events=("end",),
        tag="iati-activity",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


_parsers = threading.local()


def fragment(data: bytes) -> Any:
    """An element handed over as its XML (``etree.tostring``), read back with the same safe
    settings as ``iterparse``."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:  # a parser serves one thread at a time
        parser = _parsers.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
        )
    return etree.fromstring(data, parser)


def by_tag(el: Any) -> dict[Any, list[Any]]:
    """The children of ``el`` by tag, each list in document order: one pass over them instead
    of a search per tag (``find(tag)`` is ``first(by_tag(el), tag)``, ``iterfind(tag)`` is
    ``by_tag(el).get(tag, ())``)."""
    groups: dict[Any, list[Any]] = {}
    for child in el:
        tag = child.tag
        group = groups.get(tag)
        if group is None:
            groups[tag] = [child]
        else:
            group.append(child)
    return groups


def first(groups: dict[Any, list[Any]], tag: str) -> Any:
    """The first child of tag ``tag`` among ``by_tag``'s groups, or None."""
    group = groups.get(tag)
    return group[0] if group else None


def release(el: Any) -> None:
    """Free a processed element and everything before it, so memory stays flat."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def check_prolog(source: IO[bytes]) -> None:
    """Refuse a DOCTYPE (and so any ENTITY declaration) before the root element.

    Reads from the current position and seeks back."""
    start = source.tell()
    head = source.read(PROLOG_LIMIT)
    source.seek(start)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    elif head.startswith(b"<\x00"):
        text = head.decode("utf-16-le", errors="replace")
    elif head.startswith(b"\x00<"):
        text = head.decode("utf-16-be", errors="replace")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeffï»¿")
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            if len(head) >= PROLOG_LIMIT:
                raise FileRefused(_("the XML prolog is too long"))
            raise FileRefused(_("the file holds no XML element"))
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
        elif text.startswith("<!", pos):
            raise FileRefused(
                _(
                    "the file declares a DOCTYPE or entities, which IATI files never need; "
                    "it was refused for safety"
                )
            )
        elif text.startswith("<", pos):
            return
        else:
            raise FileRefused(_("the file does not start with XML"))
        if end < 0:
            raise FileRefused(_("the XML prolog is too long or unterminated"))
        pos = end + 2


def syntax_message(exc: Exception) -> str:
    """The refusal of a file lxml could not read, naming the place once (line, column)."""
    raw = str(getattr(exc, "msg", None) or exc).strip()
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "offset", None)
    if not line:
        found = re.search(r"line (\d+)", raw)
        line = int(found.group(1)) if found else None
    detail = _PLACE_SUFFIX.sub("", raw).replace("\n", " ").strip()
    if any(hint in raw for hint in _ENCODING_HINTS):
        message = _(
            "the file holds bytes that are not valid in its declared encoding (often Latin-1 "
            "text in a file that says UTF-8); save it again as UTF-8"
        )
    else:
        message = _(
            "the file is not well-formed XML or goes beyond the parser's safety limits: %(error)s"
        ) % {"error": detail[:300]}
    return place_message(line=line, column=column, message=message)


def place_message(*, line: int | None, column: int | None = None, message: str) -> str:
    """A message about a place in a file: "line 5, column 22: …", or the message alone."""
    if line and column:
        return _("line %(line)s, column %(column)s: %(message)s") % {
            "line": line,
            "column": column,
            "message": message,
        }
    if line:
        return _("line %(line)s: %(message)s") % {"line": line, "message": message}
    return message


def not_iati_message(tag: str) -> str:
    """The refusal of an XML file that is not an IATI activity file (whatever its version).
    A root in a namespace is said to be so: "<iati-activities>, not <iati-activities>" would
    leave its reader guessing."""
    text = str(tag)
    if text.startswith("{") and "}" in text:
        return _(
            "this is not an IATI activity file: its root element <%(tag)s> is in the XML "
            "namespace “%(namespace)s”, and the elements of an IATI activity file are in none"
        ) % {"tag": _local_name(tag)[:50], "namespace": text[1 : text.index("}")][:200]}
    return _(
        "this is not an IATI activity file: its root element is <%(tag)s>, not <iati-activities>"
    ) % {"tag": _local_name(tag)[:50]}


def _local_name(tag: Any) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if text.startswith("{") else text


# -- schema validation


def validate_schema(path: Path | str | IO[bytes]) -> list[str]:
    """Validate an activity file against the shipped XSD of its @version (2.03 when the version
    is not 2.01 or 2.02). Returns the errors ("line N: message"), at most SCHEMA_ERROR_LIMIT
    plus a count of the rest; [] when valid. The file is loaded whole for this (XSD validation
    needs the tree): about ten times its size in memory. Hostile XML is refused as on import,
    and a file that is not IATI is said to be so (no schema is tried on it)."""
    with opened(path) as source:
        try:
            check_prolog(source)
        except FileRefused as exc:
            return [str(exc)]
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        try:
            tree = etree.parse(source, parser)
        except (etree.XMLSyntaxError, OSError) as exc:
            return [syntax_message(exc)]
    root = tree.getroot()
    if root.tag != "iati-activities":
        return [not_iati_message(root.tag)]
    version = (root.get("version") or "").strip()
    errors: list[str] = []
    if version not in SUPPORTED_VERSIONS:
        errors.append(
            _("no schema is shipped for IATI version “%(version)s”; checked against 2.03")
            % {"version": version[:20]}
        )
    # An unknown version is checked against the current schema.
    schema = load_schema(schema_path(version if version in OLDER else CURRENT))
    if schema.validate(tree):
        return errors
    log = list(schema.error_log)  # type: ignore[call-overload]
    for entry in log[:SCHEMA_ERROR_LIMIT]:
        errors.append(place_message(line=entry.line, message=entry.message))
    if len(log) > SCHEMA_ERROR_LIMIT:
        errors.append(
            _("… and %(count)s more schema errors") % {"count": len(log) - SCHEMA_ERROR_LIMIT}
        )
    return errors


@contextmanager
def opened(source: Path | str | IO[bytes]) -> Iterator[IO[bytes]]:
    """A seekable binary stream for a path or a file object (copied to a temporary file when
    it cannot seek)."""
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            yield handle
        return
    seekable = getattr(source, "seekable", None)
    if seekable is not None and seekable():
        source.seek(0)
        yield source
        return
    with tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(source, copy)
        copy.seek(0)
        yield copy
