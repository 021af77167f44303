"""One pass over each file: stream the activities, decide relevance from the raw element, parse
only what will be written, resolve identifiers repeated in the file, write in batches."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, ClassVar

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from infobase.activities.iati_import.background import BackgroundWriter
from infobase.activities.iati_import.normalise import Codes
from infobase.activities.iati_import.parse import (
    SUPPORTED_VERSIONS,
    FileRefused,
    check_prolog,
    validate_schema,
)
from infobase.activities.iati_import.reading import (
    End,
    Read,
    Root,
    activities,
    parsed_activity,
)
from infobase.activities.iati_import.relevance import RelevanceFilter
from infobase.activities.iati_import.write import Item, Plan, Writer
from infobase.activities.models import Activity, ActivitySource, ImportRun
from infobase.core.history import reason_with
from infobase.core.search import many_keys_written

COUNTS = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "rejected",
    "marked_missing",
    "duplicates",
)
# Activities written per batch: a few queries per table per batch, whatever its size.
BATCH = 2000
# The per-activity report is kept whole up to this many entries; beyond, only counts (the
# counts are always exact). Keeps memory and the ImportRun row bounded for very large files.
REPORT_LIMIT = 20_000
# Activities marked missing from a file are read this many at a time (by primary key).
MISSING_CHUNK = 500


@dataclass(slots=True)
class Seen:
    """The copy of an identifier that stands so far in a file."""

    line: int | None
    updated: datetime | None
    outcome: str = ""  # once written or decided: created, updated, unchanged, skipped
    entry: int | None = None  # its index in the run's report, when it has an entry
    item: Item | None = None  # while it waits in a batch


@dataclass
class _FileState:
    name: str
    version: str = ""
    generated: datetime | None = None
    count: int = 0
    dportal: bool = False
    root_checked: bool = False
    language: str = ""  # the active language, read once per file
    kept: Counter[str] = field(default_factory=Counter)  # why the written ones were kept
    background: BackgroundWriter | None = None


class Importer:
    # Batches are written on a second thread while the file goes on being read (see
    # ``background``); False writes each on the reading thread. None: on a database server
    # only. Measured on 2 cores with a 109 MB file: PostgreSQL -9 % wall (filtered and
    # ``--all``), where the server works while the file is read; SQLite +2–5 %, where its work
    # is in this process and the two threads only take turns.
    BACKGROUND: ClassVar[bool | None] = None

    def __init__(
        self,
        run: ImportRun,
        relevance: RelevanceFilter | None,
        user: Any,
        progress: Callable[[float, str], None] | None = None,
    ) -> None:
        self.run = run
        self.progress = progress
        self.files_total = 1
        self.relevance = relevance
        self.user = user if getattr(user, "pk", None) else None
        self.codes = Codes()
        self.writer = Writer(user=self.user, codes=self.codes)
        # Every identifier held (any source): an activity the filter leaves out is parsed only
        # when it is held, since held activities are kept current whatever the filter says.
        self.held: set[str] = set(
            Activity.objects.values_list("iati_identifier", flat=True).iterator(chunk_size=10_000)
        )
        self.report_dropped = 0
        self.created_in_file: list[str] = []
        # While a batch is being written, the entries of what is read meanwhile wait here (with
        # the record that keeps their index): the batch's own entries come first in the report.
        self.deferred: list[tuple[dict[str, Any], Seen | None]] | None = None

    # -- report

    def note(
        self,
        *,
        file: str,
        outcome: str,
        identifier: str = "",
        line: int | None = None,
        reasons: Sequence[str] = (),
        warnings: Sequence[str] = (),
        record: Seen | None = None,
    ) -> int | None:
        """Add an entry to the run's report; returns its index (None beyond the limit, or
        while a batch is being written: then ``record.entry`` is set when it is added)."""
        entry = {
            "file": file,
            "line": line,
            "identifier": identifier,
            "outcome": outcome,
            "reasons": list(reasons),
            "warnings": list(warnings),
        }
        if self.deferred is not None:
            self.deferred.append((entry, record))
            return None
        return self._add(entry, record)

    def _add(self, entry: dict[str, Any], record: Seen | None) -> int | None:
        if len(self.run.report) >= REPORT_LIMIT:
            self.report_dropped += 1
            return None
        self.run.report.append(entry)
        index = len(self.run.report) - 1
        if record is not None:
            record.entry = index
        return index

    def count(self, outcome: str, step: int = 1) -> None:
        setattr(self.run, outcome, getattr(self.run, outcome) + step)

    def checkpoint(self) -> None:
        """Save the counts so far with a heartbeat: a run whose process dies keeps them."""
        now = timezone.now()
        self.run.heartbeat_at = now
        ImportRun.objects.filter(pk=self.run.pk).update(
            heartbeat_at=now, **{key: getattr(self.run, key) for key in COUNTS}
        )
        if self.progress is not None:
            done = max(0, len([f for f in self.run.files if f.get("name")]) - 1)
            self.progress(min(0.99, done / self.files_total), gettext_noop("Importing"))

    # -- one file

    def import_file(self, name: str, source: IO[bytes], *, validate: bool, size: int) -> bool:
        """Import one file. Returns False when it was refused: then nothing was written for it
        and the run's counts and report are as they were before it."""
        info: dict[str, Any] = {"name": name, "size": size}
        self.run.files.append(info)
        before = (
            {key: getattr(self.run, key) for key in COUNTS},
            len(self.run.report),
            self.report_dropped,
        )
        self.created_in_file = []
        source.seek(0)
        try:
            check_prolog(source)
            with many_keys_written(Activity), transaction.atomic():
                self._read(name, source, info, size)
        except FileRefused as exc:
            self._forget_file(before)
            info.clear()
            info.update(name=name, size=size, status="refused", message=str(exc))
            return False
        except BaseException:
            # The file's transaction was rolled back (its database session ended, the worker
            # stopped): the run's counts and report keep nothing of it, as nothing was kept.
            self._forget_file(before)
            raise
        if validate:
            source.seek(0)
            info["schema_errors"] = validate_schema(source)
        return True

    def _read(self, name: str, source: IO[bytes], info: dict[str, Any], size: int) -> None:
        state = _FileState(name=name, language=get_language() or "")
        seen: dict[str, Seen] = {}
        present: set[str] = set()
        publishers: set[str] = set()
        unidentified: set[str] = set()
        left_out: Counter[str] = Counter()
        batch: list[Item] = []
        end: End | None = None
        try:
            # The file is read (here, or in a process of its own for a large one) before the
            # writing thread starts: a process is forked with no thread of the import running.
            with activities(
                source,
                size=size,
                relevance=self.relevance,
                codes=self.codes,
                held=self.held,
                language=state.language,
                prepare=self.writer.prepare,
            ) as events:
                thread = self.BACKGROUND
                if thread is None:
                    thread = connection.vendor != "sqlite"
                with BackgroundWriter(thread=thread) as state.background:
                    for event in events:
                        if type(event) is tuple:
                            state.count += 1
                            item = self._activity(
                                event, state, seen, present, publishers, unidentified, left_out
                            )
                            if item is not None:
                                batch.append(item)
                                if len(batch) >= BATCH:
                                    self._flush(state, batch)
                                    batch = []
                        elif isinstance(event, Root):
                            state.root_checked = True
                            state.version = event.version
                            state.generated = event.generated
                        elif isinstance(event, End):
                            end = event
                    self._flush(state, batch)
                    self._settle(state)
        finally:
            state.background = None
            self.deferred = None
        assert end is not None  # the events end with it
        state.dportal = end.dportal
        if not state.root_checked:
            state.version = end.version
        notes: list[str] = []
        if state.version not in SUPPORTED_VERSIONS:
            notes.append(
                _("IATI version “%(version)s” is not one of 2.01–2.03; read as 2.0x")
                % {"version": state.version[:20]}
            )
        self._mark_missing(state, present, publishers, unidentified, notes)
        info.update(
            status="read",
            version=state.version,
            activities=state.count,
            publishers=sorted(p for p in publishers if p),
            kept_because=dict(state.kept.most_common()),
            left_out_because=dict(left_out.most_common()),
        )
        if notes:
            info["notes"] = notes
        self.checkpoint()

    def _activity(
        self,
        read: Read,
        state: _FileState,
        seen: dict[str, Seen],
        present: set[str],
        publishers: set[str],
        unidentified: set[str],
        left_out: Counter[str],
    ) -> Item | None:
        """Decide about one activity as read; returns the item to write, if any."""
        name = state.name
        line, identifier, publisher, updated, decision, activity = read
        publishers.add(publisher)
        if not identifier:
            unidentified.add(publisher)
        else:
            present.add(identifier)
        force = created_in_run = False
        if identifier and identifier in seen:
            # A repeated identifier: what became of the earlier copy is needed now.
            self._settle(state)
        if identifier:
            prior = seen.get(identifier)
            if prior is not None and (prior.item is not None or prior.outcome):
                if prior.updated and updated and prior.updated > updated:
                    self.count("duplicates")
                    self.note(
                        file=name,
                        outcome="duplicates",
                        identifier=identifier,
                        line=line,
                        reasons=[_duplicate_reason(kept_line=prior.line, by_date=True)],
                    )
                    return None
                by_date = bool(prior.updated and updated and updated > prior.updated)
                force, created_in_run = self._retract(name, identifier, prior, line, by_date)
        if decision is not None and not decision.kept and not force and identifier not in self.held:
            left_out.update(decision.reasons)
            self.count("skipped")
            record = Seen(line, updated, "skipped") if identifier else None
            self.note(
                file=name,
                outcome="skipped",
                identifier=identifier,
                line=line,
                reasons=decision.reasons,
                record=record,
            )
            if record is not None:
                seen[identifier] = record
            return None
        parsed = parsed_activity(activity, line=line, codes=self.codes)
        if isinstance(parsed, list):
            self.count("rejected")
            self.note(
                file=name, outcome="rejected", identifier=identifier, line=line, reasons=parsed
            )
            return None
        item = Item(
            parsed=parsed, line=line, decision=decision, force=force, created_in_run=created_in_run
        )
        record = Seen(line, updated, item=item)
        item.seen = record
        seen[identifier] = record
        return item

    def _retract(
        self, name: str, identifier: str, prior: Seen, line: int | None, by_date: bool
    ) -> tuple[bool, bool]:
        """An earlier copy of ``identifier`` gives way to the copy at ``line``: report it as a
        duplicate instead of what it was counted as. Returns (force, created_in_run) for the
        later copy: it must replace the earlier copy when that one was written in this run."""
        reasons = [_duplicate_reason(kept_line=line, by_date=by_date)]
        self.count("duplicates")
        if prior.item is not None:  # still waiting in the batch: never written
            prior.item.dropped = True
            self.note(
                file=name,
                outcome="duplicates",
                identifier=identifier,
                line=prior.line,
                reasons=reasons,
            )
            return False, False
        self.count(prior.outcome, -1)
        if prior.entry is not None:
            self.run.report[prior.entry] = {
                "file": name,
                "line": prior.line,
                "identifier": identifier,
                "outcome": "duplicates",
                "reasons": reasons,
                "warnings": [],
            }
        else:
            self.note(
                file=name,
                outcome="duplicates",
                identifier=identifier,
                line=prior.line,
                reasons=reasons,
            )
        written = prior.outcome in ("created", "updated")
        return written, prior.outcome == "created"

    def _forget_file(self, before: tuple[dict[str, int], int, int]) -> None:
        """Set the run's counts and report back to what they were before a file not kept."""
        counts, report_length, dropped = before
        for key, value in counts.items():
            setattr(self.run, key, value)
        del self.run.report[report_length:]
        self.report_dropped = dropped
        self.held.difference_update(self.created_in_file)

    def _flush(self, state: _FileState, batch: list[Item]) -> None:
        """Hand a batch to the writing thread, once the one before is recorded."""
        self._settle(state)
        if not batch:
            return
        assert state.background is not None
        self.deferred = []
        state.background.submit(
            self.writer.write_batch, batch, file=state.name, version=state.version
        )

    def _settle(self, state: _FileState) -> None:
        """Wait for the batch in flight, if any, and record it: its entries, then those of
        what was read meanwhile, as when each batch was written before reading on."""
        if state.background is None or not state.background.in_flight:
            return
        deferred, self.deferred = self.deferred, None
        plans = state.background.wait()
        for plan in plans:
            self._record(state, plan)
        for entry, record in deferred or ():
            self._add(entry, record)
        self.checkpoint()
        # What the run holds so far (its report, the file's records) joins what the process
        # held before the import (see ``iati_import``): the collector's full passes, which
        # would go over it again after each batch, see only what came since.
        gc.freeze()

    def _record(self, state: _FileState, plan: Plan) -> None:
        item = plan.item
        self.count(plan.outcome)
        entry = None
        if plan.outcome != "unchanged" or plan.warnings or plan.reasons:
            entry = self.note(
                file=state.name,
                outcome=plan.outcome,
                identifier=item.parsed.identifier,
                line=item.line,
                reasons=plan.reasons,
                warnings=plan.warnings,
            )
        if plan.outcome == "created":
            self.held.add(item.parsed.identifier)
            self.created_in_file.append(item.parsed.identifier)
        if plan.outcome in ("created", "updated"):
            state.kept.update(plan.reasons)
        if item.seen is not None:
            item.seen.item = None
            item.seen.entry = entry
            item.seen.outcome = plan.outcome if plan.outcome != "rejected" else ""

    # -- activities absent from the publisher's newer file

    def _mark_missing(
        self,
        state: _FileState,
        present: set[str],
        publishers: set[str],
        unidentified: set[str],
        notes: list[str],
    ) -> None:
        """Mark activities held from an earlier file of that name of the file's publishers and
        absent from it now (see the package docstring)."""
        if state.dportal:
            notes.append(
                _(
                    "a D-Portal query result is not a publisher's complete file: no activity "
                    "is marked missing from it"
                )
            )
            return
        wanted = [p for p in publishers if p and p not in unidentified]
        for publisher in sorted(p for p in unidentified if p in publishers):
            notes.append(
                _(
                    "an activity of publisher “%(publisher)s” had no identifier: none of its "
                    "activities is marked missing"
                )
                % {"publisher": publisher or "?"}
            )
        if not wanted:
            return
        query = Q()
        for publisher in wanted:
            query |= Q(reporting_org_ref__iexact=publisher)
        rows = Activity.objects.filter(
            query, source=ActivitySource.IATI, source_file=state.name, missing_from_source=False
        )
        if state.generated:
            # The file is older than what we hold for an activity updated since it was made.
            rows = rows.exclude(last_updated__gt=state.generated)
        # Every activity held from the file is looked at by its identifier only: those still in
        # it (usually all) are never built as model instances. The others are then read in the
        # same order (chunks of that order, each ordered alike).
        gone = [
            pk
            for pk, identifier in rows.values_list("pk", "iati_identifier").iterator(
                chunk_size=2000
            )
            if identifier not in present
        ]
        if not gone:
            return
        missing: list[Activity] = []
        for start in range(0, len(gone), MISSING_CHUNK):
            missing.extend(rows.filter(pk__in=gone[start : start + MISSING_CHUNK]))
        reason = reason_with(
            gettext_noop("no longer in the publisher's file %(file)s"), file=state.name
        )
        for activity in missing:
            activity.missing_from_source = True
        bulk_update_with_history(
            missing,
            Activity,
            fields=["missing_from_source"],
            batch_size=500,
            default_user=self.user,
            default_change_reason=reason,
        )
        for activity in missing:
            self.count("marked_missing")
            self.note(
                file=state.name,
                outcome="marked_missing",
                identifier=activity.iati_identifier,
                reasons=[reason],
            )


def _duplicate_reason(*, kept_line: int | None, by_date: bool) -> str:
    """Why a copy of an identifier repeated in a file was left out; the copy's own line is the
    report entry's, the kept copy's is named here."""
    if by_date:
        return _(
            "the same iati-identifier is also at line %(line)s; that copy was kept because its "
            "last-updated-datetime is later"
        ) % {"line": kept_line or "?"}
    return _(
        "the same iati-identifier is also at line %(line)s; that copy was kept because it comes "
        "later in the file (neither copy has a later last-updated-datetime)"
    ) % {"line": kept_line or "?"}
