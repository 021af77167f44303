"""The upload policy: size cut off while streaming, type by content, zip bombs, row bounds."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from infobase.core import uploads
from infobase.core.errors import MAX_LISTED, InputProblem, InvalidInput
from infobase.core.uploads import (
    ATTACHMENTS,
    DOCUMENTS,
    IATI_XML,
    SPREADSHEET,
    TABLE,
    content_problem,
    limited_rows,
    validate_upload,
)
from infobase.needs.models import AssistanceRequest
from infobase.questionnaires.forms import WorkbookUploadForm
from tests.conftest import client_for

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def xlsx() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def zip_bomb_xlsx(rows: int = 200_000) -> bytes:
    """A real workbook whose first sheet is replaced by ``rows`` identical rows: a few hundred
    kilobytes on disk, tens of megabytes once inflated."""
    source = zipfile.ZipFile(io.BytesIO(xlsx()))
    out = io.BytesIO()
    row = '<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>'
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>" + row * rows + "</sheetData></worksheet>"
    ).encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- Type by content ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [("note.pdf", PDF), ("sheet.xlsx", None), ("notes.txt", "نص عربي\n".encode())],
)
def test_documents_of_an_allowed_type_pass(name: str, data: bytes | None) -> None:
    policy = ATTACHMENTS
    assert content_problem(upload(name, data or xlsx()), name=name, policy=policy) is None


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("note-verbale.pdf", EXE),  # an executable renamed
        ("setup.exe", EXE),
        ("picture.svg", SVG),
        ("page.html", HTML),
        ("readme.txt", HTML),  # a web page renamed
        ("image.png", SVG),
        ("sheet.docx", None),  # a workbook is not a Word document
    ],
)
def test_a_file_whose_content_is_not_an_allowed_type_is_refused(
    name: str, data: bytes | None
) -> None:
    with pytest.raises(forms.ValidationError):
        validate_upload(upload(name, data or xlsx()), policy=ATTACHMENTS)


def test_an_executable_named_pdf_is_refused_with_a_message_naming_the_type() -> None:
    problem = content_problem(upload("nv.pdf", EXE), name="nv.pdf", policy=DOCUMENTS)
    assert problem is not None and "PDF" in problem and "name" in problem


def test_oversized_and_empty_files_are_refused() -> None:
    big = upload("big.pdf", PDF + b"0" * (DOCUMENTS.max_bytes + 1 - len(PDF)))
    assert "larger than 25" in (content_problem(big, name="big.pdf", policy=DOCUMENTS) or "")
    assert content_problem(upload("e.pdf", b""), name="e.pdf", policy=DOCUMENTS)


# --- Zip bombs ------------------------------------------------------------------------------


def test_a_zip_bomb_workbook_is_refused_before_openpyxl_opens_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bomb = zip_bomb_xlsx()
    assert len(bomb) < 400_000  # small on disk …
    inflated = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert inflated > 10_000_000  # … large once inflated

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl was called")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    form = WorkbookUploadForm(files={"file": upload("answers.xlsx", bomb)})
    assert not form.is_valid()
    assert "zip bomb" in str(form.errors["file"])


def test_a_zip_bomb_read_by_a_command_is_refused_before_openpyxl(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from infobase.core.tabular import read_workbook

    monkeypatch.setattr(
        "openpyxl.load_workbook", lambda *a, **k: pytest.fail("openpyxl was called")
    )
    with pytest.raises(InvalidInput, match=r"answers\.xlsx: .*zip bomb"):
        read_workbook(
            zip_bomb_xlsx(),
            filename="answers.xlsx",
            formulas="values",
            max_rows=100,
            max_columns=20,
        )


def test_an_archive_larger_than_the_cap_once_inflated_is_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED", 5_000)
    problem = content_problem(upload("a.xlsx", xlsx()), name="a.xlsx", policy=SPREADSHEET)
    assert problem is not None and "expand" in problem


def test_an_ordinary_workbook_passes_the_zip_checks() -> None:
    assert content_problem(upload("a.xlsx", xlsx()), name="a.xlsx", policy=SPREADSHEET) is None


# --- Rows and problems ----------------------------------------------------------------------


def test_rows_past_what_the_file_can_hold_stop_the_reading() -> None:
    produced = 0

    def rows():  # type: ignore[no-untyped-def]
        nonlocal produced
        for n in range(1_000_000):
            produced += 1
            yield (n, "x")

    with pytest.raises(InvalidInput, match="more than 100 rows"):
        limited_rows(rows(), file="f.csv", sheet=None, max_rows=100, max_columns=5)
    assert produced == 101  # stopped at once, not after reading the million rows


def test_a_workbook_bomb_under_the_ratio_is_still_cut_at_the_questionnaire_rows() -> None:
    from infobase.core.tabular import read_workbook

    data = zip_bomb_xlsx(rows=3_000)  # small enough to pass the zip checks
    with pytest.raises(InvalidInput, match="more than 500 rows"):
        read_workbook(
            data, filename="answers.xlsx", formulas="values", max_rows=500, max_columns=20
        )


def test_thousands_of_problems_are_listed_as_a_hundred_and_a_count() -> None:
    problems = [InputProblem(file="f.xlsx", message=f"bad {n}", line=n) for n in range(2500)]
    error = InvalidInput(problems)
    assert error.count == 2500
    assert len(error.problems) == MAX_LISTED + 1
    assert "2400 more" in str(error.problems[-1])


# --- Streaming cap and the web --------------------------------------------------------------


@pytest.mark.django_db
@override_settings(INFOBASE_UPLOAD_MAX_BYTES=1000)
def test_an_upload_past_the_streaming_cap_is_cut_off_and_refused(secretariat) -> None:  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    big = upload("table.csv", b"a,b\n" + b"1,2\n" * 2000)
    response = client.post(reverse("requests_import"), {"file": big})
    assert response.status_code in (200, 400)
    assert "larger than" in response.content.decode()


@pytest.mark.django_db
def test_the_streaming_handler_hands_over_an_empty_stand_in() -> None:
    handler = uploads.CappedUploadHandler()
    with override_settings(INFOBASE_UPLOAD_MAX_BYTES=10):
        handler.new_file("file", "x.pdf", "application/pdf", 100)
        assert handler.receive_data_chunk(b"12345", 0) == b"12345"
        assert handler.receive_data_chunk(b"1234567", 5) is None  # dropped, not passed on
        stand_in = handler.file_complete(12)
    assert stand_in is not None and stand_in.too_large and stand_in.read() == b""
    assert content_problem(stand_in, name="x.pdf", policy=DOCUMENTS)


@pytest.mark.django_db
def test_a_request_document_that_is_an_executable_renamed_pdf_is_refused(focal_egypt) -> None:  # type: ignore[no-untyped-def]
    client = client_for(focal_egypt)
    response = client.post(
        reverse("request_new"),
        {
            "instrument": 1,
            "articles": "5",
            "kinds": ["legal_advice"],
            "title": "T",
            "description": "D",
            "urgency": "medium",
            "document": upload("note-verbale.pdf", EXE),
        },
    )
    assert response.status_code in (200, 400)
    assert "document" in response.context["form"].errors  # shown in the user's language
    assert not AssistanceRequest.objects.exists()


def test_the_table_policy_takes_csv_text_but_not_a_web_page() -> None:
    assert content_problem(upload("t.csv", b"a,b\n1,2\n"), name="t.csv", policy=TABLE) is None
    assert content_problem(upload("t.csv", HTML), name="t.csv", policy=TABLE)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1256", "cp1252"])
def test_a_csv_file_in_any_text_encoding_is_taken_as_csv(encoding: str) -> None:
    # Whether its encoding can be read is the reader's to say, naming the line (test_tabular).
    data = "الدولة;État\r\nمصر;Sénégal\r\n".encode(encoding, errors="replace")
    assert content_problem(upload("t.csv", data), name="t.csv", policy=TABLE) is None
    assert content_problem(upload("t.txt", data), name="t.txt", policy=ATTACHMENTS) is None


@pytest.mark.parametrize(
    "data",
    [
        EXE,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"a,b\n\x01\x02\x03,4\n",
        "a,b".encode("utf-16")[:-1] + b"\x00\x01",
        HTML.decode().encode("utf-16"),  # a web page in UTF-16
    ],
)
def test_a_binary_file_named_csv_is_refused(data: bytes) -> None:
    assert content_problem(upload("t.csv", data), name="t.csv", policy=TABLE) is not None


def test_an_xml_file_names_its_own_encoding_and_binary_posing_as_xml_is_refused() -> None:
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<a>Café</a>\n'.encode("latin-1")
    assert content_problem(latin1, name="a.xml", policy=IATI_XML) is None
    assert content_problem(b"\x00\x01\x02 binary", name="a.xml", policy=IATI_XML) is not None
    assert content_problem(b"<?xml version='1.0'?>\x00", name="a.xml", policy=IATI_XML)


@pytest.mark.parametrize(
    ("name", "code"),
    [("report\u202efdp.exe.pdf", "U+202E"), ("nv\u202d.pdf", "U+202D"), ("nv\x07.pdf", "U+0007")],
)
def test_a_file_whose_name_holds_a_control_or_bidi_character_is_refused_naming_it(
    name: str, code: str
) -> None:
    problem = content_problem(upload("nv.pdf", PDF), name=name, policy=DOCUMENTS) or ""
    assert problem.startswith("The name of the file: ") and code in problem
    with pytest.raises(InvalidInput) as caught:
        uploads.check_file(PDF, name=name, policy=DOCUMENTS)
    assert code in str(caught.value)
