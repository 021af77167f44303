"""Files attached to UN documents in the admin follow the one upload policy."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from infobase.meetings.admin import DocumentFileForm
from infobase.meetings.models import Document, DocumentFile, DocumentKind

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_with(name: str, content: bytes) -> DocumentFileForm:
    document = Document.objects.create(
        symbol="CTOC/COP/2026/UPLOAD.1",
        kind=DocumentKind.CHAIR_REPORT,
        date=date(2026, 1, 1),
        title={"en": "Upload test"},
    )
    return DocumentFileForm(
        data={"language": "en", "mime_type": ""},
        files={"file": SimpleUploadedFile(name, content)},
        instance=DocumentFile(document=document),
    )


def test_a_pdf_is_accepted():
    form = form_with("report.pdf", PDF)
    assert form.is_valid(), form.errors


def test_a_program_named_pdf_is_refused_with_the_reason():
    form = form_with("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200)
    assert not form.is_valid()
    assert "PDF" in " ".join(form.errors["file"])


def test_a_web_page_is_refused():
    form = form_with("notes.txt", b"<html><script>alert(1)</script></html>")
    assert not form.is_valid()
    assert "file" in form.errors
