"""MHSDS 4-week waits: the real Performance September 2024 file, and small files built in code."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from perfdash.config import load_config
from perfdash.ingest.nhse import mhsds
from perfdash.ingest.nhse.published import ENGLAND_CODE
from perfdash.ingest.pipeline import prepare

REAL = Path("nhsd-mhsds") / "MHSDS Data_4WW_SepPerf_2024.csv"
HEADER = list(mhsds.COLUMNS)
QUARTER = ("01/07/2024", "30/09/2024")
MONTH = ("01/09/2024", "30/09/2024")


@pytest.fixture(scope="module")
def real_bytes(shared_data: Path) -> bytes:
    """The real MHSDS 4-week-wait file, Performance September 2024."""
    path = shared_data / REAL
    if not path.is_file():
        pytest.skip(f"real MHSDS file {path} is missing")
    return path.read_bytes()


def line(
    breakdown: str, code: str, measure: str, figure: str, *, period=QUARTER, status: str = "Performance"
) -> list[str]:
    """One long-form line."""
    return [*period, status, breakdown, code, f"{code} NAME", "NONE", "NONE", measure, f"{measure} name", figure]


def build(lines: list[list[str]], header: list[str] = HEADER, newline: str = "\r\n") -> str:
    """A CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(lines)
    return out.getvalue()


def value(parsed, org: str, metric: str = "cmh_4wk_seen") -> tuple[float, float, float]:
    """(value, numerator, denominator) of the one row for an organisation and metric."""
    rows = parsed.rows[(parsed.rows["org_code"] == org) & (parsed.rows["metric_id"] == metric)]
    assert len(rows) == 1, (org, metric, rows)
    row = rows.iloc[0]
    return float(row["value"]), float(row["numerator"]), float(row["denominator"])


def sample(**kwargs: object) -> list[list[str]]:
    """England unrounded, a provider rounded, a suppressed provider, and a stock measure for the month."""
    return [
        line("England", "England", "MRS01", "1000", **kwargs),
        line("England", "England", "MRS01a", "125", **kwargs),
        line("England", "England", "MRS01b", "12.5", **kwargs),
        line("Provider", "RAT", "MRS01", "480", **kwargs),
        line("Provider", "RAT", "MRS01a", "80", **kwargs),
        line("Provider", "RAT", "MRS01b", "17", **kwargs),
        line("Provider", "RWK", "MRS01", "15", **kwargs),
        line("Provider", "RWK", "MRS01a", "*", **kwargs),
        line("Provider", "RWK", "MRS01b", "*", **kwargs),
        line("ICB of GP Practice or Residence", "QMF", "MRS01b", "10", **kwargs),
        line("England", "England", "MRS02", "500000", period=MONTH),  # stock measure: not read
    ]


def test_real_file_england_and_nel_equal_the_published_figures(real_bytes: bytes) -> None:
    text = real_bytes.decode("utf-8-sig")
    started = time.perf_counter()
    parsed = mhsds.parse(text)
    print(f"MHSDS 4WW parsed in {time.perf_counter() - started:.2f}s")  # measured, not asserted
    assert parsed.problems == []
    # Jul-Sep 2024, stored under Sep 2024. England: 1,148 of 13,706 referrals seen within 4 weeks = 8.376%,
    # equal to the file's own MRS01b (8.375894).
    england = value(parsed, ENGLAND_CODE)
    assert england == pytest.approx((8.375894, 1_148, 13_706))
    assert pytest.approx(8.375894, abs=1e-5) == 100 * 1_148 / 13_706
    assert set(parsed.rows["period"]) == {"2024-09"}
    # NELFT RAT: the published whole-number 17% (its counts 80 / 480 = 16.7% are rounded to 5, not stored).
    rat = value(parsed, "RAT")
    assert rat[0] == 17 and rat[1] != rat[1]  # NaN numerator
    # NEL ICB (ICB of GP practice or residence) QMF: 10% (50 of 495, rounded counts).
    assert value(parsed, "QMF")[0] == 10
    # ELFT RWK: suppressed, so no row at all (never zero), and a note counts the suppressed cells.
    rwk = parsed.rows[(parsed.rows["org_code"] == "RWK") & (parsed.rows["metric_id"] == "cmh_4wk_seen")]
    assert rwk.empty
    assert any("suppressed ('*'): missing, not zero" in note for note in parsed.notes)
    assert any("status Performance" in note and "Jul 2024 to Sep 2024" in note for note in parsed.notes)
    assert set(parsed.rows["metric_id"]) == {"cmh_4wk_seen", "cyp_4wk_seen"}


def test_real_file_through_the_pipeline(real_bytes: bytes) -> None:
    prepared = prepare(REAL.name, real_bytes, load_config(), None)
    assert prepared.ok, [p.describe() for p in prepared.problems]
    assert prepared.format == mhsds.NAME
    assert prepared.file_status == "Performance"
    assert {ENGLAND_CODE, "RAT", "QMF"} <= set(prepared.rows["org_code"])


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_built_file_by_hand_worked_figures(newline: str) -> None:
    parsed = mhsds.parse(build(sample(), newline=newline))
    assert parsed.errors == [], [p.describe() for p in parsed.problems]
    # England: 125 / 1,000 = 12.5%, with its counts.
    assert value(parsed, ENGLAND_CODE) == (12.5, 125, 1_000)
    assert value(parsed, "RAT")[0] == 17 and value(parsed, "QMF")[0] == 10
    assert set(parsed.rows["org_code"]) == {ENGLAND_CODE, "RAT", "QMF"}  # RWK suppressed: no row
    assert set(parsed.rows["period"]) == {"2024-09"}


def test_provisional_status_is_noted() -> None:
    parsed = mhsds.parse(build(sample(status="Provisional")))
    assert any("status Provisional" in note for note in parsed.notes)
    assert parsed.status == "Provisional"


def test_renamed_column_is_refused_naming_it() -> None:
    header = [c if c != "MEASURE_VALUE" else "VALUE" for c in HEADER]
    assert mhsds.matches(header)
    parsed = mhsds.parse(build(sample(), header=header))
    assert parsed.rows.empty
    assert "'MEASURE_VALUE'" in parsed.errors[0].message


def test_england_percentage_disagreeing_with_its_counts_is_refused() -> None:
    lines = sample()
    lines[2][-1] = "21.5"  # England MRS01b, while 125 / 1,000 = 12.5%
    parsed = mhsds.parse(build(lines))
    assert parsed.errors and parsed.errors[0].line == 4 and "12.500%" in parsed.errors[0].message


def test_unreadable_figure_and_date_are_located() -> None:
    lines = sample()
    lines[4][-1] = "eighty"
    lines[5][1] = "31/13/2024"
    parsed = mhsds.parse(build(lines))
    assert parsed.rows.empty
    found = {(p.line, p.column) for p in parsed.errors}
    assert (6, "MEASURE_VALUE") in found and (7, "REPORTING_PERIOD_END") in found


def test_other_mhsds_file_without_4_week_measures_says_what_to_upload() -> None:
    parsed = mhsds.parse(build([line("England", "England", "MHS01", "400000")]))
    assert parsed.rows.empty and "4-week-wait measures" in parsed.errors[0].message


def test_through_the_pipeline_with_a_store(tmp_path: Path) -> None:
    from perfdash import service, store

    config = load_config()
    engine = store.get_engine(f"sqlite:///{tmp_path / 'mhsds.sqlite'}")
    prepared = prepare("MHSDS Data_4WW.csv", build(sample()).encode(), config, engine)
    assert prepared.ok, [p.describe() for p in prepared.problems]
    service.commit_prepared(engine, prepared, user="test")
    current = store.read_current(engine, metric_ids=["cmh_4wk_seen"])
    assert sorted(current["org_code"]) == sorted([ENGLAND_CODE, "RAT", "QMF"])
    store.dispose_engines()
