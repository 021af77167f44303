"""A backup restores every table and every file exactly; a damaged backup changes nothing."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from infobase.core.ops.backup import (
    BackupError,
    make_backup,
    media_files,
    restore_backup,
    table_digests,
)
from infobase.reference.models import Organization, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def installation(tmp_path: Path):  # type: ignore[no-untyped-def]
    media, var = tmp_path / "media", tmp_path / "var"
    (media / "reports" / "x").mkdir(parents=True)
    (media / "reports" / "x" / "report.pdf").write_bytes(b"%PDF-1.7 illustrative\n" * 50)
    (media / "attachments").mkdir()
    (media / "attachments" / "نص.txt").write_text("مرفق", encoding="utf-8")
    var.mkdir()
    (var / "secret_key").write_text("the-installation-key")
    with override_settings(MEDIA_ROOT=str(media), VAR_DIR=var):
        yield media, var


def test_restore_brings_back_every_table_and_file_exactly(installation, secretariat, tmp_path):
    media, var = installation
    Organization.objects.create(code="restore-org", name_en="Restore Org", kind="ngo")
    before_tables, before_files = table_digests(), media_files(media)

    out = tmp_path / "backup.tar.gz"
    manifest = make_backup(out=out)
    assert manifest.tables["reference.state"]["rows"] == State.objects.count()
    assert set(manifest.files) == {"reports/x/report.pdf", "attachments/نص.txt"}
    assert manifest.secret_key

    # Everything changes after the backup: rows added, changed and removed, files lost.
    Organization.objects.filter(code="restore-org").delete()
    Organization.objects.create(code="later-org", name_en="Later", kind="ngo")
    State.objects.filter(iso3="EGY").update(name_en="Changed")
    secretariat.delete()
    (media / "reports" / "x" / "report.pdf").unlink()
    (media / "stray.bin").write_bytes(b"not in the backup")
    (var / "secret_key").write_text("another-key")
    assert table_digests() != before_tables

    restore_backup(source=out)

    assert table_digests() == before_tables
    assert media_files(media) == before_files
    assert (var / "secret_key").read_text() == "the-installation-key"
    assert Organization.objects.filter(code="restore-org").exists()
    assert not Organization.objects.filter(code="later-org").exists()


def _rewrite(source: Path, target: Path, *, name: str, data: bytes) -> None:
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            payload = old.extractfile(member)
            if member.name == name:
                member.size = len(data)
                new.addfile(member, __import__("io").BytesIO(data))
            else:
                new.addfile(member, payload)


def test_a_tampered_backup_is_refused_and_nothing_changes(installation, tmp_path):
    media, _var = installation
    out = tmp_path / "backup.tar"
    make_backup(out=out)
    Organization.objects.create(code="after-backup", name_en="After", kind="ngo")
    state_now, files_now = table_digests(), media_files(media)

    tampered = tmp_path / "tampered.tar"
    _rewrite(out, tampered, name="media/reports/x/report.pdf", data=b"changed")
    with pytest.raises(BackupError, match=r"reports/x/report\.pdf"):
        restore_backup(source=tampered)
    assert table_digests() == state_now
    assert media_files(media) == files_now


def test_a_backup_from_other_migrations_is_refused(installation, tmp_path):
    out = tmp_path / "backup.tar"
    make_backup(out=out)
    with tarfile.open(out) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    manifest["migrations"].append(["reference", "9999_future"])
    other = tmp_path / "other.tar"
    _rewrite(out, other, name="manifest.json", data=json.dumps(manifest).encode())
    with pytest.raises(BackupError, match="migrations"):
        restore_backup(source=other)


def test_restore_command_needs_confirmation_and_reports_errors(installation, tmp_path, capsys):
    out = tmp_path / "backup.tar"
    call_command("backup", "--out", str(out))
    assert "tables" in capsys.readouterr().out
    with pytest.raises(SystemExit) as unconfirmed:
        call_command("restore", str(out))
    assert unconfirmed.value.code == 2
    not_a_backup = tmp_path / "empty.tar"
    with tarfile.open(not_a_backup, "w"):
        pass
    with pytest.raises(SystemExit) as refused:
        call_command("restore", str(not_a_backup), "--yes")
    assert refused.value.code == 1
    assert "manifest.json" in capsys.readouterr().err
