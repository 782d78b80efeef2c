"""Primary Care Dementia Data summary, Table 4: the real published workbook, and variants built in its layout."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from perfdash.config import Config
from perfdash.ingest.model import Parsed
from perfdash.ingest.nhse import dementia
from perfdash.ingest.pipeline import prepare, read_file
from perfdash.ingest.workbook import read_workbook
from tests.ingest.nhse.built import real_bytes, xlsx

REAL = "Primary Care Dementia Data, January 2025- Summary.xlsx"
TITLE = "Table 4: Dementia: 65+ estimated diagnosis rate, by organisation of responsibility, England, January 2025"
SUPER = ["", "", "", "", "Number of patients with dementia, ages 65+ [note 2]", "", "Diagnosis rate (%)\n[note 3]"]
HEADER = ["Type", "ODS Code", "ONS Code", "Name", "Recorded", "Estimated", "", "Lower", "Upper"]
# Made-up areas in the real layout: England twice (ODS and ONS codes), an ICB, a borough in both tiers.
DATA = [
    ["National", "ENG", "ENG", "ENGLAND", 1000, 1600.5, 62.5, 56, 68],
    ["ICB", "QMF", "E54000029", "NHS NORTH EAST LONDON INTEGRATED CARE BOARD", 300, 500.2, 60.0, 54, 66],
    ["National", "", "E92000001", "ENGLAND", 1000, 1600.5, 62.5, 56, 68],
    ["Upper Tier Local Authority", "", "E09000012", "HACKNEY", 70, 101.9, 68.7, 60, 76],
    ["Lower Tier Local Authority", "", "E09000012", "HACKNEY", 70, 101.9, 68.7, 60, 76],
]
FOOTER = [[], ["Source: GPES, NHS England"], [], ["Copyright © 2025, NHS England."]]


def table4(header: list[str] = HEADER, title: str = TITLE) -> list[list[object]]:
    """Table 4's sheet: blank rows, the title on row 7, super-header on row 9, header on row 10, then a footer."""
    return [[], [], [], [], [], ["Return to Contents"], [title], ["This worksheet contains one table."], SUPER, header]


def workbook_bytes(data: list[list[object]] = DATA, header: list[str] = HEADER, title: str = TITLE) -> bytes:
    """The summary workbook: a title sheet listing the tables' titles, then Table 4."""
    contents = [["Primary Care Dementia Data, England, January 2025"], ["Contents"], [TITLE]]
    return xlsx({"Title sheet": contents, "Table 4": [*table4(header, title), *data, *FOOTER]})


def parsed_from(data: bytes) -> Parsed:
    """Find and parse a built workbook as the pipeline does."""
    workbook = read_workbook("dementia.xlsx", data)
    located = dementia.find(workbook)
    assert located is not None
    return dementia.parse(workbook, located)


def values(parsed: Parsed) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(period, org_code) -> (value, numerator, denominator)."""
    return {(r.period, r.org_code): (r.value, r.numerator, r.denominator) for r in parsed.rows.itertuples()}


def test_each_area_once_under_its_ods_or_ons_code_for_the_titles_month() -> None:
    parsed = parsed_from(workbook_bytes())
    assert parsed.problems == []
    got = values(parsed)
    assert set(got) == {("2025-01", "ENG"), ("2025-01", "QMF"), ("2025-01", "E09000012")}
    # 300 recorded of 500.2 estimated: the estimate stays a decimal.
    assert got[("2025-01", "QMF")] == (pytest.approx(100 * 300 / 500.2), 300, 500.2)
    assert parsed.rows.loc[parsed.rows["org_code"] == "E09000012", "line"].tolist() == [14]
    assert any("2 rows repeat an area already read" in n for n in parsed.notes)


def test_the_contents_sheet_is_not_taken_for_the_table() -> None:
    workbook = read_workbook("d.xlsx", workbook_bytes())
    assert dementia.find(workbook).sheet == "Table 4"  # type: ignore[union-attr]


def test_renamed_column_is_refused_naming_it() -> None:
    header = [("Recorded patients" if c == "Recorded" else c) for c in HEADER]
    parsed = parsed_from(workbook_bytes(header=header))
    (problem,) = parsed.errors
    assert (problem.column, problem.line, problem.value) == ("Recorded", 10, "Recorded patients")
    assert "expected a column 'Recorded' after 'Name'" in problem.message
    assert parsed.rows.empty


def test_a_title_without_a_month_is_refused() -> None:
    parsed = parsed_from(workbook_bytes(title="Table 4: Dementia: 65+ estimated diagnosis rate, England"))
    assert parsed.rows.empty and "does not name the month" in parsed.errors[0].message


def test_a_rate_that_does_not_match_its_counts_is_flagged_and_suppressed_cells_are_missing() -> None:
    data = [
        ["ICB", "QMF", "E54000029", "NEL", 300, 500.2, 70.0, 54, 66],
        ["ICB", "QKK", "E54000030", "SEL", "*", "*", "*", "", ""],
    ]
    parsed = parsed_from(workbook_bytes(data))
    (warning,) = parsed.warnings
    assert (
        warning.line == 11 and "300 recorded of 500.2 estimated is 59.98%, but the table shows 70%" in warning.message
    )
    assert ("2025-01", "QKK") not in values(parsed)
    assert any("suppressed ('*')" in n for n in parsed.notes)


def test_the_same_code_with_different_figures_is_an_error() -> None:
    data = [DATA[3], [*DATA[4][:4], 71, 101.9, 69.7, 60, 76]]
    parsed = parsed_from(workbook_bytes(data))
    (error,) = parsed.errors
    assert error.line == 12 and "E09000012 appears again with different figures (first on row 11)" in error.message


def test_table_4_saved_as_csv_is_read_the_same(config: Config) -> None:
    rows = [*table4(), *DATA, *FOOTER]
    text = "\r\n".join(",".join(f'"{c}"' for c in r) for r in rows).encode("utf-8")
    read = read_file("Table 4.csv", text, config)
    assert read.format is dementia.SHEET_IMPORTER
    assert values(read.parsed) == values(parsed_from(workbook_bytes()))


# --- the real file ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data: Path) -> Parsed:
    workbook = read_workbook(REAL, real_bytes(shared_data, "nhsd-dementia", REAL))
    started = time.perf_counter()
    parsed = dementia.parse(workbook, dementia.find(workbook))
    print(f"dementia parse {time.perf_counter() - started:.3f}s, {len(parsed.rows):,} rows")  # measured, not asserted
    return parsed


def test_real_england_and_nel_icb(real: Parsed) -> None:
    assert real.problems == []
    got = values(real)
    # England 480,741 recorded of 735,168 estimated = 65.39%, published 65.4%.
    assert got[("2025-01", "ENG")] == (pytest.approx(65.392, abs=5e-4), 480_741, 735_168)
    # NEL ICB QMF: 8,402 of 13,653.1 = 61.54%, published 61.5%.
    assert got[("2025-01", "QMF")] == (pytest.approx(61.539, abs=5e-4), 8_402, 13_653.1)


@pytest.mark.parametrize(
    ("code", "recorded", "estimated", "published"),
    [
        ("E09000002", 910, 1397.4, 65.1),  # Barking and Dagenham: 910 / 1,397.4 = 65.12%
        ("E09000012", 978, 1422.8, 68.7),  # Hackney: 978 / 1,422.8 = 68.74%
        ("E09000025", 1028, 1697.3, 60.6),  # Newham: 1,028 / 1,697.3 = 60.57%
        ("E09000030", 935, 1244.2, 75.1),  # Tower Hamlets: 935 / 1,244.2 = 75.15%
    ],
)
def test_real_nel_boroughs(real: Parsed, code: str, recorded: float, estimated: float, published: float) -> None:
    value, numerator, denominator = values(real)[("2025-01", code)]
    assert (numerator, denominator) == (recorded, estimated)
    assert round(value, 1) == published


def test_real_every_nel_place_in_config_is_filled(real: Parsed, config: Config) -> None:
    got = {org for _, org in values(real)}
    assert config.place_codes <= got
    assert config.system.code in got


def test_real_england_equals_the_sum_of_its_regions(real: Parsed) -> None:
    """The file's own total: England's recorded and estimated equal the sums over the seven NHS regions."""
    rows = real.rows.set_index("org_code")
    regions = rows.loc[["Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"]]
    assert regions["numerator"].sum() == rows.loc["ENG", "numerator"]
    assert regions["denominator"].sum() == pytest.approx(rows.loc["ENG", "denominator"], abs=0.5)


def test_real_file_through_the_pipeline(shared_data: Path, config: Config) -> None:
    data = real_bytes(shared_data, "nhsd-dementia", REAL)
    prepared = prepare(REAL, data, config, None, today_month="2026-11")
    assert prepared.ok, [p.describe() for p in prepared.errors[:3]]
    assert prepared.format == "nhsd_dementia"
    assert len(prepared.rows) == 461 and set(prepared.rows["period"]) == {"2025-01"}


def test_another_table_saved_as_csv_is_refused_with_what_to_do(config: Config) -> None:
    text = (
        b",,\r\nTable 1: Summary Table, England, January 2024 to January 2025,,\r\nDescription,Jan-25,Dec-24\r\n"
        b"Recorded dementia diagnoses 65+,1,2\r\n"
    )
    prepared = prepare("Table 1.csv", text, config, None)
    assert prepared.format == "nhsd_dementia" and not prepared.ok and prepared.rows.empty
    assert "not Table 4" in prepared.errors[0].message and "'Table 4' sheet as CSV" in prepared.errors[0].fix
