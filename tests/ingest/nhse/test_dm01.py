"""DM01 provider web file: the real March 2025 .xls conforms, in every form an analyst may upload it.

Variants are built at test time from the real sheets in ../shared/data (never copied into the repo): the
'Provider' or 'Provider by Test' sheet alone, saved as .xlsx or as CSV from Excel, with a renamed column, a
moved header, or edited counts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from perfdash.config import load_config
from perfdash.ingest.nhse import dm01
from perfdash.ingest.pipeline import Prepared, prepare
from perfdash.ingest.workbook import Sheet, Workbook, cell_text, read_workbook
from tests.ingest.nhse import variants

FILE = "Monthly-Diagnostics-Web-File-Provider-March-2025_SW40K.xls"


@pytest.fixture(scope="module")
def real_bytes(shared_data: Path) -> bytes:
    """The workbook exactly as NHS England publishes it, or skip."""
    path = shared_data / "nhse-dm01" / FILE
    if not path.is_file():
        pytest.skip(f"real NHS England file {path} is missing")
    return path.read_bytes()


@pytest.fixture(scope="module")
def book(real_bytes: bytes) -> Workbook:
    return read_workbook(FILE, real_bytes)


@pytest.fixture(scope="module")
def real(real_bytes: bytes) -> Prepared:
    """The real workbook through the whole pipeline."""
    return prepare(FILE, real_bytes, load_config(), None)


def rows_of(book: Workbook, name: str) -> list[list[object]]:
    sheet = book.sheet(name)
    assert sheet is not None
    return variants.copy_rows(sheet.rows)


def header_row(rows: list[list[object]]) -> int:
    found = Sheet("x", rows).find_row(["Regional Team Code", "Total Waiting List"])
    assert found is not None
    return found


def as_csv(rows: list[list[object]]) -> bytes:
    """The sheet as Excel saves it as CSV ('9,733', '4.7%')."""
    header = header_row(rows)
    percent = {i for i, label in enumerate(Sheet("x", rows).labels(header)) if label.startswith("Percentage")}
    return variants.to_excel_csv(rows, header, percent)


def through(data: bytes, name: str) -> Prepared:
    return prepare(name, data, load_config(), None)


def value(prepared: Prepared, org: str, metric: str, column: str = "value") -> float:
    rows = prepared.rows
    hit = rows[(rows["org_code"] == org) & (rows["metric_id"] == metric)]
    assert len(hit) == 1, (org, metric, hit)
    return float(hit[column].iat[0])


def values(prepared: Prepared) -> pd.DataFrame:
    """The loaded values without row numbers, in a stable order, to compare forms of the same file."""
    frame = prepared.rows.drop(columns="line").sort_values(["org_code", "metric_id"])
    return frame.reset_index(drop=True)


def england(rows: list[list[object]]) -> dict[str, float]:
    """The sheet's own England 'Total' row (Provider Name 'Total', no code), by header label."""
    sheet = Sheet("x", rows)
    labels = sheet.labels(header_row(rows))
    code, name = labels.index("Provider Code"), labels.index("Provider Name")
    total = next(r for r in rows if cell_text(r[code]) == "" and cell_text(r[name]) == "Total")
    return {label: float(cell) for label, cell in zip(labels, total, strict=False) if isinstance(cell, float)}


# --- the real file ---------------------------------------------------------------------------------------


def test_real_workbook_loads_every_provider(real: Prepared) -> None:
    assert real.ok, [p.describe() for p in real.errors]
    assert real.format == "nhse_dm01"
    assert set(real.rows["period"]) == {"2025-03"}
    assert set(real.rows["metric_id"]) == {"dm01_6wk", "dm01_waiting_list"}
    # Rows 17-462 of 'Provider': 446 providers, each with a waiting list; 81 with nobody waiting get no percentage.
    assert real.rows["org_code"].nunique() == 446
    assert (real.rows["metric_id"] == "dm01_6wk").sum() == 446 - 81
    assert any("Status: Published" in n and "Period: March 2025" in n for n in real.notes)
    assert real.file_status == "Published"


def test_england_totals_equal_the_sheets_total_row(real: Prepared, book: Workbook) -> None:
    published = england(rows_of(book, "Provider"))
    rows = real.rows
    waiting = rows.loc[rows["metric_id"] == "dm01_waiting_list", "value"].sum()
    six = rows[rows["metric_id"] == "dm01_6wk"]
    assert waiting == published["Total Waiting List"]
    assert six["numerator"].sum() == published["Number waiting 6+ Weeks"]
    # Providers with nobody waiting have no percentage row but add nothing to the denominator either.
    assert six["denominator"].sum() == published["Total Waiting List"]
    # England: 312,744 waiting 6+ weeks of 1,703,242 = 18.36% (the sheet shows 18.4%).
    assert (six["numerator"].sum(), six["denominator"].sum()) == (312_744, 1_703_242)
    assert 100 * six["numerator"].sum() / six["denominator"].sum() == pytest.approx(18.36, abs=5e-3)


def test_nel_figures_equal_hand_worked_values(real: Prepared) -> None:
    # Barts Health R1H: 6,684 of 31,269 waiting 6+ weeks = 21.376%.
    assert value(real, "R1H", "dm01_6wk", "numerator") == 6_684
    assert value(real, "R1H", "dm01_6wk", "denominator") == 31_269
    assert value(real, "R1H", "dm01_6wk") == pytest.approx(21.376, abs=5e-4)
    assert value(real, "R1H", "dm01_waiting_list") == 31_269
    # BHRUT RF4: 462 / 9,733 = 4.747%.
    assert value(real, "RF4", "dm01_6wk") == pytest.approx(100 * 462 / 9_733)
    assert value(real, "RF4", "dm01_6wk") == pytest.approx(4.747, abs=5e-4)
    # Homerton RQX: 1,210 / 9,769 = 12.386%.
    assert value(real, "RQX", "dm01_6wk") == pytest.approx(12.386, abs=5e-4)
    assert value(real, "RQX", "dm01_waiting_list") == 9_769


# --- the other forms of the same month -------------------------------------------------------------------


def test_provider_by_test_alone_gives_the_same_figures(real: Prepared, book: Workbook) -> None:
    by_test = through(variants.to_xlsx({"Provider by Test": rows_of(book, "Provider by Test")}), "dm01.xlsx")
    assert by_test.ok, [p.describe() for p in by_test.errors]
    assert by_test.format == "nhse_dm01"
    # 13 providers on 'Provider' have nobody waiting for any test, so 'Provider by Test' has no rows for them.
    assert by_test.rows["org_code"].nunique() == 446 - 13
    mine = values(by_test)
    same = values(real).merge(mine[["org_code"]].drop_duplicates(), on="org_code")
    assert mine.equals(same)
    # Each provider's 'Total' test row is used once, never added to its tests: England still adds up.
    assert by_test.rows.loc[by_test.rows["metric_id"] == "dm01_waiting_list", "value"].sum() == 1_703_242


def test_provider_sheet_saved_as_csv_from_excel_reads_the_same(real: Prepared, book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    data = as_csv(rows)
    assert b'"9,733"' in data and b"4.7%" in data and b'"Timebands \n Waiting"' in data  # as Excel writes it
    again = through(data, "Monthly-Diagnostics-Provider.csv")
    assert again.ok, [p.describe() for p in again.errors]
    assert again.format == "nhse_dm01"
    assert values(again).equals(values(real))


def test_provider_by_test_saved_as_csv_reads_the_same(real: Prepared, book: Workbook) -> None:
    again = through(as_csv(rows_of(book, "Provider by Test")), "Provider by Test.csv")
    assert again.ok, [p.describe() for p in again.errors]
    assert value(again, "R1H", "dm01_6wk") == value(real, "R1H", "dm01_6wk")


def test_a_csv_from_a_sheet_without_the_table_says_which_sheet_to_save(book: Workbook) -> None:
    title_block = rows_of(book, "Provider")[:12]
    notes = title_block + rows_of(book, "Notes")
    refused = through(variants.to_excel_csv(notes, 1000, ()), "Notes.csv")
    assert refused.format == "nhse_dm01" and not refused.ok and refused.rows.empty
    [problem] = refused.errors
    assert "no provider table" in problem.message
    assert "save its 'Provider' sheet" in problem.fix


def test_renamed_column_is_refused_by_name(book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    rows[13][6] = "Number waiting 6 weeks or more"  # G14 was 'Number waiting 6+ Weeks'
    refused = through(variants.to_xlsx({"Provider": rows}), "dm01.xlsx")
    assert not refused.ok and refused.rows.empty
    [problem] = refused.errors
    assert (problem.sheet, problem.line, problem.column) == ("Provider", 14, "Number waiting 6 weeks or more")
    assert "expected the column 'Number waiting 6+ Weeks' after 'Total Waiting List'" in problem.message


def test_moved_header_and_blank_rows_are_still_found(real: Prepared, book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    moved = [[], *rows[:16], [], *rows[16:]]
    again = through(variants.to_xlsx({"Provider": moved}), "dm01.xlsx")
    assert again.ok
    assert values(again).equals(values(real))
    assert again.rows.loc[again.rows["org_code"] == "R1H", "line"].iat[0] == 18 + 2


def test_dash_is_missing_not_zero(book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    barts = next(r for r in rows if cell_text(r[3]) == "R1H")
    total = next(r for r in rows if cell_text(r[4]) == "Total")
    total[6] = float(total[6]) - float(barts[6])  # England's 6+ weeks without Barts, as NHS England would publish
    barts[6], barts[8] = "-", "-"
    again = through(variants.to_xlsx({"Provider": rows}), "dm01.xlsx")
    assert again.ok, [p.describe() for p in again.errors]
    assert value(again, "R1H", "dm01_waiting_list") == 31_269
    assert again.rows[(again.rows["org_code"] == "R1H") & (again.rows["metric_id"] == "dm01_6wk")].empty


def test_an_edited_count_disagrees_with_the_england_row(book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    barts = next(r for r in rows if cell_text(r[3]) == "R1H")
    barts[7] = float(barts[7]) + 1  # 13+ weeks: only the England row can tell
    refused = through(variants.to_xlsx({"Provider": rows}), "dm01.xlsx")
    [problem] = refused.errors
    assert (problem.line, problem.column) == (15, "Number waiting 13+ Weeks")
    assert "says 103,422 but the providers add up to 103,423" in problem.message


def test_a_percentage_unlike_its_counts_is_located(book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    barts = next(r for r in rows if cell_text(r[3]) == "R1H")
    barts[8] = 0.31  # was 6,684 / 31,269 = 0.21376
    refused = through(variants.to_xlsx({"Provider": rows}), "dm01.xlsx")
    [problem] = refused.errors
    assert (problem.line, problem.column) == (18, "Percentage waiting 6+ weeks")
    assert "6,684 / 31,269 = 21.376%" in problem.message


def test_tests_not_adding_up_to_their_total_row_are_refused(book: Workbook) -> None:
    rows = rows_of(book, "Provider by Test")
    mri = next(r for r in rows if cell_text(r[3]) == "R1H" and cell_text(r[6]) == "Magnetic Resonance Imaging")
    mri[7] = float(mri[7]) - 10  # a test's waiting list edited: R1H's own 'Total' row no longer agrees
    refused = through(variants.to_xlsx({"Provider by Test": rows}), "dm01.xlsx")
    messages = [p.message for p in refused.errors]
    assert any("R1H's 'Total' row says 31,269 but its tests add up to 31,259" in m for m in messages), messages


def test_commissioner_basis_is_refused_with_what_to_upload(book: Workbook) -> None:
    rows = rows_of(book, "Provider")[:12]
    rows[6] = ["", "Basis:", "Commissioner"]
    refused = through(variants.to_excel_csv(rows, 1000, ()), "dm01-commissioner.csv")
    [problem] = refused.errors
    assert "'Commissioner' basis" in problem.message and "provider web file" in problem.fix


def test_importer_fills_catalogue_metrics() -> None:
    known = {m.id for m in load_config().metrics}
    assert set(dm01.METRICS) <= known


def test_header_cells_padded_with_spaces_and_line_breaks_still_read(real: Prepared, book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    rows[13] = [f" {c} " if isinstance(c, str) and c else c for c in rows[13]]  # ' Total Waiting List '
    rows[13][6] = "Number waiting\n6+ Weeks"
    again = through(as_csv(rows), "dm01.csv")
    assert again.ok, [p.describe() for p in again.errors]
    assert values(again).equals(values(real))


def test_renamed_provider_code_is_refused_by_name(book: Workbook) -> None:
    rows = rows_of(book, "Provider")
    rows[13][3] = "Provider ODS Code"  # D14 was 'Provider Code'
    refused = through(as_csv(rows), "dm01.csv")
    [problem] = refused.errors
    assert (problem.line, problem.column) == (14, "Provider ODS Code")
    assert "expected the column 'Provider Code' after 'Regional Team Name'" in problem.message
