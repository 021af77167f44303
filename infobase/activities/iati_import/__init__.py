"""Import IATI activity files (IATI Standard 2.01, 2.02, 2.03) into the activities register.

The package follows the pipeline a file goes through:

- ``parse``: safe reading (prolog check, streaming parser, schema validation) and the one place
  where a refusal is put into words;
- ``relevance``: which activities concern our treaties, decided from the raw element;
- ``normalise``: from an element to plain values (codes, languages, dates, amounts);
- ``reading``: the half of the pass that needs no database — the activities streamed, decided
  and parsed, in the importer's process or, for a large file, in a process of its own;
- ``write``: batched writes with history, retried activity by activity when a batch fails;
- ``background``: the thread that writes a batch while the next one is read;
- ``pipeline``: the pass over a file that ties them together.

How a file is read
------------------
1. The prolog (everything before the root element) is checked: a DOCTYPE — and so any ENTITY
   declaration — refuses the file. The parser never loads a DTD, never resolves an entity, never
   touches the network and keeps libxml2's default limits (``huge_tree=False``: text nodes of more
   than 10 MB, nesting deeper than 256 levels … are errors).
2. One streaming pass (``lxml.etree.iterparse`` on <iati-activity>) reads the activities one by
   one, clearing each element (and what came before it) once used, so that memory stays flat
   whatever the size of the file. The relevance filter decides from the raw element; only what
   will be written is parsed into values. Activities are written in batches of ``BATCH`` (one
   query finds which already exist, then bulk inserts per table and history rows in bulk); a
   batch that fails is retried activity by activity, so one bad activity never sinks the file.
   A batch is written on a second thread sharing the file's connection and transaction
   (``background``) while the next one is read; the reader waits for it before handing over
   the next batch and whenever it needs its outcome (an identifier repeated, a query of its
   own), so rows, counts and report are as when each batch is written before reading on.
   A file of ``reading.OWN_PROCESS_FROM`` bytes or more is read and parsed in a process of its
   own, forked before the file's writing starts, which never touches the database and hands
   the activities over in order while the importer plans and writes: on two cores reading and
   writing overlap. Its failure, or its death, fails the run and writes nothing of the file.
3. The whole file is read in one transaction: a file that turns out not well-formed, beyond the
   parser's limits, in the wrong encoding or not IATI is refused with a message naming the line,
   and nothing is written for it (the run's counts and report are as before it).
4. With ``validate``, a file that was read is also checked against the schema of its version.

Per activity
------------
A publisher error (no identifier, a date or value that cannot be read …) rejects that activity
with its reasons; an unknown code (checked against the IATI codelists loaded in
``reference.Codelist``, held in memory) is only a warning. Countries, regions and sectors are
read at activity level and per transaction (``from_transactions=True`` when only a transaction
gives them); regions in every vocabulary of the RegionVocabulary codelist (OECD DAC, UN M49, the
publisher's).

Values are normalised so that what is held can be exported again (the codes as published are
kept in ``Activity.original_codes``): language codes become ISO 639-1 in lower case (``eng`` and
``EN`` → ``en``, by CLDR's language aliases); a code withdrawn from its codelist is replaced where
the codelist (Currency: "Use code …") or ``WITHDRAWN_REPLACEMENTS`` names its successor, and is
otherwise kept with a warning (the export then leaves the activity out and says why).

Re-import: by iati-identifier. A same or older ``last-updated-datetime`` leaves the activity
unchanged (no write); a newer one replaces its IATI rows (participants, recipients, sectors,
transactions, documents). Themes and instruments are our own classification: keyword-derived ones
are added, never removed. Activities entered by hand or from a spreadsheet are never overwritten.

Identifiers repeated in one file
--------------------------------
One copy is kept: the one with the later ``last-updated-datetime``, else the later in the file.
Every other copy is reported as a duplicate (its line and the kept copy's line, and why), counted
in ``ImportRun.duplicates``, never as unchanged.

Activities absent from a publisher's newer file
-----------------------------------------------
A "publisher file" is identified by the reporting-org ref AND the file name: many publishers split
their data over several files (one per country or year), and the D-Portal pages shipped as demo
data hold several publishers' subsets, so absence from one file of a publisher says nothing about
activities that came from another file. When a file was read completely, an activity imported
earlier from a file of the same name for a publisher present in the file, and absent from it now,
is marked ``missing_from_source`` (never deleted), unless

- some activity of that publisher in the file had no identifier (it could be the absent one);
- the file is a D-Portal query result (``dstore`` namespace): a page of search results is not a
  publisher's complete file;
- the activity was updated by its publisher after the file's ``generated-datetime`` (the file is
  older than what we hold).

An activity marked missing is unmarked when it comes back.

Relevance filter
----------------
``RelevanceFilter`` (see ``relevance``) keeps activities by sector, SDG target, policy marker or
keyword and says why; the others are counted as skipped with the reason, and each file's entry in
``ImportRun.files`` counts the reasons (``kept_because``, ``left_out_because``). The filter
decides what enters the register; activities already held are kept current whatever the filter
says. ``relevance=None`` imports every activity.

Keywords that clearly point to an instrument or article set ``Activity.instruments`` and ``Theme``
rows (see ``KEYWORD_TOPICS``): trafficking in persons → the Trafficking in Persons Protocol
(``tip``); smuggling of migrants → ``som``; firearms → ``firearms``; organized crime, UNTOC → the
Convention (``untoc``); money laundering → UNTOC articles 6 and 7; corruption → articles 8 and 9;
extradition → article 16; mutual legal assistance → article 18 (Themes without a kind).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from infobase.activities.iati_import.normalise import (
    WITHDRAWN_REPLACEMENTS,
    ActivityRejected,
    normalise_language,
)
from infobase.activities.iati_import.parse import (
    SUPPORTED_VERSIONS,
    FileRefused,
    check_prolog,
    opened,
    validate_schema,
)
from infobase.activities.iati_import.pipeline import BATCH, COUNTS, REPORT_LIMIT, Importer
from infobase.activities.iati_import.relevance import (
    DEFAULT_KEYWORDS,
    DEFAULT_SDG_TARGETS,
    DEFAULT_SECTORS,
    KEYWORD_TOPICS,
    RelevanceFilter,
)
from infobase.activities.models import ImportRun, ImportRunStatus

__all__ = [
    "BATCH",
    "COUNTS",
    "DEFAULT_KEYWORDS",
    "DEFAULT_SDG_TARGETS",
    "DEFAULT_SECTORS",
    "IMPORT_STOPPED",
    "KEYWORD_TOPICS",
    "REPORT_LIMIT",
    "SUPPORTED_VERSIONS",
    "WITHDRAWN_REPLACEMENTS",
    "ActivityRejected",
    "FileRefused",
    "RelevanceFilter",
    "check_prolog",
    "file_messages",
    "iati_import",
    "normalise_language",
    "refused_files",
    "validate_schema",
]

logger = logging.getLogger(__name__)

# Allocations between two young collections of the garbage collector while an import runs.
YOUNG_COLLECTION = 100_000
# Stored on a run whose process died (translated when shown).
IMPORT_STOPPED = gettext_noop("The import stopped before it finished.")
# The class a run uses (kept under its former name too, for code that patches it).
_Importer = Importer


def iati_import(
    *,
    paths: Iterable[Path] | None = None,
    files: Iterable[tuple[str, IO[bytes]]] = (),
    user: Any = None,
    relevance: RelevanceFilter | None = None,
    validate: bool = False,
    progress: Callable[[float, str], None] | None = None,
) -> ImportRun:
    """Import IATI activity files (paths: files, or folders whose ``*.xml`` are read) and
    uploaded files (name, binary stream). ``relevance=None`` keeps every activity; pass
    ``RelevanceFilter()`` (or ``RelevanceFilter.from_settings()``) to filter. With
    ``validate``, each file read is also checked against the shipped schema of its version
    (errors in ``run.files[i]["schema_errors"]``; they do not block the import).

    Returns the saved ImportRun. A file that cannot be read at all is listed in ``run.files``
    with ``status`` "refused" and a message naming the place; nothing is written for it. The
    run always ends: finished, or failed with the error and the counts so far when the import
    raises (and ``infobase jobs-sweep`` fails it when its process died).
    ``progress(fraction, step)`` is called after each batch."""
    run = ImportRun.objects.create(
        user=user if getattr(user, "pk", None) else None, heartbeat_at=timezone.now()
    )
    # What the process held before the import (Django, reference data) is set aside from the
    # garbage collector's full passes while it runs, which it triggers often (about half the
    # collector's time on a 100 MB file); it is handed back, and collected as usual, after.
    # Young collections are made rarer meanwhile: the objects of a batch live until it is
    # written, and every 700 allocations (the default) the collector went over them again,
    # about a tenth of the importer's time on a 100 MB file; they are freed by reference
    # counting, and the few cycles are still collected, later.
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG_COLLECTION), *thresholds[1:])
    gc.freeze()
    try:
        importer = _Importer(run, relevance, user, progress)
        _import_all(
            importer, run, paths=list(_expand(paths or ())), files=list(files), validate=validate
        )
    except BaseException as exc:  # also SystemExit/KeyboardInterrupt: a stopped worker
        run.status = ImportRunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}" if str(exc) else IMPORT_STOPPED
        run.finished_at = timezone.now()
        try:
            run.save()
        except Exception:  # e.g. inside a broken transaction: the sweep ends it later
            logger.exception("import run %s: the failure could not be recorded", run.pk)
        raise
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    run.status = ImportRunStatus.FINISHED
    run.finished_at = timezone.now()
    run.save()
    return run


def _import_all(
    importer: Importer,
    run: ImportRun,
    *,
    paths: list[Path],
    files: list[tuple[str, IO[bytes]]],
    validate: bool,
) -> None:
    importer.files_total = max(1, len(paths) + len(files))
    for path in paths:
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below, after the import
        except OSError as exc:
            run.files.append(
                {
                    "name": path.name,
                    "status": "refused",
                    "message": _("the file cannot be opened: %(error)s")
                    % {"error": exc.strerror or exc},
                }
            )
            continue
        with handle:
            size = path.stat().st_size
            importer.import_file(path.name, handle, validate=validate, size=size)
    for name, stream in files:
        with opened(stream) as source:
            source.seek(0, 2)
            size = source.tell()
            source.seek(0)
            importer.import_file(Path(name).name, source, validate=validate, size=size)
    if importer.report_dropped:
        run.files.append(
            {
                "name": "",
                "status": "note",
                "message": _(
                    "the per-activity report was cut at %(limit)s entries; %(count)s more "
                    "activities are only counted"
                )
                % {"limit": REPORT_LIMIT, "count": importer.report_dropped},
            }
        )


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml")
        else:
            yield path


def refused_files(run: ImportRun) -> list[dict[str, Any]]:
    """Files of a run that could not be read at all (or only in part)."""
    return [f for f in run.files if f.get("status") in ("refused", "incomplete")]


def file_messages(info: dict[str, Any]) -> list[str]:
    """What to say about one file of a run, in the current language: its outcome, the refusal
    or notes, and why its activities were kept or left out. The web page and the command both
    show these lines, so a file reads the same on both."""
    if not info.get("name"):
        return [info.get("message", "")]
    status = info.get("status")
    if status == "refused":
        lines = [
            _("%(file)s: refused, nothing was written for it: %(message)s")
            % {"file": info["name"], "message": info.get("message", "")}
        ]
    elif status == "incomplete":
        lines = [
            _("%(file)s: read only in part: %(message)s")
            % {"file": info["name"], "message": info.get("message", "")}
        ]
    else:
        count = info.get("activities", 0)
        lines = [
            ngettext(
                "%(file)s: read, IATI %(version)s, %(count)s activity",
                "%(file)s: read, IATI %(version)s, %(count)s activities",
                count,
            )
            % {"file": info["name"], "version": info.get("version") or "?", "count": count}
        ]
    lines.extend(info.get("notes", []))
    for reason, count in info.get("kept_because", {}).items():
        lines.append(
            ngettext(
                "kept: %(count)s activity: %(reason)s",
                "kept: %(count)s activities: %(reason)s",
                count,
            )
            % {"count": count, "reason": reason}
        )
    for reason, count in info.get("left_out_because", {}).items():
        lines.append(
            ngettext(
                "left out: %(count)s activity: %(reason)s",
                "left out: %(count)s activities: %(reason)s",
                count,
            )
            % {"count": count, "reason": reason}
        )
    return lines
