"""Every place people upload a file, attacked with hostile files: an executable or a web page
under an accepted name, a zip bomb, a file past the size cap, a workbook whose XML declares
entities, a name that climbs out of its folder. Each is refused with a message that says why
(naming the file where a form takes several), and nothing is written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.core.tabular import read_workbook
from infobase.needs.models import AssistanceRequest
from infobase.questionnaires.models import Assignment, Item, ItemKind, ReportingCycle
from infobase.reference.models import State
from tests.accounts.test_write_paths import writes
from tests.conftest import client_for, request_form
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
IATI = b'<?xml version="1.0"?>\n<iati-activities version="2.03"></iati-activities>\n'

# The lines and entities of the classic attacks on XML parsers.
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)
    )
    + ']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
    "</sheetData></worksheet>"
)


def xlsx() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def with_sheet(sheet_xml: str) -> bytes:
    """A real workbook whose first sheet is replaced by ``sheet_xml``."""
    source = zipfile.ZipFile(io.BytesIO(xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def zip_bomb(member: str) -> bytes:
    """An office archive (it holds ``member``) with a part of 20 MB of zeros: 20 kB on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, "<x/>")
        archive.writestr("customXml/item1.xml", b"\0" * (20 * 1024 * 1024))
    return out.getvalue()


# --- The upload points ---------------------------------------------------------------------------


@dataclass
class Setup:
    assignment: Assignment  # Egypt's, with a question that takes a file
    cycle: ReportingCycle


@pytest.fixture
def setup(egypt: State) -> Setup:
    questionnaire = build_questionnaire(cycle_number=97, code="upload-q")
    Item.objects.create(
        questionnaire=questionnaire,
        position=999,
        name="law_text",
        kind=ItemKind.FILE,
        xlsform_type="file",
        label={"en": "The law"},
    )
    assignment = Assignment.objects.create(
        questionnaire=questionnaire,
        state=egypt,
        deadline=date(2030, 1, 31),
        dispatched_at=timezone.now(),
    )
    return Setup(assignment=assignment, cycle=questionnaire.cycle)


def _request_form(setup: Setup) -> dict[str, Any]:
    return request_form()


@dataclass(frozen=True)
class Point:
    """One file field of a page: who uploads there, and what a good file is named."""

    name: str
    field: str
    persona: str
    suffix: str  # of the files it takes (".pdf" for documents)
    good: bytes
    args: Callable[[Setup], list[Any]] = lambda s: []
    body: Callable[[Setup], dict[str, Any]] = lambda s: {}

    def url(self, setup: Setup) -> str:
        return reverse(self.name, args=self.args(setup))


POINTS = [
    Point("request_new", "document", "focal_egypt", ".pdf", PDF, body=_request_form),
    Point(
        "lesson_new",
        "evaluation",
        "secretariat",
        ".pdf",
        PDF,
        body=lambda s: {"title": "T", "activity": "A"},
    ),
    Point(
        "assignment_answer",
        "f-law_text",
        "focal_egypt",
        ".pdf",
        PDF,
        args=lambda s: [s.assignment.pk],
        body=lambda s: {"action": "save"},
    ),
    Point(
        "questionnaire_import",
        "file",
        "secretariat",
        ".xlsx",
        b"",
        body=lambda s: {"cycle": s.cycle.pk},
    ),
    Point("workbook_upload", "file", "focal_egypt", ".xlsx", b"", args=lambda s: [s.assignment.pk]),
    Point(
        "submissions_upload",
        "file",
        "secretariat",
        ".xlsx",
        b"",
        args=lambda s: [s.assignment.questionnaire.code],
    ),
    Point("requests_import", "file", "secretariat", ".xlsx", b""),
    Point("iati_import_upload", "upload", "secretariat", ".xml", IATI),
]


def _post(point: Point, setup: Setup, user: User, name: str, data: bytes) -> tuple[Any, list[str]]:
    user.language = "en"  # the refusals are read in English here
    user.save(update_fields=["language"])
    client = client_for(user)
    body = {**point.body(setup), point.field: SimpleUploadedFile(name, data)}
    with writes() as tables:
        response = client.post(point.url(setup), body)
    return response, tables


def _refused(point: Point, response: Any, tables: list[str], says: str, name: str) -> None:
    text = response.content.decode()
    assert response.status_code in (200, 400), (point.name, response.status_code)
    assert says in text, (point.name, says)
    if point.name == "iati_import_upload":
        assert name in text  # a form of several files says which one
    assert tables == [], f"{point.name} wrote {tables}"


HOSTILE = [("an-executable", EXE), ("a-web-page", HTML)]


@pytest.mark.parametrize("point", POINTS, ids=[p.name for p in POINTS])
@pytest.mark.parametrize(("what", "data"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_an_executable_or_a_web_page_under_an_accepted_name_is_refused(
    point: Point, what: str, data: bytes, setup: Setup, request: pytest.FixtureRequest
) -> None:
    name = f"{what}{point.suffix}"
    response, tables = _post(point, setup, request.getfixturevalue(point.persona), name, data)
    _refused(point, response, tables, "whatever its name says", name)


ZIP_POINTS = [p for p in POINTS if p.suffix != ".xml"]


@pytest.mark.parametrize("point", ZIP_POINTS, ids=[p.name for p in ZIP_POINTS])
def test_a_zip_bomb_is_refused_before_anything_opens_it(
    point: Point, setup: Setup, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "openpyxl.load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the bomb")
    )
    # Document fields take Word files: the bomb is one.
    suffix, member = (
        (".xlsx", "xl/workbook.xml") if point.suffix == ".xlsx" else (".docx", "word/document.xml")
    )
    name = f"bomb{suffix}"
    bomb = zip_bomb(member)
    assert len(bomb) < 100_000
    response, tables = _post(point, setup, request.getfixturevalue(point.persona), name, bomb)
    _refused(point, response, tables, "zip bomb", name)


@pytest.mark.parametrize("point", POINTS, ids=[p.name for p in POINTS])
def test_a_file_past_the_size_cap_is_cut_off_and_refused(
    point: Point, setup: Setup, request: pytest.FixtureRequest
) -> None:
    good = point.good or xlsx()
    name = f"large{point.suffix}"
    with override_settings(INFOBASE_UPLOAD_MAX_BYTES=len(good) - 1):
        response, tables = _post(point, setup, request.getfixturevalue(point.persona), name, good)
    _refused(point, response, tables, "larger than", name)


# --- XML inside workbooks ------------------------------------------------------------------------


@pytest.mark.parametrize("sheet", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_a_workbook_whose_xml_declares_entities_is_refused_by_the_one_reader(sheet: str) -> None:
    # Workbooks, XLSForms, submissions and requests are all read by tabular.read_workbook.
    with pytest.raises(InvalidInput) as refused:
        read_workbook(
            with_sheet(sheet),
            filename="answers.xlsx",
            formulas="values",
            max_rows=100,
            max_columns=20,
        )
    message = str(refused.value)
    assert message.startswith("answers.xlsx") and "lol" not in message
    assert "root:" not in message  # nothing of /etc/passwd


@pytest.mark.parametrize("sheet", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("point_name", ["requests_import", "questionnaire_import"])
def test_an_import_of_such_a_workbook_names_the_file_and_writes_nothing(
    sheet: str, point_name: str, setup: Setup, secretariat: User
) -> None:
    point = next(p for p in POINTS if p.name == point_name)
    response, tables = _post(point, setup, secretariat, "hostile.xlsx", with_sheet(sheet))
    if response.status_code == 302:  # read by a background job: its page says why it was refused
        response = client_for(secretariat).get(response["Location"])
    text = response.content.decode()
    assert response.status_code in (200, 400)
    assert "hostile.xlsx" in text and "lollol" not in text
    # Nothing but the job that read it (and said why it refused it).
    assert [table for table in tables if table != "core_job"] == [], tables


# --- Names ---------------------------------------------------------------------------------------


def _multipart(fields: dict[str, Any], field: str, filename: str, data: bytes) -> bytes:
    """A form body as a browser (or a script) would send it, with ``filename`` as given: the
    test client would take its directory off before sending."""
    parts = []
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            parts.append(
                f'--B\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{one}\r\n'.encode()
            )
    head = f'--B\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
    parts.append(head.encode() + b"Content-Type: application/pdf\r\n\r\n" + data + b"\r\n")
    return b"".join(parts) + b"--B--\r\n"


@pytest.mark.parametrize(
    "filename",
    ["../../../../tmp/evil.pdf", "..\\..\\..\\evil.pdf", "/etc/evil.pdf", "&#46;&#46;/evil.pdf"],
)
def test_a_file_name_that_climbs_out_of_its_folder_is_stored_inside_it(
    filename: str, setup: Setup, focal_egypt: User
) -> None:
    body = _multipart(_request_form(setup), "document", filename, PDF)
    response = client_for(focal_egypt).post(
        reverse("request_new"), body, content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = AssistanceRequest.objects.get().document
    assert ".." not in Path(stored.name or "").parts
    folder = (Path(settings.MEDIA_ROOT) / "requests" / "EGY").resolve()
    assert Path(stored.path).resolve().parent == folder
    assert Path(stored.name or "").name.startswith("evil")


# --- Every file field of a model ------------------------------------------------------------------

# Files the application writes itself, never uploaded by a person.
GENERATED = {"reports.reportrun.file"}


def test_every_file_field_people_upload_to_names_its_upload_policy() -> None:
    from django.apps import apps
    from django.db import models

    from infobase.core.uploads import UploadValidator

    unchecked = [
        f"{model._meta.label_lower}.{field.name}"
        for model in apps.get_models()
        if not model._meta.label_lower.split(".")[1].startswith("historical")
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
        and f"{model._meta.label_lower}.{field.name}" not in GENERATED
        and not any(isinstance(v, UploadValidator) for v in field.validators)
    ]
    # Without its validator a form of the field (the admin's) would store any file at all.
    assert unchecked == []
