"""AmbSYS time series (Raw sheet): the real published file, and variants built in its layout."""

from __future__ import annotations

import time
from datetime import time as clock
from pathlib import Path

import pytest

from perfdash.config import Config
from perfdash.ingest.model import Parsed
from perfdash.ingest.nhse import ambsys
from perfdash.ingest.pipeline import prepare, read_file
from perfdash.ingest.workbook import Workbook, read_workbook
from tests.ingest.nhse.built import real_bytes, xlsx

REAL = "AmbSYS-Time-Series-until-20250831.xlsx"
# The real header's first columns, then indicator codes; the codes between the ones perfdash reads are kept so
# the built sheet is recognised the way the real one is (a run of A-codes).
CODES = [f"A{n}" for n in range(0, 40)]
HEADER = ["Concatenated", "Year", "Month", "Reg", "", "Area", "Trust", *CODES]


def raw_row(year: str, month: str, area: str, seconds: dict[str, object]) -> list[object]:
    """One Raw row: indicator cells from `seconds`, the rest 0."""
    return [f"{year}{month}{area}", year, month, "", "", area, "", *(seconds.get(c, 0) for c in CODES)]


LAS_AUG = {"A25": 401, "A26": 685, "A31": 1553, "A32": 3220, "A35": 9686, "A38": 16455}


def raw_sheet(rows: list[list[object]], header: list[str] = HEADER) -> list[list[object]]:
    """The Raw sheet: four rows above the header on row 5, as published."""
    return [[], [], ["", "", "", "", "", "", "", "", "Calls"], ["", "", "", "", "", "", "", "Contacts"], header, *rows]


def parsed_from(data: bytes) -> Parsed:
    """Find and parse a built workbook as the pipeline does."""
    workbook = read_workbook("ambsys.xlsx", data)
    located = ambsys.find(workbook)
    assert located is not None
    return ambsys.parse(workbook, located)


def values(parsed: Parsed) -> dict[tuple[str, str, str], float]:
    """(period, org_code, metric_id) -> value in minutes."""
    return {(r.period, r.org_code, r.metric_id): r.value for r in parsed.rows.itertuples()}


def test_financial_year_and_month_give_the_calendar_month() -> None:
    assert ambsys.period_of("2025-26", "AUGUST") == "2025-08"
    assert ambsys.period_of("2024-25", "JANUARY") == "2025-01"  # January to March fall in the second year
    assert ambsys.period_of("2024-25", "March") == "2025-03"
    assert ambsys.period_of("2024-26", "MAY") is None
    assert ambsys.period_of("", "MAY") is None


def test_seconds_become_minutes_for_england_regions_and_trusts_across_blank_rows() -> None:
    rows = [
        raw_row("2025-26", "JULY", "ENG", {"A31": 1800}),
        raw_row("2025-26", "AUGUST", "ENG", {"A31": 1623}),
        [],
        raw_row("2025-26", "AUGUST", "Y63", {"A31": 1500}),
        [],
        raw_row("2025-26", "AUGUST", "RRU", LAS_AUG),
    ]
    parsed = parsed_from(xlsx({"Raw": raw_sheet(rows)}))
    assert parsed.errors == []
    got = values(parsed)
    # RRU Category 2 mean 1,553 s = 25 min 53 s = 25.883 min; 90th centile 3,220 s = 53.667 min.
    assert got[("2025-08", "RRU", "amb_cat2_mean")] == pytest.approx(1553 / 60)
    assert got[("2025-08", "RRU", "amb_cat2_p90")] == pytest.approx(3220 / 60)
    assert got[("2025-08", "RRU", "amb_cat3_p90")] == pytest.approx(9686 / 60)
    assert got[("2025-08", "RRU", "amb_cat4_p90")] == pytest.approx(16455 / 60)
    assert got[("2025-07", "ENG", "amb_cat2_mean")] == 30.0
    assert got[("2025-08", "Y63", "amb_cat2_mean")] == 25.0
    # 0 seconds is a month not reported, never a 0-minute response.
    assert ("2025-08", "ENG", "amb_cat1_mean") not in got
    assert set(parsed.rows.loc[parsed.rows["org_code"] == "RRU", "line"]) == {11}


def test_dash_is_missing_never_zero() -> None:
    parsed = parsed_from(xlsx({"Raw": raw_sheet([raw_row("2025-26", "AUGUST", "RRU", LAS_AUG | {"A31": "-"})])}))
    got = values(parsed)
    assert ("2025-08", "RRU", "amb_cat2_mean") not in got and ("2025-08", "RRU", "amb_cat2_p90") in got
    assert any("treated as missing (not zero)" in n for n in parsed.notes)


def test_renamed_indicator_column_is_refused_naming_it() -> None:
    header = [("A31 " if c == "A31" else c) for c in HEADER]
    header[header.index("A31 ")] = "C2 mean"
    parsed = parsed_from(xlsx({"Raw": raw_sheet([raw_row("2025-26", "AUGUST", "RRU", LAS_AUG)], header)}))
    assert parsed.rows.empty
    (problem,) = parsed.errors
    assert (problem.column, problem.line, problem.sheet) == ("A31", 5, "Raw")
    assert "expected a column 'A31'" in problem.message


def test_bad_month_repeat_and_unreadable_time_are_located() -> None:
    rows = [
        raw_row("2025-26", "AUGUST", "RRU", LAS_AUG),
        raw_row("2025-26", "AUGUST", "RRU", LAS_AUG),
        raw_row("2025-26", "AUGUSTUS", "RX6", LAS_AUG),
        raw_row("2025-26", "JULY", "RX7", LAS_AUG | {"A26": "11:25"}),
    ]
    parsed = parsed_from(xlsx({"Raw": raw_sheet(rows)}))
    assert {(p.line, p.column) for p in parsed.errors} == {(7, None), (8, "Year"), (9, "A26")}


def test_header_moved_down_is_still_found() -> None:
    sheet = [["AmbSYS"], *raw_sheet([raw_row("2025-26", "AUGUST", "RRU", LAS_AUG)])]
    parsed = parsed_from(xlsx({"Raw": sheet}))
    assert parsed.rows["line"].unique().tolist() == [7]


def test_a_sheet_without_the_indicator_codes_is_not_taken_for_raw() -> None:
    workbook = Workbook("x.xlsx", "xlsx", ())
    assert ambsys.find(workbook) is None
    data = xlsx({"Response times": [["Response times"], ["Year", "Month", "Area", "Mean"]]})
    assert ambsys.find(read_workbook("x.xlsx", data)) is None


# --- the real file ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_workbook(shared_data: Path) -> Workbook:
    return read_workbook(REAL, real_bytes(shared_data, "nhse-ambulance", REAL))


@pytest.fixture(scope="module")
def real(real_workbook: Workbook) -> Parsed:
    started = time.perf_counter()
    parsed = ambsys.parse(real_workbook, ambsys.find(real_workbook))
    print(f"AmbSYS parse {time.perf_counter() - started:.2f}s, {len(parsed.rows):,} rows")  # measured, not asserted
    return parsed


def test_real_london_ambulance_service_august_2025(real: Parsed) -> None:
    assert real.errors == []
    got = values(real)
    # RRU Aug 2025: Category 2 mean 1,553 s = 25 min 53 s (25 x 60 + 53 = 1,553); 90th centile 3,220 s.
    assert got[("2025-08", "RRU", "amb_cat2_mean")] * 60 == pytest.approx(25 * 60 + 53)
    assert got[("2025-08", "RRU", "amb_cat2_p90")] * 60 == pytest.approx(3220)


def test_real_series_covers_every_area_and_month(real: Parsed) -> None:
    # 15 areas (England, 3 multi-trust regions, 11 trusts) x 97 months (Aug 2017 to Aug 2025).
    rows = real.rows
    assert rows["org_code"].nunique() == 15
    assert {"ENG", "Y63", "Y60", "Y59", "RRU", "RX6", "RYA"} <= set(rows["org_code"])
    assert (rows["period"].min(), rows["period"].max()) == ("2017-08", "2025-08")
    assert set(rows["metric_id"]) == set(ambsys.METRICS)


def _seconds(cell: object) -> float | None:
    """A 'Response times' sheet cell (a time of day holding a duration) in seconds."""
    if not isinstance(cell, clock):
        return None
    return cell.hour * 3600 + cell.minute * 60 + cell.second + cell.microsecond / 1e6


def test_real_england_equals_the_files_own_response_times_sheet(real_workbook: Workbook, real: Parsed) -> None:
    """The 'Response times' sheet shows England month by month (min:sec): every month agrees with Raw's ENG rows."""
    sheet = real_workbook.sheet("Response times")
    assert sheet is not None
    header = next(r for r in sheet.rows if "Indicator:" in r)
    column = {code: header.index(code) for code in ambsys.INDICATORS}
    got = values(real)
    compared = 0
    for cells in sheet.rows:
        period = ambsys.period_of(str(cells[1]), str(cells[2])) if len(cells) > 2 else None
        if period is None:
            continue
        for code, metric_id in ambsys.INDICATORS.items():
            shown = _seconds(cells[column[code]])
            if shown is None or shown == 0:
                continue
            assert got[(period, "ENG", metric_id)] * 60 == pytest.approx(shown, abs=1.0), (period, code)
            compared += 1
    assert compared > 90 * 6  # nearly every month and indicator since August 2017


def test_real_file_through_the_pipeline(shared_data: Path, config: Config) -> None:
    data = real_bytes(shared_data, "nhse-ambulance", REAL)
    prepared = prepare(REAL, data, config, None, today_month="2026-11")
    assert prepared.ok, [p.describe() for p in prepared.errors[:3]]
    assert prepared.format == "nhse_ambsys"
    assert len(prepared.rows) == 8_520


def test_raw_saved_as_csv_is_read_and_the_wrong_sheet_is_refused_with_what_to_do(config: Config) -> None:
    rows = raw_sheet([raw_row("2025-26", "AUGUST", "RRU", LAS_AUG)])
    text = "\r\n".join(",".join(str(c) for c in r) for r in rows).encode("utf-8")
    read = read_file("Raw.csv", text, config)
    assert read.format is ambsys.SHEET_IMPORTER
    assert values(read.parsed)[("2025-08", "RRU", "amb_cat2_mean")] == pytest.approx(1553 / 60)
    summary = (
        b"Response times,,,\r\nEng,.,C1,\r\nENG,Indicator:,A8,A24,A25,A26\r\n2025-26,August,74581,9681,00:07:47\r\n"
    )
    prepared = prepare("Response times.csv", summary, config, None)
    assert prepared.format == "nhse_ambsys" and not prepared.ok
    assert "not the 'Raw' sheet" in prepared.errors[0].message and "'Raw' sheet as CSV" in prepared.errors[0].fix
