"""Reading a file's activities: the half of an import that needs no database.

``read_activities`` streams the activities of a file with the safe parser and yields, for each,
what the importer decides from: its line, identifier, publisher, last-updated date, the
relevance decision and, for an activity that may be written, the activity parsed into values
(or the reasons it is rejected). What is parsed: every activity the filter keeps (all without
a filter), one it leaves out whose identifier is held (held activities are kept current
whatever the filter says) and one whose identifier came earlier in the file (a later copy may
replace an earlier one written in this run). That is every activity the importer can need
parsed; parsing is pure, so one parsed and then not needed changes nothing.

A large file is read in a process of its own (``ReadingProcess``, forked from the importer),
which hands the events over in chunks while the importer plans and writes the batches: on two
cores reading and writing overlap. The reading process never touches the database (any query
there fails): the rare activity whose totals need exchange rates, and any activity read while
the importer waits for work, is handed over as its XML and parsed by the importer, so that
both processes stay busy. The results are the same wherever an activity is parsed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import IO, Any, ClassVar

from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from infobase.activities import money
from infobase.activities.iati_import.normalise import (
    ActivityRejected,
    Codes,
    Parsed,
    parse_activity,
    read_datetime,
)
from infobase.activities.iati_import.parse import (
    FileRefused,
    fragment,
    iterparse,
    not_iati_message,
    release,
    syntax_message,
)
from infobase.activities.iati_import.relevance import Decision, RelevanceFilter

logger = logging.getLogger(__name__)

DSTORE_NS = "http://d-portal.org/xmlns/dstore"
_DATASET = f"{{{DSTORE_NS}}}dataset"

# One activity as read: line, identifier, publisher (reporting-org ref in lower case),
# last-updated-datetime, relevance decision (None without a filter) and the activity: parsed,
# the reasons it is rejected, its XML for the importer to parse, or None (not parsed).
Read = tuple[
    int | None, str, str, datetime | None, Decision | None, Parsed | list[str] | bytes | None
]

# Files of at least this many bytes are read in a process of its own, given two CPUs or more.
# The overlap is between writing one batch (2,000 activities, about 11 MB of typical IATI XML)
# and reading the next: a file of a few batches gains less than the second process costs
# (measured on 2 cores: 8 and 25 MB files slower that way, 109 MB faster).
# ``OWN_PROCESS`` True or False decides for every file.
OWN_PROCESS_FROM = 32 * 1024 * 1024
OWN_PROCESS: bool | None = None


@dataclass(slots=True)
class Root:
    """What the root element says (given before the first activity)."""

    version: str
    generated: datetime | None


@dataclass(slots=True)
class End:
    """The file was read to its end: the root's version when no activity was read, and
    whether it is a D-Portal query result."""

    version: str
    dportal: bool


Event = Read | Root | End


class ReadingFailed(Exception):
    """The reading process failed or stopped before the end of the file."""


def in_own_process(size: int) -> bool:
    """Whether a file of ``size`` bytes is read in a process of its own (the one rule)."""
    if OWN_PROCESS is not None:
        return OWN_PROCESS
    return (
        size >= OWN_PROCESS_FROM
        and _cpus() >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon  # a daemon may have no children
    )


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


@contextmanager
def activities(
    source: IO[bytes],
    *,
    size: int,
    relevance: RelevanceFilter | None,
    codes: Codes,
    held: Collection[str],
    language: str,
    prepare: Callable[[Parsed], None] | None = None,
) -> Iterator[Iterator[Event]]:
    """The events of a file (``read_activities``), read here or in a process of its own."""
    reading: dict[str, Any] = {
        "relevance": relevance,
        "codes": codes,
        "held": held,
        "language": language,
        "prepare": prepare,
    }
    if not in_own_process(size):
        yield read_activities(source, **reading)
        return
    with ReadingProcess(source, **reading) as process:
        yield iter(process)


def read_activities(
    source: IO[bytes],
    *,
    relevance: RelevanceFilter | None,
    codes: Codes,
    held: Collection[str],
    language: str,
    prepare: Callable[[Parsed], None] | None = None,
    hand_over: Callable[[], bool] | None = None,
) -> Iterator[Event]:
    """Root, then one ``Read`` per activity, then End. Raises FileRefused when the file cannot
    be read (the place named). ``prepare(parsed)`` is called on each activity parsed (see
    ``write.Writer.prepare``). ``hand_over()`` true: an activity to parse is given as its XML
    instead (the importer prepares it)."""
    context = iterparse(source)
    earlier: set[str] = set()
    root_read = dportal = False
    sector_name = codes.sector_name
    try:
        for _event, el in context:
            if not root_read:
                yield _root(el)
                root_read = True
            if not dportal and el.get(_DATASET) is not None:
                dportal = True
            identifier = (el.findtext("iati-identifier") or "").strip()[:255]
            reporting = el.find("reporting-org")
            publisher = (
                (reporting.get("ref") or "").strip().lower() if reporting is not None else ""
            )
            decision = None
            if relevance is not None:
                decision = relevance.decide_element(el, sector_name=sector_name, language=language)
            activity: Parsed | list[str] | bytes | None = None
            if decision is None or decision.kept or identifier in held or identifier in earlier:
                if hand_over is not None and hand_over():
                    activity = etree.tostring(el, encoding="UTF-8", with_tail=False)
                else:
                    activity = _parse(el, codes, prepare)
            if identifier:
                earlier.add(identifier)
            yield (el.sourceline, identifier, publisher, _updated(el), decision, activity)
            release(el)
    except (etree.XMLSyntaxError, OSError) as exc:
        raise FileRefused(syntax_message(exc)) from None
    root = context.root
    if root is None or root.tag != "iati-activities":
        raise FileRefused(not_iati_message(root.tag if root is not None else "?"))
    yield End(version="" if root_read else (root.get("version") or "").strip(), dportal=dportal)


def parsed_activity(
    activity: Parsed | list[str] | bytes | None, *, line: int | None, codes: Codes
) -> Parsed | list[str]:
    """An activity as read, parsed: handed over as XML, it is parsed here (its line is the
    one in the file)."""
    if activity is None:
        raise ValueError("an activity the importer needs was not parsed")
    if not isinstance(activity, bytes):
        return activity
    try:
        parsed = parse_activity(fragment(activity), codes)
    except ActivityRejected as exc:
        return exc.reasons
    parsed.line = line
    return parsed


class _RatesWanted(Exception):
    """Raised in the reading process by a conversion, which would read exchange rates."""


def _parse(
    el: Any, codes: Codes, prepare: Callable[[Parsed], None] | None
) -> Parsed | list[str] | bytes:
    try:
        parsed = parse_activity(el, codes)
        if prepare is not None:
            prepare(parsed)
        return parsed
    except ActivityRejected as exc:
        return exc.reasons
    except _RatesWanted:
        return etree.tostring(el, encoding="UTF-8", with_tail=False)


def _root(el: Any) -> Root:
    tree = el.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise FileRefused(_("the file declares a DOCTYPE; it was refused for safety"))
    root = el.getparent()
    if root is None or root.tag != "iati-activities":
        raise FileRefused(not_iati_message(root.tag if root is not None else el.tag))
    generated = root.get("generated-datetime")
    when = None
    if generated:
        try:
            when = read_datetime(generated, "generated-datetime")
        except ActivityRejected:
            when = None
    return Root(version=(root.get("version") or "").strip(), generated=when)


def _updated(el: Any) -> datetime | None:
    value = el.get("last-updated-datetime")
    if not value:
        return None
    try:
        return read_datetime(value, "last-updated-datetime")
    except ActivityRejected:
        return None


# -- the reading process


class ReadingProcess:
    """``read_activities`` in a forked process; iterate over it for the same events (use as a
    context manager: on leaving, the process has ended, killed if the importer stopped
    early). A failure there is raised here: FileRefused as it is, anything else, or the
    process dying, as ReadingFailed; the importer then writes nothing for the file."""

    # Activities per message, and messages the reading process may hold ready (bounds its
    # memory; enough to go on reading while the importer writes a batch).
    CHUNK: ClassVar[int] = 100
    QUEUED: ClassVar[int] = 32
    # Whether activities are handed over as XML: None while the importer waits for work
    # (the two processes share the parsing), True always, False never.
    HAND_OVER: ClassVar[bool | None] = None
    # Seconds without a message after which the process is taken for stuck (a chunk takes
    # well under a second), killed, and the file's import failed.
    SILENCE: ClassVar[float] = 300.0

    def __init__(self, source: IO[bytes], **reading: Any) -> None:
        self.source = source
        self.reading = reading
        self.process: Any = None
        self.receiver: Any = None
        self.ended = False

    def __enter__(self) -> ReadingProcess:
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_reading_process,
            args=(sender, self.receiver, self.source, self.reading, self.HAND_OVER),
            name="iati-reader",
            daemon=True,
        )
        try:
            self.process.start()
        finally:
            sender.close()  # the reader's end: the pipe ends when the process does
        return self

    def __iter__(self) -> Iterator[Event]:
        while not self.ended:
            if not self.receiver.poll(self.SILENCE):
                raise ReadingFailed(
                    _("the process reading the file sent nothing for %(seconds)s seconds")
                    % {"seconds": f"{self.SILENCE:g}"}
                )
            try:
                message = self.receiver.recv_bytes()
            except EOFError:
                self.process.join(5)
                raise ReadingFailed(
                    _("the process reading the file stopped before its end (exit code %(code)s)")
                    % {"code": self.process.exitcode}
                ) from None
            kind, payload = pickle.loads(message)  # noqa: S301 - from our own child process
            if kind == "refused":
                self.ended = True
                raise FileRefused(payload)
            if kind == "failed":
                self.ended = True
                logger.error("IATI reading process failed:\n%s", payload)
                last = payload.strip().splitlines()[-1] if payload.strip() else ""
                raise ReadingFailed(
                    _("the process reading the file failed: %(error)s") % {"error": last[:300]}
                )
            if payload and isinstance(payload[-1], End):
                self.ended = True
            yield from payload

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process = self.process
        if not self.ended:
            process.kill()
        process.join(10)
        if process.is_alive():  # it should have ended with its last message
            process.kill()
            process.join()
        self.receiver.close()
        process.close()
        # The process read through the file's offset, shared with this one: a seek from the
        # end makes this process's buffered reader forget where it thought it was.
        with suppress(OSError, ValueError):
            self.source.seek(0, os.SEEK_END)


def _reading_process(
    connection: Any,
    importers_end: Any,
    source: IO[bytes],
    reading: dict[str, Any],
    hand_over: bool | None,
) -> None:
    """The reading process: events pickled in chunks through ``connection``."""
    # The importer's end, inherited by the fork, is closed here: held open, the pipe would
    # outlive a killed importer and this process would wait on it forever, a file's worth of
    # memory that no sweep ever frees; closed, sending fails and the process ends.
    importers_end.close()
    _forbid_database()
    if money.money_converter() is not None:
        money.register_money_converter(_rates_wanted)
    translation.activate(reading["language"])
    out = _Sender(connection, queued=ReadingProcess.QUEUED)
    try:
        chunk: list[Event] = []
        for event in read_activities(
            source,
            **reading,
            hand_over=out.idle if hand_over is None else (lambda: hand_over),
        ):
            chunk.append(event)
            if len(chunk) >= ReadingProcess.CHUNK:
                out.put(("read", chunk))
                chunk = []
        out.put(("read", chunk))
    except _ImporterGone:
        return
    except FileRefused as exc:
        with suppress(_ImporterGone):
            out.put(("refused", str(exc)))
    except BaseException:
        with suppress(_ImporterGone):
            out.put(("failed", traceback.format_exc()))
    out.close()


def _forbid_database() -> None:
    """Any query of the reading process fails (its connections are the importer's)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the IATI reading process never touches the database")

    for connection in connections.all():
        connection.ensure_connection = refuse  # type: ignore[method-assign]


def _rates_wanted(*args: Any) -> Any:
    raise _RatesWanted


class _ImporterGone(Exception):
    """The importer no longer reads (it stopped, or its process died)."""


class _Sender:
    """Writes the pickled messages on a thread of their own, so that reading goes on while
    the importer is busy; ``idle()`` is true while everything read so far has been taken."""

    def __init__(self, connection: Any, *, queued: int) -> None:
        self.connection = connection
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=queued)
        self.waiting = False
        self.thread = threading.Thread(target=self._run, name="iati-reader-send", daemon=True)
        self.thread.start()

    def idle(self) -> bool:
        return self.waiting

    def put(self, message: Any) -> None:
        self._put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        with suppress(_ImporterGone):
            self._put(None)
        self.thread.join()
        self.connection.close()

    def _put(self, data: bytes | None) -> None:
        while True:
            try:
                self.queue.put(data, timeout=0.5)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    raise _ImporterGone from None

    def _run(self) -> None:
        try:
            while True:
                self.waiting = self.queue.empty()
                data = self.queue.get()
                self.waiting = False
                if data is None:
                    return
                self.connection.send_bytes(data)
        except OSError:  # the importer closed its end
            return
