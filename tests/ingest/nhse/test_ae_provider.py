"""A&E by provider workbook: the real December 2025 file conforms, and changed layouts are refused by name.

Variants are built at test time from the real sheet in ../shared/data (never copied into the repo): saved as
.xlsx or as CSV the way Excel writes it, with a renamed column, a moved header, or edited counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perfdash.config import load_config
from perfdash.ingest.nhse import ae_provider
from perfdash.ingest.pipeline import Prepared, prepare
from perfdash.ingest.workbook import Sheet, cell_text, read_workbook
from tests.ingest.nhse import variants

FILE = "December-2025-AE-by-provider-Sa9Xc.xls"
SHEET = "Provider Level Data"


@pytest.fixture(scope="module")
def real_bytes(shared_data: Path) -> bytes:
    """The workbook exactly as NHS England publishes it, or skip."""
    path = shared_data / "nhse-ae" / FILE
    if not path.is_file():
        pytest.skip(f"real NHS England file {path} is missing")
    return path.read_bytes()


@pytest.fixture(scope="module")
def real(real_bytes: bytes) -> Prepared:
    """The real workbook through the whole pipeline."""
    return prepare(FILE, real_bytes, load_config(), None)


@pytest.fixture(scope="module")
def sheet_rows(real_bytes: bytes) -> list[list[object]]:
    """The 'Provider Level Data' sheet's cells, to build variants from."""
    sheet = read_workbook(FILE, real_bytes).sheet(SHEET)
    assert sheet is not None
    return [list(r) for r in sheet.rows]


def england_row(rows: list[list[object]]) -> dict[str, str]:
    """The sheet's own England row (Code '-'), keyed by header label as the file shows it (first of repeats)."""
    sheet = Sheet(SHEET, rows)
    header = sheet.find_row(["Code", "Region", "Name"])
    assert header is not None
    labels = sheet.labels(header)
    row = next(r for r in rows[header:] if cell_text(r[1]) == "-" and cell_text(r[3]) == "England")
    found: dict[str, str] = {}
    for label, value in zip(labels, row, strict=False):
        found.setdefault(label, cell_text(value))
    return found


def value(prepared: Prepared, org: str, metric: str, column: str = "value") -> float:
    rows = prepared.rows
    hit = rows[(rows["org_code"] == org) & (rows["metric_id"] == metric)]
    assert len(hit) == 1, (org, metric, hit)
    return float(hit[column].iat[0])


def to_xlsx(rows: list[list[object]]) -> bytes:
    """The sheet alone in an .xlsx."""
    return variants.to_xlsx({SHEET: rows})


def to_excel_csv(rows: list[list[object]]) -> bytes:
    """The sheet as Excel saves it as CSV: counts as '1,234', fractions in percentage columns as '73.8%'."""
    sheet = Sheet(SHEET, rows)
    header = sheet.find_row(["Region", "Name"])
    assert header is not None
    percent = {i for i, label in enumerate(sheet.labels(header)) if label.startswith("Percentage")}
    return variants.to_excel_csv(rows, header, percent)


def through_pipeline(data: bytes, name: str) -> Prepared:
    return prepare(name, data, load_config(), None)


# --- the real file ---------------------------------------------------------------------------------------


def test_real_workbook_loads_every_provider_for_december(real: Prepared) -> None:
    assert real.ok, [p.describe() for p in real.errors]
    assert real.format == "nhse_ae_provider"
    assert set(real.rows["period"]) == {"2025-12"}
    assert set(real.rows["metric_id"]) == set(ae_provider.METRICS)
    assert real.rows["org_code"].nunique() == 197  # rows 19-215 of the sheet, England and blanks aside
    assert "-" not in set(real.rows["org_code"])  # the England row checks our sums; it is not loaded
    assert any("Status: Published" in n and "Period: December 2025" in n for n in real.notes)
    assert any("Checked against the England row (row 17)" in n for n in real.notes)
    assert real.file_status == "Published"  # the title block's 'Status:' line, recorded on the upload


def test_a_revised_file_says_so_on_the_upload(sheet_rows: list[list[object]]) -> None:
    edited = [list(r) for r in sheet_rows]
    assert cell_text(edited[9][1]) == "Revised:"
    edited[9][2] = "12th February 2026"
    again = through_pipeline(to_xlsx(edited), "ae.xlsx")
    assert again.ok and again.file_status == "Published, revised 12th February 2026"


def test_england_totals_equal_the_sheets_england_row(real: Prepared, sheet_rows: list[list[object]]) -> None:
    england = england_row(sheet_rows)
    rows = real.rows

    def total(metric: str, column: str = "value") -> float:
        return float(rows.loc[rows["metric_id"] == metric, column].sum())

    assert total("ae_attendances") == float(england["Total attendances"])
    assert total("ae_4hr_all", "numerator") == float(england["Total Attendances < 4 hours"])
    assert total("ae_4hr_all", "denominator") == float(england["Total attendances"])
    assert total("emergency_admissions") == float(england["Total Emergency Admissions via A&E"])
    over_12 = float(england["Number of patients spending >12 hours from decision to admit to admission"])
    over_4 = float(england["Number of patients spending >4 hours from decision to admit to admission"])
    assert total("ae_12hr_dta_waits") == over_12
    assert total("ae_4to12hr_dta_waits") == over_4 - over_12
    # Published headline: England 73.849% within 4 hours = 1,718,488 / 2,327,015.
    assert 100 * total("ae_4hr_all", "numerator") / total("ae_4hr_all", "denominator") == pytest.approx(
        73.849, abs=5e-4
    )
    # The trap: England 137,763 waited over 4 hours from decision to admit, 50,775 of them over 12 hours,
    # so 137,763 - 50,775 = 86,988 waited 4 to 12 hours.
    assert total("ae_4to12hr_dta_waits") == 86_988


def test_nel_figures_equal_hand_worked_values(real: Prepared) -> None:
    # Barts Health R1H: 30,755 of 44,740 within 4 hours = 68.742%.
    assert value(real, "R1H", "ae_4hr_all", "numerator") == 30_755
    assert value(real, "R1H", "ae_4hr_all", "denominator") == 44_740
    assert value(real, "R1H", "ae_4hr_all") == pytest.approx(100 * 30_755 / 44_740)
    assert value(real, "R1H", "ae_4hr_all") == pytest.approx(68.742, abs=5e-4)
    # R1H type 1: 13,596 of 25,706 = 52.890%.
    assert value(real, "R1H", "ae_4hr_type1") == pytest.approx(52.890, abs=5e-4)
    # R1H decision to admit: 2,238 over 4 hours of whom 1,088 over 12 hours, so 2,238 - 1,088 = 1,150 for 4-12.
    assert value(real, "R1H", "ae_12hr_dta_waits") == 1_088
    assert value(real, "R1H", "ae_4to12hr_dta_waits") == 1_150
    # R1H emergency admissions via A&E: 4,455 + 1 + 46 = 4,502.
    assert value(real, "R1H", "emergency_admissions") == 4_502
    # BHRUT RF4: 23,405 of 30,851 = 75.865%; 1,562 - 840 = 722 waited 4-12 hours from decision to admit.
    assert value(real, "RF4", "ae_4hr_all") == pytest.approx(75.865, abs=5e-4)
    assert value(real, "RF4", "ae_4to12hr_dta_waits") == 722


def test_no_department_gives_no_percentage_not_zero(real: Prepared, sheet_rows: list[list[object]]) -> None:
    # NELFT RAT has no type 1 department ('-' in the type 1 percentage): no type 1 row, but an all-types one.
    rows = real.rows
    assert rows[(rows["org_code"] == "RAT") & (rows["metric_id"] == "ae_4hr_type1")].empty
    assert value(real, "RAT", "ae_4hr_all") == pytest.approx(100 * 1_492 / 1_508)


# --- variants built from the real sheet ------------------------------------------------------------------


def test_saved_as_xlsx_reads_the_same(real: Prepared, sheet_rows: list[list[object]]) -> None:
    again = through_pipeline(to_xlsx(sheet_rows), "ae.xlsx")
    assert again.ok and again.format == "nhse_ae_provider"
    assert again.rows.drop(columns="line").equals(real.rows.drop(columns="line"))


def test_saved_as_csv_from_excel_reads_the_same(real: Prepared, sheet_rows: list[list[object]]) -> None:
    again = through_pipeline(to_excel_csv(sheet_rows), "Provider Level Data.csv")
    assert again.ok, [p.describe() for p in again.errors]
    assert again.format == "nhse_ae_provider"
    assert again.rows.drop(columns="line").equals(real.rows.drop(columns="line"))


def test_moved_header_and_extra_blank_rows_are_still_found(real: Prepared, sheet_rows: list[list[object]]) -> None:
    moved = [[], [], *sheet_rows[:20], [], *sheet_rows[20:]]
    again = through_pipeline(to_xlsx(moved), "ae.xlsx")
    assert again.ok
    assert again.rows.drop(columns="line").equals(real.rows.drop(columns="line"))
    barts = again.rows[again.rows["org_code"] == "R1H"]["line"].iat[0]
    assert barts == 37 + 3  # two rows above, one blank row inserted before it


def test_renamed_column_is_refused_by_name(sheet_rows: list[list[object]]) -> None:
    renamed = [list(r) for r in sheet_rows]
    renamed[15][7] = "All attendances"  # H16 was 'Total attendances'
    refused = through_pipeline(to_xlsx(renamed), "ae.xlsx")
    assert not refused.ok and refused.rows.empty
    [problem] = refused.errors
    assert problem.sheet == SHEET and problem.line == 16 and problem.column == "All attendances"
    assert "expected the column 'Total attendances'" in problem.message
    assert "after 'Type 3 Departments - Other A&E/Minor Injury Unit'" in problem.message
    assert "column H" in problem.message


def test_a_changed_count_disagrees_with_the_england_row(sheet_rows: list[list[object]]) -> None:
    edited = [list(r) for r in sheet_rows]
    edited[36][24] = float(edited[36][24]) + 5  # R1H 'Other Emergency admissions' (Y37): only England can tell
    refused = through_pipeline(to_xlsx(edited), "ae.xlsx")
    assert not refused.ok
    [problem] = refused.errors
    assert problem.line == 17 and "Other Emergency admissions" in (problem.column or "")
    assert "the England row says 136,817 but the providers add up to 136,822" in problem.message


def test_a_changed_total_is_located(sheet_rows: list[list[object]]) -> None:
    edited = [list(r) for r in sheet_rows]
    edited[36][7] = 44_741.0  # R1H total attendances no longer the sum of its types
    refused = through_pipeline(to_xlsx(edited), "ae.xlsx")
    lines = {(p.line, p.column) for p in refused.errors}
    assert (37, "A&E attendances / Total attendances") in lines
    assert all(p.sheet == SHEET for p in refused.errors)


def test_dash_in_a_count_is_missing_not_zero(sheet_rows: list[list[object]]) -> None:
    edited = [list(r) for r in sheet_rows]
    edited[16][27] = float(edited[16][27]) - float(edited[36][27])  # keep England's 12-hour total consistent
    edited[16][26] = float(edited[16][26]) - float(edited[36][26])
    edited[36][26], edited[36][27] = "-", "-"  # R1H decision-to-admit waits not applicable
    again = through_pipeline(to_xlsx(edited), "ae.xlsx")
    assert again.ok, [p.describe() for p in again.errors]
    barts = again.rows[again.rows["org_code"] == "R1H"]
    assert not {"ae_12hr_dta_waits", "ae_4to12hr_dta_waits"} & set(barts["metric_id"])
    assert "ae_4hr_all" in set(barts["metric_id"])


def test_more_12_hour_than_4_hour_waits_is_refused(sheet_rows: list[list[object]]) -> None:
    edited = [list(r) for r in sheet_rows]
    edited[36][26], edited[36][27] = edited[36][27], edited[36][26]  # swap R1H's >4 and >12 hour columns
    edited[16][26], edited[16][27] = (
        float(edited[16][26]) - 2_238 + 1_088,
        float(edited[16][27]) - 1_088 + 2_238,
    )
    refused = through_pipeline(to_xlsx(edited), "ae.xlsx")
    assert [p.line for p in refused.errors] == [37]
    assert "more patients waited over 12 hours" in refused.errors[0].message


def test_non_booked_sheet_saved_as_csv_is_refused_with_what_to_save(real_bytes: bytes) -> None:
    sheet = read_workbook(FILE, real_bytes).sheet("Non-Booked Data")
    assert sheet is not None
    refused = through_pipeline(to_excel_csv([list(r) for r in sheet.rows]), "Non-Booked Data.csv")
    assert refused.format == "nhse_ae_provider" and not refused.ok
    assert "save its 'Provider Level Data' sheet" in refused.errors[0].fix


def test_no_period_line_is_refused(sheet_rows: list[list[object]]) -> None:
    edited = [list(r) for r in sheet_rows]
    edited[5] = [""] * len(edited[5])  # the 'Period:' line
    refused = through_pipeline(to_xlsx(edited), "ae.xlsx")
    assert not refused.ok and "no 'Period:' line" in refused.errors[0].message


def test_renamed_code_column_is_refused_by_name(sheet_rows: list[list[object]]) -> None:
    renamed = [list(r) for r in sheet_rows]
    renamed[15][1] = "Org Code"  # B16 was 'Code'
    refused = through_pipeline(to_excel_csv(renamed), "Provider Level Data.csv")
    [problem] = refused.errors
    assert (problem.line, problem.column) == (16, "Org Code")
    assert "expected the column 'Code' first, found 'Org Code' (column B)" in problem.message
