"""Cancer waiting times provider extract (CWT-CRS): the real published file, and variants built in its layout."""

from __future__ import annotations

import csv
import io
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from perfdash import benchmark, store
from perfdash.config import Config
from perfdash.ingest.model import Parsed
from perfdash.ingest.nhse import cwt
from perfdash.ingest.pipeline import format_labels, prepare, read_file
from perfdash.ingest.workbook import Sheet, Workbook, read_workbook
from perfdash.service import commit_prepared
from tests.ingest.nhse.built import real_bytes, xlsx
from tests.support.examples import examples

REAL = "CWT-CRS-Apr-2024-to-Sep-2024-Data-Extract-Provider-Final.xlsx"
HEADER = list(cwt.COLUMNS)
SEP = date(2024, 9, 1)


def row(standard: str, org: str, route: str, modality: str, cancer: str, total: float, within: float) -> list[object]:
    """One extract row for September 2024, breaches worked out."""
    return [SEP, "2024/25", "SEP", standard, org, route, modality, cancer, total, within, total - within]


# R1A: FDS over two routes; 62-day in both cross-cuts with a half patient; 31-day in both cuts.
ROWS = [
    row("28-day FDS", "R1A", "URGENT SUSPECTED CANCER", "", "Suspected lung cancer", 100, 80),
    row("28-day FDS", "R1A", "NATIONAL SCREENING PROGRAMME", "", "Suspected breast cancer", 50, 45),
    row("62-day Combined", "R1A", "Urgent Suspected Cancer", "ALL MODALITIES", "Lung", 10.5, 7.5),
    row("62-day Combined", "R1A", "Screening", "ALL MODALITIES", "Breast", 4, 3),
    row("62-day Combined", "R1A", "Urgent Suspected Cancer", "Surgery", "ALL CANCERS", 10.5, 7.5),
    row("62-day Combined", "R1A", "Screening", "Radiotherapy", "ALL CANCERS", 4, 3),
    row("31-day Combined", "R1A", "First Treatment", "ALL MODALITIES", "Lung", 20, 19),
    row("31-day Combined", "R1A", "First Treatment", "Surgery", "ALL CANCERS", 20, 19),
    row("28-day FDS", "R1B", "URGENT SUSPECTED CANCER", "", "Suspected skin cancer", 40, 30),
]


def parsed_from(data: bytes, name: str = "extract.xlsx") -> Parsed:
    """Find and parse a built extract as the pipeline does."""
    workbook = read_workbook(name, data)
    located = cwt.find(workbook)
    assert located is not None
    return cwt.parse(workbook, located)


def values(parsed: Parsed) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """(period, org_code, metric_id) -> (value, numerator, denominator)."""
    return {
        (r.period, r.org_code, r.metric_id): (r.value, r.numerator, r.denominator) for r in parsed.rows.itertuples()
    }


def test_fds_over_routes_one_cut_for_31_and_62_day_and_half_patients_kept() -> None:
    parsed = parsed_from(xlsx({"CWT CRS Provider Extract": [HEADER, *ROWS]}))
    assert parsed.errors == [] and parsed.warnings == []
    got = values(parsed)
    # FDS: (80 + 45) / (100 + 50) summed over routes.
    assert got[("2024-09", "R1A", "cancer_fds_28d")] == (pytest.approx(100 * 125 / 150), 125, 150)
    # 62-day: the ALL MODALITIES cut only, (7.5 + 3) / (10.5 + 4): the half patient stays a half.
    assert got[("2024-09", "R1A", "cancer_62d")] == (pytest.approx(100 * 10.5 / 14.5), 10.5, 14.5)
    assert got[("2024-09", "R1A", "cancer_31d")] == (pytest.approx(95.0), 19, 20)
    # England is the sum over providers: FDS (125 + 30) / (150 + 40).
    assert got[("2024-09", "ENG", "cancer_fds_28d")] == (pytest.approx(100 * 155 / 190), 155, 190)
    assert any("Left out 3 rows of the second cross-cut" in n for n in parsed.notes)


def test_an_england_total_row_checks_the_sum_and_is_not_loaded_as_a_provider() -> None:
    fds = [r for r in ROWS if r[3] == "28-day FDS"]  # (80 + 45 + 30) of (100 + 50 + 40)
    agrees = row("28-day FDS", "ENGLAND", "ALL ROUTES", "", "ALL CANCERS", 190, 155)
    parsed = parsed_from(xlsx({"Sheet1": [HEADER, *fds, agrees]}))
    assert parsed.problems == []
    assert values(parsed)[("2024-09", "ENG", "cancer_fds_28d")][1:] == (155, 190)
    assert "ENGLAND" not in set(parsed.rows["org_code"])
    differs = row("28-day FDS", "ENGLAND", "ALL ROUTES", "", "ALL CANCERS", 200, 155)
    (error,) = parsed_from(xlsx({"Sheet1": [HEADER, *fds, differs]})).errors
    assert error.line == 5 and "says 155 of 200, but the providers add up to 155 of 190" in error.message


def test_a_provider_with_only_the_modality_cut_is_still_read() -> None:
    rows = [r for r in ROWS if r[6] != "ALL MODALITIES"]
    got = values(parsed_from(xlsx({"Sheet1": [HEADER, *rows]})))
    assert got[("2024-09", "R1A", "cancer_62d")][1:] == (10.5, 14.5)


def test_cross_cuts_that_disagree_are_flagged_and_the_cancer_type_cut_is_used() -> None:
    rows = [*ROWS[:4], row("62-day Combined", "R1A", "Urgent Suspected Cancer", "Surgery", "ALL CANCERS", 12, 7.5)]
    parsed = parsed_from(xlsx({"Sheet1": [HEADER, *rows, ROWS[5]]}))
    assert [p.column for p in parsed.warnings] == ["TOTAL TREATED"]
    assert (
        "the cancer-type rows add up to 10.5 of 14.5 but the modality rows to 10.5 of 16" in parsed.warnings[0].message
    )
    assert values(parsed)[("2024-09", "R1A", "cancer_62d")][1:] == (10.5, 14.5)


def test_renamed_column_is_refused_naming_it() -> None:
    header = [*HEADER[:8], "TOTAL", *HEADER[9:]]
    parsed = parsed_from(xlsx({"Sheet1": [header, *ROWS]}))
    assert parsed.rows.empty
    (problem,) = parsed.errors
    assert problem.column == "TOTAL TREATED" and problem.line == 1 and problem.value == "TOTAL"
    assert "expected a column 'TOTAL TREATED' after 'CANCER TYPE'" in problem.message


def test_header_moved_down_under_a_title_with_blank_rows_is_found_and_rows_keep_excel_numbers() -> None:
    sheet = [["Cancer Waiting Times provider extract"], [], [], HEADER, [], ROWS[0], [], ROWS[1]]
    parsed = parsed_from(xlsx({"Sheet1": sheet}))
    assert parsed.errors == []
    assert values(parsed)[("2024-09", "R1A", "cancer_fds_28d")][1:] == (125, 150)
    assert sorted(parsed.rows.loc[parsed.rows["org_code"] == "R1A", "line"]) == [6]


def test_within_more_than_total_and_unreadable_numbers_are_located_errors() -> None:
    bad = row("28-day FDS", "R1C", "URGENT SUSPECTED CANCER", "", "Suspected skin cancer", 10, 12)
    bad[10] = 0
    text = row("28-day FDS", "R1D", "URGENT SUSPECTED CANCER", "", "Suspected skin cancer", 10, 5)
    text[9] = "five"
    parsed = parsed_from(xlsx({"Sheet1": [HEADER, bad, text]}))
    found = {(p.line, p.column) for p in parsed.errors}
    assert found == {(2, "WITHIN STANDARD"), (3, "WITHIN STANDARD")}


def test_dash_is_missing_never_zero() -> None:
    dash = row("28-day FDS", "R1C", "URGENT SUSPECTED CANCER", "", "Suspected skin cancer", 10, 5)
    dash[8], dash[9] = "-", "-"
    parsed = parsed_from(xlsx({"Sheet1": [HEADER, dash, ROWS[8]]}))
    assert ("2024-09", "R1C", "cancer_fds_28d") not in values(parsed)
    assert [p.severity for p in parsed.problems] == ["warning"]


def csv_text(rows: list[list[object]]) -> bytes:
    """The extract saved as CSV by Excel: dates day first, big counts with thousands separators."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for cells in rows:
        shown = [c.strftime("%d/%m/%Y") if isinstance(c, date) else c for c in cells]
        writer.writerow(["1,250" if c == 1250 else c for c in shown])
    return out.getvalue().encode("utf-8")


def test_the_same_data_as_csv_gives_the_same_rows_and_status(config: Config) -> None:
    rows = [*ROWS, row("28-day FDS", "R1C", "URGENT SUSPECTED CANCER", "", "Suspected skin cancer", 1250, 1000)]
    from_csv = read_file("CWT-CRS-Sep-2024-Provisional.csv", csv_text(rows), config)
    assert from_csv.format is cwt.SHEET_IMPORTER
    assert values(from_csv.parsed)[("2024-09", "R1C", "cancer_fds_28d")][1:] == (1000, 1250)
    from_xlsx = parsed_from(xlsx({"Sheet1": [HEADER, *rows]}))
    assert values(from_csv.parsed) == values(from_xlsx)
    assert any("'Provisional'" in n for n in from_csv.parsed.notes) and from_csv.parsed.status == "provisional"


def test_a_csv_saved_from_some_other_sheet_is_not_taken_for_the_extract(config: Config) -> None:
    data = b"ORG CODE,NAME,REGION\r\nR1H,Barts Health,London\r\n"
    prepared = prepare("cwt.csv", data, config, None)
    assert not prepared.ok and prepared.format == "unknown" and prepared.rows.empty
    # The message points to the list of formats read, which names the extract.
    assert "python -m perfdash formats" in prepared.errors[0].fix
    assert any("cancer waiting times provider extract (CWT-CRS)" in label for label in format_labels(config))


CELL = st.sampled_from(
    ["", "-", "0", "0.5", "12", "1,234", "x", "2024-09-01", "01/09/2024", "62-day Combined", "28-day FDS",
     "31-day Combined", "ALL CANCERS", "ALL MODALITIES", "R1H", " rbb ", "*"]
)  # fmt: skip


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 1), max_size=8))
def test_parse_never_raises_on_odd_cells(rows: list[list[str]]) -> None:
    workbook = Workbook("x.csv", "csv", (Sheet("x.csv", [list(HEADER), *rows]),))
    parsed = cwt.parse(workbook, cwt.find(workbook))
    assert not any("could not read this file" in p.message for p in parsed.problems), parsed.problems


# --- the real file ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data: Path) -> Parsed:
    data = real_bytes(shared_data, "nhse-cwt", REAL)
    started = time.perf_counter()
    parsed = parsed_from(data, REAL)
    print(f"CWT-CRS parse {time.perf_counter() - started:.2f}s")  # measured once, not asserted
    return parsed


def test_real_england_september_equals_the_published_headlines(real: Parsed) -> None:
    assert real.errors == []
    got = values(real)
    # NHS England's headline for September 2024: FDS 197,899 of 264,312 = 74.873%.
    assert got[("2024-09", "ENG", "cancer_fds_28d")] == (pytest.approx(74.873, abs=5e-4), 197_899, 264_312)
    # 31-day 49,695 of 54,863 = 90.580%; 62-day 17,991 of 26,685 = 67.420%.
    assert got[("2024-09", "ENG", "cancer_31d")] == (pytest.approx(90.580, abs=5e-4), 49_695, 54_863)
    assert got[("2024-09", "ENG", "cancer_62d")] == (pytest.approx(67.420, abs=5e-4), 17_991, 26_685)


def test_real_barts_health_with_half_patients(real: Parsed) -> None:
    got = values(real)
    # R1H FDS 2,235 of 3,125 = 71.520%.
    assert got[("2024-09", "R1H", "cancer_fds_28d")] == (pytest.approx(71.520), 2_235, 3_125)
    # R1H 62-day 126.5 of 191 = 66.230%: half patients kept, not rounded to 126 or 127.
    assert got[("2024-09", "R1H", "cancer_62d")] == (pytest.approx(66.230, abs=5e-4), 126.5, 191)


def test_real_england_equals_the_files_other_cross_cut_every_month(shared_data: Path, real: Parsed) -> None:
    workbook = read_workbook(REAL, real_bytes(shared_data, "nhse-cwt", REAL))
    frame = workbook.sheets[0].table(1).frame
    other = frame[frame["CANCER TYPE"] == "ALL CANCERS"]
    sums = other.assign(t=other["TOTAL TREATED"].astype(float)).groupby(["PERIOD", "STANDARD"])["t"].sum()
    got = values(real)
    for (period, standard), total in sums.items():
        metric = {"31-day Combined": "cancer_31d", "62-day Combined": "cancer_62d"}[standard]
        assert got[(period[:7], "ENG", metric)][2] == pytest.approx(total), (period, standard)
    assert len(sums) == 12  # six months x two standards
    assert real.warnings == []  # the two cuts agree for every provider


def test_real_file_through_the_pipeline(shared_data: Path, config: Config) -> None:
    prepared = prepare(REAL, real_bytes(shared_data, "nhse-cwt", REAL), config, None, today_month="2026-11")
    assert prepared.ok, [p.describe() for p in prepared.errors[:3]]
    assert prepared.format == "nhse_cwt"
    assert set(prepared.rows["metric_id"]) == set(cwt.METRICS)
    assert sorted(prepared.rows["period"].unique()) == [f"2024-{m:02d}" for m in range(4, 10)]
    assert any("'Final'" in n for n in prepared.notes) and prepared.file_status == "final"


def test_real_file_committed_benchmarks_england_without_counting_it_as_a_provider(
    shared_data: Path, config: Config, sqlite_engine: Engine
) -> None:
    prepared = prepare(REAL, real_bytes(shared_data, "nhse-cwt", REAL), config, sqlite_engine, today_month="2026-11")
    commit_prepared(sqlite_engine, prepared, user="test")
    current, reference = store.read_current(sqlite_engine), store.read_reference(sqlite_engine)
    metric = config.metric_by_id["cancer_fds_28d"]
    providers = benchmark.providers_for(current, reference, config, metric, "2024-09")
    assert "ENG" not in set(providers["org_code"]) and len(providers) > 100
    table = benchmark.comparison(current, reference, config, metric, "R1H", "2024-09").set_index("level")
    # England from the providers equals the ENG row loaded from the file: 197,899 / 264,312 = 74.873%.
    assert table.at["England", "value"] == pytest.approx(100 * 197_899 / 264_312)
