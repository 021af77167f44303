"""The one reader of uploaded spreadsheets."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from infobase.core.errors import InvalidInput
from infobase.core.exporters import safe_cell
from infobase.core.tabular import cell_text, read_table, read_workbook, unguard
from infobase.core.uploads import TABLE, check_file, content_problem, utf16_without_bom


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1",
        "-2",
        "@SUM(A1)",
        "plain",
        "'quoted",
        "'=1",
        " =1",
        "'  -2",
        " 'x",
    ],
)
def test_text_guarded_by_an_export_reads_back_as_it_was(value: str) -> None:
    assert unguard(safe_cell(value)) == value


def test_cells_read_as_text_the_same_way_everywhere() -> None:
    assert cell_text(None) == ""
    assert cell_text(3.0) == "3"
    assert cell_text(2.5) == "2.5"
    assert cell_text(True) == "yes"
    assert cell_text(False, booleans=("TRUE", "FALSE")) == "FALSE"
    assert cell_text(datetime(2026, 12, 5)) == "2026-12-05"
    assert cell_text(datetime(2026, 12, 5, 10, 30)) == "2026-12-05T10:30:00"
    assert cell_text(date(2026, 1, 2)) == "2026-01-02"
    assert cell_text("'=1+1") == "=1+1"


def test_a_workbook_gives_every_sheet_in_order_with_formulas_as_asked() -> None:
    data = xlsx(("First", [["a", "=1+1"]]), ("Second", [["b"]]))
    as_text = read_workbook(data, filename="f.xlsx", formulas="text", max_rows=10, max_columns=5)
    assert [s.name for s in as_text] == ["First", "Second"]
    assert as_text[0].rows == [("a", "=1+1")]
    # Written by a program, the formula has no stored value: nothing is evaluated, and read for
    # its values the cell is refused rather than read as empty.
    with pytest.raises(InvalidInput) as refused:
        read_workbook(data, filename="f.xlsx", formulas="values", max_rows=10, max_columns=5)
    (problem,) = refused.value.problems
    assert (problem.sheet, problem.line, problem.column) == ("First", 1, "B")


def with_stored_values(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook as a spreadsheet program saves it: each formula's text value stored too
    (``values`` by cell)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            part = source.read(entry)
            for cell, value in values.items():
                head = f'<c r="{cell}">'.encode()
                start = part.find(head)
                if start >= 0:
                    end = part.index(b"<v></v>", start)
                    part = (
                        part[:start]
                        + f'<c r="{cell}" t="str">'.encode()
                        + part[start + len(head) : end]
                        + f"<v>{value}</v>".encode()
                        + part[end + 7 :]
                    )
            target.writestr(entry, part)
    return out.getvalue()


def test_a_formula_whose_value_the_file_does_not_keep_is_refused_naming_its_place() -> None:
    """openpyxl, like any program that writes workbooks without computing them, stores no value
    for a formula: read as empty, an answer or a request would lose it without a word."""
    data = xlsx(
        ("Lists", [["=1+1"]]),  # hidden below: not read, not checked
        ("Requests", [[], ["iso3", " Title "], ["EGY", '="Training "&"of judges"'], ["SEN", 5]]),
        ("Other", [["x", "=A1"]]),
    )
    book = load_workbook(io.BytesIO(data))
    book["Lists"].sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    with pytest.raises(InvalidInput) as refused:
        read_table(data, filename="f.xlsx", formulas="values", max_rows=10, max_columns=5)
    (problem,) = refused.value.problems
    # named by the header above it, in the first row that is not blank
    assert (problem.file, problem.sheet, problem.line, problem.column) == (
        "f.xlsx",
        "Requests",
        3,
        "Title",
    )
    assert '="Training "&"of judges"' in problem.message
    with pytest.raises(InvalidInput) as refused:
        read_workbook(data, filename="f.xlsx", formulas="values", max_rows=10, max_columns=5)
    assert [(p.sheet, p.line, p.column) for p in refused.value.problems] == [
        ("Lists", 1, "A"),
        ("Requests", 3, "Title"),
        ("Other", 1, "B"),  # on the header row itself: its letter
    ]
    # Saved by a spreadsheet program, each value is kept and read.
    saved = with_stored_values(data, {"B3": "Training of judges"})
    sheet = read_table(saved, filename="f.xlsx", formulas="values", max_rows=10, max_columns=5)
    assert sheet.rows[2] == ("EGY", "Training of judges")


def test_booleans_libreoffice_saves_as_formulas_are_read_as_booleans() -> None:
    # LibreOffice writes a TRUE cell as <c t="b"><f>TRUE()</f><v>1</v></c>
    data = xlsx(("First", [["=TRUE()", "=false()", "=TRUE()+1", "=NOT(TRUE())", "TRUE"]]))
    (sheet,) = read_workbook(data, filename="f.xlsx", formulas="text", max_rows=10, max_columns=5)
    assert sheet.rows == [(True, False, "=TRUE()+1", "=NOT(TRUE())", "TRUE")]


def test_a_csv_file_is_read_with_its_delimiter_and_without_its_bom() -> None:
    table = read_table(
        "\ufeffiso3;title\nEGY;Training\n".encode(),
        filename="r.csv",
        formulas="text",
        max_rows=10,
        max_columns=5,
    )
    assert table.name is None
    assert table.rows == [("iso3", "title"), ("EGY", "Training")]


def test_an_unreadable_file_is_refused_with_its_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_table(b"\xff\xfe\x00", filename="x.csv", formulas="text", max_rows=5, max_columns=5)
    problem = refused.value.problems[0]
    assert problem.file == "x.csv"
    assert "CSV" in str(problem.message)


ROWS = [("iso3", "title"), ("EGY", "تدريب القضاة"), ("SEN", "Atelier régional")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_csv_file_saved_as_unicode_text_is_read(encoding: str) -> None:
    # A spreadsheet's "Unicode text": UTF-16 with its byte-order mark, tab-separated.
    data = "\r\n".join("\t".join(row) for row in ROWS).encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    table = read_table(data, filename="u.csv", formulas="text", max_rows=10, max_columns=5)
    assert table.rows == ROWS


@pytest.mark.parametrize("encoding", ["cp1256", "cp1252"])
def test_a_csv_file_in_a_code_page_is_refused_naming_its_first_line_not_in_utf8(
    encoding: str,
) -> None:
    # A spreadsheet's "CSV" on Windows in Arabic or French: the code page cannot be told.
    row = ROWS[1] if encoding == "cp1256" else ROWS[2]
    data = f"{ROWS[0][0]};{ROWS[0][1]}\n{row[0]};{row[1]}\n".encode(encoding)
    with pytest.raises(InvalidInput) as refused:
        read_table(data, filename="r.csv", formulas="text", max_rows=10, max_columns=5)
    problem = refused.value.problems[0]
    assert (problem.file, problem.line) == ("r.csv", 2)
    assert "UTF-8" in problem.message and ".xlsx" in problem.message


def test_a_sheet_longer_than_the_file_may_hold_is_refused() -> None:
    data = xlsx(("Big", [[n] for n in range(30)]))
    with pytest.raises(InvalidInput) as refused:
        read_workbook(data, filename="big.xlsx", formulas="values", max_rows=10, max_columns=2)
    assert refused.value.problems[0].sheet == "Big"


def test_a_hidden_first_sheet_is_passed_over_for_the_first_one_shown() -> None:
    # A template whose drop-down lists sit on a hidden first sheet: its author sees "Requests".
    book = Workbook()
    lists = book.active
    lists.title = "Lists"
    lists.append(["high", "medium", "low"])
    lists.sheet_state = "hidden"
    book.create_sheet("Requests").append(["iso3", "title"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(
        buffer.getvalue(), filename="r.xlsx", formulas="text", max_rows=10, max_columns=5
    )
    assert (table.name, table.rows) == ("Requests", [("iso3", "title")])
    # Every sheet is still read when all of them are asked for.
    every = read_workbook(
        buffer.getvalue(), filename="r.xlsx", formulas="text", max_rows=10, max_columns=5
    )
    assert [sheet.name for sheet in every] == ["Lists", "Requests"]


@pytest.mark.parametrize(
    ("text", "row"),
    [
        # The quotation mark of row 3 is never closed: rows 4 and 5 would end up in its cell.
        ('iso3,title\nEGY,Training\nSEN,"Atelier\nMEX,Taller\nPER,Curso\n', 3),
        # Text after a closing quotation mark: no spreadsheet program writes this.
        ('iso3,title\nEGY,"Training" of judges\n', 2),
    ],
)
def test_a_csv_file_with_a_quotation_mark_out_of_place_is_refused_naming_its_row(
    text: str, row: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_table(text.encode(), filename="q.csv", formulas="text", max_rows=10, max_columns=5)
    (problem,) = refused.value.problems
    assert (problem.file, problem.line) == ("q.csv", row)
    assert "quotation mark" in problem.message


def test_a_cell_in_quotation_marks_may_hold_line_breaks_and_delimiters() -> None:
    text = 'iso3;title\r\nEGY;"Training; of judges\r\nin two lines"\r\nSEN;"Say ""yes"""\r\n'
    table = read_table(text.encode(), filename="q.csv", formulas="text", max_rows=10, max_columns=5)
    assert table.rows == [
        ("iso3", "title"),
        ("EGY", "Training; of judges\r\nin two lines"),
        ("SEN", 'Say "yes"'),
    ]


def test_the_delimiter_is_taken_from_the_first_line_that_is_not_blank() -> None:
    table = read_table(
        b"\r\niso3;title;urgency\r\nEGY;Training, of judges;high\r\n",
        filename="b.csv",
        formulas="text",
        max_rows=10,
        max_columns=5,
    )
    assert table.rows == [(), ("iso3", "title", "urgency"), ("EGY", "Training, of judges", "high")]


# The namespaces of Excel's "Strict Open XML Spreadsheet" for the transitional ones openpyxl
# writes (ISO/IEC 29500-1:2016 against ISO/IEC 29500-4; LibreOffice's
# oox/source/token/namespaces-strict.txt): a strict workbook made the way Excel saves one.
TO_STRICT = (
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
    ),
    (
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    ),
    (
        b"http://schemas.openxmlformats.org/drawingml/2006/",
        b"http://purl.oclc.org/ooxml/drawingml/",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
    ),
)


def to_strict(data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as strict,
    ):
        for entry in source.infolist():
            part = source.read(entry)
            for transitional, strict_name in TO_STRICT:
                part = part.replace(transitional, strict_name)
            if entry.filename == "xl/workbook.xml":
                part = part.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            strict.writestr(entry.filename, part)
    return out.getvalue()


def test_a_strict_open_xml_workbook_is_read_like_any_other() -> None:
    data = xlsx(("Requests", [["iso3", "title"], ["EGY", "تدريب"]]))
    strict = to_strict(data)
    assert b"purl.oclc.org" in zipfile.ZipFile(io.BytesIO(strict)).read("xl/workbook.xml")
    check_file(strict, name="s.xlsx", policy=TABLE)
    sheet = read_table(strict, filename="s.xlsx", formulas="text", max_rows=5, max_columns=5)
    assert (sheet.name, sheet.rows) == ("Requests", [("iso3", "title"), ("EGY", "تدريب")])


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_csv_in_utf16_without_byte_order_mark_is_read(encoding: str) -> None:
    text = "iso3;title\r\nEGY;تدريب\r\nCHN;一二三\r\n"
    data = text.encode(encoding)
    assert utf16_without_bom(data) == encoding
    check_file(data, name="r.csv", policy=TABLE)  # the upload check takes it as text
    sheet = read_table(data, filename="r.csv", formulas="text", max_rows=5, max_columns=5)
    assert sheet.rows == [("iso3", "title"), ("EGY", "تدريب"), ("CHN", "一二三")]


def test_text_without_nul_bytes_is_not_taken_for_utf16_and_broken_utf16_is_refused() -> None:
    assert utf16_without_bom("iso3,title\nEGY,تدريب\n".encode()) is None
    assert utf16_without_bom("iso3,title\nEGY,x\n".encode("utf-16-le")[:-1] + b"\x00") is not None
    broken = "iso3,title\n".encode("utf-16-le") + b"\x00\xdc"  # a lone low surrogate
    with pytest.raises(InvalidInput, match="neither"):
        read_table(broken, filename="r.csv", formulas="text", max_rows=5, max_columns=5)


def test_a_value_merged_over_several_rows_is_refused_naming_the_row_that_would_lose_it() -> None:
    """The person sees "EGY" on both rows; the file keeps it in A2 only: row 3 would be read
    with no State. Cells merged across one row (a title), or merged empty, are no problem."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Requests"
    for row in (["Requests of 2024"], ["iso3", "title"], ["EGY", "One"], [None, "Two"]):
        sheet.append(row)
    sheet.append([None, None])
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B5:B6")
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InvalidInput) as refused:
        read_table(buffer.getvalue(), filename="f.xlsx", formulas="text", max_rows=9, max_columns=5)
    (problem,) = refused.value.problems
    # its header is the first row that is not blank: the title here, merged over two columns
    assert (problem.file, problem.sheet, problem.line, problem.column) == (
        "f.xlsx",
        "Requests",
        4,
        "Requests of 2024",
    )
    assert "A3:A4" in problem.message and "“EGY”" in problem.message


def opendocument_spreadsheet() -> bytes:
    """The start of an .ods file as every OpenDocument program writes it: its type first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


# An Excel 97-2003 workbook is an OLE2 compound file: its signature, then binary records.
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("data", "kind"),
    [(OLD_EXCEL, "Excel 97–2003 workbook (.xls)"), (opendocument_spreadsheet(), "(.ods)")],
    ids=["xls", "ods"],
)
def test_an_old_excel_or_opendocument_file_is_refused_saying_to_save_it_as_xlsx(
    data: bytes, kind: str
) -> None:
    """Not "not in UTF-8, line 1" (an .xls read as CSV) nor "not a workbook": what it is and
    what to do, whatever the file's name says, on the web as by the readers."""
    readers = [
        lambda: read_table(data, filename="f.xlsx", formulas="values", max_rows=9, max_columns=9),
        lambda: read_workbook(
            data, filename="f.xlsx", formulas="values", max_rows=9, max_columns=9
        ),
    ]
    for read in readers:
        with pytest.raises(InvalidInput) as refused:
            read()
        (problem,) = refused.value.problems
        assert problem.file == "f.xlsx" and kind in problem.message
        assert "save it as an Excel workbook (.xlsx)" in problem.message
    for name in ("f.xlsx", "f.csv"):
        said = content_problem(data, name=name, policy=TABLE)
        assert said is not None and kind in said
