"""The one policy for files people upload: size, type by content, and zip archives.

Every file field and every command that reads an uploaded kind of file goes through here:

- the size is capped while the request is streamed in (``CappedUploadHandler``, first in
  ``FILE_UPLOAD_HANDLERS``): past ``INFOBASE_UPLOAD_MAX_BYTES`` the rest is thrown away and
  the form says the file is too large, instead of the server first storing it whole;
- the type is an allow-list checked on the bytes (puremagic signatures, plus a look inside
  zip containers and a check of text), never on the name alone: an executable named
  ``.pdf`` or a web page named ``.txt`` is refused;
- zip archives (XLSX, DOCX, ODT) are checked from their central directory before anything
  opens them: number of entries, total uncompressed size and compression ratio. ``zipfile``
  never inflates an entry past the size its directory declares, so lying there gives a
  broken file, not a bigger one.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

import puremagic
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.core.errors import InputProblem, InvalidInput, text_problem

MB = 1024 * 1024
HEAD_BYTES = 8192  # enough for every signature and a fair sample of a text file

# Zip archives: office files are small XML mostly compressing 5–15 times (measured on the
# XLSForms in shared/data: at most 14); a zip bomb compresses hundreds or thousands of times.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_UNCOMPRESSED = 100 * MB
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 1 * MB  # small entries (styles, empty sheets) may compress very well

MARKUP_TAGS = (b"<html", b"<!doctype html", b"<script", b"<svg", b"<body", b"<iframe", b"<head")


@dataclass(frozen=True)
class Kind:
    """One allowed type of file: its usual extensions and how its content is recognised."""

    name: str
    label: Any  # lazy translated, for messages
    extensions: tuple[str, ...]
    signatures: tuple[str, ...] = ()  # puremagic extensions that identify it
    zip_member: str = ""  # an OOXML/ODF part every such archive has
    text: bool = False
    markup: bool = False  # XML (but never HTML or SVG)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("pdf", "PDF", (".pdf",), signatures=(".pdf",)),
        Kind("png", "PNG", (".png",), signatures=(".png",)),
        Kind("jpeg", "JPEG", (".jpg", ".jpeg"), signatures=(".jpg", ".jpeg")),
        Kind("tiff", "TIFF", (".tif", ".tiff"), signatures=(".tif", ".tiff")),
        Kind("rtf", "RTF", (".rtf",), signatures=(".rtf",)),
        Kind("doc", gettext_lazy("Word 97–2003"), (".doc",), signatures=(".doc",)),
        Kind("docx", "Word (.docx)", (".docx",), zip_member="word/document.xml"),
        Kind("xlsx", "Excel (.xlsx)", (".xlsx",), zip_member="xl/workbook.xml"),
        Kind("odt", "OpenDocument (.odt)", (".odt",), zip_member="content.xml"),
        Kind("txt", gettext_lazy("text"), (".txt",), text=True),
        Kind("csv", "CSV", (".csv",), text=True),
        Kind("xml", "XML", (".xml",), text=True, markup=True),
    )
}


@dataclass(frozen=True)
class UploadPolicy:
    """What one file field accepts: which kinds, and how large."""

    kinds: tuple[str, ...]
    max_bytes: int

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(ext for name in self.kinds for ext in KINDS[name].extensions)

    def describe(self) -> str:
        return ", ".join(str(KINDS[name].label) for name in self.kinds)

    def accept(self) -> str:
        """The value of the file input's ``accept`` attribute."""
        return ",".join(self.extensions)


DOCUMENTS = UploadPolicy(
    kinds=("pdf", "doc", "docx", "odt", "rtf", "txt", "jpeg", "png", "tiff"), max_bytes=25 * MB
)
ATTACHMENTS = UploadPolicy(kinds=(*DOCUMENTS.kinds, "xlsx", "csv"), max_bytes=25 * MB)
SPREADSHEET = UploadPolicy(kinds=("xlsx",), max_bytes=10 * MB)
TABLE = UploadPolicy(kinds=("xlsx", "csv"), max_bytes=10 * MB)
IATI_XML = UploadPolicy(kinds=("xml",), max_bytes=50 * MB)
POLICIES = {
    "DOCUMENTS": DOCUMENTS,
    "ATTACHMENTS": ATTACHMENTS,
    "SPREADSHEET": SPREADSHEET,
    "TABLE": TABLE,
    "IATI_XML": IATI_XML,
}


def streaming_cap() -> int:
    """The most any single uploaded file may stream in (the largest policy's cap)."""
    return int(getattr(settings, "INFOBASE_UPLOAD_MAX_BYTES", IATI_XML.max_bytes))


# --- Size while streaming -------------------------------------------------------------------


class OversizedUpload(UploadedFile):
    """Stands for a file whose upload passed the cap: no content, only its name and the size
    received before it was cut off; ``validate_upload`` refuses it."""

    too_large = True

    def __init__(self, *, name: str, received: int, content_type: str | None) -> None:
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=received)


class CappedUploadHandler(FileUploadHandler):
    """First upload handler: passes chunks on until a file passes the cap, then drops the rest
    of that file (nothing more is written anywhere) and hands over an ``OversizedUpload``."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.cap = streaming_cap()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.cap:
            return None  # the handlers after this one never see the rest
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received > self.cap:
            return OversizedUpload(
                name=self.file_name or "", received=self.received, content_type=self.content_type
            )
        return None  # the next handler (memory or temporary file) returns the real file


# --- Content --------------------------------------------------------------------------------


def _head(source: Any) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source[:HEAD_BYTES])
    position = source.tell()
    data = source.read(HEAD_BYTES)
    source.seek(position)
    return bytes(data)


def _signatures(head: bytes) -> set[str]:
    try:
        return {m.extension.lower() for m in puremagic.magic_string(head)}
    except puremagic.PureError:
        return set()


# A text file in UTF-16 starts with its byte-order mark, or not (some exporters leave it out).
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``head`` (the first kilobytes of a file without
    a byte-order mark) is UTF-16 text, else None. Told by its NUL bytes: the high byte of every
    Latin letter, digit, comma and line break, so at every other position (odd ones in little
    endian), and hardly ever at the others (only in a few CJK characters such as 一 U+4E00).
    Text in UTF-8 or a code page never holds NUL; the caller still checks the decoded text."""
    sample = head[: len(head) - len(head) % 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    if pairs == 0 or max(even, odd) * 8 < pairs:  # not even an eighth of the characters
        return None
    if odd > 4 * even:
        return "utf-16-le"
    if even > 4 * odd:
        return "utf-16-be"
    return None


# Bytes no text holds: C0 controls but tab, line breaks, form feed and SUB (an old end of file).
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


def _text_sample(head: bytes, *, complete: bool) -> bytes | None:
    """The sample as text to look into (in UTF-8, or as it is), or None when it is not text.
    Text is UTF-8, UTF-16 (a spreadsheet's "Unicode text", with or without byte-order mark) or a
    one-byte code page (a spreadsheet's "CSV" on Windows in Arabic, French …): a reader of
    tables says which it takes (``tabular.read_csv``); a binary file holds control bytes."""
    encoding = "utf-16" if head.startswith(UTF16_BOMS) else utf16_without_bom(head)
    if encoding:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            head = decoder.decode(head, final=complete).encode("utf-8")
        except UnicodeDecodeError:  # a sample may end inside a character: not final then
            return None
    return None if _NOT_TEXT.search(head) else head


def _is_web_page(head: bytes) -> bool:
    lowered = head.lower()
    return any(tag in lowered for tag in MARKUP_TAGS)


def _size_of(source: Any) -> int:
    if isinstance(source, bytes | bytearray):
        return len(source)
    size = getattr(source, "size", None)
    if size is not None:
        return int(size)
    position = source.tell()
    end = source.seek(0, io.SEEK_END)
    source.seek(position)
    return int(end)


def _zip_entries(source: Any) -> list[zipfile.ZipInfo] | None:
    """The entries of the zip archive in ``source`` from its central directory, or None when
    it is not a readable zip archive."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    position = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        stream.seek(position)


def zip_problem(source: Any) -> str | None:
    """Why the zip archive in ``source`` (bytes or a seekable binary file) may not be opened,
    or None (also when it is no zip archive at all: the reader says so in its own words).
    Reads only its central directory."""
    entries = _zip_entries(source)
    if entries is None:
        return None
    if len(entries) > ZIP_MAX_ENTRIES:
        return _("The archive holds more than %(count)s files.") % {"count": ZIP_MAX_ENTRIES}
    total = sum(entry.file_size for entry in entries)
    if total > ZIP_MAX_UNCOMPRESSED:
        return _(
            "The archive would expand to %(size)s, more than the %(limit)s allowed; "
            "it may be a zip bomb."
        ) % {"size": filesizeformat(total), "limit": filesizeformat(ZIP_MAX_UNCOMPRESSED)}
    for entry in entries:
        if entry.file_size > ZIP_RATIO_FROM and entry.file_size > ZIP_MAX_RATIO * max(
            entry.compress_size, 1
        ):
            return _(
                "The part “%(part)s” of the archive expands more than %(ratio)s times; "
                "it may be a zip bomb."
            ) % {"part": entry.filename[:100], "ratio": ZIP_MAX_RATIO}
    return None


# An Excel 97-2003 workbook (.xls) is an OLE2 compound file; an OpenDocument spreadsheet (.ods)
# a zip archive whose first part, stored uncompressed, names its type (OpenDocument 1.2, part 3,
# section 3.3).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"


def spreadsheet_to_save_again(head: bytes) -> str | None:
    """For a spreadsheet in a format the imports do not read (old Excel, OpenDocument), what to
    do, whatever the file's name says; None for any other file."""
    if head.startswith(_OLE2):
        return _(
            "The file is an Excel 97–2003 workbook (.xls), which cannot be read here. Open it "
            "in a spreadsheet program, save it as an Excel workbook (.xlsx), and upload that."
        )
    if head.startswith(b"PK\x03\x04") and _ODS in head[:200]:
        return _(
            "The file is an OpenDocument spreadsheet (.ods), which cannot be read here. Open it "
            "in a spreadsheet program, save it as an Excel workbook (.xlsx), and upload that."
        )
    return None


def content_problem(source: Any, *, name: str, policy: UploadPolicy) -> str | None:
    """Why the file ``name`` (bytes or a seekable binary file) breaks ``policy``, or None.
    A name the one rule for text refuses is refused first (``errors.text_problem``): kept with
    the file and listed, "report\u202efdp.exe" would show as "reportexe.pdf"."""
    if said := text_problem(name):
        return _("The name of the file: %(problem)s") % {"problem": said}
    size = _size_of(source)
    if getattr(source, "too_large", False) or size > policy.max_bytes:
        return _("The file is larger than %(limit)s.") % {"limit": filesizeformat(policy.max_bytes)}
    if size == 0:
        return _("The file is empty.")
    extension = PurePath(name).suffix.lower()
    kind = next((KINDS[k] for k in policy.kinds if extension in KINDS[k].extensions), None)
    if kind is None:
        return _("Files of this type are not accepted; accepted: %(kinds)s.") % {
            "kinds": policy.describe()
        }
    head = _head(source)
    wrong = _("The content of the file is not %(kind)s, whatever its name says.") % {
        "kind": kind.label
    }
    if "xlsx" in policy.kinds:  # what to do, where a workbook would have been taken
        wrong = spreadsheet_to_save_again(head) or wrong
    if kind.zip_member:
        if not head.startswith(b"PK\x03\x04"):
            return wrong
        entries = _zip_entries(source)
        if entries is None or kind.zip_member not in {entry.filename for entry in entries}:
            return wrong
        return zip_problem(source)
    if kind.text:
        # An XML file names its own encoding: its parser reads it, and says on which line a byte
        # does not fit it, in the same words on the web and on the command line.
        declares_xml = kind.markup and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml")
        if declares_xml:
            sample = None if b"\0" in head else head
        else:
            sample = _text_sample(head, complete=size <= len(head))
        if sample is None or _is_web_page(sample):
            return wrong
        starts_with_markup = sample.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        if kind.markup != starts_with_markup:
            return wrong
        return None
    if not _signatures(head) & set(kind.signatures):
        return wrong
    return None


def validate_upload(upload: Any, *, policy: UploadPolicy) -> Any:
    """Raise a ``ValidationError`` saying why ``upload`` breaks ``policy``; return it if not.

    For form ``clean_<field>`` methods: ``return validate_upload(self.cleaned_data[...], …)``.
    """
    if not isinstance(upload, UploadedFile):
        return upload  # nothing uploaded, a file already stored, or "clear"
    problem = content_problem(upload, name=upload.name or "", policy=policy)
    if problem:
        raise forms.ValidationError(problem, code="upload")
    return upload


@deconstructible(path="infobase.core.uploads.UploadValidator")
class UploadValidator:
    """The policy of a model's file field, as its validator
    (``validators=[UploadValidator("DOCUMENTS")]``, a name from ``POLICIES``): every form that
    saves the field checks a file just uploaded to it, the admin's included, so that no form of
    the field can forget the policy. A file already stored was checked when it came in."""

    def __init__(self, policy: str) -> None:
        if policy not in POLICIES:
            raise ValueError(f"no upload policy named {policy!r}")
        self.policy = policy

    def __call__(self, value: Any) -> None:
        if getattr(value, "_committed", True):
            return
        validate_upload(getattr(value, "_file", None), policy=POLICIES[self.policy])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadValidator) and other.policy == self.policy

    def __hash__(self) -> int:
        return hash(self.policy)


def validate_uploads(uploads: Iterable[Any], *, policy: UploadPolicy) -> list[Any]:
    """``validate_upload`` for a field of several files; the message names the bad one."""
    checked = []
    for upload in uploads:
        problem = content_problem(upload, name=upload.name or "", policy=policy)
        if problem:
            raise forms.ValidationError(
                _("%(file)s: %(problem)s") % {"file": upload.name, "problem": problem},
                code="upload",
            )
        checked.append(upload)
    return checked


def check_file(source: Path | IO[bytes] | bytes, *, name: str, policy: UploadPolicy) -> None:
    """For readers and commands: raise ``InvalidInput`` naming ``name`` when the file breaks
    ``policy``. Reads only the head of the file and a zip archive's directory."""
    if isinstance(source, Path):
        with source.open("rb") as stream:
            problem = content_problem(stream, name=name, policy=policy)
    else:
        problem = content_problem(source, name=name, policy=policy)
    if problem:
        raise InvalidInput([InputProblem(file=name, message=problem)])


def check_zip(data: bytes | IO[bytes], *, name: str) -> None:
    """For readers: raise ``InvalidInput`` when a zip archive must not be opened."""
    problem = zip_problem(data)
    if problem:
        raise InvalidInput([InputProblem(file=name, message=problem)])


# --- Rows of tables -------------------------------------------------------------------------

EMPTY_ROWS_ALLOWED = 5000  # rows formatted but left empty, which spreadsheet programs keep


def limited_rows(
    rows: Iterable[Iterable[Any]],
    *,
    file: str,
    sheet: str | None,
    max_rows: int,
    max_columns: int,
) -> list[tuple[Any, ...]]:
    """The rows of one sheet or CSV file, each cut to ``max_columns`` cells; empty rows after
    the last row with a value are left out.

    Stops reading and raises ``InvalidInput`` as soon as there are more than ``max_rows``
    rows with a value (or too many rows at all before the last one with a value): the caller
    sets ``max_rows`` to what the file can legitimately hold, so a larger file is refused before
    it is read whole. Spreadsheet programs often store a million formatted empty rows after the
    data: those are counted, never kept.
    """
    out: list[tuple[Any, ...]] = []
    filled = 0
    empty_run = 0  # empty rows read since the last row with a value, not kept yet
    for row in rows:
        cells = tuple(row)[:max_columns]
        if not any(cell not in (None, "") for cell in cells):
            empty_run += 1
            continue
        filled += 1
        out.extend([()] * empty_run)  # empty rows between values keep the numbering
        empty_run = 0
        out.append(cells)
        if filled > max_rows or len(out) > max_rows + EMPTY_ROWS_ALLOWED:
            raise InvalidInput(
                [
                    InputProblem(
                        file=file,
                        sheet=sheet,
                        message=_(
                            "There are more than %(limit)s rows, more than this file can "
                            "hold; nothing was imported."
                        )
                        % {"limit": max_rows},
                    )
                ]
            )
    return out
