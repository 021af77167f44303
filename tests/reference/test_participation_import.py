from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from infobase.core.errors import InvalidInput
from infobase.core.history import reason_with
from infobase.reference.loaders.reference import import_participation
from infobase.reference.models import Participation

pytestmark = pytest.mark.django_db

HEADER = "instrument,iso3,signature_date,consent_date,consent_type,as_of\n"


def csv_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def snapshot() -> list[tuple]:
    return list(
        Participation.objects.order_by("pk").values_list(
            "state_id", "instrument_id", "signature_date", "consent_date", "consent_type", "as_of"
        )
    )


def test_it_updates_a_participation_and_keeps_the_change_in_history():
    # The 2014 snapshot predates the State of Palestine's accession.
    assert not Participation.objects.filter(state__iso3="PSE", instrument__code="untoc").exists()
    result = import_participation(
        csv_file(HEADER + "untoc,PSE,,2017-12-29,accession,2024-05-04\n"), name="update.csv"
    )
    assert result.counts["participation.created"] == 1
    p = Participation.objects.get(state__iso3="PSE", instrument__code="untoc")
    assert p.consent_date == date(2017, 12, 29) and p.consent_type == "accession"
    kept = p.history.first().history_change_reason
    assert kept == reason_with("Imported from %(file)s", file="update.csv")
    assert kept.startswith("Imported from update.csv\n")  # readable as kept


def test_it_rejects_a_bad_file_naming_line_and_column_and_changes_nothing():
    before = snapshot()
    bad = (
        HEADER
        + "untoc,PSE,,2017-12-29,accession,2024-05-04\n"  # fine on its own
        + "untoc,XXX,2000-12-12,,,2024-05-04\n"  # unknown State
        + "tip,FRA,2000-12-12,2002-13-01,ratification,2024-05-04\n"  # bad date
        + "som,FRA,2000-12-12,2002-10-29,,2024-05-04\n"  # consent without kind
    )
    with pytest.raises(InvalidInput) as caught:
        import_participation(csv_file(bad), name="bad.csv")
    messages = [str(p) for p in caught.value.problems]
    assert any("bad.csv, line 3" in m and "“iso3”" in m for m in messages)
    assert any("bad.csv, line 4" in m and "“consent_date”" in m for m in messages)
    assert any("bad.csv, line 5" in m and "“consent_type”" in m for m in messages)
    assert snapshot() == before


def test_it_rejects_a_file_without_the_expected_columns():
    with pytest.raises(InvalidInput) as caught:
        import_participation(csv_file("state,instrument\nFRA,untoc\n"), name="wrong.csv")
    assert "wrong.csv, line 1, column “iso3”" in str(caught.value)


def test_the_command_reports_problems_on_stderr_and_fails(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "untoc,FRA,yesterday,,,2024-05-04\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import-participation", str(path))
    assert "bad.csv, line 2, column “signature_date”" in str(caught.value)


def test_the_command_imports_a_good_file(tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(HEADER + "firearms,PSE,,2018-01-02,accession,2024-05-04\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import-participation", str(path), stdout=out)
    assert "participation.created: 1" in out.getvalue()


def test_the_problems_are_reported_in_the_active_language():
    from infobase.core.i18n import language

    with language("ar"), pytest.raises(InvalidInput) as caught:
        import_participation(csv_file(HEADER + "untoc,FRA,2000-13-40,,,2024-05-04\n"), name="b.csv")
    text = str(caught.value)
    assert "b.csv" in text and "السطر 2" in text and "signature_date" in text


ROWS = [
    ["Instrument ", " ISO3", "Signature_Date", "consent_date", "consent_type", "as_of", ""],
    ["untoc", "PSE", "", "2017-12-29", "accession", "2024-05-04", ""],
    ["", "", "", "", "", "", ""],
    ["firearms", "pse", "", "2018-01-02", "accession", "2024-05-04", ""],
]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), ("\t", "utf-16"), (",", "utf-8")],
    ids=["csv-utf8-semicolons", "unicode-text", "csv-utf8-commas"],
)
def test_a_file_as_a_spreadsheet_program_saves_it_is_read(delimiter: str, encoding: str):
    # Excel in a French or Spanish locale separates cells with semicolons and writes a
    # byte-order mark; its "Unicode text" is UTF-16 with tabs. Headers keep the case and the
    # spaces typed; an empty column and an empty row come along.
    text = "\r\n".join(delimiter.join(row) for row in ROWS) + "\r\n"
    result = import_participation(io.BytesIO(text.encode(encoding)), name="untc.csv")
    assert result.counts["participation.created"] == 2
    assert set(
        Participation.objects.filter(state__iso3="PSE").values_list(
            "instrument__code", "consent_date"
        )
    ) >= {("untoc", date(2017, 12, 29)), ("firearms", date(2018, 1, 2))}


def test_a_file_in_a_windows_code_page_is_refused_naming_its_line():
    text = HEADER + "untoc,PSE,,2017-12-29,accession,2024-05-04\n" + "som,CIV,,,,2024-05-04 ?\n"
    data = text.replace("?", "é").encode("cp1252")
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        import_participation(io.BytesIO(data), name="cp.csv")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("cp.csv", 3)
    assert "UTF-8" in problem.message
    # The reference files are read as CSV only: what to do names no workbook.
    assert "xlsx" not in problem.message
    assert snapshot() == before


def _workbook(rows: list[list[str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: _workbook([HEADER.strip().split(",")]), id="xlsx"),
        pytest.param(lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), id="xls"),
    ],
)
def test_a_spreadsheet_given_for_the_csv_file_is_told_to_be_saved_as_csv(data):
    # A workbook given where a CSV file is read was told "not in UTF-8, line 1" (an .xlsx) or
    # to "save it as an Excel workbook (.xlsx)", a format this loader does not read either.
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        import_participation(io.BytesIO(data()), name="untc.csv")
    (problem,) = caught.value.problems
    assert problem.file == "untc.csv" and problem.line is None
    assert "CSV UTF-8" in problem.message and "xlsx" not in problem.message
    assert snapshot() == before


def test_a_cell_beyond_the_header_is_refused_naming_its_line():
    text = HEADER + "untoc,PSE,,2017-12-29,accession,2024-05-04,,\n" + "untoc,FRA,,,,2024,x\n"
    with pytest.raises(InvalidInput) as caught:
        import_participation(csv_file(text), name="wide.csv")
    assert ("wide.csv", 3) in {(p.file, p.line) for p in caught.value.problems}
    assert "more cells than the header" in str(caught.value)


def test_dates_a_spreadsheet_saved_day_first_are_read_when_their_column_settles_the_order():
    # As a French or Arabic spreadsheet saves them: 29/12/2017 settles day first for the column,
    # so 04/05/2024 below it is 4 May, not 5 April.
    result = import_participation(
        csv_file(
            HEADER
            + "untoc,PSE,,29/12/2017,accession,04/05/2024\n"
            + "tip,PSE,,02/01/2018,accession,13/05/2024\n"
        ),
        name="jour-mois.csv",
    )
    assert result.counts["participation.created"] == 2
    untoc = Participation.objects.get(state__iso3="PSE", instrument__code="untoc")
    assert (untoc.consent_date, untoc.as_of) == (date(2017, 12, 29), date(2024, 5, 4))
    tip = Participation.objects.get(state__iso3="PSE", instrument__code="tip")
    assert tip.consent_date == date(2018, 1, 2)


def test_a_date_day_and_month_could_both_be_is_refused_naming_line_and_column():
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        import_participation(
            csv_file(HEADER + "untoc,PSE,,03/04/2017,accession,2024-05-04\n"), name="x.csv"
        )
    messages = [str(p) for p in caught.value.problems]
    assert any(
        "x.csv, line 2" in m and "“consent_date”" in m and "YYYY-MM-DD" in m for m in messages
    )
    assert snapshot() == before
