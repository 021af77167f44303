"""Attachments to questionnaire answers go through the upload policy."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from infobase.core.errors import InvalidInput
from infobase.questionnaires import services
from infobase.questionnaires.models import AnswerFile, Assignment, Item, ItemKind
from tests.conftest import client_for
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def with_attachment(egypt):  # type: ignore[no-untyped-def]
    questionnaire = build_questionnaire(cycle_number=93, code="attach-q")
    item = Item.objects.create(
        questionnaire=questionnaire,
        position=999,
        name="law_text",
        kind=ItemKind.FILE,
        xlsform_type="file",
        label={"en": "The law", "ar": "القانون"},
    )
    assignment = Assignment.objects.create(
        questionnaire=questionnaire,
        state=egypt,
        deadline=date(2030, 1, 31),
        dispatched_at=timezone.now(),
    )
    return assignment, item


@pytest.mark.parametrize(
    ("name", "data"), [("law.svg", SVG), ("law.html", HTML), ("law.pdf", HTML), ("law.exe", PDF)]
)
def test_an_svg_html_or_executable_attachment_is_refused_by_the_service(
    with_attachment, focal_egypt, name, data
):  # type: ignore[no-untyped-def]
    assignment, item = with_attachment
    with pytest.raises(InvalidInput):
        services.answer_file_add(
            assignment=assignment,
            item=item,
            repeat_path="",
            upload=SimpleUploadedFile(name, data),
            user=focal_egypt,
        )
    assert not AnswerFile.objects.exists()


def test_a_pdf_attachment_is_kept(with_attachment, focal_egypt):  # type: ignore[no-untyped-def]
    assignment, item = with_attachment
    services.answer_file_add(
        assignment=assignment,
        item=item,
        repeat_path="",
        upload=SimpleUploadedFile("law.pdf", PDF),
        user=focal_egypt,
    )
    assert AnswerFile.objects.get().original_name == "law.pdf"


def test_the_answer_page_refuses_an_svg_attachment_and_saves_nothing(with_attachment, focal_egypt):  # type: ignore[no-untyped-def]
    assignment, item = with_attachment
    response = client_for(focal_egypt).post(
        reverse("assignment_answer", args=[assignment.pk]),
        {"action": "save", f"f-{item.name}": SimpleUploadedFile("law.svg", SVG)},
    )
    assert response.status_code == 400
    assert not AnswerFile.objects.exists()
