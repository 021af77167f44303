"""Backups that restore everything: every table, every uploaded or produced file, the secret key.

A backup is one tar file:

- ``manifest.json``: when and from which database it was made, the migrations it needs, and for
  every table its row count and a SHA-256 of its rows, for every file its size and SHA-256;
- ``data/<app>.<model>.jsonl``: the rows, one JSON object a line (Django's serialization, so a
  backup made on SQLite restores on PostgreSQL and the other way round);
- ``media/…``: the files under ``MEDIA_ROOT`` (reports, attachments, documents);
- ``secret_key``: the key that signs sessions and password-reset links, when it came from
  ``var/secret_key`` rather than the environment.

A restore checks the whole archive against its manifest and the database's migrations first, then
replaces all rows in one transaction, then the files; nothing is written when a check fails.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import QuerySet

FORMAT = 1
CHUNK = 2000


class LosslessEncoder(DjangoJSONEncoder):
    """Django's encoder keeps milliseconds only; a backup keeps every microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup that cannot be restored here, with the reason."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    migrations: list[list[str]]
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    secret_key: bool = False
    format: int = FORMAT


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete table the project manages, parents before children where they depend."""
    found = [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]
    return sorted(found, key=lambda model: model._meta.label_lower)


def applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _rows(model: type[models.Model]) -> Iterator[str]:
    # Keyset pagination: constant cost per chunk however large the table.
    queryset = model._default_manager.using("default").order_by("pk")
    chunk = list(queryset[:CHUNK])
    while chunk:
        for item in serializers.serialize("python", chunk):
            yield json.dumps(item, cls=LosslessEncoder, sort_keys=True, ensure_ascii=False)
        chunk = list(queryset.filter(pk__gt=chunk[-1].pk)[:CHUNK])


def _all_tables() -> list[str]:
    """The tables of the backed-up models and of their many-to-many links."""
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and not model._meta.swapped
        }
    )


def table_digests() -> dict[str, dict[str, Any]]:
    """Row count and SHA-256 of every table's rows, as serialized (what a restore must equal)."""
    digests: dict[str, dict[str, Any]] = {}
    for model in backed_up_models():
        digest, count = hashlib.sha256(), 0
        for line in _rows(model):
            digest.update(line.encode())
            digest.update(b"\n")
            count += 1
        digests[model._meta.label_lower] = {"rows": count, "sha256": digest.hexdigest()}
    return digests


def media_files(root: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    if not root.is_dir():
        return files
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files[path.relative_to(root).as_posix()] = {
            "size": path.stat().st_size,
            "sha256": _file_sha256(path),
        }
    return files


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def make_backup(*, out: Path) -> Manifest:
    """Write a backup of the database, the media files and the secret key to ``out``."""
    media_root = Path(settings.MEDIA_ROOT)
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        vendor=connection.vendor,
        migrations=applied_migrations(),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    mode = "w:gz" if out.name.endswith((".tgz", ".tar.gz")) else "w"
    # One read-only transaction: on PostgreSQL every table is read from the same snapshot.
    outermost = not connection.in_atomic_block
    with transaction.atomic(), tarfile.open(partial, mode) as archive:  # type: ignore[call-overload]
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for model in backed_up_models():
            label = model._meta.label_lower
            digest, count = hashlib.sha256(), 0
            with tempfile.TemporaryFile() as spool:
                for line in _rows(model):
                    data = line.encode() + b"\n"
                    digest.update(data)
                    spool.write(data)
                    count += 1
                size = spool.tell()
                spool.seek(0)
                info = tarfile.TarInfo(f"data/{label}.jsonl")
                info.size, info.mtime, info.mode = size, 0, 0o600
                archive.addfile(info, spool)
            manifest.tables[label] = {"rows": count, "sha256": digest.hexdigest()}
        manifest.files = media_files(media_root)
        for name in manifest.files:
            archive.add(media_root / name, arcname="media/" + name, recursive=False)
        key_file = Path(settings.VAR_DIR) / "secret_key"
        if not os.environ.get("SECRET_KEY") and key_file.exists():
            _add_bytes(archive, "secret_key", key_file.read_bytes())
            manifest.secret_key = True
        _add_bytes(
            archive,
            "manifest.json",
            json.dumps(manifest.__dict__, indent=1, sort_keys=True).encode(),
        )
    partial.replace(out)
    return manifest


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.getmember("manifest.json")
    except KeyError:
        raise BackupError("the archive has no manifest.json: not an Infobase backup") from None
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError("manifest.json is not a file")
    try:
        data = json.loads(handle.read())
        manifest = Manifest(**data)
    except (ValueError, TypeError) as error:
        raise BackupError(f"manifest.json cannot be read: {error}") from None
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format}, this Infobase reads {FORMAT}")
    return manifest


def _safe_member(name: str) -> bool:
    path = Path(name)
    return not path.is_absolute() and ".." not in path.parts


def verify_backup(archive: tarfile.TarFile, manifest: Manifest) -> None:
    """Every table and file the manifest names is present with its checksum, nothing else is
    outside the expected folders, and this database has the same migrations."""
    if manifest.migrations != applied_migrations():
        raise BackupError(
            "the backup was made at other migrations than this database has: run `infobase "
            "migrate` with the version of Infobase that made it"
        )
    known = {model._meta.label_lower for model in backed_up_models()}
    if set(manifest.tables) != known:
        missing, extra = known - set(manifest.tables), set(manifest.tables) - known
        raise BackupError(f"tables differ: missing {sorted(missing)}, unknown {sorted(extra)}")
    for member in archive.getmembers():
        if not _safe_member(member.name) or not (member.isfile() or member.isdir()):
            raise BackupError(f"unsafe entry in the archive: {member.name}")
    for label, expected in manifest.tables.items():
        digest = _member_sha256(archive, f"data/{label}.jsonl")
        if digest != expected["sha256"]:
            raise BackupError(f"data of {label} does not match the manifest")
    for name, expected in manifest.files.items():
        if _member_sha256(archive, "media/" + name) != expected["sha256"]:
            raise BackupError(f"file {name} does not match the manifest")


def _member_sha256(archive: tarfile.TarFile, name: str) -> str:
    try:
        handle = archive.extractfile(name)
    except KeyError:
        raise BackupError(f"{name} is missing from the archive") from None
    if handle is None:
        raise BackupError(f"{name} is not a file")
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _load_rows(archive: tarfile.TarFile, model: type[models.Model]) -> None:
    handle = archive.extractfile(f"data/{model._meta.label_lower}.jsonl")
    assert handle is not None  # verified before
    batch: list[models.Model] = []
    m2m: list[tuple[models.Model, dict[str, Sequence[Any]]]] = []

    # bulk_create would stamp auto_now(_add) fields with the time of the restore; a restore
    # keeps the stored times, as loaddata does with raw saves.
    stamped = [
        column
        for column in model._meta.concrete_fields
        if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False)
    ]
    saved = [
        (column, column.auto_now, column.auto_now_add)  # type: ignore[attr-defined]
        for column in stamped
    ]

    def flush() -> None:
        for column in stamped:
            column.auto_now = column.auto_now_add = False  # type: ignore[attr-defined]
        try:
            # A plain queryset: the rows go back exactly as saved, whatever a model's manager
            # would compute on the way (search keys read related rows not restored yet).
            QuerySet[models.Model](model).bulk_create(batch, batch_size=500)
        finally:
            for column, now, now_add in saved:
                column.auto_now, column.auto_now_add = now, now_add  # type: ignore[attr-defined]
        batch.clear()

    for raw in io.TextIOWrapper(handle, encoding="utf-8"):
        for item in serializers.deserialize("python", [json.loads(raw)], ignorenonexistent=False):
            batch.append(item.object)
            if item.m2m_data:
                m2m.append((item.object, item.m2m_data))
        if len(batch) >= CHUNK:
            flush()
    flush()
    for obj, relations in m2m:
        for name, values in relations.items():
            getattr(obj, name).set(values)


@transaction.atomic
def _replace_rows(archive: tarfile.TarFile) -> None:
    models_ = backed_up_models()
    tables = _all_tables()
    if connection.vendor == "postgresql":
        # Run any deferred checks now: PostgreSQL refuses to truncate a table with pending ones.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with connection.constraint_checks_disabled():
        statements = connection.ops.sql_flush(
            no_style(), tables, reset_sequences=True, allow_cascade=True
        )
        connection.ops.execute_sql_flush(statements)
        for model in models_:
            _load_rows(archive, model)
    # Checked once everything is in, as loaddata does: rows may refer to rows of later tables.
    connection.check_constraints(table_names=tables)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models_):
            cursor.execute(statement)


def restore_backup(*, source: Path) -> Manifest:
    """Replace this installation's data and files by those of the backup at ``source``."""
    with tarfile.open(source, "r:*") as archive:
        manifest = read_manifest(archive)
        verify_backup(archive, manifest)
        media_root = Path(settings.MEDIA_ROOT)
        staging = Path(tempfile.mkdtemp(prefix="restore-", dir=media_root.parent))
        try:
            for name in manifest.files:
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                handle = archive.extractfile("media/" + name)
                assert handle is not None
                with target.open("wb") as out:
                    shutil.copyfileobj(handle, out)
            _replace_rows(archive)
            # The rows are in; swap the files in as a whole.
            old = media_root.with_name(media_root.name + ".before-restore")
            if old.exists():
                shutil.rmtree(old)
            if media_root.exists():
                media_root.rename(old)
            staging.rename(media_root)
            if old.exists():
                shutil.rmtree(old)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        if manifest.secret_key and not os.environ.get("SECRET_KEY"):
            handle = archive.extractfile("secret_key")
            assert handle is not None
            key_file = Path(settings.VAR_DIR) / "secret_key"
            key_file.write_bytes(handle.read())
            key_file.chmod(0o600)
    return manifest
