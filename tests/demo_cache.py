"""The demo data set generated once per test run and loaded where a test module needs it.

``generate()`` costs a quarter of a minute of CPU; the modules that only read its data get the
rows it wrote instead. The first pytest-xdist worker that needs a (scale, seed) generates it in a
transaction that is rolled back, records what changed in every table (rows inserted, updated and
deleted, by primary key) and the media files written, and stores that under a file lock; every
module then loads it with ``executemany`` inside its own transaction.

An entry is keyed by the application's files, the database vendor, the arguments and the rows
already in the database before generating (the reference data), so that it is only ever
replayed onto the state it was recorded from. ``INFOBASE_DEMO_CACHE=FOLDER`` keeps the entries
between runs (delete the folder to rebuild them); by default they last one run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "infobase"
FORMAT = 1  # bump when the layout of an entry changes

Rows = dict[Any, tuple[Any, ...]]


@dataclass
class TableChange:
    """What generating did to one table: full rows inserted or updated, keys deleted."""

    label: str
    inserted: list[tuple[Any, ...]] = field(default_factory=list)
    updated: list[tuple[Any, ...]] = field(default_factory=list)
    deleted: list[Any] = field(default_factory=list)


@dataclass
class Recording:
    """One generated data set: the table changes in dependency order, media files, sequences."""

    changes: list[TableChange]
    media: list[str]
    # PostgreSQL: each table's sequence before generating (last value, is_called), so that a
    # fresh generate() can be made to hand out the same keys (the equivalence test does).
    sequences: dict[str, tuple[str, int, bool]]


def tables() -> list[type[models.Model]]:
    """Every table the application owns, each after the tables its foreign keys point to
    (as far as cycles allow; the keys are deferrable, checked at commit, which never comes)."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    by_table = {m._meta.db_table: m for m in found}
    ordered: list[type[models.Model]] = []
    seen: set[str] = set()

    def visit(model: type[models.Model], path: frozenset[str]) -> None:
        name = model._meta.db_table
        if name in seen or name in path:
            return
        for f in model._meta.local_concrete_fields:
            target = f.related_model if f.is_relation else None
            if target is not None and not isinstance(target, str):
                other = by_table.get(target._meta.db_table)
                if other is not None and other is not model:
                    visit(other, path | {name})
        seen.add(name)
        ordered.append(model)

    for model in sorted(found, key=lambda m: m._meta.db_table):
        visit(model, frozenset())
    return ordered


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return list(model._meta.local_concrete_fields)


def _dump(model: type[models.Model]) -> Rows:
    fields = _fields(model)
    pk = [f.attname for f in fields].index(model._meta.pk.attname)
    rows = model._base_manager.order_by().values_list(*[f.attname for f in fields])
    return {row[pk]: tuple(row) for row in rows}


def snapshot() -> dict[str, Rows]:
    """Every row of every table, by model label and primary key."""
    return {m._meta.label: _dump(m) for m in tables()}


def fingerprint(state: dict[str, Rows]) -> str:
    digest = hashlib.sha256()
    for label in sorted(state):
        rows = state[label]
        digest.update(f"{label}:{len(rows)}".encode())
        for key in sorted(rows, key=repr):
            digest.update(repr(rows[key]).encode())
    return digest.hexdigest()


def _code_hash() -> str:
    digest = hashlib.sha256(str(FORMAT).encode())
    for path in sorted(CODE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(CODE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_CODE_HASH: list[str] = []


def code_hash() -> str:
    if not _CODE_HASH:
        _CODE_HASH.append(_code_hash())
    return _CODE_HASH[0]


def _media_files() -> dict[str, tuple[int, int]]:
    media = Path(settings.MEDIA_ROOT)
    if not media.is_dir():
        return {}
    return {
        str(p.relative_to(media)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in media.rglob("*")
        if p.is_file()
    }


def _sequences() -> dict[str, tuple[str, int, bool]]:
    if connection.vendor != "postgresql":
        return {}
    found = {}
    with connection.cursor() as cursor:
        for model in tables():
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField):  # BigAutoField and SmallAutoField too
                continue
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, pk.column]
            )
            (sequence,) = cursor.fetchone()
            if sequence:
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                last, called = cursor.fetchone()
                found[model._meta.db_table] = (str(pk.column), last, called)
    return found


def set_sequences(values: dict[str, tuple[str, int, bool]]) -> None:
    """Put PostgreSQL's sequences back where they stood (not transactional: keys above them
    that a rolled-back transaction used are free again, and nothing committed sits above)."""
    with connection.cursor() as cursor:
        for table, (column, last, called) in values.items():
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
                [table, column, last, called],
            )


def diff(before: dict[str, Rows], after: dict[str, Rows]) -> list[TableChange]:
    changes = []
    for model in tables():
        label = model._meta.label
        old, new = before.get(label, {}), after.get(label, {})
        change = TableChange(
            label=label,
            inserted=[new[k] for k in sorted(new.keys() - old.keys(), key=repr)],
            updated=[new[k] for k in sorted(new.keys() & old.keys(), key=repr) if new[k] != old[k]],
            deleted=sorted(old.keys() - new.keys(), key=repr),
        )
        if change.inserted or change.updated or change.deleted:
            changes.append(change)
    return changes


def record(*, scale: str, seed: int, before: dict[str, Rows], folder: Path) -> Recording:
    """Generate in a transaction rolled back after, and keep what it changed."""
    from infobase.demo.services import generate

    sequences = _sequences()
    media_before = _media_files()
    with transaction.atomic():
        generate(scale=scale, seed=seed)
        after = snapshot()
        transaction.set_rollback(True)
    written = sorted(k for k, v in _media_files().items() if media_before.get(k) != v)
    media = Path(settings.MEDIA_ROOT)
    for name in written:
        target = folder / "media" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(media / name, target)
    return Recording(changes=diff(before, after), media=written, sequences=sequences)


def _quoted(names: Iterable[str | None]) -> str:
    return ", ".join(connection.ops.quote_name(str(n)) for n in names)


def replay(recording: Recording, *, folder: Path) -> None:
    """Apply a recording to the database (in the caller's transaction) and media folder."""
    from infobase.needs.changes import quiet

    touched = []
    # The recording holds the needs derivation's change log as generating left it: the
    # triggers that write the log must not log the replay's statements on top of it.
    with quiet(), connection.cursor() as cursor:
        for change in recording.changes:
            model = apps.get_model(change.label)
            fields = _fields(model)
            table = connection.ops.quote_name(model._meta.db_table)
            pk = model._meta.pk
            assert pk is not None
            if change.deleted:
                cursor.executemany(
                    f"DELETE FROM {table} WHERE {_quoted([pk.column])} = %s",  # noqa: S608
                    [[pk.get_db_prep_save(k, connection)] for k in change.deleted],
                )
            if change.inserted:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(
                    f"INSERT INTO {table} ({_quoted(f.column for f in fields)}) "  # noqa: S608
                    f"VALUES ({marks})",
                    [_prepared(fields, row) for row in change.inserted],
                )
                touched.append(model)
            if change.updated:
                others = [f for f in fields if f is not pk]
                at = [f.attname for f in fields].index(pk.attname)
                sets = ", ".join(f"{_quoted([f.column])} = %s" for f in others)
                cursor.executemany(
                    f"UPDATE {table} SET {sets} WHERE {_quoted([pk.column])} = %s",  # noqa: S608
                    [
                        [
                            *_prepared(others, _without(row, at)),
                            pk.get_db_prep_save(row[at], connection),
                        ]
                        for row in change.updated
                    ],
                )
        # PostgreSQL hands out keys from sequences that explicit keys did not move.
        for sql in connection.ops.sequence_reset_sql(no_style(), touched):
            cursor.execute(sql)
    media = Path(settings.MEDIA_ROOT)
    for name in recording.media:
        target = media / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / "media" / name, target)


def _without(row: tuple[Any, ...], at: int) -> tuple[Any, ...]:
    return row[:at] + row[at + 1 :]


def _prepared(fields: list[models.Field[Any, Any]], row: Iterable[Any]) -> list[Any]:
    return [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]


def _entry(*, scale: str, seed: int, state: str) -> str:
    key = f"{code_hash()}|{connection.vendor}|{scale}|{seed}|{state}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def cached(*, scale: str, seed: int, root: Path) -> tuple[Recording, Path]:
    """The recording for these arguments and the database as it is now, made if missing."""
    before = snapshot()
    folder = root / _entry(scale=scale, seed=seed, state=fingerprint(before))
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "recording.pickle"
        if not done.exists():
            recording = record(scale=scale, seed=seed, before=before, folder=folder)
            partial = folder / "recording.tmp"
            partial.write_bytes(pickle.dumps(recording, protocol=pickle.HIGHEST_PROTOCOL))
            partial.rename(done)
    return pickle.loads(done.read_bytes()), folder  # noqa: S301 (written by this run)


def cache_root(base: Path) -> Path:
    return Path(os.environ.get("INFOBASE_DEMO_CACHE") or base / "demo-data")


def load(*, scale: str, seed: int, root: Path) -> None:
    """The demo data set, as generate(scale, seed) would leave it, in the current transaction."""
    recording, folder = cached(scale=scale, seed=seed, root=root)
    replay(recording, folder=folder)


@contextmanager
def loaded(*, seed: int, root: Path, blocker: Any, scale: str = "small") -> Iterator[None]:
    """The demo data set of ``seed`` in a transaction rolled back at the end (``blocker``:
    pytest-django's ``django_db_blocker``, for module-scoped fixtures)."""
    with blocker.unblock(), transaction.atomic():
        load(scale=scale, seed=seed, root=root)
        yield
        transaction.set_rollback(True)
