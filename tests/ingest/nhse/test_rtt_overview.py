"""RTT overview time series: the real England series to Oct 2022, and small series built in code."""

from __future__ import annotations

import io
import time
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from perfdash.config import load_config
from perfdash.ingest.nhse import rtt_overview
from perfdash.ingest.nhse.published import ENGLAND_CODE
from perfdash.ingest.pipeline import prepare
from perfdash.ingest.workbook import read_workbook

REAL = Path("nhse-rtt") / "RTT-Overview-Timeseries-October22.xlsx"
MEASURES = [
    "Median wait (weeks)",
    "92nd percentile (weeks)",
    "No. within 18 weeks",
    "No. within 18 weeks with estimates for missing data",
    "% within 18 weeks",
    "No. > 18 weeks",
    "No. > 18 weeks with estimates for missing data",
    "No. > 52 weeks",
    "No. > 52 weeks with estimates for missing data",
    "% > 52 weeks",
    "Total waiting (mil)",
    "Total waiting (mil) with estimates for missing data",
]


@pytest.fixture(scope="module")
def real_bytes(shared_data: Path) -> bytes:
    """The real overview time series, Apr 2007 to Oct 2022."""
    path = shared_data / REAL
    if not path.is_file():
        pytest.skip(f"real RTT overview {path} is missing")
    return path.read_bytes()


def parsed_from(data: bytes):
    """Find and parse as the pipeline does."""
    workbook = read_workbook("RTT-Overview-Timeseries.xlsx", data)
    located = rtt_overview.find(workbook)
    assert located is not None
    return rtt_overview.parse(workbook, located)


def value(parsed, period: str, metric: str) -> float:
    """England's one value for a month and metric."""
    rows = parsed.rows[(parsed.rows["period"] == period) & (parsed.rows["metric_id"] == metric)]
    assert len(rows) == 1 and rows["org_code"].iat[0] == ENGLAND_CODE
    return float(rows["value"].iat[0])


def build_series(months: list[tuple[date, list[object]]], *, measures: list[str] = MEASURES, top: int = 10) -> bytes:
    """A 'Full Time Series' sheet: title block, group header on `top`, measures below, a row per month."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Full Time Series")
    dates = book.add_format({"num_format": "mmm-yy"})
    sheet.write_row(1, 1, ["Title:", "Referral to Treatment (RTT) Waiting Times, England"])
    sheet.write_row(3, 1, ["Period:", "April 2023 to June 2023"])
    sheet.write_row(5, 1, ["Basis:", "Commissioner"])
    sheet.write_row(top - 1, 1, ["Year", "Month", "Incomplete RTT pathways"])
    sheet.write(top - 1, 3 + len(measures), "Admitted (unadjusted) RTT pathways")
    sheet.write_row(top, 3, [*measures, "Median wait (weeks)", "No. within 18 weeks"])
    for index, (month, figures) in enumerate(months):
        line = top + 1 + index
        if month.month == 4:
            sheet.write(line, 1, f"{month.year}/{str(month.year + 1)[2:]}")
        sheet.write_datetime(line, 2, month, dates)  # type: ignore[arg-type]
        sheet.write_row(line, 3, [*figures, 12.0, 99_999])
    sheet.write(top + 2 + len(months), 1, "Notes:")
    book.close()
    return out.getvalue()


def figures(within: int, over_52: int | str, total: int) -> list[object]:
    """One month of the incomplete group: reported and estimated pairs, the fraction within 18 weeks."""
    over_18 = total - within
    return [
        13.0,
        45.0,
        within,
        within + 10,
        within / total,
        over_18,
        over_18 + 5,
        over_52,
        over_52,
        "-",
        total,
        total + 15,
    ]


def test_real_series_october_2022_equals_the_published_figures(real_bytes: bytes) -> None:
    workbook = read_workbook(REAL.name, real_bytes)
    started = time.perf_counter()
    parsed = rtt_overview.parse(workbook, rtt_overview.find(workbook))
    print(f"RTT overview parsed in {time.perf_counter() - started:.2f}s")  # measured, not asserted
    assert parsed.problems == []
    # Oct 2022 England: 4,182,612 of 6,953,647 within 18 weeks = 60.150% (the sheet's fraction: 0.601499);
    # 383,724 over 52 weeks = 5.518% of the list.
    assert value(parsed, "2022-10", "rtt_18wk_incomplete") == pytest.approx(100 * 4_182_612 / 6_953_647)
    assert value(parsed, "2022-10", "rtt_18wk_incomplete") == pytest.approx(60.150, abs=5e-4)
    assert value(parsed, "2022-10", "rtt_52wk_waiters") == 383_724
    assert value(parsed, "2022-10", "rtt_52wk_pct") == pytest.approx(100 * 383_724 / 6_953_647)
    assert value(parsed, "2022-10", "rtt_waiting_list") == 6_953_647
    # Every month with figures, England only, one value per metric and month; the empty Nov 2022-Mar 2023 rows
    # and the notes under the table give nothing.
    assert set(parsed.rows["org_code"]) == {ENGLAND_CODE}
    assert parsed.rows["period"].max() == "2022-10"
    counts = parsed.rows.groupby("metric_id")["period"].nunique()
    assert counts["rtt_waiting_list"] == len(set(parsed.rows["period"]))
    assert not parsed.rows.duplicated(["period", "metric_id"]).any()
    assert any("Frimley" in note for note in parsed.notes)  # the sheet's own missing-data statement


def test_real_series_through_the_pipeline(real_bytes: bytes) -> None:
    prepared = prepare(REAL.name, real_bytes, load_config(), None)
    assert prepared.ok, [p.describe() for p in prepared.problems]
    assert prepared.format == rtt_overview.NAME
    assert prepared.rows["period"].nunique() > 150


def test_real_series_with_a_renamed_measure_is_refused_naming_it(real_bytes: bytes) -> None:
    workbook = read_workbook(REAL.name, real_bytes)
    sheet = workbook.sheet("Full Time Series")
    located = rtt_overview.find(workbook)
    measures = sheet.rows[located.measure_row - 1]
    measures[[str(c) for c in measures].index("No. > 52 weeks")] = "Number over 52 weeks"  # in-memory copy only
    parsed = rtt_overview.parse(workbook, located)
    assert parsed.rows.empty
    [problem] = parsed.errors
    assert problem.column == "No. > 52 weeks" and problem.line == 11 and problem.sheet == "Full Time Series"
    assert "'Number over 52 weeks'" in problem.message  # what was found instead


def test_built_series_by_hand_worked_figures_with_not_collected_months() -> None:
    data = build_series(
        [
            (date(2023, 3, 1), ["-"] * len(MEASURES)),  # not collected: no row, never zero
            (date(2023, 4, 1), figures(4_500_000, 380_000, 7_500_000)),
            (date(2023, 5, 1), figures(4_600_000, "-", 7_400_000)),
        ],
        top=12,  # header moved down two rows: still found
    )
    parsed = parsed_from(data)
    assert parsed.errors == [], [p.describe() for p in parsed.problems]
    # Apr 2023: 4,500,000 / 7,500,000 = 60%; 380,000 / 7,500,000 = 5.0667% over 52 weeks.
    assert value(parsed, "2023-04", "rtt_18wk_incomplete") == pytest.approx(60.0)
    assert value(parsed, "2023-04", "rtt_52wk_pct") == pytest.approx(100 * 380_000 / 7_500_000)
    # May 2023: 4,600,000 / 7,400,000 = 62.162%; the 52-week count was '-' (not collected): no row.
    assert value(parsed, "2023-05", "rtt_18wk_incomplete") == pytest.approx(100 * 4_600_000 / 7_400_000)
    may = parsed.rows[parsed.rows["period"] == "2023-05"]
    assert set(may["metric_id"]) == {"rtt_18wk_incomplete", "rtt_waiting_list"}
    assert "2023-03" not in set(parsed.rows["period"])


def test_waiting_list_in_millions_is_refused() -> None:
    month = figures(4_500_000, 380_000, 7_500_000)
    month[10] = 7.5  # 'Total waiting (mil)' as millions, which this layout never holds
    parsed = parsed_from(build_series([(date(2023, 4, 1), month)]))
    assert parsed.rows.empty
    assert parsed.errors[0].column == "Total waiting (mil)" and "not millions" in parsed.errors[0].message


def test_percent_disagreeing_with_the_counts_is_a_warning() -> None:
    month = figures(4_500_000, 380_000, 7_500_000)
    month[4] = 0.55  # the sheet's fraction says 55%, the counts say 60%
    parsed = parsed_from(build_series([(date(2023, 4, 1), month)]))
    assert parsed.errors == []
    [warning] = parsed.warnings
    assert warning.column == "% within 18 weeks" and "60.000%" in warning.message and "55.000%" in warning.message


def test_real_series_commits_to_a_store_and_reads_back(real_bytes: bytes, tmp_path: Path) -> None:
    from perfdash import service, store

    engine = store.get_engine(f"sqlite:///{tmp_path / 'rtt.sqlite'}")
    prepared = prepare(REAL.name, real_bytes, load_config(), engine)
    assert prepared.ok and prepared.origin == store.ORIGIN_PUBLICATION
    service.commit_prepared(engine, prepared, user="test")
    current = store.read_current(engine, metric_ids=["rtt_waiting_list"])
    october = current[current["period"] == "2022-10"]
    assert october["value"].tolist() == [6_953_647] and october["org_code"].tolist() == [ENGLAND_CODE]
    store.dispose_engines()


def test_sheet_saved_as_csv_from_excel_reads_the_same() -> None:
    """Saved from Excel as CSV: months as shown ('Apr-23'), counts with commas, the fraction as '60.0%'."""
    text = "\r\n".join(
        [
            ',Title:,"Referral to Treatment (RTT) Waiting Times, England"',
            ",Period:,April 2023 to May 2023",
            "",
            ",Year,Month,Incomplete RTT pathways" + "," * (len(MEASURES) - 1),
            ",,," + ",".join(f'"{m}"' for m in MEASURES),
            ',2023/24,Apr-23,13.0,45.0,"4,500,000","4,500,010",60.0%,"3,000,000","3,000,005","380,000","380,000",-,'
            '"7,500,000","7,500,015"',
            "",  # Excel ends the last line with a line break
        ]
    )
    prepared = prepare("RTT-Overview-Timeseries.csv", text.encode(), load_config(), None)
    assert prepared.ok, [p.describe() for p in prepared.problems]
    assert prepared.format == rtt_overview.NAME
    rows = prepared.rows.set_index("metric_id")["value"]
    assert rows["rtt_18wk_incomplete"] == pytest.approx(60.0)  # 4,500,000 / 7,500,000
    assert rows["rtt_52wk_waiters"] == 380_000
    assert prepared.warnings == []  # '60.0%' read as the fraction 0.6, agreeing with the counts
