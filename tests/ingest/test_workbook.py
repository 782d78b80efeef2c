"""The one reader: CSV (CRLF or LF), .xlsx, .xls, .ods and a .zip of one, located problems, refusals that say why."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from perfdash.config import load_config
from perfdash.ingest.pipeline import prepare, read_file
from perfdash.ingest.workbook import ReadError, cell_text, column_letter, read_workbook, sniff

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CANONICAL = "period,org_code,metric_id,value,numerator,denominator\n2025-04,R1H,ae_4hr_all,70.0,700,1000\n"


def xlsx(rows_by_sheet: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx written by a real Excel writer, each sheet from row 1."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, rows in rows_by_sheet.items():
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def ods(rows: list[list[str]]) -> bytes:
    """A minimal OpenDocument spreadsheet holding one sheet of text cells."""
    body = "".join(
        "<table:table-row>"
        + "".join(f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in r)
        + "</table:table-row>"
        for r in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Data">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def config():
    return load_config()


def test_cell_text_reads_cells_as_people_do():
    assert [cell_text(v) for v in (None, "", 9733.0, 0.5, date(2024, 9, 1), True, 12)] == [
        "",
        "",
        "9733",
        "0.5",
        "2024-09-01",
        "TRUE",
        "12",
    ]
    assert [column_letter(i) for i in (0, 25, 26, 701)] == ["A", "Z", "AA", "ZZ"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_with_lf_or_crlf_reads_the_same(config, newline):
    data = CANONICAL.replace("\n", newline).encode()
    prepared = prepare("month.csv", data, config, None)
    assert prepared.ok, prepared.problems
    assert prepared.rows[["org_code", "value"]].values.tolist() == [["R1H", 70.0]]


def test_canonical_form_as_xlsx_loads_with_excel_rows(config):
    rows = [line.split(",") for line in CANONICAL.strip().splitlines()]
    rows = [
        rows[0],
        [rows[1][0], rows[1][1], rows[1][2], 70.0, 700, 1000],
        ["2025-05", "R1H", "ae_4hr_all", "high", 1, 2],
    ]
    prepared = prepare("returns.xlsx", xlsx({"Returns": rows}), config, None)
    assert prepared.format == "canonical"
    bad = [p for p in prepared.errors if p.column == "value"]
    assert bad and bad[0].sheet == "Returns" and bad[0].line == 3
    assert "sheet 'Returns', row 3" in bad[0].describe()


def test_canonical_xlsx_below_a_title_keeps_excel_row_numbers(config):
    header = CANONICAL.splitlines()[0].split(",")
    rows = [["NEL finance return"], [], header, ["2025-04", "R1H", "ae_4hr_all", "x", "", ""]]
    prepared = prepare("returns.xlsx", xlsx({"Sheet1": rows}), config, None)
    value_problem = next(p for p in prepared.errors if p.column == "value")
    assert (value_problem.sheet, value_problem.line) == ("Sheet1", 4)


def test_ods_is_read(config):
    rows = [line.split(",") for line in CANONICAL.strip().splitlines()]
    prepared = prepare("month.ods", ods(rows), config, None)
    assert prepared.ok, prepared.problems
    assert prepared.rows["value"].tolist() == [70.0]


def test_zip_of_one_csv_is_read(config):
    prepared = prepare("month.zip", zipped({"month.csv": CANONICAL.encode()}), config, None)
    assert prepared.ok, prepared.problems
    assert len(prepared.rows) == 1


def test_zip_of_several_files_is_refused_by_name():
    data = zipped({"a.csv": CANONICAL.encode(), "b.csv": CANONICAL.encode()})
    with pytest.raises(ReadError, match=r"holds 2 files \(a.csv, b.csv\)"):
        read_workbook("two.zip", data)


def test_damaged_xlsx_is_refused_with_what_to_do(config):
    data = xlsx({"Data": [["a"]]})
    broken = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"})
    assert sniff("x.xlsx", data).kind == "xlsx"
    prepared = prepare("broken.xlsx", broken, config, None)
    assert len(prepared.errors) == 1
    message = prepared.errors[0].message
    assert "cannot be read" in message and "save it again" in message


def test_unknown_workbook_names_its_sheets(config):
    prepared = prepare("other.xlsx", xlsx({"Budget": [["Cost centre", "Amount"], ["A1", 3]]}), config, None)
    assert len(prepared.errors) == 1
    assert "'Budget'" in prepared.errors[0].message
    assert "none of its sheets holds a layout perfdash reads" in prepared.errors[0].message


def test_unknown_csv_still_gets_the_header_message(config):
    prepared = prepare("other.csv", b"Cost centre,Amount\nA1,3\n", config, None)
    assert "the header does not match any format" in prepared.errors[0].message


def test_sheet_table_finds_header_by_content_and_skips_spacer_columns():
    data = xlsx(
        {
            "Provider": [
                [None, "Title:", "Monthly Diagnostics"],
                [None, "Period:", "March 2025"],
                [],
                [None, None, None, "Number of Patients"],
                [None, "Code", "Name", "Total Waiting List", None, "Activity"],
                [None, "R1H", "Barts", 31269.0, None, 12.0],
                [],
                [None, "RF4", "BHRUT", 9733.0, None, 5.0],
            ]
        }
    )
    sheet = read_workbook("dm.xlsx", data).sheet("provider")
    assert sheet is not None and sheet.title_value("Period") == "March 2025"
    header = sheet.find_row(["Code", "total waiting list"])
    assert header == 5
    table = sheet.table(header, super_row=4)
    assert table.columns == ["Code", "Name", "Number of Patients / Total Waiting List", "Number of Patients / Activity"]
    assert table.letters["Code"] == "B"
    assert table.frame["__line__"].tolist() == [6, 8]
    assert table.frame["Number of Patients / Total Waiting List"].tolist() == ["31269", "9733"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data (NHS England's real files) is not present")
def test_real_xls_keeps_excel_row_numbers():
    data = (SHARED / "nhse-dm01" / "Monthly-Diagnostics-Web-File-Provider-March-2025_SW40K.xls").read_bytes()
    book = read_workbook("dm01.xls", data)
    assert book.kind == "xls"
    sheet = book.sheet("Provider")
    # The README's layout: title block in column B, the header on row 14, England's Total on row 15.
    assert sheet.title_value("Period") == "March 2025"
    assert sheet.find_row(["Provider Code", "Total Waiting List"]) == 14
    assert sheet.cell(15, 4) == "Total"


def test_read_file_reports_no_format_for_an_empty_sheet(config):
    result = read_file("blank.xlsx", xlsx({"Sheet1": [[]]}), config)
    assert result.format is None and result.unrecognised is not None
